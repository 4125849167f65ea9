"""GPU smoke test (marker `gpu`; deselected by scripts/test.sh, run on a machine with a CUDA device:
`.venv-worker/bin/pytest services/worker/tests -m gpu`): the worker's model loads on CUDA with the real
MobileSAM weights and segments a box prompt as it does on the CPU."""

from __future__ import annotations

import numpy as np
import pytest
from labelhive_worker.images import decode
from labelhive_worker.model_handler import SamModel
from labelhive_worker.settings import MOBILE_SAM_SHA256

from .conftest import CHECKPOINT
from .scenes import scene

BOX = (74.0, 54.0, 132.0, 92.0)  # the scene's object, as the resilience tests prompt it


@pytest.mark.gpu
def test_mobile_sam_on_cuda_segments_like_the_cpu() -> None:
    import torch

    assert torch.cuda.is_available(), "the gpu marker needs a CUDA device (torch sees none)"
    image = scene(21)
    rgb = decode(image.png, expected_sha256=image.sha256, max_pixels=10_000_000).rgb
    gpu = SamModel.load("mobile-sam", CHECKPOINT, MOBILE_SAM_SHA256, "cuda")
    cpu = SamModel.load("mobile-sam", CHECKPOINT, MOBILE_SAM_SHA256, "cpu")
    assert gpu.device == "cuda" and gpu.model_version == cpu.model_version
    on_gpu = gpu.predict(gpu.embed(rgb), box=BOX)
    on_cpu = cpu.predict(cpu.embed(rgb), box=BOX)
    both = np.logical_and(on_gpu.mask, on_cpu.mask).sum()
    either = np.logical_or(on_gpu.mask, on_cpu.mask).sum()
    assert either > 0 and both / either > 0.95, f"GPU and CPU masks differ: IoU {both / max(either, 1):.3f}"
    assert abs(on_gpu.score - on_cpu.score) < 0.05
