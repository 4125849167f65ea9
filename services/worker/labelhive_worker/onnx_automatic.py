"""Automatic mode for the ONNX runtime, in numpy: segment_anything's automatic mask generator on one crop
(the whole image), without torch.

The same steps and defaults as `SamAutomaticMaskGenerator` with crop_n_layers=0 (what SamModel runs): a
points_per_side^2 grid of positive points, three masks each; masks kept whose predicted IoU exceeds
pred_iou_thresh and whose stability score (IoU of the mask thresholded at +1 and -1 logits) reaches
stability_score_thresh; box NMS; then, with min_mask_region_area > 0, small islands and holes removed
(OpenCV's connected components, as SAM does) and NMS again preferring masks that needed no clean-up.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from labelhive_worker.model_interface import DecodePrompt, Embedding, Mask

POINTS_PER_BATCH = 64  # as SamAutomaticMaskGenerator
STABILITY_OFFSET = 1.0


def point_grid(n: int) -> np.ndarray:
    """n x n points at the centres of an even grid over [0, 1]^2, (x, y), row by row."""
    side = np.linspace(1 / (2 * n), 1 - 1 / (2 * n), n)
    xs, ys = np.meshgrid(side, side)
    return np.stack([xs, ys], axis=-1).reshape(-1, 2)


def boxes_of(masks: np.ndarray) -> np.ndarray:
    """N x H x W bool -> N x 4 (x0, y0, x1, y1), inclusive pixel edges; 0 for an empty mask."""
    out = np.zeros((len(masks), 4), dtype=np.float32)
    for i, m in enumerate(masks):
        rows, cols = np.flatnonzero(m.any(axis=1)), np.flatnonzero(m.any(axis=0))
        if len(rows) and len(cols):
            out[i] = (cols[0], rows[0], cols[-1], rows[-1])
    return out


def nms(boxes: np.ndarray, scores: np.ndarray, threshold: float) -> list[int]:
    """Greedy box NMS (torchvision.ops.nms): highest score first, drop boxes with IoU > threshold."""
    order = np.argsort(-scores, kind="stable")
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep: list[int] = []
    while len(order):
        i, rest = int(order[0]), order[1:]
        keep.append(i)
        x0 = np.maximum(boxes[i, 0], boxes[rest, 0])
        y0 = np.maximum(boxes[i, 1], boxes[rest, 1])
        x1 = np.minimum(boxes[i, 2], boxes[rest, 2])
        y1 = np.minimum(boxes[i, 3], boxes[rest, 3])
        inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
        union = areas[i] + areas[rest] - inter
        iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        order = rest[iou <= threshold]
    return keep


def remove_small_regions(mask: np.ndarray, area: int, holes: bool) -> tuple[np.ndarray, bool]:
    """Fill holes (holes=True) or drop islands smaller than `area` pixels (8-connected); keeps the
    largest island when every island is small. Returns the mask and whether it changed."""
    import cv2

    work = (mask ^ holes).astype(np.uint8)
    count, regions, stats, _ = cv2.connectedComponentsWithStats(work, connectivity=8)
    sizes = stats[1:, cv2.CC_STAT_AREA]
    small = [i + 1 for i, s in enumerate(sizes) if s < area]
    if not small:
        return mask, False
    fill = [0, *small]
    if not holes:
        fill = [i for i in range(count) if i not in fill] or [int(np.argmax(sizes)) + 1]
    return np.isin(regions, fill), True


def generate(model: Any, embedding: Embedding, options: Any) -> list[Mask]:
    h, w = embedding.original_size
    grid = point_grid(options.points_per_side) * np.array([w, h], dtype=np.float64)
    masks: list[np.ndarray] = []
    scores: list[float] = []
    for start in range(0, len(grid), POINTS_PER_BATCH):
        batch = grid[start : start + POINTS_PER_BATCH]
        prompts = [DecodePrompt(points=((float(x), float(y), 1),)) for x, y in batch]
        decoded = model.decode(embedding, prompts, multimask=True)
        logits = decoded.logits.reshape(-1, *decoded.logits.shape[2:])
        quality = decoded.quality.reshape(-1)
        kept = (
            np.flatnonzero(quality > options.pred_iou_thresh)
            if options.pred_iou_thresh > 0
            else np.arange(len(quality))
        )
        for i in kept:
            full = model.upscale(logits[i], embedding)
            inter = np.count_nonzero(full > STABILITY_OFFSET)
            union = np.count_nonzero(full > -STABILITY_OFFSET)
            stability = inter / union if union else 0.0
            if options.stability_score_thresh > 0 and stability < options.stability_score_thresh:
                continue
            masks.append(full > 0.0)
            scores.append(float(quality[i]))
    if not masks:
        return []
    stack = np.stack(masks)
    score = np.asarray(scores, dtype=np.float32)
    keep = nms(boxes_of(stack), score, options.box_nms_thresh)
    stack, score = stack[keep], score[keep]
    if options.min_mask_region_area > 0:
        cleaned, unchanged = [], []
        for m in stack:
            m, changed_holes = remove_small_regions(m, options.min_mask_region_area, holes=True)
            m, changed_islands = remove_small_regions(m, options.min_mask_region_area, holes=False)
            cleaned.append(m)
            unchanged.append(0.0 if changed_holes or changed_islands else 1.0)
        stack = np.stack(cleaned)
        keep = nms(boxes_of(stack), np.asarray(unchanged, dtype=np.float32), options.box_nms_thresh)
        stack, score = stack[keep], score[keep]
    order = np.argsort(-score, kind="stable")[: options.max_masks]
    return [Mask(mask=stack[i], score=float(score[i])) for i in order]
