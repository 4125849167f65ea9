"""Label schema validation: stable values, display names per locale, colours, hotkeys, allowed tools.

A label's `value` is what annotations store; it never changes. A manager may give only display names
(e.g. just `{"zh-CN": "裂纹"}`): the API then generates the value (see `generated_value`) and keeps it
across later schema versions that still carry that display name.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from labelhive_api.api.schemas import RequestBody
from labelhive_api.errors import Unprocessable


class Tool(StrEnum):
    BBOX = "bbox"
    POLYGON = "polygon"
    KEYPOINTS = "keypoints"
    TAG = "tag"


HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
VALUE = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$"


class Skeleton(RequestBody):
    name: str = Field(min_length=1, max_length=100)
    points: list[str] = Field(min_length=1, max_length=100)
    edges: list[tuple[int, int]] = Field(default_factory=list)


class Label(RequestBody):
    value: str | None = Field(
        None,
        pattern=VALUE,
        description="stable identifier stored in annotations (e.g. `crack`); generated from the display "
        "name when omitted",
    )
    names: dict[str, str] = Field(
        default_factory=dict, description="display name per locale (zh-CN, en, ...)"
    )
    aliases: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list,
        max_length=20,
        description="other names datasets use for this label (e.g. a Label Studio alias); matched on import",
    )
    color: str = "#3b82f6"
    hotkey: str | None = Field(None, min_length=1, max_length=16)
    tools: list[Tool] = Field(default_factory=lambda: [Tool.BBOX], min_length=1)
    skeleton: Skeleton | None = None

    @field_validator("color")
    @classmethod
    def _colour(cls, value: str) -> str:
        if not HEX_COLOUR.match(value):
            raise ValueError("colour must be #rgb or #rrggbb")
        return value.lower()

    @field_validator("names")
    @classmethod
    def _names(cls, value: dict[str, str]) -> dict[str, str]:
        for locale, text in value.items():
            if (
                not re.match(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", locale)
                or not text.strip()
                or len(text) > 200
            ):
                raise ValueError(f"bad display name for locale {locale!r}")
        return value

    @model_validator(mode="after")
    def _skeleton_for_keypoints(self) -> Label:
        if self.value is None and not self.names:
            raise ValueError("a label needs a value or at least one display name")
        if Tool.KEYPOINTS in self.tools and self.skeleton is None:
            raise ValueError(f"label {self.shown!r} allows keypoints but names no skeleton")
        return self

    @property
    def shown(self) -> str:
        return self.value or display_name(self.names)


class LabelSchemaIn(RequestBody):
    labels: list[Label] = Field(max_length=1000)


def display_name(names: dict[str, str]) -> str:
    """The name a generated value derives from: English when given, else the first locale's."""
    return (names.get("en") or next(iter(names.values()), "")).strip()


def slug(text: str) -> str:
    """ASCII letters, digits, `_ . -` only (accents dropped, other runs become `_`), lower case."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9_.\-]+", "_", ascii_text).strip("_.-").lower()[:100]


def generated_value(names: dict[str, str]) -> str:
    """A stable ASCII id for a label known by display names only.

    The slug of the display name (`display_name`) when that name is plain ASCII (`Weld seam` ->
    `weld_seam`); otherwise `l-` and the first 8 hex digits of the SHA-256 of its NFC UTF-8 bytes
    (`裂纹` -> `l-` + sha256("裂纹")[:8]), so the same name always gets the same id, on any machine.
    """
    text = unicodedata.normalize("NFC", display_name(names))
    if text.isascii() and slug(text):
        return slug(text)
    return "l-" + hashlib.sha256(text.encode()).hexdigest()[:8]


def _name_keys(names: dict[str, str]) -> set[str]:
    return {unicodedata.normalize("NFC", n).strip().casefold() for n in names.values()}


def assign_values(labels: list[Label], previous: Iterable[dict[str, Any]] = ()) -> None:
    """Give every label without a value one: the value of the previous schema's label that shares a
    display name with it (so saving a schema again keeps ids), else `generated_value` (made unique
    with `-2`, `-3`, ...)."""
    taken = {label.value for label in labels if label.value}
    by_name: dict[str, str] = {}
    for old in previous:
        for key in _name_keys(old.get("names") or {}):
            by_name.setdefault(key, str(old["value"]))
    for label in labels:
        if label.value:
            continue
        reused = next((by_name[k] for k in _name_keys(label.names) if k in by_name), None)
        if reused is not None and reused not in taken:
            label.value = reused
        else:
            base = generated_value(label.names)
            value, n = base, 2
            while value in taken:
                value, n = f"{base}-{n}", n + 1
            label.value = value
        taken.add(label.value)


def validate_labels(labels: list[Label], previous: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """Fill in generated values, reject duplicate values and hotkeys; return the JSON stored in
    LabelSchema.labels (`previous`: the current schema's labels, whose generated values are kept)."""
    assign_values(labels, previous)
    seen_values: set[str] = set()
    seen_keys: dict[str, str] = {}
    for index, label in enumerate(labels):
        assert label.value is not None
        if label.value in seen_values:
            raise Unprocessable(
                f"duplicate label value {label.value!r}", code="duplicate_label_value", label_index=index
            )
        seen_values.add(label.value)
        if label.hotkey:
            key = label.hotkey.lower()
            if key in seen_keys:
                raise Unprocessable(
                    f"hotkey {label.hotkey!r} is used by {seen_keys[key]!r} and {label.value!r}",
                    code="duplicate_hotkey",
                    label_index=index,
                )
            seen_keys[key] = label.value
    return [_stored(label) for label in labels]


def _stored(label: Label) -> dict[str, Any]:
    data = label.model_dump(mode="json")
    if not data["aliases"]:
        del data["aliases"]  # schemas saved before aliases existed compare equal
    return data
