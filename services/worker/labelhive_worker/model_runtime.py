"""Which adapter loads the model: LABELHIVE_MODEL_RUNTIME=torch (model_handler.SamModel, the .pt checkpoint) or
onnx (onnx_model.OnnxSamModel, an export directory; no torch import). A wrong file stops startup (ConfigError)."""

from __future__ import annotations

from labelhive_worker.model_interface import SegmentationModel
from labelhive_worker.settings import OFFICIAL_SHA256_PREFIX, WorkerSettings


def load_model(settings: WorkerSettings) -> SegmentationModel:
    if settings.runtime == "onnx":
        from labelhive_worker.onnx_model import OnnxSamModel

        return OnnxSamModel.load(
            settings.model,
            settings.checkpoint,
            settings.checkpoint_sha256,
            settings.device,
            prefix=OFFICIAL_SHA256_PREFIX.get(settings.model),
        )
    from labelhive_worker.model_handler import SamModel

    return SamModel.load(settings.model, settings.checkpoint, settings.checkpoint_sha256, settings.device)
