"""Embeddings of the job items in flight go through the encoder together, with the same result as one by one."""

from __future__ import annotations

import io
import threading

import numpy as np
from labelhive_worker.batching import EmbeddingBatcher
from labelhive_worker.model_handler import SamModel
from labelhive_worker.settings import MOBILE_SAM_SHA256
from PIL import Image

from .conftest import CHECKPOINT
from .scenes import scene


def rgb(seed: int, size: tuple[int, int] | None = None) -> np.ndarray:
    image = Image.open(io.BytesIO(scene(seed).png)).convert("RGB")
    return np.asarray(image.resize(size) if size else image)


def test_two_jobs_share_one_forward_pass() -> None:
    model = SamModel.load("mobile-sam", CHECKPOINT, MOBILE_SAM_SHA256, "cpu")
    batcher = EmbeddingBatcher(model, max_batch=2, window_s=5.0)
    images = [rgb(41), rgb(42, (300, 400))]  # different sizes: SAM pads each to 1024 x 1024
    out: dict[int, object] = {}
    threads = [
        threading.Thread(target=lambda n=n: out.__setitem__(n, batcher.embed(images[n]))) for n in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert batcher.batches == [2]
    alone = model.embed(images[1])
    batched = out[1]
    assert isinstance(batched, type(alone))
    assert batched.original_size == (400, 300) and batched.input_size == alone.input_size
    assert np.allclose(batched.features, alone.features, atol=1e-3)
