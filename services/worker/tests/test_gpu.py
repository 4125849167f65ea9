"""GPU tests (marker `gpu`; deselected by scripts/test.sh; run on a machine with a CUDA device:
`.venv-worker/bin/pytest services/worker/tests -m gpu`): every CUDA path of the torch model against the CPU on
the same inputs, with the real MobileSAM weights: the embedding (bf16 autocast on CUDA), clicks and boxes,
automatic mode, batched embeddings, an embedding made on CUDA cached and decoded on the CPU (the GPU batch
worker and the CPU click endpoint share the cache), and the worker's own startup and click endpoint with
LABELHIVE_DEVICE=cuda. Exemplar mode on CUDA is in test_exemplar.py (same marker). Without a device they fail,
they never skip. LABELHIVE_GPU_TESTS_DEVICE=cpu runs them with the CPU in CUDA's place: a dry run of the code
(imports, calls) on a machine without a device, checking nothing about CUDA."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import numpy as np
import pytest
from labelhive_worker.contract import AutoOptions
from labelhive_worker.embedding_cache import dumps, loads
from labelhive_worker.images import decode
from labelhive_worker.model_handler import SamModel
from labelhive_worker.model_interface import Embedding
from labelhive_worker.settings import MOBILE_SAM_SHA256

from .conftest import CHECKPOINT, free_port
from .geometry_checks import disk_mask, raster
from .scenes import DISK, scene
from .test_onnx import PHOTOS, iou, photo, prompts

pytestmark = pytest.mark.gpu
DEVICE = os.environ.get("LABELHIVE_GPU_TESTS_DEVICE", "cuda")
BOX = (74.0, 54.0, 132.0, 92.0)  # the scene's object, as the resilience tests prompt it


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.fixture(scope="module")
def cuda_model() -> SamModel:
    import torch

    assert DEVICE == "cpu" or torch.cuda.is_available(), (
        "the gpu marker needs a CUDA device (torch sees none)"
    )
    return SamModel.load("mobile-sam", CHECKPOINT, MOBILE_SAM_SHA256, DEVICE)


@pytest.fixture(scope="module")
def cpu_model() -> SamModel:
    return SamModel.load("mobile-sam", CHECKPOINT, MOBILE_SAM_SHA256, "cpu")


@pytest.fixture(scope="module")
def embedded(cuda_model: SamModel, cpu_model: SamModel) -> dict[str, tuple[Embedding, Embedding]]:
    """Each photo embedded on CUDA and on the CPU: (cuda, cpu)."""
    return {name: (cuda_model.embed(photo(name)), cpu_model.embed(photo(name))) for name in PHOTOS}


def test_mobile_sam_on_cuda_segments_like_the_cpu(cuda_model: SamModel, cpu_model: SamModel) -> None:
    image = scene(21)
    rgb = decode(image.png, expected_sha256=image.sha256, max_pixels=10_000_000).rgb
    assert cuda_model.device == DEVICE and cuda_model.model_version == cpu_model.model_version
    on_gpu = cuda_model.predict(cuda_model.embed(rgb), box=BOX)
    on_cpu = cpu_model.predict(cpu_model.embed(rgb), box=BOX)
    assert iou(on_gpu.mask, on_cpu.mask) > 0.95, (
        f"GPU and CPU masks differ: IoU {iou(on_gpu.mask, on_cpu.mask)}"
    )
    assert abs(on_gpu.score - on_cpu.score) < 0.05


def test_cuda_embeddings_are_the_cpus(embedded: dict[str, tuple[Embedding, Embedding]]) -> None:
    """The encoder runs under bf16 autocast on CUDA: the features stay the CPU's (cached embeddings are shared
    by model_version, whichever device made them)."""
    for name, (gpu, cpu) in embedded.items():
        assert gpu.features.shape == cpu.features.shape == (256, 64, 64)
        assert (gpu.original_size, gpu.input_size) == (cpu.original_size, cpu.input_size)
        similarity = cosine(gpu.features, cpu.features)
        worst = np.abs(gpu.features - cpu.features).max()
        print(
            f"\n{name}: cosine {similarity:.5f}, max |diff| {worst:.4f} (feature range {np.ptp(cpu.features):.2f})"
        )
        assert similarity > 0.99, (name, similarity)


def test_clicks_and_boxes_on_cuda_match_the_cpu(
    cuda_model: SamModel, cpu_model: SamModel, embedded: dict[str, tuple[Embedding, Embedding]]
) -> None:
    """The decoder on CUDA on the CPU's embedding gives the CPU's masks; end to end on CUDA (its own
    embedding) the masks are the CPU's too."""
    for name, (gpu, cpu) in embedded.items():
        h, w = cpu.original_size
        for kind, prompt in prompts(h, w).items():
            want = cpu_model.predict(cpu, **prompt)
            same_embedding = cuda_model.predict(cpu, **prompt)
            end_to_end = cuda_model.predict(gpu, **prompt)
            overlap, e2e = iou(same_embedding.mask, want.mask), iou(end_to_end.mask, want.mask)
            print(f"\n{name} {kind}: decoder IoU {overlap:.4f}, end to end IoU {e2e:.4f}")
            assert overlap >= 0.98 and abs(same_embedding.score - want.score) < 0.01, (name, kind, overlap)
            assert e2e >= 0.9 and abs(end_to_end.score - want.score) < 0.05, (name, kind, e2e)


