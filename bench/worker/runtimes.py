"""CPU speed of the two runtimes on the same images in one run (figures, never pass/fail): torch (SamModel, the
baseline) vs ONNX Runtime (OnnxSamModel, the `-onnx` image). Per image: the embedding; per prompt on a cached
embedding: a click (one point, three masks, the best upscaled to image pixels, what `POST /v1/click` runs) and a
box. Prints the load average beside the figures (other work on the machine slows both alike).

  .venv-worker/bin/python bench/worker/runtimes.py [--images 4] [--onnx-dir DIR]
(without --onnx-dir MobileSAM is exported to a temporary directory first, ~20 s)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "services" / "worker"))


def photos(count: int) -> list[np.ndarray]:
    from PIL import Image
    from skimage import data

    names = ["coffee", "astronaut", "chelsea", "immunohistochemistry"]  # shipped with skimage (no download)
    out = []
    for n in range(count):
        rgb = np.asarray(getattr(data, names[n % len(names)])())[..., :3]
        # 1024 x 768 like bench.py's images: the encoder's cost is per 1024-side input, the upscale per pixel
        out.append(np.asarray(Image.fromarray(np.ascontiguousarray(rgb)).resize((1024, 768))))
    return out


def timed(fn, *args, **kwargs) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--onnx-dir", type=Path, default=None)
    args = parser.parse_args()

    from labelhive_worker.model_handler import SamModel
    from labelhive_worker.onnx_model import OnnxSamModel
    from labelhive_worker.settings import MOBILE_SAM_SHA256, default_checkpoint_dir

    checkpoint = default_checkpoint_dir() / "mobile_sam.pt"
    onnx_dir = args.onnx_dir
    if onnx_dir is None:
        from labelhive_worker.onnx_export import export

        onnx_dir = Path(tempfile.mkdtemp(prefix="labelhive-onnx-")) / "mobile_sam-onnx"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            export("mobile-sam", checkpoint, onnx_dir, MOBILE_SAM_SHA256)
    models = {
        "torch": SamModel.load("mobile-sam", checkpoint, MOBILE_SAM_SHA256, "cpu"),
        "onnx": OnnxSamModel.load("mobile-sam", onnx_dir, MOBILE_SAM_SHA256),
    }
    images = photos(args.images)
    for model in models.values():
        model.embed(images[0])  # warm-up, not counted
    figures: dict[str, dict[str, list[float]]] = {k: {"embed": [], "click": [], "box": []} for k in models}
    for rgb in images:  # interleaved, so a change of load hits both runtimes alike
        h, w = rgb.shape[:2]
        for name, model in models.items():
            start = time.perf_counter()
            embedding = model.embed(rgb)
            figures[name]["embed"].append(time.perf_counter() - start)
            for fx, fy in [(0.5, 0.4), (0.3, 0.6), (0.7, 0.3)]:
                figures[name]["click"].append(timed(model.predict, embedding, points=[(w * fx, h * fy, 1)]))
            figures[name]["box"].append(
                timed(model.predict, embedding, box=(w * 0.2, h * 0.2, w * 0.4, h * 0.4))
            )
    load = os.getloadavg()
    print(f"cpu              {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"images           {len(images)} photos at 1024x768; medians; torch is the baseline")
    for step, what in [("embed", "embedding / image"), ("click", "click -> mask"), ("box", "box -> mask")]:
        t, o = statistics.median(figures["torch"][step]), statistics.median(figures["onnx"][step])
        print(f"{what:<18} torch {t * 1000:7.0f} ms   onnx {o * 1000:7.0f} ms   ({t / o:.1f}x)")


if __name__ == "__main__":
    main()
