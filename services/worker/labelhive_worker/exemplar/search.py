"""Find every instance of a label target on one image (PerSAM-style, training-free, many instances):

1. cosine similarity of the target feature with every feature cell -> a similarity map;
2. local maxima above a floor (calibrated on the exemplars' own images), one per exemplar-sized
   neighbourhood -> positive points, strongest first;
3. the decoder turns each point into three candidate masks (part / object / group); the one SAM rates best
   (predicted IoU) within the exemplars' size range wins;
4. greedy acceptance by score with mask non-maximum suppression; peaks inside accepted masks are not tried;
5. cascaded refinement of the accepted masks SAM is less sure of (PerSAM): the point, negative points on the neighbouring
   instances, the mask's box and its logits go back into the decoder; the refined mask replaces the first
   one unless SAM rates it lower.

Scores are calibrated per label: 0 = as similar as exemplar-sized background windows on the exemplars'
images, 1 = as similar as another exemplar is; times the square root of SAM's predicted IoU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from labelhive_worker.exemplar.grids import Grid, pool, pooled_vector
from labelhive_worker.exemplar.targets import LabelTarget
from labelhive_worker.model_interface import DecodePrompt, Embedding


@dataclass(frozen=True)
class SearchOptions:
    threshold: float = 0.5  # calibrated score a suggestion must reach
    peak_floor: float = 0.4  # calibrated cell similarity a peak must reach to be tried
    peak_radius: float = 0.8  # one peak per this many exemplar radii
    max_instances: int = 100
    max_peaks: int = 200
    batch: int = 16
    refine_below: float = (
        0.95  # refine accepted masks SAM rates below this (above it, refinement rarely helps)
    )
    nms_iou: float = 0.5
    containment: float = 0.7  # overlap / smaller area above which two masks are one instance


@dataclass
class Found:
    label: str
    logits: np.ndarray  # mask-grid logits
    mask: np.ndarray  # mask-grid bool
    score: float
    quality: float
    similarity: float
    point: tuple[float, float]


def similarity_map(target: LabelTarget, features: np.ndarray, valid: np.ndarray) -> np.ndarray:
    sims = np.tensordot(target.vector, features, axes=([0], [0]))
    return np.where(valid, sims, -1.0).astype(np.float32)


def peaks(
    calibrated: np.ndarray, valid: np.ndarray, radius: int, floor: float, limit: int
) -> list[tuple[int, int, float]]:
    """Cells that are the maximum of their (2r+1)^2 neighbourhood and reach the floor, strongest first."""
    import cv2

    kernel = np.ones((2 * radius + 1, 2 * radius + 1), np.uint8)
    local_max = cv2.dilate(calibrated, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=-1e9)
    rows, cols = np.nonzero((calibrated >= local_max) & valid & (calibrated >= floor))
    found = sorted(
        ((int(r), int(c), float(calibrated[r, c])) for r, c in zip(rows, cols, strict=True)),
        key=lambda p: -p[2],
    )
    return found[:limit]


def size_factor(area: float, target: LabelTarget) -> float:
    """1 within a factor 3 of the exemplars' areas, falling off beyond."""
    low, high = target.area_min / 3.0, target.area_max * 3.0
    if area <= 0:
        return 0.0
    if low <= area <= high:
        return 1.0
    off = math.log(low / area) if area < low else math.log(area / high)
    return math.exp(-2.0 * off)


class Scorer:
    def __init__(self, target: LabelTarget, features: np.ndarray, grid: Grid) -> None:
        self.target = target
        self.features = features
        self.grid = grid
        self.span = max(target.mask_pos - target.mask_bg, 0.05)

    def area(self, mask: np.ndarray) -> float:
        return float(mask.sum()) * self.grid.mask_stride**2

    def __call__(self, mask: np.ndarray, quality: float) -> tuple[float, float]:
        """(score, pooled similarity) of a mask-grid mask."""
        weights = pool(mask.astype(np.float32), self.grid.mask_cells_per_feature)
        vector = pooled_vector(self.features, weights)
        if vector is None:
            return 0.0, 0.0
        sim = float(vector @ self.target.vector)
        calibrated = min(max((sim - self.target.mask_bg) / self.span, 0.0), 1.0)
        quality = min(max(quality, 0.0), 1.0)
        return calibrated * math.sqrt(quality) * size_factor(self.area(mask), self.target), sim


def overlaps(a: np.ndarray, b: np.ndarray, iou: float, containment: float) -> bool:
    inter = float(np.logical_and(a, b).sum())
    if inter == 0:
        return False
    sa, sb = float(a.sum()), float(b.sum())
    return inter / (sa + sb - inter) > iou or inter / max(min(sa, sb), 1.0) > containment


