"""CSV files in every export: `summary.csv` (one row per image with its shape counts per label) and
`manifest.csv` (exported file name -> split, task, original path)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence

from labelhive_api.formats.model import ImageItem

COLUMNS = ["task_id", "file_name", "width", "height", "state", "shapes", "labels"]


def csv_header() -> bytes:
    return _row(COLUMNS)


def csv_row(item: ImageItem, task_id: int | str = "", state: str = "") -> bytes:
    counts = Counter(s.label for s in item.shapes)
    labels = ";".join(f"{label}={n}" for label, n in sorted(counts.items()))
    return _row(
        [task_id, item.file_name, item.width or "", item.height or "", state, len(item.shapes), labels]
    )


MANIFEST_COLUMNS = ["file", "split", "task_id", "original_path"]


def manifest_header() -> bytes:
    return _row(MANIFEST_COLUMNS)


def manifest_row(file: str, split: str, task_id: int, original_path: str) -> bytes:
    """One exported image: its flat name in the export, its split, its task and where it came from."""
    return _row([file, split, task_id, original_path])


_SPECIAL = frozenset(',"\n\r')


def _row(values: Sequence[object]) -> bytes:
    """One CSV line; quoting only where a value needs it (fast: an export writes one per image)."""
    cells = []
    for value in values:
        text = str(value)
        if _SPECIAL.intersection(text):
            out = io.StringIO()
            csv.writer(out, lineterminator="").writerow([text])
            text = out.getvalue()
        cells.append(text)
    return (",".join(cells) + "\n").encode()
