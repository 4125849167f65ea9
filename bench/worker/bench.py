"""Pre-label worker benchmark (figures, never pass/fail).

For the available device it prints: model load time, embedding time per image, prompt -> mask time,
click -> mask time (one point, on a cached embedding), exemplar search per image (excluding the embedding;
one label, one exemplar, scenes with several instances) beside the pure decoder forward of the same run,
end-to-end images/s through the real queue (harness RabbitMQ + S3, a `labelhive-worker run` process,
results POSTed to a local receiver), and the same model's pure forward-pass images/s (encoder + decoder,
same images and prompts, in this process) measured in the same run; their ratio is the pipeline overhead.

  bench/worker/run.sh [--images N] [--model mobile-sam|sam-vit-b|sam-vit-l|sam-vit-h] [--random-init] [--no-queue]
                      [--device auto|cpu|cuda]

--device picks the device (LABELHIVE_DEVICE) for this process and the queue's worker; CUDA against the CPU on the
same images in one run, with GPU memory: bench/worker/devices.py.

--random-init builds the model with random weights (speed does not depend on them; for GPU figures of
sam-vit-h without its checkpoint); the queue figures need real weights and are skipped then.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "bench-token"


def make_image(seed: int, size: tuple[int, int] = (1024, 768)) -> bytes:
    rng = np.random.default_rng(seed)
    w, h = size
    img = np.clip(rng.normal(200, 5, size=(h, w, 3)), 0, 255).astype(np.uint8)
    img[200:420, 150:500] = (40, 70, 170)
    yy, xx = np.mgrid[0:h, 0:w]
    img[(xx - 750) ** 2 + (yy - 500) ** 2 <= 110**2] = (190, 40, 40)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


PROMPTS = [{"id": "rect", "box": {"x": 140, "y": 190, "w": 370, "h": 240}}]


def make_scene(
    seed: int, size: tuple[int, int] = (1024, 768)
) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """Red disks (8, random radius 40-70 px) on a light textured background: several instances per image."""
    rng = np.random.default_rng(seed)
    w, h = size
    img = np.clip(rng.normal(200, 8, size=(h, w, 3)), 0, 255).astype(np.uint8)
    yy, xx = np.mgrid[0:h, 0:w]
    disks: list[tuple[int, int, int]] = []
    while len(disks) < 8:
        r = int(rng.integers(40, 70))
        cx, cy = int(rng.integers(r + 5, w - r - 5)), int(rng.integers(r + 5, h - r - 5))
        if all((cx - x) ** 2 + (cy - y) ** 2 > (r + q + 10) ** 2 for x, y, q in disks):
            disks.append((cx, cy, r))
            img[(xx - cx) ** 2 + (yy - cy) ** 2 <= r * r] = (190, 40, 40)
    return img, disks


def exemplar_times(model: Any, scenes: int) -> tuple[list[float], list[int], list[float], list[float]]:
    """Seconds per exemplar search (embeddings computed beforehand, not counted) and disks found, seconds per
    click -> mask, and seconds per prompt of the pure decoder forward (a batch of 16 point prompts)."""
    from labelhive_worker.exemplar.grids import normalized_features
    from labelhive_worker.exemplar.search import SearchOptions, search
    from labelhive_worker.exemplar.targets import build_target, view_of
    from labelhive_worker.model_interface import DecodePrompt

    made = [make_scene(7000 + n) for n in range(scenes + 1)]
    embeddings = [model.embed(img) for img, _ in made]
    cx, cy, r = made[0][1][0]
    ring = [[cx + r * np.cos(a), cy + r * np.sin(a)] for a in np.linspace(0, 2 * np.pi, 48, endpoint=False)]
    view = view_of(model, "bench", embeddings[0], {"type": "polygon", "points": ring}, made[0][0])
    target = build_target("disk", [view], [])  # type: ignore[list-item]
    assert target is not None
    searches, found = [], []
    for emb in embeddings[1:]:
        feats = normalized_features(emb)
        t0 = time.perf_counter()
        hits = search(model, emb, feats, target, SearchOptions())
        searches.append(time.perf_counter() - t0)
        found.append(len(hits))
    clicks, forwards = [], []
    for (_img, disks), emb in zip(made[1:], embeddings[1:], strict=True):
        x, y, _ = disks[0]
        t0 = time.perf_counter()
        model.predict(emb, points=[(x, y, 1)])
        clicks.append(time.perf_counter() - t0)
        prompts = [DecodePrompt(points=((float(dx), float(dy), 1),)) for dx, dy, _ in disks] * 2
        t0 = time.perf_counter()
        model.decode(emb, prompts, multimask=True)
        forwards.append((time.perf_counter() - t0) / len(prompts))
    return searches, found, clicks, forwards


def exemplar_figures(model: Any, scenes: int) -> None:
    """Exemplar search per image, click -> mask, and the pure decoder forward (a batch of 16 point prompts, no
    pre/post-processing) as the baseline, same run."""
    searches, found, clicks, forwards = exemplar_times(model, scenes)
    print(
        f"exemplar search  {statistics.median(searches) * 1000:.0f} ms/image (median of {len(searches)}, "
        f"excluding the embedding; found {statistics.median(found):.0f} of 8 disks; load {os.getloadavg()[0]:.1f})"
    )
    print(
        f"click -> mask    {statistics.median(clicks) * 1000:.1f} ms (one point, cached embedding, multimask)"
    )
    print(
        f"decoder forward  {statistics.median(forwards) * 1000:.1f} ms/prompt (baseline: batch of 16 points, "
        "3 masks each, no pre/post-processing)"
    )


def device_line(device: str) -> str:
    import torch

    if device == "cuda":
        return f"cuda: {torch.cuda.get_device_name(0)}"
    return f"cpu: {platform.processor() or platform.machine()}, {os.cpu_count()} cores visible, torch threads {torch.get_num_threads()}"


def cpu_baseline(seconds: float = 0.5) -> float:
    """GFLOP/s of a fixed float32 matmul right now: the machine's state beside each figure (shared CPUs)."""
    a = np.random.default_rng(0).random((384, 384), dtype=np.float32)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ a
        n += 1
    return 2 * 384**3 * n / (time.perf_counter() - start) / 1e9


