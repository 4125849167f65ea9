"""Bad input fails one job item with a reason (bounded retries, then the dead-letter queue) and never takes
the worker down or blocks the queue."""

from __future__ import annotations

import io
import json
import time
from typing import Any

import httpx
from PIL import Image

from .conftest import SOURCE, Broker, WorkerProcess
from .receiver import Receiver
from .scenes import message, scene, stored_bytes
from .test_prelabel import validator


def put(buckets: Any, data: bytes) -> Any:
    image = stored_bytes(data)
    buckets.put_object(Bucket=SOURCE, Key=image.key, Body=data)
    return image


def assert_dead(
    broker: Broker, worker: WorkerProcess, receiver: Receiver, msg: Any, code: str, attempts: int
) -> dict[str, Any]:
    queue = worker.env["LABELHIVE_PRELABEL_QUEUE"]
    body, headers = broker.dead_letter_for(queue, msg["task_id"])
    validator("prelabel-dead-letter.v1.schema.json").validate(body)
    assert body["reason"]["code"] == code, body
    assert body["attempts"] == attempts and headers["x-labelhive-attempts"] == attempts
    assert headers["x-labelhive-reason-code"] == code
    assert body["message"] == msg
    result = receiver.wait_for(msg["task_id"], status="failed")
    validator("prelabel-result.v1.schema.json").validate(result)
    assert result["reason"]["code"] == code and body["result_delivered"] is True
    assert len(receiver.posts_for(msg["task_id"])) == 1  # one failed result, not one per attempt
    assert worker.process is not None and worker.process.poll() is None  # the worker lives on
    assert broker.ready_count(queue) == 0  # and the queue is not blocked
    return body


