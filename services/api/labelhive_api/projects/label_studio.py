"""Import a Label Studio labeling config (XML) as a LabelHive label schema.

Label Studio shows a label's `value` and writes `alias` into results when it has one (else `value`).
So the string results carry (alias or value) identifies a label: the same one under several control
tags (RectangleLabels + PolygonLabels) is one LabelHive label allowing each tool. Its stored value is
that string when it is a valid identifier, else a generated one (`generated_value`); `value` is the
display name in the project's locale, an alias the English one. An alias that is not an identifier is
kept in `aliases`, and display names match on import, so Label Studio results map back either way.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from labelhive_api.errors import Unprocessable
from labelhive_api.projects.label_schema import VALUE, Label, Skeleton, Tool, validate_labels

# Control tag -> tool.
CONTROL_TOOLS = {
    "rectanglelabels": Tool.BBOX,
    "rectangle": Tool.BBOX,
    "polygonlabels": Tool.POLYGON,
    "polygon": Tool.POLYGON,
    "keypointlabels": Tool.KEYPOINTS,
    "keypoint": Tool.KEYPOINTS,
    "choices": Tool.TAG,
    "labels": Tool.BBOX,
    "brushlabels": Tool.POLYGON,
}
_NAMED_COLOURS = {
    "red": "#ff0000",
    "green": "#008000",
    "blue": "#0000ff",
    "yellow": "#ffff00",
    "orange": "#ffa500",
    "purple": "#800080",
    "pink": "#ffc0cb",
    "black": "#000000",
    "white": "#ffffff",
    "gray": "#808080",
    "grey": "#808080",
    "cyan": "#00ffff",
    "magenta": "#ff00ff",
    "brown": "#a52a2a",
    "lime": "#00ff00",
    "navy": "#000080",
    "teal": "#008080",
    "olive": "#808000",
    "maroon": "#800000",
}
_PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45"]


def _colour(raw: str | None, index: int) -> str:
    if raw:
        raw = raw.strip().lower()
        if re.match(r"^#(?:[0-9a-f]{3}|[0-9a-f]{6})$", raw):
            return raw
        if raw in _NAMED_COLOURS:
            return _NAMED_COLOURS[raw]
    return _PALETTE[index % len(_PALETTE)]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def import_config(
    xml: str, locale: str = "zh-CN", previous: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Returns validated labels (as stored in LabelSchema.labels); 422 `invalid_label_config` on bad XML.

    `previous`: the project's current labels, whose generated values are kept for the same names."""
    try:
        root: Element = ElementTree.fromstring(xml, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise Unprocessable(f"not a valid labeling config: {exc}", code="invalid_label_config") from None
    by_key: dict[str, Label] = {}
    for control in root.iter():
        tool = CONTROL_TOOLS.get(_local(control.tag))
        if tool is None:
            continue
        for child in control:
            if _local(child.tag) not in {"label", "choice"}:
                continue
            shown = (child.get("value") or "").strip()
            if not shown:
                raise Unprocessable("a <Label> has no value", code="invalid_label_config")
            alias = (child.get("alias") or "").strip() or None
            key = alias or shown  # what Label Studio writes into its results
            label = by_key.get(key)
            if label is None:
                label = by_key[key] = _label(shown, alias, locale, child, len(by_key), tool)
            elif tool not in label.tools:
                label.tools.append(tool)
            if tool is Tool.KEYPOINTS and label.skeleton is None:
                # Label Studio keypoints are single named points: a one-point skeleton
                label.skeleton = Skeleton(name="point", points=[shown])
    if not by_key:
        raise Unprocessable("the config defines no labels", code="invalid_label_config")
    return validate_labels(list(by_key.values()), previous or [])


def _label(shown: str, alias: str | None, locale: str, child: Element, index: int, tool: Tool) -> Label:
    value = next((c for c in (alias, shown) if c and re.match(VALUE, c)), None)
    names = {locale: shown}
    if alias and alias != shown and alias.isascii():
        names.setdefault("en", alias)
    return Label.model_validate(
        {
            "value": value,
            "names": names,
            "aliases": [alias] if alias and alias != value else [],
            "color": _colour(child.get("background"), index),
            "hotkey": child.get("hotkey"),
            "tools": [tool.value],
            "skeleton": {"name": "point", "points": [shown]} if tool is Tool.KEYPOINTS else None,
        }
    )