def pure_forward(model: Any, images: list[np.ndarray]) -> tuple[float, list[float], list[float]]:
    """Encoder + decoder for each image with the bench prompts; returns (seconds, embed times, decode times).

    Runs in a non-main thread, as the worker's threads pool does: on a crowded CPU, torch called from the
    main thread measured ~1.5x slower here, which would flatter the pipeline."""
    out: list[tuple[float, list[float], list[float]]] = []
    thread = threading.Thread(target=lambda: out.append(_forward(model, images)))
    thread.start()
    thread.join()
    return out[0]


def _forward(model: Any, images: list[np.ndarray]) -> tuple[float, list[float], list[float]]:
    embeds, decodes = [], []
    start = time.perf_counter()
    for rgb in images:
        t0 = time.perf_counter()
        emb = model.embed(rgb)
        t1 = time.perf_counter()
        model.predict(emb, box=(140, 190, 370, 240))
        model.predict(emb, box=(635, 385, 230, 230))
        t2 = time.perf_counter()
        embeds.append(t1 - t0)
        decodes.append((t2 - t1) / 2)
    return time.perf_counter() - start, embeds, decodes


def start_receiver() -> tuple[ThreadingHTTPServer, dict[str, float]]:
    done: dict[str, float] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            done.setdefault(body["task_id"], time.perf_counter())
            if body["status"] != "done":
                print(f"  ! {body['task_id']} failed: {body.get('reason')}", file=sys.stderr)
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, done


