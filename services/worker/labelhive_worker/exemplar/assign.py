"""One suggestion per object across a job's labels, with the label whose exemplars the object matches best.

Each label's search proposes masks on its own; look-alike labels propose the same objects. Overlapping
proposals are one object. With one label there is nothing to choose: the best-scored proposal stays. With
several, the object's label is the one of lowest cost (see `cues`): its nearest exemplar in colour and
shape, plus how far its pooled SAM feature falls short of that label's calibrated instance similarity. The
other labels' exemplars act as the negatives: an object is only given a label if it is closer to that
label's exemplars than to any other's. The kept mask is the winning label's own proposal where there is
one; otherwise the object's best mask, scored against the winning label and kept if it reaches that
label's threshold.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from labelhive_worker.exemplar.cues import color_frame, distance2, measure
from labelhive_worker.exemplar.grids import Grid, pool, pooled_vector
from labelhive_worker.exemplar.search import Found, Scorer, overlaps
from labelhive_worker.exemplar.targets import LabelTarget
from labelhive_worker.model_interface import Embedding


def objects(found: list[Found]) -> list[list[Found]]:
    """Proposals grouped by object, best score first (the first member is the object's mask)."""
    groups: list[list[Found]] = []
    for f in sorted(found, key=lambda f: -f.score):
        for group in groups:
            if overlaps(f.mask, group[0].mask, 0.5, 0.7):
                group.append(f)
                break
        else:
            groups.append([f])
    return groups


def label_costs(
    mask: np.ndarray, targets: list[LabelTarget], features: np.ndarray, lab: np.ndarray, grid: Grid
) -> dict[str, float]:
    """Each label's cost for this mask-grid mask (lower is a better match)."""
    cues = measure(mask, lab, grid)
    vector = pooled_vector(features, pool(mask.astype(np.float32), grid.mask_cells_per_feature))
    costs = {}
    for t in targets:
        sim = float(vector @ t.vector) if vector is not None else 0.0
        shortfall = max(t.mask_pos - sim, 0.0) / max(t.mask_pos - t.mask_bg, 0.05)
        shape_colour = distance2(cues, list(t.cues), t.tolerance) if cues is not None else 0.0
        costs[t.label] = shortfall**2 + shape_colour
    return costs


def assign(
    found: list[Found],
    targets: list[LabelTarget],
    thresholds: dict[str, float],
    model: Any,
    embedding: Embedding,
    features: np.ndarray,
    rgb: np.ndarray | None,
) -> list[Found]:
    """One suggestion per object, best first."""
    groups = objects(found)
    if len(targets) < 2 or rgb is None:
        return [g[0] for g in groups]
    grid = Grid.of(model, embedding)
    lab = color_frame(rgb, grid)
    by_label = {t.label: t for t in targets}
    kept: list[Found] = []
    for group in groups:
        best = group[0]
        costs = label_costs(best.mask, targets, features, lab, grid)
        label = min(costs, key=costs.__getitem__)
        own = next((f for f in group if f.label == label), None)
        if own is not None:
            kept.append(own)
            continue
        score, sim = Scorer(by_label[label], features, grid)(best.mask, best.quality)
        if score >= thresholds[label]:
            kept.append(Found(label, best.logits, best.mask, score, best.quality, sim, best.point))
    kept.sort(key=lambda f: -f.score)
    return kept
