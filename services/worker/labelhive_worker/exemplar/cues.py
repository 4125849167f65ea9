"""Mask-level cues beyond the pooled SAM feature, for telling one label from another.

SAM's pooled features say "an object", much less "which object": a red disk and a blue square pool to
features with cosine ~0.97 on MobileSAM. So where two or more labels claim an object, the label is chosen
by a nearest-exemplar rule over cues measured on the masked pixels and the mask's outline:

- colour: mean CIE L*a*b* of the masked pixels (eroded one cell, away from the blended border);
- shape: log area, extent (area / minimum-area rectangle: disk 0.79, square 1), circularity
  (4 pi A / P^2), solidity (area / convex hull) and aspect (short / long side of that rectangle);
- feature: how far the pooled SAM feature falls short of what the label's exemplars reach (calibrated per
  label, as in the search).

Each cue difference is divided by a tolerance: a floor (what rasterising at the mask grid and ordinary
variation within one kind of object cost) widened to the spread of the label's own exemplars. A cue on
which two labels' exemplars agree adds the same to both labels' costs and so decides nothing; a cue on
which they differ beyond the tolerances decides. The cost of a label is the squared normalised distance
to its nearest exemplar plus the feature shortfall squared; the lowest cost wins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from labelhive_worker.exemplar.grids import Grid

# Cue floors: colour in delta-E (L*a*b*), log area in natural-log units (x1.6 either way), the rest in
# their own unitless ranges.
FLOORS = {
    "L": 8.0,
    "a": 8.0,
    "b": 8.0,
    "log_area": math.log(1.6),
    "extent": 0.06,
    "circularity": 0.08,
    "solidity": 0.06,
    "aspect": 0.15,
}
CUES = tuple(FLOORS)


@dataclass(frozen=True)
class Cues:
    values: dict[str, float]

    def vector(self) -> np.ndarray:
        return np.array([self.values[k] for k in CUES], dtype=np.float64)


def color_frame(rgb: np.ndarray, grid: Grid) -> np.ndarray:
    """The image in L*a*b* on the mask grid (mask_side x mask_side, padding zero): what SAM's masks cover."""
    import cv2

    side = grid.mask_side
    h, w = rgb.shape[:2]
    cols = max(1, round(w * grid.sx / grid.mask_stride))
    rows = max(1, round(h * grid.sy / grid.mask_stride))
    small = cv2.resize(np.ascontiguousarray(rgb[..., :3]), (cols, rows), interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(small.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    out = np.zeros((side, side, 3), dtype=np.float32)
    out[: min(rows, side), : min(cols, side)] = lab[:side, :side]
    return out


def measure(mask: np.ndarray, lab: np.ndarray, grid: Grid) -> Cues | None:
    """The cues of a mask-grid mask, or None for an empty one."""
    import cv2

    m = mask.astype(np.uint8)
    area_cells = float(m.sum())
    if area_cells == 0:
        return None
    core = cv2.erode(m, np.ones((3, 3), np.uint8))
    pixels = lab[core.astype(bool)] if core.sum() >= 4 else lab[m.astype(bool)]
    mean = pixels.mean(axis=0)
    contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    outline = max(contours, key=cv2.contourArea)
    # Areas of the outline (not the pixel count) so that a region and its own hull and box compare.
    region = max(float(cv2.contourArea(outline)), 1.0)
    perimeter = max(float(cv2.arcLength(outline, True)), 1e-6)
    (_, _), (rw, rh), _ = cv2.minAreaRect(outline)
    hull = max(float(cv2.contourArea(cv2.convexHull(outline))), 1.0)
    return Cues(
        {
            "L": float(mean[0]),
            "a": float(mean[1]),
            "b": float(mean[2]),
            "log_area": math.log(area_cells * grid.mask_stride**2),
            "extent": min(region / max(rw * rh, 1.0), 1.0),
            "circularity": min(4 * math.pi * region / perimeter**2, 1.0),
            "solidity": min(region / hull, 1.0),
            "aspect": min(rw, rh) / max(rw, rh, 1e-6),
        }
    )


def tolerances(exemplars: list[Cues]) -> np.ndarray:
    """Per cue: the floor, or the spread of the label's own exemplars where that is wider."""
    floors = np.array([FLOORS[k] for k in CUES])
    if len(exemplars) < 2:
        return floors
    spread = np.stack([c.vector() for c in exemplars]).std(axis=0, ddof=1)
    return np.maximum(floors, spread)


def distance2(cues: Cues, exemplars: list[Cues], tol: np.ndarray) -> float:
    """Squared normalised distance to the nearest exemplar (inf when the label has no cues)."""
    if not exemplars:
        return math.inf
    v = cues.vector()
    return float(min((((v - e.vector()) / tol) ** 2).sum() for e in exemplars))
