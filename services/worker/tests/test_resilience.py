"""Nothing lost, nothing duplicated: SIGKILL mid-task, SIGTERM mid-task, a broker restart; configuration
errors refuse to start with one line."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .conftest import SOURCE, WORKER_BIN, Broker, WorkerProcess, worker_env
from .receiver import Receiver
from .scenes import message, scene


def upload(buckets: Any, seed: int) -> Any:
    image = scene(seed)
    buckets.put_object(Bucket=SOURCE, Key=image.key, Body=image.png)
    return image


def test_sigkill_mid_task_is_redelivered_and_completes_once(
    live_worker: WorkerProcess, broker: Broker, receiver: Receiver, buckets: Any
) -> None:
    queue = live_worker.env["LABELHIVE_PRELABEL_QUEUE"]
    msg = message(upload(buckets, 21), "box", [{"id": "b", "box": {"x": 74, "y": 54, "w": 132, "h": 92}}])
    live_worker.restart(pause_at="embedding")
    mark = len(live_worker.text())
    broker.send(queue, msg)
    live_worker.wait_log(f"fault pause at embedding task={msg['task_id']}", after=mark)
    live_worker.signal(signal.SIGKILL)  # mid-task, at a known point: image fetched, embedding not made
    assert live_worker.process is not None and live_worker.process.wait(10) == -signal.SIGKILL
    assert receiver.posts_for(msg["task_id"]) == []

    mark = len(live_worker.text())
    live_worker.start()
    result = receiver.wait_for(msg["task_id"])
    assert result["status"] == "done" and [s["id"] for s in result["shapes"]] == ["b"]
    assert f"prelabel start task={msg['task_id']} attempt=1 redelivered=True" in live_worker.text()[mark:]
    live_worker.wait_log(f"prelabel done task={msg['task_id']}", after=mark)
    # Once the worker has exited nothing more can come: one POST, and the message was acked (not returned).
    assert live_worker.stop() == 0
    assert len(receiver.posts_for(msg["task_id"])) == 1 and len(receiver.stored_for(msg["task_id"])) == 1
    assert broker.ready_count(queue) == 0


def test_a_message_that_keeps_killing_workers_is_dead_lettered(
    live_worker: WorkerProcess, broker: Broker, receiver: Receiver, buckets: Any
) -> None:
    queue = live_worker.env["LABELHIVE_PRELABEL_QUEUE"]  # LABELHIVE_MAX_REDELIVERIES=1 in the tests
    msg = message(upload(buckets, 24), "box", [{"box": {"x": 74, "y": 54, "w": 132, "h": 92}}])
    live_worker.restart(pause_at="embedding")
    mark = len(live_worker.text())
    broker.send(queue, msg)
    for n in range(2):  # the first delivery and one redelivery die
        if n:
            mark = len(live_worker.text())
            live_worker.start(pause_at="embedding")
        live_worker.wait_log(f"fault pause at embedding task={msg['task_id']}", after=mark)
        live_worker.signal(signal.SIGKILL)
        assert live_worker.process is not None and live_worker.process.wait(10) == -signal.SIGKILL
    live_worker.start()
    body, headers = broker.dead_letter_for(queue, msg["task_id"])
    assert body["reason"]["code"] == "worker_lost" and "delivered 3 times" in body["reason"]["message"]
    assert headers["x-labelhive-reason-code"] == "worker_lost"
    assert receiver.wait_for(msg["task_id"], status="failed")["reason"]["code"] == "worker_lost"
    assert broker.ready_count(queue) == 0
    assert not buckets.list_objects_v2(Bucket="lh-test-target", Prefix="worker-state/").get("Contents")


def test_sigterm_finishes_the_job_in_hand_then_exits(
    live_worker: WorkerProcess, broker: Broker, receiver: Receiver, buckets: Any
) -> None:
    queue = live_worker.env["LABELHIVE_PRELABEL_QUEUE"]
    first = message(upload(buckets, 22), "box", [{"box": {"x": 74, "y": 54, "w": 132, "h": 92}}])
    second = message(upload(buckets, 23), "box", [{"box": {"x": 74, "y": 54, "w": 132, "h": 92}}])
    live_worker.restart(pause_at="embedding")
    mark = len(live_worker.text())
    broker.send(queue, first)
    live_worker.wait_log(f"fault pause at embedding task={first['task_id']}", after=mark)
    broker.send(queue, second)
    live_worker.signal(signal.SIGTERM)  # what Kubernetes sends on scale-down, with a job in hand
    live_worker.wait_log("shutting down", after=mark)
    live_worker.release_paused()
    assert live_worker.process is not None and live_worker.process.wait(120) == 0
    assert receiver.stored_for(first["task_id"])  # finished before exiting
    assert receiver.posts_for(second["task_id"]) == []  # not taken: still queued for the next worker
    assert broker.ready_count(queue) == 1

    live_worker.start()
    receiver.wait_for(second["task_id"])
    assert len(receiver.posts_for(first["task_id"])) == 1  # the finished one was acked, not redelivered


def test_broker_restart_loses_no_queued_job(
    live_worker: WorkerProcess, broker: Broker, receiver: Receiver, buckets: Any, rabbitmq: Any
) -> None:
    queue = live_worker.env["LABELHIVE_PRELABEL_QUEUE"]
    assert live_worker.stop() == 0
    image = upload(buckets, 1)  # embedding cached: the jobs themselves are quick
    jobs = [message(image, "box", [{"box": {"x": 70 + n, "y": 50, "w": 140, "h": 100}}]) for n in range(3)]
    for msg in jobs:
        broker.send(queue, msg)
    broker.wait_ready_count(queue, 3)

    rabbitmq.stop()
    rabbitmq.start()
    # Durable queue, persistent messages. A quorum queue reports its count once its log is replayed.
    broker.wait_ready_count(queue, 3)

    live_worker.start()
    for msg in jobs:
        assert receiver.wait_for(msg["task_id"])["status"] == "done"

    # A running worker rides out a restart too: it reconnects and takes the next job.
    rabbitmq.stop()
    rabbitmq.start()
    after = message(image, "box", [{"box": {"x": 72, "y": 52, "w": 136, "h": 96}}])
    broker.send(queue, after)
    assert receiver.wait_for(after["task_id"], timeout=180)["status"] == "done"
    assert all(len(receiver.stored_for(m["task_id"])) == 1 for m in [*jobs, after])


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"LABELHIVE_MODEL": "sam-vit-x"}, "LABELHIVE_MODEL='sam-vit-x' is not a known model"),
        ({"LABELHIVE_MODEL": "sam-vit-h"}, "LABELHIVE_MODEL_CHECKPOINT is required for sam-vit-h"),
        (
            {"LABELHIVE_MODEL_CHECKPOINT": "/nonexistent/mobile_sam.pt"},
            "checkpoint file /nonexistent/mobile_sam.pt does not exist",
        ),
        ({"LABELHIVE_MODEL_CHECKPOINT": "{wrong}"}, "has sha256"),
        (
            {"LABELHIVE_MODEL": "sam-vit-b", "LABELHIVE_MODEL_CHECKPOINT": "{wrong}"},
            "is not the official sam-vit-b checkpoint",
        ),
        ({"LABELHIVE_API_URL": ""}, "LABELHIVE_API_URL must be"),
        ({"LABELHIVE_AMQP_URL": "redis://x"}, "LABELHIVE_AMQP_URL must be"),
        ({"LABELHIVE_DEVICE": "tpu"}, "LABELHIVE_DEVICE='tpu'"),
    ],
)
def test_configuration_errors_refuse_to_start_with_one_line(
    rabbitmq: Any, s3: Any, receiver: Receiver, tmp_path: Path, overrides: dict[str, str], expected: str
) -> None:
    wrong = tmp_path / "sam_vit_b_01ec64.pth"
    wrong.write_bytes(b"not the weights")
    env = worker_env(rabbitmq, s3, receiver, "prelabel.never-used")
    env.update({k: v.replace("{wrong}", str(wrong)) for k, v in overrides.items()})
    run = subprocess.run(
        [str(WORKER_BIN), "run"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("labelhive-worker: ") and expected in lines[0], run.stderr
