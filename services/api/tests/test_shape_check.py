"""Boxes are checked by a short path (`shapes.plain_bbox`) instead of pydantic: the shapes it stores and the
errors it reports must be pydantic's, for every input, including those it hands over to pydantic."""

from __future__ import annotations

from typing import Any

import pytest
from labelhive_api.annotations import shapes
from labelhive_api.errors import AppError

BOX = {"id": "b1", "type": "bbox", "label": "crack", "x": 10, "y": 20, "w": 64, "h": 48}
LABELS = {"crack": {"tools": ["bbox"]}, "tagonly": {"tools": ["tag"]}}
CASES: list[Any] = [
    BOX,
    {**BOX, "x": 1.5, "w": 0, "score": 1},
    {**BOX, "score": 0.25},
    {**BOX, "score": None},
    {"h": 1, "w": 2, "y": 3, "x": 4, "label": "crack", "type": "bbox", "id": "z"},  # any key order
    {**BOX, "x": True},  # pydantic turns a bool into 1.0
    {**BOX, "score": 1.5},
    {**BOX, "score": False},
    {**BOX, "w": -1},
    {**BOX, "h": float("nan")},
    {**BOX, "y": float("inf")},
    {**BOX, "x": 10**400},
    {**BOX, "x": 2**60},
    {**BOX, "x": "10"},
    {**BOX, "id": ""},
    {**BOX, "id": "i" * 128},
    {**BOX, "id": "i" * 129},
    {**BOX, "label": "l" * 129},
    {**BOX, "id": 7},
    {**BOX, "extra": 1},
    {**BOX, "group": "g1", "attributes": {"occluded": True}},
    {k: v for k, v in BOX.items() if k != "h"},
    {**BOX, "label": "unknown"},
    {**BOX, "label": "tagonly"},
    {**BOX, "x": 1900, "w": 100},  # outside a 1920-wide image
    {**BOX, "y": -0.5},
    {**BOX, "type": "polygon"},
    "not a shape",
]


def outcome(result: list[Any], labels: Any, width: int | None, height: int | None) -> Any:
    try:
        checked = shapes.validate_result(result, labels, width, height)
    except AppError as exc:
        return ("refused", exc.code, exc.detail, exc.extra)
    return [(shape, [type(v) for v in shape.values()], list(shape)) for shape in checked]


@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
@pytest.mark.parametrize("labels", [None, LABELS], ids=["prediction", "annotation"])
def test_a_box_is_stored_and_refused_exactly_as_pydantic_would(
    case: Any, labels: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = [[case], [case, case]]  # the second one is a duplicate id when the first passes
    sizes = [(1920, 1080), (None, None)]
    short = [outcome(result, labels, *size) for result in calls for size in sizes]
    monkeypatch.setattr(shapes, "plain_bbox", lambda raw: None)  # every shape through pydantic
    assert short == [outcome(result, labels, *size) for result in calls for size in sizes]


def test_the_short_path_takes_the_plain_boxes_and_only_them() -> None:
    assert shapes.plain_bbox(BOX) == {
        "id": "b1",
        "label": "crack",
        "type": "bbox",
        "x": 10.0,
        "y": 20.0,
        "w": 64.0,
        "h": 48.0,
    }
    assert shapes.plain_bbox({**BOX, "x": True}) is None
    assert shapes.plain_bbox({**BOX, "group": "g"}) is None
