"""Click-to-segment: the worker's interactive endpoint decodes a click on the cached embedding."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from .conftest import SOURCE, TARGET, WORKER_BIN, Broker, WorkerProcess, free_port, runtime_env, worker_env
from .geometry_checks import disk_mask, iou, raster, rect_mask
from .receiver import TOKEN, Receiver
from .scenes import DISK, RECT, SIZE, message, scene
from .test_prelabel import validator


@pytest.fixture(scope="module", params=["torch", "onnx"])
def click_server(
    request: pytest.FixtureRequest,
    rabbitmq: Any,
    s3: Any,
    buckets: Any,
    receiver: Receiver,
    tmp_path_factory: Any,
) -> Iterator[str]:
    """`labelhive-worker serve` on each runtime; the onnx one decodes embeddings the torch worker cached."""
    port = free_port()
    onnx_dir = request.getfixturevalue("onnx_export") if request.param == "onnx" else None
    env = worker_env(
        rabbitmq,
        s3,
        receiver,
        "unused",
        LABELHIVE_INTERACTIVE_PORT=str(port),
        **runtime_env(request.param, onnx_dir),
    )
    for name in ("LABELHIVE_AMQP_URL", "LABELHIVE_PRELABEL_QUEUE"):
        env.pop(name)  # the interactive endpoint needs no broker
    log: Path = tmp_path_factory.mktemp("serve") / "serve.log"
    process = subprocess.Popen(
        [str(WORKER_BIN), "serve"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 180
    while "interactive click endpoint on" not in log.read_text():
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    assert process.wait(30) == 0


def click(base: str, image: Any, **prompt: Any) -> httpx.Response:
    body = {
        "version": 1,
        "image": {"key": image.key, "sha256": image.sha256},
        "model": "mobile-sam",
        "label": "pore",
        **prompt,
    }
    validator("prelabel-click.v1.schema.json").evolve(
        schema={"$ref": "prelabel-click.v1.schema.json#/$defs/request"}
    ).validate(body)
    return httpx.post(
        base + "/v1/click", json=body, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120
    )


def check_response(payload: dict[str, Any]) -> None:
    validator("prelabel-click.v1.schema.json").evolve(
        schema={"$ref": "prelabel-click.v1.schema.json#/$defs/response"}
    ).validate(payload)


def test_click_on_an_image_the_batch_worker_embedded(
    click_server: str, live_worker: WorkerProcess, broker: Broker, receiver: Receiver, buckets: Any
) -> None:
    image = scene(31)
    buckets.put_object(Bucket=SOURCE, Key=image.key, Body=image.png)
    msg = message(image, "box", [{"box": {"x": 70, "y": 50, "w": 140, "h": 100}}])
    broker.send(live_worker.env["LABELHIVE_PRELABEL_QUEUE"], msg)
    receiver.wait_for(msg["task_id"])

    cx, cy, _ = DISK
    response = click(click_server, image, points=[[cx, cy, 1]])
    assert response.status_code == 200, response.text
    payload = response.json()
    check_response(payload)
    assert payload["embedding_cached"] is True  # from the target bucket: no encoder run
    [poly] = [s for s in payload["shapes"] if s["type"] == "polygon"]
    assert poly["label"] == "pore" and iou(raster(poly["points"]), disk_mask(*DISK)) > 0.93
    print(f"\nclick on a cached embedding: decode {payload['timings']['decode'] * 1000:.0f} ms")

    # A box and a negative point on the rectangle, decoded from the in-memory copy.
    x, y, w, h = RECT
    again = click(
        click_server, image, box={"x": x - 4, "y": y - 4, "w": w + 8, "h": h + 8}, points=[[5, 5, 0]]
    )
    assert again.status_code == 200 and again.json()["embedding_cached"] is True
    [poly] = [s for s in again.json()["shapes"] if s["type"] == "polygon"]
    assert iou(raster(poly["points"]), rect_mask(*RECT)) > 0.95


def test_click_on_a_new_image_computes_and_caches_its_embedding(
    request: pytest.FixtureRequest, click_server: str, buckets: Any
) -> None:
    onnx = request.node.callspec.params["click_server"] == "onnx"
    image = scene(532 if onnx else 32)  # new bytes for each runtime: each computes the embedding itself
    buckets.put_object(Bucket=SOURCE, Key=image.key, Body=image.png)
    first = click(click_server, image, points=[[DISK[0], DISK[1], 1]])
    assert first.status_code == 200 and first.json()["embedding_cached"] is False
    assert buckets.head_object(Bucket=TARGET, Key=f"embeddings/mobile-sam/{image.sha256}")
    second = click(click_server, image, points=[[DISK[0] + 10, DISK[1], 1]])
    assert second.json()["embedding_cached"] is True
    assert second.json()["timings"]["embedding"] < first.json()["timings"]["embedding"]
    [poly] = [s for s in second.json()["shapes"] if s["type"] == "polygon"]
    assert np.array(poly["points"]).max(axis=0)[0] < SIZE[0]


def test_click_refuses_bad_requests(click_server: str) -> None:
    image = scene(33)
    ok_body = {
        "version": 1,
        "image": {"key": image.key, "sha256": image.sha256},
        "model": "mobile-sam",
        "points": [[1, 1, 1]],
    }
    assert httpx.post(click_server + "/v1/click", json=ok_body).status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    bad = httpx.post(click_server + "/v1/click", json={"version": 1}, headers=auth)
    assert bad.status_code == 422 and bad.json()["code"] == "malformed_message"
    other = httpx.post(click_server + "/v1/click", json={**ok_body, "model": "sam-vit-h"}, headers=auth)
    assert other.status_code == 422 and other.json()["code"] == "model_mismatch"
    missing = httpx.post(click_server + "/v1/click", json=ok_body, headers=auth)  # never uploaded
    assert missing.status_code == 502 and missing.json()["code"] == "image_unreachable"
    assert httpx.get(click_server + "/healthz").status_code == 200
