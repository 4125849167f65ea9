"""Import a Label Studio labeling config (XML) as a LabelHive label schema.

Label Studio shows `value` and stores `alias` when present; so `alias` becomes our stable value and
`value` the display name (in the project's locale, e.g. zh-CN: 裂纹). Without alias, `value` is the
stored value when it is a valid identifier; otherwise a slug is derived.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from labelhive_api.errors import Unprocessable
from labelhive_api.projects.label_schema import VALUE, Label, Tool, validate_labels

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


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9_.\-]+", "_", ascii_text).strip("_").lower()
    return slug[:100]


def _stable_value(alias: str | None, value: str, used: set[str]) -> str:
    for candidate in (alias, value):
        if candidate and re.match(VALUE, candidate):
            return candidate
    base = _slug(alias or value) or "label"
    candidate, n = base, len(used) + 1
    while candidate in used:
        candidate = f"{base}_{n}"
        n += 1
    return candidate


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def import_config(xml: str, locale: str = "zh-CN") -> list[dict[str, Any]]:
    """Returns validated labels (as stored in LabelSchema.labels); 422 `invalid_label_config` on bad XML."""
    try:
        root: Element = ElementTree.fromstring(xml, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise Unprocessable(f"not a valid labeling config: {exc}", code="invalid_label_config") from None
    by_value: dict[str, Label] = {}
    order: list[str] = []
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
            stable = _stable_value(child.get("alias"), shown, set(by_value))
            if stable in by_value:
                if tool not in by_value[stable].tools:
                    by_value[stable].tools.append(tool)
                continue
            names = {locale: shown}
            if child.get("alias") and child.get("alias") != shown:
                names.setdefault("en", child.get("alias") or shown)
            hotkey = child.get("hotkey")
            skeleton = None
            if tool is Tool.KEYPOINTS:
                skeleton = {"name": stable, "points": [stable]}
            by_value[stable] = Label.model_validate(
                {
                    "value": stable,
                    "names": names,
                    "color": _colour(child.get("background"), len(order)),
                    "hotkey": hotkey,
                    "tools": [tool.value],
                    "skeleton": skeleton,
                }
            )
            order.append(stable)
    if not order:
        raise Unprocessable("the config defines no labels", code="invalid_label_config")
    return validate_labels([by_value[v] for v in order])
