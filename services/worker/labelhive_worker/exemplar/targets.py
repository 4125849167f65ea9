"""Per-label targets from reference shapes: what the label looks like in the model's feature space, and
how similar an instance and the background score on the reference images themselves (the calibration).

Refusals carry a reason code the UI translates: exemplar_image_unreadable, exemplar_invalid_shape,
exemplar_too_small; a label with no usable exemplar is skipped (exemplar_set_empty, no_usable_exemplar).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from labelhive_worker.exemplar.cues import Cues, color_frame, measure, tolerances
from labelhive_worker.exemplar.grids import (
    Grid,
    normalized_features,
    pool,
    pooled_vector,
    shape_on_mask_grid,
    window_similarities,
)
from labelhive_worker.model_interface import DecodePrompt, Embedding

# An exemplar must cover at least this many feature cells (16 x 16 input pixels each, at the model's input
# scale) to carry a feature of its own rather than a blend of its surroundings.
MIN_EXEMPLAR_CELLS = 16.0


@dataclass(frozen=True)
class Refusal:
    exemplar_id: str | None
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.exemplar_id is not None:
            out["exemplar_id"] = self.exemplar_id
        return out


@dataclass(frozen=True)
class ExemplarView:
    """One usable exemplar, seen on its own image's grids."""

    id: str
    features: np.ndarray  # C x Hf x Wf unit features of its image
    weights: np.ndarray  # Hf x Wf fraction of each feature cell inside the exemplar
    valid: np.ndarray  # Hf x Wf cells that hold image
    vector: np.ndarray  # its pooled unit feature
    area: float  # input pixels^2
    cues: Cues  # colour and shape of the masked pixels (labels tell each other apart by these)


@dataclass(frozen=True)
class LabelTarget:
    label: str
    vector: np.ndarray  # unit target feature
    cell_pos: float  # mean cell similarity inside the exemplars
    cell_bg: float  # median cell similarity of the exemplars' backgrounds
    mask_pos: float  # pooled similarity an instance reaches (leave-one-out across exemplars)
    mask_bg: float  # pooled similarity of exemplar-sized background windows (median)
    area_min: float  # exemplar areas, input pixels^2
    area_max: float
    used: tuple[str, ...]
    refused: tuple[Refusal, ...] = field(default=())
    cues: tuple[Cues, ...] = field(default=())  # one per used exemplar
    tolerance: np.ndarray = field(default_factory=lambda: np.ones(1))  # per cue, from the exemplars' spread


def _valid_shape(shape: dict[str, Any], height: int, width: int) -> str | None:
    kind = shape.get("type")
    if kind == "polygon":
        pts = shape.get("points") or []
        if len(pts) < 3:
            return "a polygon exemplar needs at least 3 points"
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        if max(xs) < 0 or max(ys) < 0 or min(xs) > width or min(ys) > height:
            return f"the polygon lies outside the {width}x{height} image"
        return None
    if kind == "bbox":
        if not (shape.get("w", 0) > 0 and shape.get("h", 0) > 0):
            return "a box exemplar needs a positive width and height"
        if (
            shape["x"] > width
            or shape["y"] > height
            or shape["x"] + shape["w"] < 0
            or shape["y"] + shape["h"] < 0
        ):
            return f"the box lies outside the {width}x{height} image"
        return None
    return f"an exemplar must be a polygon or a box, not {kind!r}"


def view_of(
    model: Any, exemplar_id: str, embedding: Embedding, shape: dict[str, Any], rgb: np.ndarray
) -> ExemplarView | Refusal:
    """The exemplar on its image's grids (`rgb`: its image's pixels), or why it cannot serve: a box is
    turned into SAM's mask first."""
    height, width = embedding.original_size
    problem = _valid_shape(shape, height, width)
    if problem is not None:
        return Refusal(exemplar_id, "exemplar_invalid_shape", problem)
    grid = Grid.of(model, embedding)
    if shape["type"] == "bbox":
        box = (shape["x"], shape["y"], shape["x"] + shape["w"], shape["y"] + shape["h"])
        decoded = model.decode(embedding, [DecodePrompt(box=box)], multimask=False)
        fractions = (decoded.logits[0, 0] > 0).astype(np.float32)
    else:
        fractions = shape_on_mask_grid(shape, grid)
    weights = pool(fractions, grid.mask_cells_per_feature)
    cells = float(weights.sum())
    if cells < MIN_EXEMPLAR_CELLS:
        side = grid.feature_stride * MIN_EXEMPLAR_CELLS**0.5 / max(grid.sx, 1e-9)
        return Refusal(
            exemplar_id,
            "exemplar_too_small",
            f"the exemplar covers {cells:.1f} feature cells at the model's input scale; at least "
            f"{MIN_EXEMPLAR_CELLS:.0f} are needed (about {side:.0f} x {side:.0f} pixels of this image)",
        )
    features = normalized_features(embedding)
    core = np.where(weights >= 0.5, weights, 0.0)
    vector = pooled_vector(features, core if core.sum() > 0 else weights)
    cues = measure(fractions >= 0.5, color_frame(rgb, grid), grid)
    if vector is None or cues is None:
        return Refusal(exemplar_id, "exemplar_invalid_shape", "the exemplar has no usable feature")
    return ExemplarView(
        id=exemplar_id,
        features=features,
        weights=weights,
        valid=grid.valid(),
        vector=vector,
        area=float(fractions.sum()) * grid.mask_stride**2,
        cues=cues,
    )


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-6)


def build_target(label: str, views: list[ExemplarView], refused: list[Refusal]) -> LabelTarget | None:
    """The label's target and its calibration from the usable exemplars, or None when there are none."""
    if not views:
        return None
    vector = _unit(np.mean([v.vector for v in views], axis=0))
    inside, background, windows = [], [], []
    for v in views:
        sims = np.tensordot(vector, v.features, axes=([0], [0]))
        inside.append(float(sims[v.weights >= 0.5].mean()) if (v.weights >= 0.5).any() else float(sims.max()))
        background.append(sims[v.valid & (v.weights == 0)])
        side = max(1, round(float(v.weights.sum()) ** 0.5))
        windows.append(window_similarities(v.features, vector, side, v.valid & (v.weights == 0)))
    if len(views) >= 2:
        # How close an unseen instance comes: each exemplar against the others' mean.
        mask_pos = float(
            np.mean(
                [
                    float(v.vector @ _unit(np.sum([w.vector for w in views if w is not v], axis=0)))
                    for v in views
                ]
            )
        )
    else:
        mask_pos = float(views[0].vector @ vector)
    bg_cells = np.concatenate(background) if background else np.zeros(1)
    bg_windows = np.concatenate(windows) if windows else np.zeros(1)
    areas = [v.area for v in views]
    return LabelTarget(
        label=label,
        vector=vector,
        cell_pos=float(np.mean(inside)),
        cell_bg=float(np.median(bg_cells)) if bg_cells.size else 0.0,
        mask_pos=mask_pos,
        mask_bg=float(np.median(bg_windows)) if bg_windows.size else 0.0,
        area_min=min(areas),
        area_max=max(areas),
        used=tuple(v.id for v in views),
        refused=tuple(refused),
        cues=tuple(v.cues for v in views),
        tolerance=tolerances([v.cues for v in views]),
    )
