"""What an export job was asked for, validated once when the job is created."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from labelhive_api.formats.registry import EXPORT_FORMATS

SOURCES = ("annotations", "predictions")


class ExportOptionsError(ValueError):
    pass


@dataclass(frozen=True)
class ExportOptions:
    format: str
    with_images: bool = False
    batch_ids: list[int] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # project label values to keep (empty: all)
    label_map: dict[str, str] = field(default_factory=dict)  # child -> parent, followed transitively
    val_fraction: float = 0.0
    split_seed: int = 0
    test_fraction: float = 0.0  # a third split beside train and val (0: none)
    source: str = "annotations"
    skip_empty: bool = False
    # Class names in the export: "value" (the stored label values) or a locale ("zh-CN", "en"): that
    # display name where the label has one (else its value).
    label_names: str = "value"

    def __post_init__(self) -> None:
        if self.format not in EXPORT_FORMATS:
            raise ExportOptionsError(f"format must be one of {', '.join(EXPORT_FORMATS)}")
        if not 0.0 <= self.val_fraction < 1.0:
            raise ExportOptionsError("val_fraction must be in [0, 1)")
        if not 0.0 <= self.test_fraction < 1.0 or self.val_fraction + self.test_fraction >= 1.0:
            raise ExportOptionsError("test_fraction must be in [0, 1) and leave some of train")
        if self.source not in SOURCES:
            raise ExportOptionsError("source must be annotations or predictions")
        for child in self.label_map:
            seen = {child}
            parent = self.label_map[child]
            while parent in self.label_map:
                if parent in seen:
                    raise ExportOptionsError(f"label_map has a cycle through {parent!r}")
                seen.add(parent)
                parent = self.label_map[parent]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExportOptions:
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ExportOptionsError(f"unknown export options: {sorted(unknown)}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def map_label(self, value: str) -> str:
        while value in self.label_map:
            value = self.label_map[value]
        return value
