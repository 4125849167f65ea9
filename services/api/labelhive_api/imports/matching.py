"""Finding the uploaded image a dataset file name refers to (`a.jpg`, `train/a.jpg`, LS upload names)."""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict

_LS_UPLOAD_PREFIX = re.compile(r"^[0-9a-f]{8}-")


def _normal(name: str) -> str:
    return name.replace("\\", "/").lstrip("./").lstrip("/")


class ImageIndex:
    def __init__(self, paths: list[str]) -> None:
        self.paths = set(paths)
        self.by_basename: dict[str, list[str]] = defaultdict(list)
        for path in paths:
            self.by_basename[posixpath.basename(path).casefold()].append(path)

    def find(self, file_name: str) -> str | None:
        name = _normal(file_name)
        if name in self.paths:
            return name
        base = posixpath.basename(name).casefold()
        candidates = self.by_basename.get(base) or self.by_basename.get(_LS_UPLOAD_PREFIX.sub("", base)) or []
        if len(candidates) == 1:
            return candidates[0]
        suffixed = [p for p in candidates if p.endswith("/" + name)]
        return suffixed[0] if len(suffixed) == 1 else None