def through_queue(
    model_name: str, blobs: list[bytes], checkpoint: str | None, device: str
) -> tuple[float, float]:
    """(seconds for all images through the queue, worker start seconds)."""
    from celery import Celery
    from kombu import Exchange, Queue
    from labelhive_harness.rabbitmq import start_rabbitmq
    from labelhive_harness.s3 import start_s3
    from labelhive_worker.queues import queue_arguments

    rabbit, s3 = start_rabbitmq(), start_s3()
    server, done = start_receiver()
    worker = None
    try:
        client = s3.client()
        for bucket in ("bench-source", "bench-target"):
            client.create_bucket(Bucket=bucket)
        keys = []
        for data in blobs:
            sha = hashlib.sha256(data).hexdigest()
            key = f"assets/sha256/{sha[:2]}/{sha}"
            client.put_object(Bucket="bench-source", Key=key, Body=data)
            keys.append((key, sha))
        queue = "prelabel.bench"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            metrics_port = sock.getsockname()[1]
        env = {
            k: v for k, v in os.environ.items() if not k.startswith("LABELHIVE_") or k == "LABELHIVE_CACHE"
        }
        env.update(
            LABELHIVE_AMQP_URL=rabbit.url,
            LABELHIVE_PRELABEL_QUEUE=queue,
            LABELHIVE_S3_ENDPOINT=s3.endpoint,
            LABELHIVE_S3_ACCESS_KEY=s3.access_key,
            LABELHIVE_S3_SECRET_KEY=s3.secret_key,
            LABELHIVE_S3_SOURCE_BUCKET="bench-source",
            LABELHIVE_S3_TARGET_BUCKET="bench-target",
            LABELHIVE_MODEL=model_name,
            LABELHIVE_DEVICE=device,
            LABELHIVE_API_URL=f"http://127.0.0.1:{server.server_port}",
            LABELHIVE_API_TOKEN=TOKEN,
            LABELHIVE_METRICS_PORT=str(metrics_port),
        )
        if checkpoint:
            env["LABELHIVE_MODEL_CHECKPOINT"] = checkpoint
        log = Path(tempfile.mkdtemp()) / "worker.log"
        t0 = time.perf_counter()
        worker = subprocess.Popen(
            [str(Path(sys.executable).parent / "labelhive-worker"), "run"],
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        while "labelhive-worker ready" not in log.read_text():
            if worker.poll() is not None:
                raise SystemExit(f"worker exited: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        started = time.perf_counter() - t0

        producer = Celery("bench-producer", broker=rabbit.url, set_as_current=False)
        topology = Queue(
            queue,
            Exchange(queue, type="direct", durable=True),
            routing_key=queue,
            durable=True,
            queue_arguments=queue_arguments(queue),
        )
        job = "bench-" + uuid.uuid4().hex[:6]
        t_send = time.perf_counter()
        for n, (key, sha) in enumerate(keys):
            msg = {
                "version": 1,
                "job_id": job,
                "project_id": "bench",
                "task_id": f"t{n}",
                "image": {"key": key, "sha256": sha},
                "mode": "box",
                "prompts": [
                    {"id": "rect", "box": PROMPTS[0]["box"]},
                    {"id": "disk", "box": {"x": 635, "y": 385, "w": 230, "h": 230}},
                ],
                "model": model_name,
                "label_mapping": {"*": "object"},
            }
            producer.send_task("labelhive.prelabel", args=[msg], queue=topology)
        while len(done) < len(keys):
            if worker.poll() is not None:
                raise SystemExit(f"worker exited: {log.read_text()[-2000:]}")
            time.sleep(0.02)
        return max(done.values()) - t_send, started
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(60)
        server.shutdown()
        rabbit.close()
        s3.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=int(os.environ.get("BENCH_IMAGES", "6")))
    parser.add_argument("--model", default="mobile-sam")
    parser.add_argument("--random-init", action="store_true")
    parser.add_argument("--checkpoint", default=None)
    parser.add_argument("--no-queue", action="store_true", help="skip the through-the-queue figures")
    parser.add_argument("--scenes", type=int, default=int(os.environ.get("BENCH_SCENES", "4")))
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    args = parser.parse_args()

    from labelhive_worker.model_handler import SamModel
    from labelhive_worker.settings import MOBILE_SAM_SHA256, default_checkpoint_dir

    checkpoint = args.checkpoint or (
        str(default_checkpoint_dir() / "mobile_sam.pt") if args.model == "mobile-sam" else None
    )
    if args.random_init:
        model = SamModel.random(args.model, args.device)
    else:
        if checkpoint is None:
            raise SystemExit(f"--checkpoint is required for {args.model} (or --random-init)")
        expected = MOBILE_SAM_SHA256 if args.model == "mobile-sam" else None
        model = SamModel.load(args.model, Path(checkpoint), expected, args.device)
    print(
        f"model            {model.model_version} ({'random weights' if args.random_init else 'checkpoint'})"
    )
    print(f"device           {device_line(model.device)}")
    print(f"model load       {model.load_seconds:.2f} s (checksum + build + weights)")

    blobs = [make_image(1000 + n) for n in range(args.images)]
    images = [np.asarray(Image.open(io.BytesIO(b)).convert("RGB")) for b in blobs]
    pure_forward(model, images[:1])  # warm-up (allocations, kernels) is not counted
    base_a = cpu_baseline()
    seconds, embeds, decodes = pure_forward(model, images)
    pure_a = len(images) / seconds
    print(
        f"embedding        {statistics.median(embeds) * 1000:.0f} ms/image (median of {len(embeds)}, 1024x768)"
    )
    print(f"prompt -> mask   {statistics.median(decodes) * 1000:.1f} ms/prompt (median, box prompts)")
    if model.device == "cuda" and len(images) >= 2:
        import torch

        batch = images[: min(4, len(images))]
        model.embed_batch(batch)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        model.embed_batch(batch)
        torch.cuda.synchronize()
        print(f"batched embed    {len(batch) / (time.perf_counter() - t0):.2f} images/s (batch {len(batch)})")
    print(
        f"pure forward     {pure_a:.3f} images/s (encoder + 2 box prompts, in-process; cpu baseline {base_a:.1f} GFLOP/s)"
    )
    if not args.random_init:  # exemplar search needs real features to find anything
        exemplar_figures(model, args.scenes)
    if args.no_queue:
        return
    if args.random_init:
        print("through queue    skipped (random weights: the worker only runs verified checkpoints)")
        return
    base_q = cpu_baseline()
    seconds_q, start_s = through_queue(args.model, blobs, checkpoint, model.device)
    e2e = len(blobs) / seconds_q
    base_b = cpu_baseline()
    seconds, _, _ = pure_forward(model, images)
    pure_b = len(images) / seconds
    pure = (pure_a + pure_b) / 2
    print(f"worker start     {start_s:.1f} s (process start to consuming, model loaded)")
    print(
        f"through queue    {e2e:.3f} images/s ({len(blobs)} images: RabbitMQ -> S3 download -> SAM -> "
        f"S3 embedding cache -> results POST; cpu baseline {base_q:.1f} GFLOP/s before)"
    )
    print(
        f"pure forward     {pure_b:.3f} images/s again after the queue run (cpu baseline {base_b:.1f} GFLOP/s)"
    )
    print(f"ratio            {e2e / pure:.2f} (end-to-end / mean pure forward; 1.0 = no pipeline overhead)")


if __name__ == "__main__":
    main()
