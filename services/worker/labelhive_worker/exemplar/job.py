"""Exemplar mode for one job item: every label's exemplar set -> target (memoised per set version) ->
instances on the task's image -> one mask per instance across labels, with a report per label.

A bad exemplar is refused with a reason and the others still serve; a label left with none is skipped and
reported; the item itself only fails for reasons of its own image.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from labelhive_worker.contract import ExemplarLabel, ExemplarOptions
from labelhive_worker.errors import JobError
from labelhive_worker.exemplar.assign import assign
from labelhive_worker.exemplar.grids import normalized_features
from labelhive_worker.exemplar.search import Found, SearchOptions, search
from labelhive_worker.exemplar.targets import ExemplarView, LabelTarget, Refusal, build_target, view_of
from labelhive_worker.model_interface import Embedding, Mask


@dataclass
class TargetMemo:
    """Targets by exemplar-set digest: the next image of the same job reuses them (a few per process)."""

    items: int = 32
    _memo: OrderedDict[str, tuple[LabelTarget | None, list[Refusal]]] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: str) -> tuple[LabelTarget | None, list[Refusal]] | None:
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        return None

    def put(self, key: str, value: tuple[LabelTarget | None, list[Refusal]]) -> None:
        with self._lock:
            self._memo[key] = value
            while len(self._memo) > self.items:
                self._memo.popitem(last=False)


def set_digest(model_version: str, labels: list[ExemplarLabel]) -> str:
    """Names what produced the suggestions: the model and every label's set, version and threshold."""
    payload = [
        model_version,
        *sorted(json.dumps(lab.model_dump(mode="json"), sort_keys=True) for lab in labels),
    ]
    return hashlib.sha256("\n".join(payload).encode()).hexdigest()


def _target(rt: Any, lab: ExemplarLabel) -> tuple[LabelTarget | None, list[Refusal]]:
    key = set_digest(rt.model.model_version, [lab])
    if (memo := rt.targets.get(key)) is not None:
        return memo
    views: list[ExemplarView] = []
    refused: list[Refusal] = []
    for ex in lab.exemplars:
        try:
            image = rt.load_image(ex.image)
            embedding, _ = rt.embedding_for(image)
        except JobError as err:
            refused.append(Refusal(ex.id, "exemplar_image_unreadable", f"{err.code}: {err.message}"[:500]))
            continue
        view = view_of(rt.model, ex.id, embedding, ex.shape.model_dump(exclude_none=True), image.rgb)
        if isinstance(view, Refusal):
            refused.append(view)
        else:
            views.append(view)
    target = build_target(lab.label, views, refused)
    rt.targets.put(key, (target, refused))
    return target, refused


def label_report(lab: ExemplarLabel, target: LabelTarget | None, refused: list[Refusal]) -> dict[str, Any]:
    report: dict[str, Any] = {
        "label": lab.label,
        "version": lab.version,
        "used": list(target.used) if target else [],
        "refused": [r.as_dict() for r in refused],
        "found": 0,
    }
    if lab.set_id is not None:
        report["set_id"] = lab.set_id
    if target is None:
        if not lab.exemplars:
            report["skipped"] = {"code": "exemplar_set_empty", "message": "the label's exemplar set is empty"}
        else:
            report["skipped"] = {
                "code": "no_usable_exemplar",
                "message": f"none of the label's {len(lab.exemplars)} exemplar(s) could be used",
            }
    return report


def find(
    options: ExemplarOptions, rt: Any, embedding: Embedding, rgb: np.ndarray
) -> tuple[list[tuple[str, str, Mask]], dict[str, Any]]:
    """(shape id, label, mask) per instance found on the image (`rgb`, its pixels), and the exemplar
    report of the result."""
    features = normalized_features(embedding)
    found: list[Found] = []
    targets: list[LabelTarget] = []
    reports = []
    for lab in options.labels:
        target, refused = _target(rt, lab)
        report = label_report(lab, target, refused)
        reports.append(report)
        if target is None:
            continue
        targets.append(target)
        search_options = SearchOptions(threshold=lab.threshold, max_instances=options.max_instances)
        found += search(rt.model, embedding, features, target, search_options)
    thresholds = {lab.label: lab.threshold for lab in options.labels}
    kept = assign(found, targets, thresholds, rt.model, embedding, features, rgb)
    for report in reports:
        report["found"] = sum(1 for f in kept if f.label == report["label"])
    masks = [
        (f"exemplar-{n + 1}", f.label, Mask(mask=rt.model.to_image(f.logits, embedding), score=f.score))
        for n, f in enumerate(kept[: options.max_instances])
    ]
    return masks, {"labels": reports}
