"""Pure logic: label mapping, masks -> polygons, contract models against the JSON Schemas, settings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from labelhive_worker.contract import PrelabelTask, parse_task
from labelhive_worker.embedding_cache import dumps, loads
from labelhive_worker.errors import ConfigError, JobError
from labelhive_worker.geometry import mask_bbox, mask_polygons, mask_shapes
from labelhive_worker.labels import LabelMapper, parents, resolve
from labelhive_worker.model_handler import Embedding
from labelhive_worker.results import callback_url
from labelhive_worker.settings import load_settings
from labelhive_worker.tasks import backoff

from .scenes import message, scene
from .test_prelabel import validator


def test_label_mapping_falls_back_to_parents_then_default() -> None:
    assert parents("weld/crack/hairline", {}) == ["weld/crack/hairline", "weld/crack", "weld"]
    assert parents("a.b", {"a.b": "x", "x": "a.b"}) == ["a.b", "x"]  # a cycle ends
    mapping = {"weld/crack": "crack", "vehicle": "car"}
    assert resolve("weld/crack/hairline", mapping, {}) == "crack"
    assert resolve("truck", mapping, {"truck": "vehicle"}) == "car"
    assert resolve("bolt", mapping, {}) is None
    assert resolve("bolt", {**mapping, "*": "other"}, {}) == "other"
    mapper = LabelMapper(mapping, {})
    for cls in ("bolt", "bolt", "nut", "weld/crack"):
        mapper.label_for(cls)
    assert mapper.unmapped_report() == [{"class": "bolt", "count": 2}, {"class": "nut", "count": 1}]


def test_mask_to_polygon_and_box() -> None:
    mask = np.zeros((100, 120), bool)
    mask[10:40, 20:70] = True
    mask[60:90, 80:110] = True  # a second region
    mask[0:2, 0:2] = True  # a speck under min_area
    assert mask_bbox(mask) == (0.0, 0.0, 110.0, 90.0)
    first, second = mask_polygons(mask, tolerance=1.0, min_area=16)
    assert sorted(map(tuple, first)) == [(20, 10), (20, 39), (69, 10), (69, 39)]
    assert len(second) == 4
    shapes = mask_shapes(
        mask, shape_id="p", label="crack", score=1.02, types=["polygon", "bbox"], tolerance=1, min_area=16
    )
    assert [s["id"] for s in shapes] == ["p", "p:2", "p:bbox"]
    assert all(s["score"] == 1.0 for s in shapes)
    for shape in shapes:
        validator("shape.v1.schema.json").validate(shape)
    assert (
        mask_shapes(
            np.zeros((5, 5), bool),
            shape_id="e",
            label="x",
            score=0.5,
            types=["bbox"],
            tolerance=1,
            min_area=1,
        )
        == []
    )


def test_contract_model_agrees_with_the_schema() -> None:
    schema = validator("prelabel-task.v1.schema.json")
    good = message(scene(0), "box", [{"id": "s1", "class": "crack", "box": {"x": 1, "y": 2, "w": 3, "h": 4}}])
    schema.validate(good)
    assert isinstance(parse_task(good), PrelabelTask)
    variants = [
        {**good, "version": 2},
        {**good, "mode": "draw"},
        {**good, "task_id": ""},
        {**good, "extra": 1},
        {**good, "image": {"sha256": "0" * 64}},  # neither url nor key
        {**good, "image": {"url": "http://x/y.png", "key": "k", "sha256": "0" * 64}},  # both
        {**good, "prompts": [{"points": [[1, 2, 3]]}]},
        {**good, "prompts": [{"id": "nothing"}]},
    ]
    for bad in variants:
        assert not schema.is_valid(bad), bad
        with pytest.raises(JobError) as err:
            parse_task(bad)
        assert err.value.code == "malformed_message" and not err.value.retryable
    with pytest.raises(JobError, match="not one of") as err:
        parse_task({**good, "model": "yolo"})
    assert err.value.code == "unknown_model"
    auto = {**good, "mode": "auto", "prompts": [], "auto": {"points_per_side": 8, "class": "thing"}}
    schema.validate(auto)
    assert parse_task(auto).auto.class_ == "thing"


def test_embedding_round_trip_is_compressed_float16() -> None:
    rng = np.random.default_rng(0)
    emb = Embedding(
        rng.normal(size=(256, 64, 64)).astype(np.float32), (260, 360), (711, 1024), "mobile-sam@6dbb90523a35"
    )
    data = dumps(emb)
    assert len(data) < 256 * 64 * 64 * 2
    back = loads(data)
    assert (
        back.original_size == (260, 360)
        and back.input_size == (711, 1024)
        and back.model_version == emb.model_version
    )
    assert np.allclose(back.features, emb.features, atol=2e-3)


def test_settings_and_backoff(tmp_path: Path) -> None:
    ckpt = tmp_path / "m.pt"
    ckpt.write_bytes(b"x")
    env = {
        "LABELHIVE_AMQP_URL": "amqp://u:p@h:5672/%2F",
        "LABELHIVE_PRELABEL_QUEUE": "prelabel.a",
        "LABELHIVE_MODEL_CHECKPOINT": str(ckpt),
        "LABELHIVE_API_URL": "http://api:8080/",
        "LABELHIVE_API_TOKEN": "t",
        "LABELHIVE_S3_TARGET_BUCKET": "tgt",
    }
    s = load_settings(env)
    assert (
        s.results_url == "http://api:8080/api/v1/prelabel/results"
        and s.dead_letter_queue == "prelabel.a.dead"
    )
    for key, value, needle in [
        ("LABELHIVE_MAX_IMAGE_PIXELS", "lots", "is not an integer"),
        ("LABELHIVE_MAX_RETRIES", "-1", "must be >= 0"),
        ("LABELHIVE_API_TOKEN", "", "LABELHIVE_API_TOKEN is required"),
        ("LABELHIVE_PRELABEL_QUEUE", "", "LABELHIVE_PRELABEL_QUEUE is required"),
        ("LABELHIVE_S3_TARGET_BUCKET", "", "LABELHIVE_S3_TARGET_BUCKET is required"),
    ]:
        with pytest.raises(ConfigError, match=needle):
            load_settings({**env, key: value})
    assert [backoff(n, 2.0) for n in range(4)] == [2.0, 4.0, 8.0, 16.0] and backoff(20, 2.0) == 300.0


def test_callback_must_point_into_the_api() -> None:
    api = "http://api:8080/base"
    default = api + "/api/v1/prelabel/results"
    assert callback_url(None, api, default) == default
    assert callback_url(api + "/api/v1/jobs/7/results", api, default) == api + "/api/v1/jobs/7/results"
    for outside in ("http://evil:8080/base/x", "https://api:8080/base/x", "http://api:8080/other"):
        with pytest.raises(JobError, match="not under LABELHIVE_API_URL"):
            callback_url(outside, api, default)


def test_mask_cues_measure_colour_and_outline_and_tolerate_the_exemplars_spread() -> None:
    """The label-choice cues on a plain drawing: a disk's extent is pi/4 and a square's 1; red and blue are
    far apart in L*a*b*; a cue the exemplars vary in is tolerated as far as they vary."""
    from labelhive_worker.exemplar.cues import CUES, FLOORS, color_frame, distance2, measure, tolerances
    from labelhive_worker.exemplar.grids import Grid

    grid = Grid(
        input_side=1024, feature_stride=16, mask_stride=4, sx=1.0, sy=1.0, valid_rows=64, valid_cols=64
    )
    rgb = np.full((1024, 1024, 3), 205, np.uint8)
    yy, xx = np.mgrid[0:256, 0:256]  # the mask grid
    disk = (xx - 60) ** 2 + (yy - 60) ** 2 <= 30**2
    square = (abs(xx - 180) <= 27) & (abs(yy - 180) <= 27)
    rgb[np.kron(disk, np.ones((4, 4), bool))] = (190, 40, 40)
    rgb[np.kron(square, np.ones((4, 4), bool))] = (40, 70, 170)
    lab = color_frame(rgb, grid)
    d, s = measure(disk, lab, grid), measure(square, lab, grid)
    assert d is not None and s is not None
    assert abs(d.values["extent"] - np.pi / 4) < 0.05 and s.values["extent"] > 0.95
    assert d.values["circularity"] > s.values["circularity"] + 0.05  # a pixel outline is longer than a circle
    assert d.values["a"] > 40 > s.values["a"] and d.values["b"] > 0 > s.values["b"]  # red vs blue
    assert measure(np.zeros_like(disk), lab, grid) is None
    # One exemplar: the floors. Two that differ in size: size is tolerated as far as they differ.
    assert list(tolerances([d])) == [FLOORS[k] for k in CUES]
    bigger = measure((xx - 60) ** 2 + (yy - 60) ** 2 <= 45**2, lab, grid)
    assert bigger is not None
    wide = tolerances([d, bigger])
    assert wide[CUES.index("log_area")] > FLOORS["log_area"]
    assert distance2(d, [s], wide) > distance2(d, [bigger], wide) and distance2(d, [], wide) == float("inf")
