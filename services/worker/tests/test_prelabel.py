"""Pre-labeling through the real queue with real MobileSAM weights on CPU: box, points, automatic mode."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
from referencing import Registry, Resource

from .conftest import QUEUE_ARGUMENTS, SOURCE, TARGET, Broker, WorkerProcess
from .geometry_checks import disk_mask, iou, polygons, raster, rect_mask
from .receiver import Receiver
from .scenes import DISK, RECT, message, scene

CONTRACTS = Path(__file__).resolve().parents[3] / "contracts"


def validator(name: str) -> jsonschema.Draft202012Validator:
    registry: Registry = Registry()
    for path in CONTRACTS.glob("*.schema.json"):
        schema = json.loads(path.read_text())
        registry = registry.with_resource(path.name, Resource.from_contents(schema))
        registry = registry.with_resource(schema["$id"], Resource.from_contents(schema))
    return jsonschema.Draft202012Validator(json.loads((CONTRACTS / name).read_text()), registry=registry)


def upload(buckets: Any, seed: int, worker: WorkerProcess | None = None) -> Any:
    """The scene of `seed`; on the onnx worker another seed (other bytes), so it computes its own embedding
    instead of reading the torch worker's from the cache."""
    onnx = worker is not None and worker.env.get("LABELHIVE_MODEL_RUNTIME") == "onnx"
    image = scene(seed + 500 if onnx else seed)
    buckets.put_object(Bucket=SOURCE, Key=image.key, Body=image.png)
    return image


def test_box_prompt_yields_the_rectangle(
    any_worker: WorkerProcess, broker: Broker, receiver: Receiver, buckets: Any
) -> None:
    live_worker = any_worker
    image = upload(buckets, 1, live_worker)
    x, y, w, h = RECT
    msg = message(
        image,
        "box",
        [
            {
                "id": "imported-1",
                "class": "defect/scratch/deep",
                "box": {"x": x - 6, "y": y - 5, "w": w + 12, "h": h + 9},
            },
            {"id": "imported-2", "class": "bolt", "box": {"x": 200, "y": 120, "w": 100, "h": 100}},
        ],
        label_mapping={"defect/scratch": "scratch"},
        output={"types": ["polygon", "bbox"], "simplify_tolerance": 1.5},
    )
    validator("prelabel-task.v1.schema.json").validate(msg)
    broker.send(live_worker.env["LABELHIVE_PRELABEL_QUEUE"], msg)
    result = receiver.wait_for(msg["task_id"])
    validator("prelabel-result.v1.schema.json").validate(result)

    assert result["status"] == "done" and result["model_version"] == "mobile-sam@6dbb90523a35"
    [poly] = polygons(result, "imported-1")
    assert poly["label"] == "scratch"  # 'defect/scratch/deep' fell back to its parent 'defect/scratch'
    pts = np.array(poly["points"])
    # Every vertex lies within a few pixels of the rectangle's outline, and the areas agree.
    assert abs(pts[:, 0].min() - x) <= 3 and abs(pts[:, 0].max() - (x + w - 1)) <= 3
    assert abs(pts[:, 1].min() - y) <= 3 and abs(pts[:, 1].max() - (y + h - 1)) <= 3
    assert iou(raster(poly["points"]), rect_mask(*RECT)) > 0.95
    [box] = [s for s in result["shapes"] if s["id"] == "imported-1:bbox"]
    assert (
        abs(box["x"] - x) <= 3
        and abs(box["y"] - y) <= 3
        and abs(box["w"] - w) <= 4
        and abs(box["h"] - h) <= 4
    )
    assert 0 < poly["score"] <= 1
    assert result["unmapped"] == [{"class": "bolt", "count": 1}]  # no project label: reported, not drawn
    assert not [s for s in result["shapes"] if s["id"].startswith("imported-2")]
    # The embedding is cached in the target bucket for interactive clicks.
    assert result["embedding"] == {"bucket": TARGET, "key": f"embeddings/mobile-sam/{image.sha256}"}
    assert buckets.head_object(Bucket=TARGET, Key=result["embedding"]["key"])["ContentLength"] > 100_000


