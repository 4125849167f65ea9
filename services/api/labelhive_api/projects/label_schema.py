"""Label schema validation: stable values, display names per locale, colours, hotkeys, allowed tools."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

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
    value: str = Field(pattern=VALUE, description="stable identifier stored in annotations (e.g. `crack`)")
    names: dict[str, str] = Field(
        default_factory=dict, description="display name per locale (zh-CN, en, ...)"
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
        if Tool.KEYPOINTS in self.tools and self.skeleton is None:
            raise ValueError(f"label {self.value!r} allows keypoints but names no skeleton")
        return self


class LabelSchemaIn(RequestBody):
    labels: list[Label] = Field(max_length=1000)


def validate_labels(labels: list[Label]) -> list[dict[str, Any]]:
    """Reject duplicate values and hotkeys; return the JSON stored in LabelSchema.labels."""
    seen_values: set[str] = set()
    seen_keys: dict[str, str] = {}
    for index, label in enumerate(labels):
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
    return [label.model_dump(mode="json") for label in labels]
