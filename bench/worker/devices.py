"""CUDA against the CPU: the worker's torch model on the same images in one run (figures, never pass/fail).

Per device, medians: the embedding per image (1024 x 768 photos) and the encoder's throughput in batches
(LABELHIVE_BATCH_SIZE; on CUDA only), a click (one point, three masks, the best upscaled to image pixels: what
`POST /v1/click` runs on a cached embedding) and a box, automatic mode per image (a grid of points, the embedding
excluded), exemplar search per image (bench.py's disk scenes, the embedding excluded), and the job pipeline
in-process (pipeline.run in box mode: embedding + 2 box prompts + polygons, images from memory, no S3, no queue:
bench.py measures those) in images/s with N job threads sharing the embedding batcher. GPU memory: torch's peak
allocated and reserved over the CUDA run, and the device's used memory as the driver reports it. The CPU is the
baseline; the load average and torch's CPU threads are printed beside it.

  .venv-worker/bin/python bench/worker/devices.py [--devices cpu,cuda] [--images 16] [--cpu-images 3]
      [--auto-points 16] [--scenes 3] [--threads 1,8]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "services" / "worker"))
sys.path.insert(0, str(HERE))


def timed(fn: Any, *args: Any, **kwargs: Any) -> float:
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


def pipeline_rate(model: Any, checkpoint: Path, images: list[np.ndarray], threads: int) -> float:
    """Images/s through pipeline.run (box mode) with `threads` jobs at a time; every embedding is computed."""
    from labelhive_worker.batching import EmbeddingBatcher
    from labelhive_worker.contract import parse_task
    from labelhive_worker.embedding_cache import EmbeddingCache
    from labelhive_worker.images import DecodedImage
    from labelhive_worker.pipeline import Runtime, run
    from labelhive_worker.settings import load_settings

    class InMemory(Runtime):
        def load_image(self, task_image: Any) -> DecodedImage:
            return DecodedImage(sha256=task_image.sha256, rgb=images[int(task_image.sha256, 16)])

    env = {
        "LABELHIVE_MODEL_CHECKPOINT": str(checkpoint),
        "LABELHIVE_API_URL": "http://127.0.0.1:1",
        "LABELHIVE_API_TOKEN": "bench",
        "LABELHIVE_EMBEDDING_CACHE": "off",
        "LABELHIVE_BATCH_SIZE": str(threads),
    }
    settings = load_settings(env, need_broker=False)
    cache = EmbeddingCache(
        None, None, settings.model, model.model_version, memory_items=0
    )  # every job embeds
    rt = InMemory(settings, model, None, cache, EmbeddingBatcher(model, threads))
    tasks = []
    for n, rgb in enumerate(images):
        h, w = rgb.shape[:2]
        tasks.append(
            parse_task(
                {
                    "version": 1,
                    "job_id": "bench",
                    "project_id": "bench",
                    "task_id": f"t{n}",
                    "image": {"key": f"k{n}", "sha256": f"{n:064x}"},
                    "mode": "box",
                    "prompts": [
                        {"id": "a", "box": {"x": w * 0.2, "y": h * 0.2, "w": w * 0.4, "h": h * 0.4}},
                        {"id": "b", "box": {"x": w * 0.55, "y": h * 0.5, "w": w * 0.3, "h": h * 0.3}},
                    ],
                    "model": settings.model,
                    "label_mapping": {"*": "object"},
                }
            )
        )
    with ThreadPoolExecutor(threads) as pool:
        start = time.perf_counter()
        list(pool.map(lambda task: run(task, rt), tasks))
        return len(tasks) / (time.perf_counter() - start)


def number(value: float) -> str:
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3f}"


class Figures(dict[str, float]):
    """The figures of one device, each printed as it comes (a run cut short still shows what it measured)."""

    def __init__(self, device: str) -> None:
        super().__init__()
        self.device = device

    def __setitem__(self, step: str, value: float) -> None:
        super().__setitem__(step, value)
        print(f"  {self.device:<5} {step:<36} {number(value):>10}", flush=True)


def figures(device: str, args: argparse.Namespace, images: list[np.ndarray]) -> dict[str, float]:
    from labelhive_worker.contract import AutoOptions
    from labelhive_worker.model_handler import SamModel
    from labelhive_worker.settings import MOBILE_SAM_SHA256

    from bench import exemplar_times

    out = Figures(device)
    if device == "cuda":
        import torch

        torch.cuda.reset_peak_memory_stats()
    model = SamModel.load("mobile-sam", args.checkpoint, MOBILE_SAM_SHA256, device)
    out["model load s"] = (
        model.load_seconds
    )  # on CUDA after the context is up (the first load pays ~8 s more)
    if device == "cuda":
        out["weights MiB"] = torch.cuda.memory_allocated() / 2**20
    model.predict(
        model.embed(images[0]), box=(10, 10, 100, 100)
    )  # warm-up (allocations, kernels): not counted
    embeds, clicks, boxes, autos, embeddings = [], [], [], [], []
    for rgb in images:
        h, w = rgb.shape[:2]
        start = time.perf_counter()
        embedding = model.embed(rgb)
        embeds.append(time.perf_counter() - start)
        embeddings.append(embedding)
        for fx, fy in [(0.5, 0.4), (0.3, 0.6), (0.7, 0.3)]:
            clicks.append(timed(model.predict, embedding, points=[(w * fx, h * fy, 1)]))
        boxes.append(timed(model.predict, embedding, box=(w * 0.2, h * 0.2, w * 0.4, h * 0.4)))
    options = AutoOptions(points_per_side=args.auto_points, max_masks=1000)
    model.automatic(images[0], embeddings[0], options)  # warm-up
    for rgb, embedding in zip(images, embeddings, strict=True):
        autos.append(timed(model.automatic, rgb, embedding, options))
    out["embedding ms/image"] = statistics.median(embeds) * 1000
    out["click ms"] = statistics.median(clicks) * 1000
    out["box ms"] = statistics.median(boxes) * 1000
    out[f"automatic {args.auto_points}x{args.auto_points} ms/image"] = statistics.median(autos) * 1000
    searches, found, _, _ = exemplar_times(model, args.scenes)
    out["exemplar search ms/image"] = statistics.median(searches) * 1000
    out["exemplar disks found (of 8)"] = statistics.median(found)
    for batch in [b for b in (4, 8, 16) if device == "cuda"]:
        group = (images * batch)[:batch]
        model.embed_batch(group)  # warm-up for this batch size
        out[f"embedding batch {batch} images/s"] = batch / timed(model.embed_batch, group)
    for threads in args.threads:
        out[f"pipeline {threads} thread(s) images/s"] = pipeline_rate(model, args.checkpoint, images, threads)
    if device == "cuda":
        free, total = torch.cuda.mem_get_info()
        out["peak allocated MiB"] = torch.cuda.max_memory_allocated() / 2**20
        out["peak reserved MiB"] = torch.cuda.max_memory_reserved() / 2**20
        out["device used MiB (driver)"] = (total - free) / 2**20
    return out


def describe(device: str) -> str:
    import torch

    if device == "cuda":
        props = torch.cuda.get_device_properties(0)
        return (
            f"cuda: {props.name}, {props.total_memory / 2**30:.0f} GiB, capability {props.major}.{props.minor}; "
            f"torch {torch.__version__}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}"
        )
    load = os.getloadavg()
    return (
        f"cpu: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch threads "
        f"{torch.get_num_threads()}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


def main() -> None:
    from labelhive_worker.settings import default_checkpoint_dir
    from runtimes import photos

    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", default="cpu,cuda")
    parser.add_argument("--images", type=int, default=16, help="photos on CUDA")
    parser.add_argument("--cpu-images", type=int, default=3, help="photos on the CPU (it is slow)")
    parser.add_argument(
        "--auto-points", type=int, default=16, help="automatic mode's grid (AutoOptions default)"
    )
    parser.add_argument("--scenes", type=int, default=3)
    parser.add_argument(
        "--threads", default="1,8", help="job threads (LABELHIVE_BATCH_SIZE) for the pipeline"
    )
    parser.add_argument("--checkpoint", type=Path, default=default_checkpoint_dir() / "mobile_sam.pt")
    args = parser.parse_args()
    args.threads = [int(t) for t in args.threads.split(",")]
    devices = args.devices.split(",")
    results = {}
    for device in devices:
        count = args.cpu_images if device == "cpu" else args.images
        print(describe(device), flush=True)
        results[device] = figures(device, args, photos(count))
    steps = list(dict.fromkeys(k for r in results.values() for k in r))
    print(
        f"\n{'step':<36}"
        + "".join(f"{d:>14}" for d in devices)
        + ("   cuda vs cpu" if len(devices) > 1 else "")
    )
    for step in steps:
        row = [results[d].get(step) for d in devices]
        line = f"{step:<36}" + "".join(f"{number(v):>14}" if v is not None else f"{'-':>14}" for v in row)
        if len(devices) == 2 and None not in row and step.endswith("images/s"):
            line += f"   {row[1] / row[0]:.1f}x"  # type: ignore[operator]
        elif len(devices) == 2 and None not in row and step.split()[-1] in ("ms", "ms/image"):
            line += f"   {row[0] / row[1]:.1f}x faster"  # type: ignore[operator]
        print(line)
    print(
        f"(photos: {args.images} on cuda, {args.cpu_images} on cpu, 1024x768; medians; the CPU is the baseline)"
    )


if __name__ == "__main__":
    main()