def test_positive_point_in_a_disk_yields_the_disk(
    any_worker: WorkerProcess, broker: Broker, receiver: Receiver, buckets: Any
) -> None:
    live_worker = any_worker
    image = upload(buckets, 2, live_worker)
    cx, cy, r = DISK
    msg = message(
        image,
        "points",
        [
            {"id": "click", "class": "weld.pore", "points": [[cx + 5, cy - 8, 1]]},
            {
                "id": "two",
                "class": "weld.pore",
                "points": [[cx - 10, cy + 4, 1], [RECT[0] + 20, RECT[1] + 20, 0]],
            },
        ],
        label_mapping={"weld": "weld-defect"},
    )
    broker.send(live_worker.env["LABELHIVE_PRELABEL_QUEUE"], msg)
    result = receiver.wait_for(msg["task_id"])
    validator("prelabel-result.v1.schema.json").validate(result)
    for shape_id in ("click", "two"):
        [poly] = polygons(result, shape_id)
        assert poly["label"] == "weld-defect"
        pts = np.array(poly["points"])
        radii = np.hypot(pts[:, 0] - cx, pts[:, 1] - cy)
        assert np.all(np.abs(radii - r) <= 3), radii
        assert iou(raster(poly["points"]), disk_mask(*DISK)) > 0.93


def test_automatic_mode_finds_both_objects(
    any_worker: WorkerProcess, broker: Broker, receiver: Receiver, buckets: Any
) -> None:
    live_worker = any_worker
    image = upload(buckets, 3, live_worker)
    msg = message(
        image,
        "auto",
        auto={"points_per_side": 4, "pred_iou_thresh": 0.8, "stability_score_thresh": 0.85, "max_masks": 10},
        label_mapping={"*": "object"},
    )
    broker.send(live_worker.env["LABELHIVE_PRELABEL_QUEUE"], msg)
    result = receiver.wait_for(msg["task_id"], timeout=240)
    validator("prelabel-result.v1.schema.json").validate(result)
    found = [raster(p["points"]) for p in polygons(result)]
    assert 1 <= len(result["shapes"]) <= 10
    assert all(s["label"] == "object" for s in result["shapes"])
    assert max(iou(m, rect_mask(*RECT)) for m in found) > 0.9
    assert max(iou(m, disk_mask(*DISK)) for m in found) > 0.9


def test_a_message_delivered_twice_yields_one_prediction(
    live_worker: WorkerProcess, broker: Broker, receiver: Receiver, buckets: Any
) -> None:
    image = upload(buckets, 1)  # same bytes as the box test: the embedding comes from the cache
    msg = message(image, "box", [{"box": {"x": 70, "y": 50, "w": 140, "h": 100}}])
    queue = live_worker.env["LABELHIVE_PRELABEL_QUEUE"]
    broker.send(queue, msg)
    broker.send(queue, msg)
    receiver.wait_for(msg["task_id"])
    deadline = time.monotonic() + 60
    while len(receiver.posts_for(msg["task_id"])) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    posts = receiver.posts_for(msg["task_id"])
    assert len(posts) == 2 and len(receiver.stored_for(msg["task_id"])) == 1
    keys = {p["headers"]["idempotency-key"] for p in posts}
    assert keys == {f"{msg['task_id']}:mobile-sam@6dbb90523a35"}
    assert all(p["body"]["shapes"] == posts[0]["body"]["shapes"] for p in posts)


def test_a_hand_built_protocol_2_message_on_the_default_exchange_is_served(
    live_worker: WorkerProcess, broker: Broker, receiver: Receiver, buckets: Any
) -> None:
    """A producer without Celery (the API publishes with kombu alone) declares the same queue arguments and
    publishes through the default exchange: the worker takes it like any other."""
    from kombu import Connection, Exchange, Queue

    queue = live_worker.env["LABELHIVE_PRELABEL_QUEUE"]
    msg = message(upload(buckets, 1), "box", [{"id": "r", "box": {"x": 74, "y": 54, "w": 132, "h": 92}}])
    task_id = f"{msg['job_id']}:{msg['task_id']}"
    with Connection(broker.url) as conn:
        channel = conn.channel()
        Queue(
            queue,
            exchange=Exchange(""),
            routing_key=queue,
            durable=True,
            queue_arguments=QUEUE_ARGUMENTS | {"x-dead-letter-routing-key": f"{queue}.dead"},
        ).bind(channel).declare()
        conn.Producer(channel).publish(
            json.dumps([[msg], {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}]),
            exchange="",
            routing_key=queue,
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=2,
            headers={
                "lang": "py",
                "task": "labelhive.prelabel",
                "id": task_id,
                "root_id": task_id,
                "retries": 0,
            },
        )
    result = receiver.wait_for(msg["task_id"])
    assert result["status"] == "done" and [s["id"] for s in result["shapes"]] == ["r"]