def _pick(first: Any, n: int, scorer: Scorer, label: str, point: tuple[float, float]) -> Found | None:
    """Of a prompt's masks, the one SAM rates best among those of a plausible size (not the background)."""
    best: tuple[float, int] | None = None
    for k in range(first.logits.shape[1]):
        mask = first.logits[n, k] > 0
        if not mask.any() or size_factor(scorer.area(mask), scorer.target) < 0.25:
            continue
        quality = float(first.quality[n, k])
        if best is None or quality > best[0]:
            best = (quality, k)
    if best is None:
        return None
    quality, k = best
    mask = first.logits[n, k] > 0
    score, sim = scorer(mask, quality)
    return Found(label, first.logits[n, k], mask, score, quality, sim, point)


def search(
    model: Any, embedding: Embedding, features: np.ndarray, target: LabelTarget, options: SearchOptions
) -> list[Found]:
    """Instances of the target on this image (mask-grid masks), best first."""
    grid = Grid.of(model, embedding)
    valid = grid.valid()
    sims = similarity_map(target, features, valid)
    calibrated = (sims - target.cell_bg) / max(target.cell_pos - target.cell_bg, 0.05)
    # An exemplar's radius in feature cells: one peak per instance, instances at least a radius apart.
    radius_cells = math.sqrt(target.area_min / math.pi) / grid.feature_stride
    candidates = peaks(
        calibrated,
        valid,
        max(1, round(radius_cells * options.peak_radius)),
        options.peak_floor,
        options.max_peaks,
    )
    scorer = Scorer(target, features, grid)
    accepted: list[Found] = []
    covered = np.zeros_like(valid)
    i = 0
    while i < len(candidates) and len(accepted) < options.max_instances:
        batch: list[tuple[float, float]] = []
        while i < len(candidates) and len(batch) < options.batch:
            r, c, _ = candidates[i]
            i += 1
            if not covered[r, c]:
                batch.append(grid.cell_center(r, c))
        if not batch:
            break
        first = model.decode(embedding, [DecodePrompt(points=((x, y, 1),)) for x, y in batch], multimask=True)
        picks = [f for n, point in enumerate(batch) if (f := _pick(first, n, scorer, target.label, point))]
        picks.sort(key=lambda f: -f.score)
        for found in picks:
            if found.score < options.threshold or len(accepted) >= options.max_instances:
                continue
            if any(overlaps(found.mask, a.mask, options.nms_iou, options.containment) for a in accepted):
                continue
            accepted.append(found)
            covered |= pool(found.mask.astype(np.float32), grid.mask_cells_per_feature) >= 0.25
    unsure = [f for f in accepted if f.quality < options.refine_below]
    if unsure:
        refined = dict(
            zip(
                map(id, unsure),
                _refine(model, embedding, grid, unsure, accepted, scorer, radius_cells),
                strict=True,
            )
        )
        accepted = [refined.get(id(f), f) for f in accepted]
    accepted.sort(key=lambda f: -f.score)
    return accepted


def _refine(
    model: Any,
    embedding: Embedding,
    grid: Grid,
    unsure: list[Found],
    accepted: list[Found],
    scorer: Scorer,
    radius_cells: float,
) -> list[Found]:
    """PerSAM's cascaded post-refinement, with the neighbouring instances as negative points (they keep a
    mask from leaking into the object next to it)."""
    reach = (3.0 * radius_cells * grid.feature_stride / grid.sx) ** 2
    prompts = []
    for found in unsure:
        box = grid.mask_box(found.mask)
        assert box is not None
        x, y = found.point
        near = [
            o.point
            for o in accepted
            if o is not found and (o.point[0] - x) ** 2 + (o.point[1] - y) ** 2 <= reach
        ]
        negatives = tuple((ox, oy, 0) for ox, oy in near[:8])
        prompts.append(DecodePrompt(points=((x, y, 1), *negatives), box=box, mask_logits=found.logits))
    refined = model.decode(embedding, prompts, multimask=False)
    out = []
    for n, found in enumerate(unsure):
        mask = refined.logits[n, 0] > 0
        quality = float(refined.quality[n, 0])
        if not mask.any() or quality < found.quality - 0.02 or not overlaps(mask, found.mask, 0.5, 0.9):
            out.append(found)
            continue
        score, sim = scorer(mask, quality)
        out.append(Found(found.label, refined.logits[n, 0], mask, score, quality, sim, found.point))
    return out
