"""Model / import classes -> project label values, with parent fallbacks; what stays unmapped is reported."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping


def parents(cls: str, explicit: Mapping[str, str]) -> list[str]:
    """The class itself, then its ancestors: explicit parents first, else the path before the last '/' or '.'."""
    chain: list[str] = []
    current: str | None = cls
    while current and current not in chain:
        chain.append(current)
        if current in explicit:
            current = explicit[current]
            continue
        cut = max(current.rfind("/"), current.rfind("."))
        current = current[:cut] if cut > 0 else None
    return chain


def resolve(cls: str, mapping: Mapping[str, str], explicit_parents: Mapping[str, str]) -> str | None:
    for candidate in parents(cls, explicit_parents):
        if candidate in mapping:
            return mapping[candidate]
    return mapping.get("*")


class LabelMapper:
    """Maps classes for one job and counts the ones with no project label."""

    def __init__(self, mapping: Mapping[str, str], explicit_parents: Mapping[str, str]) -> None:
        self._mapping = mapping
        self._parents = explicit_parents
        self.unmapped: Counter[str] = Counter()

    def label_for(self, cls: str) -> str | None:
        label = resolve(cls, self._mapping, self._parents)
        if label is None:
            self.unmapped[cls] += 1
        return label

    def unmapped_report(self) -> list[dict[str, object]]:
        return [{"class": cls, "count": n} for cls, n in sorted(self.unmapped.items())]
