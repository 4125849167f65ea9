"""The three frames exemplar search works in, and moves between:

- image pixels (shapes in and out);
- the model's mask grid (SAM: 256 x 256 logits, `mask_stride` = 4 input pixels per cell);
- the feature grid (SAM: 64 x 64 embedding cells, `feature_stride` = 16 input pixels per cell).

The input frame is the image resized so its longest side is `input_side`, padded bottom/right to a square.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from labelhive_worker.model_interface import Embedding


@dataclass(frozen=True)
class Grid:
    input_side: int
    feature_stride: int
    mask_stride: int
    sx: float  # input pixels per image pixel, x
    sy: float  # input pixels per image pixel, y
    valid_rows: int  # feature rows that hold image (the rest is padding)
    valid_cols: int

    @classmethod
    def of(cls, model: Any, embedding: Embedding) -> Grid:
        (h, w), (ih, iw) = embedding.original_size, embedding.input_size
        fs = int(model.feature_stride)
        return cls(
            input_side=int(model.input_side),
            feature_stride=fs,
            mask_stride=int(model.mask_stride),
            sx=iw / w,
            sy=ih / h,
            valid_rows=-(-ih // fs),
            valid_cols=-(-iw // fs),
        )

    @property
    def feature_side(self) -> int:
        return self.input_side // self.feature_stride

    @property
    def mask_side(self) -> int:
        return self.input_side // self.mask_stride

    @property
    def mask_cells_per_feature(self) -> int:
        return self.feature_stride // self.mask_stride

    def cell_center(self, row: int, col: int) -> tuple[float, float]:
        """The image-pixel centre of a feature cell."""
        return (col + 0.5) * self.feature_stride / self.sx, (row + 0.5) * self.feature_stride / self.sy

    def valid(self) -> np.ndarray:
        out = np.zeros((self.feature_side, self.feature_side), dtype=bool)
        out[: self.valid_rows, : self.valid_cols] = True
        return out

    def mask_box(self, mask: np.ndarray) -> tuple[float, float, float, float] | None:
        """x0, y0, x1, y1 in image pixels of a mask-grid mask."""
        ys, xs = np.nonzero(mask)
        if xs.size == 0:
            return None
        m = self.mask_stride
        return (
            xs.min() * m / self.sx,
            ys.min() * m / self.sy,
            (xs.max() + 1) * m / self.sx,
            (ys.max() + 1) * m / self.sy,
        )


def normalized_features(embedding: Embedding) -> np.ndarray:
    """C x Hf x Wf features with unit length per cell (cosine similarity is then a dot product)."""
    f = np.asarray(embedding.features, dtype=np.float32)
    return f / np.maximum(np.linalg.norm(f, axis=0, keepdims=True), 1e-6)


def pool(mask_fraction: np.ndarray, factor: int) -> np.ndarray:
    """Average-pool a square fraction map by an integer factor."""
    side = mask_fraction.shape[0] // factor
    return mask_fraction.reshape(side, factor, side, factor).mean(axis=(1, 3))


def shape_on_mask_grid(shape: dict[str, Any], grid: Grid) -> np.ndarray:
    """A polygon or box (image pixels) rasterised on the mask grid as covered fractions (0..1)."""
    import cv2

    raster = np.zeros((grid.input_side, grid.input_side), dtype=np.uint8)
    if shape["type"] == "polygon":
        pts = np.array([[x * grid.sx, y * grid.sy] for x, y in shape["points"]], dtype=np.float64)
        cv2.fillPoly(raster, [np.round(pts * 16).astype(np.int32)], 1, lineType=cv2.LINE_8, shift=4)
    else:
        x0, y0 = shape["x"] * grid.sx, shape["y"] * grid.sy
        x1, y1 = (shape["x"] + shape["w"]) * grid.sx, (shape["y"] + shape["h"]) * grid.sy
        raster[round(y0) : round(y1), round(x0) : round(x1)] = 1
    return pool(raster.astype(np.float32), grid.mask_stride)


def pooled_vector(features: np.ndarray, weights: np.ndarray) -> np.ndarray | None:
    """The unit-length weighted mean of unit features under a feature-grid weight map."""
    total = float(weights.sum())
    if total <= 0:
        return None
    v = np.tensordot(features, weights, axes=([1, 2], [0, 1])) / total
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 1e-6 else None


def window_similarities(features: np.ndarray, vector: np.ndarray, side: int, valid: np.ndarray) -> np.ndarray:
    """Cosine of `vector` with the pooled features of every side x side window inside the valid area."""
    import cv2

    summed = np.stack(
        [
            cv2.boxFilter(
                np.ascontiguousarray(channel),
                -1,
                (side, side),
                normalize=False,
                borderType=cv2.BORDER_CONSTANT,
            )
            for channel in features
        ]
    )
    norms = np.maximum(np.linalg.norm(summed, axis=0), 1e-6)
    sims = np.tensordot(vector, summed, axes=([0], [0])) / norms
    inside = cv2.erode(
        valid.astype(np.uint8), np.ones((side, side), np.uint8), borderType=cv2.BORDER_CONSTANT
    )
    return np.asarray(sims[inside.astype(bool)], dtype=np.float32)