def test_automatic_mode_on_cuda_finds_the_cpus_masks(
    cuda_model: SamModel, cpu_model: SamModel, embedded: dict[str, tuple[Embedding, Embedding]]
) -> None:
    gpu, cpu = embedded["coffee"]
    options = AutoOptions(points_per_side=8, max_masks=50)
    expected = cpu_model.automatic(photo("coffee"), cpu, options)
    for source, embedding in (("cpu embedding", cpu), ("cuda embedding", gpu)):
        got = cuda_model.automatic(photo("coffee"), embedding, options)
        matched = [max((iou(e.mask, g.mask) for g in got), default=0.0) for e in expected]
        good = sum(m >= 0.9 for m in matched)
        print(f"\nautomatic 8x8, {source}: cpu {len(expected)} masks, cuda {len(got)}; matched {good}")
        assert len(expected) >= 3
        assert abs(len(got) - len(expected)) <= max(1, len(expected) // 10), (source, len(got), len(expected))
        assert good >= 0.9 * len(expected), (source, matched)


def test_batched_embeddings_on_cuda_are_the_single_ones(cuda_model: SamModel) -> None:
    """LABELHIVE_BATCH_SIZE > 1 (batching.py): images of different sizes share one encoder pass."""
    small = scene(22)
    images = [
        photo("coffee"),
        photo("astronaut"),
        decode(small.png, expected_sha256=small.sha256, max_pixels=10**7).rgb,
    ]
    batched = cuda_model.embed_batch(images)
    for rgb, together in zip(images, batched, strict=True):
        alone = cuda_model.embed(rgb)
        assert together.original_size == alone.original_size == rgb.shape[:2]
        similarity = cosine(together.features, alone.features)
        h, w = rgb.shape[:2]
        box = (w * 0.2, h * 0.2, w * 0.5, h * 0.5)
        overlap = iou(cuda_model.predict(together, box=box).mask, cuda_model.predict(alone, box=box).mask)
        print(f"\n{w}x{h}: batched vs alone cosine {similarity:.6f}, box IoU {overlap:.4f}")
        assert similarity > 0.999 and overlap >= 0.98, (rgb.shape, similarity, overlap)


def test_an_embedding_cached_on_cuda_decodes_on_the_cpu(
    cuda_model: SamModel, cpu_model: SamModel, embedded: dict[str, tuple[Embedding, Embedding]]
) -> None:
    """The GPU batch worker writes the embedding (float16 npz), the CPU click endpoint reads and decodes it."""
    gpu, _ = embedded["astronaut"]
    stored = loads(dumps(gpu))
    assert stored.model_version == cuda_model.model_version == cpu_model.model_version
    h, w = gpu.original_size
    for kind, prompt in prompts(h, w).items():
        on_cuda = cuda_model.predict(gpu, **prompt)
        on_cpu = cpu_model.predict(stored, **prompt)
        assert iou(on_cuda.mask, on_cpu.mask) >= 0.98, (kind, iou(on_cuda.mask, on_cpu.mask))


@pytest.fixture
def image_url() -> Iterator[tuple[str, str]]:
    """The scene's PNG on a local HTTP server: (url, sha256)."""
    image = scene(23)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(image.png)))
            self.end_headers()
            self.wfile.write(image.png)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/scene.png", image.sha256
    server.shutdown()


def test_the_worker_starts_on_cuda_and_serves_a_click(image_url: tuple[str, str], tmp_path: Path) -> None:
    """`labelhive-worker check` and `serve` with LABELHIVE_DEVICE=cuda: the model loads on the device, and a
    click on a new image (downloaded, embedded on CUDA, decoded) outlines the disk."""
    import httpx

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABELHIVE_") or k == "LABELHIVE_CACHE"}
    env.update(
        LABELHIVE_DEVICE=DEVICE,
        LABELHIVE_MODEL="mobile-sam",
        LABELHIVE_AMQP_URL="amqp://guest:guest@127.0.0.1:1/",  # check and serve connect to no broker
        LABELHIVE_PRELABEL_QUEUE="prelabel.gpu",
        LABELHIVE_API_URL="http://127.0.0.1:1",
        LABELHIVE_API_TOKEN="gpu-token",
        LABELHIVE_EMBEDDING_CACHE="off",
        LABELHIVE_OUTBOUND_ALLOW="127.0.0.1/32",
        LABELHIVE_INTERACTIVE_PORT=str(port),
        LABELHIVE_METRICS_PORT=str(free_port()),
        PYTHONUNBUFFERED="1",
    )
    command = [sys.executable, "-m", "labelhive_worker.cli"]
    checked = subprocess.run([*command, "check"], env=env, capture_output=True, text=True, timeout=300)
    print("\n" + checked.stdout + checked.stderr[-2000:])
    assert checked.returncode == 0 and f" on {DEVICE} (torch)" in checked.stdout, checked.stderr[-2000:]

    log = tmp_path / "serve.log"
    process = subprocess.Popen(
        [*command, "serve"], env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 180
        while "interactive click endpoint on" not in log.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        assert f"on {DEVICE}" in log.read_text()
        url, sha = image_url
        response = httpx.post(
            f"http://127.0.0.1:{port}/v1/click",
            json={
                "version": 1,
                "image": {"url": url, "sha256": sha},
                "model": "mobile-sam",
                "points": [[DISK[0], DISK[1], 1]],
            },
            headers={"Authorization": "Bearer gpu-token"},
            timeout=120,
        )
        assert response.status_code == 200, response.text
        payload = response.json()
        assert payload["embedding_cached"] is False
        [polygon] = [s for s in payload["shapes"] if s["type"] == "polygon"]
        assert iou(raster(polygon["points"]), disk_mask(*DISK)) > 0.93
        print(f"click on a new image on cuda: {payload['timings']}")
    finally:
        process.terminate()
        assert process.wait(30) == 0