def test_corrupt_image_is_retried_then_dead_lettered_with_reason(
    live_worker: WorkerProcess, broker: Broker, receiver: Receiver, buckets: Any
) -> None:
    png = scene(7).png
    image = put(buckets, png[: len(png) // 3])  # a truncated PNG: right header, broken data
    msg = message(image, "box", [{"box": {"x": 1, "y": 1, "w": 50, "h": 50}}])
    broker.send(live_worker.env["LABELHIVE_PRELABEL_QUEUE"], msg)
    body = assert_dead(broker, live_worker, receiver, msg, "image_not_decodable", attempts=3)  # 1 + 2 retries
    assert "not a decodable image" in body["reason"]["message"]
    assert live_worker.text().count(f"prelabel start task={msg['task_id']}") == 3


def test_non_image_bytes(
    live_worker: WorkerProcess, broker: Broker, receiver: Receiver, buckets: Any
) -> None:
    image = put(buckets, b"%PDF-1.7 this is not an image at all")
    msg = message(image, "auto")
    broker.send(live_worker.env["LABELHIVE_PRELABEL_QUEUE"], msg)
    assert_dead(broker, live_worker, receiver, msg, "image_not_decodable", attempts=3)


def test_image_over_the_pixel_limit_fails_at_once(
    live_worker: WorkerProcess, broker: Broker, receiver: Receiver, buckets: Any
) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (1200, 1000), (90, 90, 90)).save(
        buf, format="PNG"
    )  # 1.2 MP > LABELHIVE_MAX_IMAGE_PIXELS
    msg = message(put(buckets, buf.getvalue()), "auto")
    broker.send(live_worker.env["LABELHIVE_PRELABEL_QUEUE"], msg)
    body = assert_dead(broker, live_worker, receiver, msg, "image_too_large", attempts=1)
    assert "1200x1000" in body["reason"]["message"]


def test_checksum_mismatch(
    live_worker: WorkerProcess, broker: Broker, receiver: Receiver, buckets: Any
) -> None:
    image = put(buckets, scene(8).png)
    msg = message(image, "auto")
    msg["image"]["sha256"] = "0" * 64
    broker.send(live_worker.env["LABELHIVE_PRELABEL_QUEUE"], msg)
    assert_dead(broker, live_worker, receiver, msg, "checksum_mismatch", attempts=1)


def test_loopback_image_url_is_refused(
    live_worker: WorkerProcess, broker: Broker, receiver: Receiver
) -> None:
    # The outbound policy: a loopback URL is never fetched, and retrying cannot change that.
    msg = message(scene(9), "auto")
    msg["image"] = {"url": "http://127.0.0.1:9/nothing-listens-here.png", "sha256": "1" * 64}
    broker.send(live_worker.env["LABELHIVE_PRELABEL_QUEUE"], msg)
    body = assert_dead(broker, live_worker, receiver, msg, "image_unreachable", attempts=1)
    assert "outbound policy" in body["reason"]["message"]


def test_missing_s3_object(live_worker: WorkerProcess, broker: Broker, receiver: Receiver) -> None:
    msg = message(scene(10), "auto")  # never uploaded
    broker.send(live_worker.env["LABELHIVE_PRELABEL_QUEUE"], msg)
    body = assert_dead(broker, live_worker, receiver, msg, "image_unreachable", attempts=3)
    assert "NoSuchKey" in body["reason"]["message"]


def test_unknown_model_and_model_mismatch(
    live_worker: WorkerProcess, broker: Broker, receiver: Receiver
) -> None:
    unknown = message(scene(11), "auto", model="yolo-v99")
    other = message(scene(11), "auto", model="sam-vit-h")
    queue = live_worker.env["LABELHIVE_PRELABEL_QUEUE"]
    broker.send(queue, unknown)
    broker.send(queue, other)
    assert_dead(broker, live_worker, receiver, unknown, "unknown_model", attempts=1)
    assert_dead(broker, live_worker, receiver, other, "model_mismatch", attempts=1)


def test_malformed_messages(live_worker: WorkerProcess, broker: Broker, receiver: Receiver) -> None:
    queue = live_worker.env["LABELHIVE_PRELABEL_QUEUE"]
    bad_mode = message(scene(12), "segment-everything")
    broker.send(queue, bad_mode)
    body = assert_dead(broker, live_worker, receiver, bad_mode, "malformed_message", attempts=1)
    assert body["reason"]["message"].startswith("mode:")

    no_prompts = message(scene(12), "box")  # box mode without a box
    broker.send(queue, no_prompts)
    assert_dead(broker, live_worker, receiver, no_prompts, "malformed_message", attempts=1)

    # A message without ids cannot be reported against a task: it only reaches the dead-letter queue.
    broker.send(queue, "task-without-anything")
    body, _ = broker.dead_letter_for(queue, "task-without-anything")
    assert body["reason"]["code"] == "malformed_message" and body["result_delivered"] is False


def test_a_message_celery_cannot_read_is_dead_lettered_by_the_broker(
    live_worker: WorkerProcess, broker: Broker
) -> None:
    from kombu import Connection, Producer

    queue = live_worker.env["LABELHIVE_PRELABEL_QUEUE"]
    with Connection(broker.url) as conn:
        Producer(conn.default_channel).publish(
            b"\x00\x01 not json, no task header",
            routing_key=queue,
            exchange="",
            content_type="application/octet-stream",
        )
    body, headers = broker.raw_dead_letter(queue)
    assert body == b"\x00\x01 not json, no task header"
    assert headers["x-death"][0]["queue"] == queue and headers["x-death"][0]["reason"] == "rejected"
    assert live_worker.process is not None and live_worker.process.poll() is None


def test_a_task_that_raises_anyway_is_rejected_into_the_dead_letter_queue(
    live_worker: WorkerProcess, broker: Broker
) -> None:
    queue = live_worker.env["LABELHIVE_PRELABEL_QUEUE"]
    broker.app.send_task("labelhive.prelabel", args=[], queue=broker.topology(queue))  # no message argument
    body, headers = broker.raw_dead_letter(queue)
    assert headers["x-death"][0]["reason"] == "rejected" and json.loads(body)[0] == []
    assert live_worker.process is not None and live_worker.process.poll() is None


def test_results_endpoint_down_is_retried(
    live_worker: WorkerProcess, broker: Broker, receiver: Receiver, buckets: Any
) -> None:
    image = scene(1)  # uploaded by the box test; its embedding is cached
    buckets.put_object(Bucket=SOURCE, Key=image.key, Body=image.png)
    msg = message(image, "box", [{"box": {"x": 74, "y": 54, "w": 132, "h": 92}}])
    receiver.fail_next = 1
    broker.send(live_worker.env["LABELHIVE_PRELABEL_QUEUE"], msg)
    result = receiver.wait_for(msg["task_id"])
    assert result["status"] == "done" and result["attempts"] == 2
    assert [p["body"]["attempts"] for p in receiver.posts_for(msg["task_id"])] == [1, 2]


def test_metrics_health_and_probe(
    live_worker: WorkerProcess, broker: Broker, receiver: Receiver, buckets: Any
) -> None:
    import subprocess

    from .conftest import WORKER_BIN

    image = scene(1)
    buckets.put_object(Bucket=SOURCE, Key=image.key, Body=image.png)
    msg = message(image, "box", [{"box": {"x": 70, "y": 50, "w": 140, "h": 100}}])
    broker.send(live_worker.env["LABELHIVE_PRELABEL_QUEUE"], msg)
    receiver.wait_for(msg["task_id"])
    base = f"http://127.0.0.1:{live_worker.port}"
    assert httpx.get(base + "/healthz").json()["model_loaded"] is True
    assert httpx.get(base + "/readyz").status_code == 200
    queue = live_worker.env["LABELHIVE_PRELABEL_QUEUE"]
    deadline = time.monotonic() + 40  # queue depth is refreshed every 15 s, one queue after the other
    depths = [f'labelhive_prelabel_queue_depth{{queue="{q}"}}' for q in (queue, f"{queue}.dead")]
    while not all(depth in (text := httpx.get(base + "/metrics").text) for depth in depths):
        assert time.monotonic() < deadline, text
        time.sleep(0.5)
    for name in (
        "labelhive_prelabel_jobs_total",
        "labelhive_prelabel_failures_total",
        "labelhive_prelabel_job_seconds_bucket",
        "labelhive_prelabel_stage_seconds_bucket",
        "labelhive_prelabel_queue_depth",
        "labelhive_prelabel_model_load_seconds",
        "labelhive_prelabel_gpu_memory_bytes",
    ):
        assert name in text, name
    assert 'labelhive_prelabel_jobs_total{status="done"}' in text
    assert f'labelhive_prelabel_queue_depth{{queue="{queue}.dead"}}' in text
    probe = subprocess.run(
        [str(WORKER_BIN), "probe", "--port", str(live_worker.port)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.returncode == 0 and json.loads(probe.stdout)["model_loaded"] is True
    dead = subprocess.run(
        [str(WORKER_BIN), "probe", "--port", "9"], capture_output=True, text=True, check=False
    )
    assert dead.returncode == 1 and "probe" in dead.stderr
