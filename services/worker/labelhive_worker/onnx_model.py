"""The ONNX Runtime adapter of model_interface.SegmentationModel: SAM v1 (MobileSAM) from two ONNX files.

For CPU clusters and sites without PyTorch's own package index: onnxruntime + numpy + Pillow + OpenCV, all
from PyPI, no torch anywhere on this path (LABELHIVE_MODEL_RUNTIME=onnx; the image `<tag>-onnx`). The files
come from `labelhive_worker.onnx_export` (run with torch at image build time): `encoder.onnx`,
`decoder.onnx` and `manifest.json` (model, checkpoint sha256, the files' sha256).

Same geometry as model_handler.SamModel: longest side resized to 1024 with Pillow's bilinear filter (what
segment_anything's ResizeLongestSide does), normalised, padded at the bottom/right; logits upscaled to the
padded frame, cropped, then to image pixels (bilinear, half-pixel centres like torch's align_corners=False).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from labelhive_worker.errors import ConfigError
from labelhive_worker.model_interface import Decoded, DecodePrompt, Embedding, Mask, decode_in_groups

FORMAT = 1


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(
    directory: Path, model: str, expected_checkpoint: str | None, prefix: str | None
) -> dict[str, Any]:
    """The export's manifest after checking that it is the export we were told to load (ConfigError if not)."""
    where = "LABELHIVE_MODEL_CHECKPOINT"
    path = directory / "manifest.json"
    if not path.is_file():
        raise ConfigError(
            f"{where}: {directory} is not an ONNX export (no manifest.json; LABELHIVE_MODEL_RUNTIME=onnx)"
        )
    try:
        manifest = json.loads(path.read_text())
        files, checkpoint = dict(manifest["files"]), str(manifest["checkpoint_sha256"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"{where}: {path} is not a readable export manifest ({type(exc).__name__})"
        ) from None
    if manifest.get("format") != FORMAT or manifest.get("model") != model:
        raise ConfigError(
            f"{where}: {directory} holds an export of {manifest.get('model')!r} (format {manifest.get('format')}),"
            f" not of LABELHIVE_MODEL={model}"
        )
    if expected_checkpoint is not None and checkpoint != expected_checkpoint:
        raise ConfigError(
            f"{where}: {directory} was exported from checkpoint sha256 {checkpoint[:12]}..., expected"
            f" {expected_checkpoint[:12]}... (LABELHIVE_MODEL_CHECKPOINT_SHA256)"
        )
    if expected_checkpoint is None and prefix is not None and not checkpoint.startswith(prefix):
        raise ConfigError(f"{where}: {directory} was not exported from the official {model} checkpoint")
    for name, sha in files.items():
        if not (directory / name).is_file() or _sha256(directory / name) != sha:
            raise ConfigError(f"{where}: {directory / name} is missing or not the file its manifest names")
    return manifest


def cpu_budget() -> int:
    """CPUs this process may use: the cgroup's CPU quota (a pod's limit) if set, else the CPUs it may run on.
    ONNX Runtime would otherwise start one thread per core of the node and be throttled under a pod limit."""
    cpus = len(os.sched_getaffinity(0))
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return cpus


def resize_bilinear(a: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear resize of the last two axes with half-pixel centres and no antialiasing (torch's
    F.interpolate(mode='bilinear', align_corners=False)); float32 in, float32 out."""
    import cv2

    if a.shape[-2:] == (height, width):
        return a
    flat = a.reshape(-1, *a.shape[-2:])
    out = np.empty((flat.shape[0], height, width), dtype=np.float32)
    for i, plane in enumerate(flat):
        out[i] = cv2.resize(plane, (width, height), interpolation=cv2.INTER_LINEAR)
    return out.reshape(*a.shape[:-2], height, width)


class OnnxSamModel:
    """MobileSAM (or any exported SAM v1) on ONNX Runtime's CPU provider."""

    device = "cpu"
    runtime = "onnx"

    def __init__(self, name: str, directory: Path, manifest: dict[str, Any], load_seconds: float) -> None:
        import onnxruntime as ort

        # No usage telemetry from factory sites, and ONNX Runtime's own warnings only at error level.
        ort.disable_telemetry_events()
        ort.set_default_logger_severity(3)
        self.name = name
        self.directory = directory
        self.input_side = int(manifest["input_side"])
        self.feature_stride = int(manifest["feature_stride"])
        self.mask_stride = int(manifest["mask_stride"])
        files = manifest["files"]
        # The same model_version as the torch runtime on that checkpoint (the contract's <model>@<sha12>): the
        # export computes the same embeddings and masks (tests/test_onnx.py), so both runtimes share cached
        # embeddings and one message yields one prediction whichever runtime took it. Which export: below.
        self.model_version = f"{name}@{manifest['checkpoint_sha256'][:12]}"
        self.export_digest = hashlib.sha256("".join(files[k] for k in sorted(files)).encode()).hexdigest()[
            :12
        ]
        self._mean = np.asarray(manifest["pixel_mean"], dtype=np.float32)
        self._std = np.asarray(manifest["pixel_std"], dtype=np.float32)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = cpu_budget()
        providers = ["CPUExecutionProvider"]
        self._encoder = ort.InferenceSession(str(directory / "encoder.onnx"), options, providers=providers)
        self._decoder = ort.InferenceSession(str(directory / "decoder.onnx"), options, providers=providers)
        self.load_seconds = load_seconds
        self._lock = threading.Lock()  # one encoder pass at a time: it uses every core already

    @classmethod
    def load(
        cls,
        name: str,
        directory: Path,
        expected_sha256: str | None,
        device: str = "auto",
        prefix: str | None = None,
    ) -> OnnxSamModel:
        if device not in ("auto", "cpu"):
            raise ConfigError(
                f"LABELHIVE_DEVICE={device}: the onnx runtime (LABELHIVE_MODEL_RUNTIME=onnx) runs on CPU only"
            )
        start = time.perf_counter()
        manifest = read_manifest(directory, name, expected_sha256, prefix)
        try:
            return cls(name, directory, manifest, time.perf_counter() - start)
        except Exception as exc:  # noqa: BLE001 - an export ONNX Runtime cannot load is a configuration error
            raise ConfigError(
                f"LABELHIVE_MODEL_CHECKPOINT: {directory} does not load into onnxruntime: {type(exc).__name__}: {exc}"
            ) from None

    # -- embeddings ---------------------------------------------------------------------------------------

    def input_size_of(self, height: int, width: int) -> tuple[int, int]:
        scale = self.input_side / max(height, width)
        return int(height * scale + 0.5), int(width * scale + 0.5)

    def _preprocess(self, rgb: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
        from PIL import Image

        h, w = self.input_size_of(int(rgb.shape[0]), int(rgb.shape[1]))
        resized = np.asarray(
            Image.fromarray(np.ascontiguousarray(rgb)).resize((w, h), Image.Resampling.BILINEAR)
        )
        side = self.input_side
        frame = np.zeros((1, 3, side, side), dtype=np.float32)
        frame[0, :, :h, :w] = ((resized.astype(np.float32) - self._mean) / self._std).transpose(2, 0, 1)
        return frame, (h, w)

    def embed_batch(self, images: list[np.ndarray]) -> list[Embedding]:
        out = []
        for rgb in images:
            frame, input_size = self._preprocess(rgb)
            with self._lock:
                (features,) = self._encoder.run(None, {"image": frame})
            out.append(
                Embedding(
                    features=np.asarray(features[0], dtype=np.float32),
                    original_size=(int(rgb.shape[0]), int(rgb.shape[1])),
                    input_size=input_size,
                    model_version=self.model_version,
                )
            )
        return out

    def embed(self, rgb: np.ndarray) -> Embedding:
        return self.embed_batch([rgb])[0]

    # -- prompts ------------------------------------------------------------------------------------------

    def _to_input(self, xy: np.ndarray, embedding: Embedding) -> np.ndarray:
        (old_h, old_w), (new_h, new_w) = embedding.original_size, embedding.input_size
        scaled = np.asarray(xy, dtype=np.float64).copy()
        scaled[..., 0] *= new_w / old_w
        scaled[..., 1] *= new_h / old_h
        return scaled.astype(np.float32)

    def decode(self, embedding: Embedding, prompts: list[DecodePrompt], *, multimask: bool) -> Decoded:
        """The decoder on many prompts of one image (model_interface.decode_in_groups); the export returns all
        four mask tokens: 0 is the single mask, 1..3 the multimask ones (as SAM's MaskDecoder picks)."""
        picked = slice(1, None) if multimask else slice(0, 1)

        def run(chunk: list[DecodePrompt]) -> tuple[np.ndarray, np.ndarray]:
            low, iou = self._decode_chunk(embedding, chunk)
            return low[:, picked], iou[:, picked]

        return decode_in_groups(
            prompts, multimask=multimask, grid=self.input_side // self.mask_stride, run=run
        )

    def _decode_chunk(
        self, embedding: Embedding, prompts: list[DecodePrompt]
    ) -> tuple[np.ndarray, np.ndarray]:
        has_box = prompts[0].box is not None
        # SAM's prompt encoder adds one padding point (label -1) when there is no box; a box is two corner
        # points labelled 2 and 3 after the clicks; shorter prompts are padded with label -1.
        most = max(len(p.points) for p in prompts) + (2 if has_box else 1)
        coords = np.zeros((len(prompts), most, 2), dtype=np.float32)
        labels = -np.ones((len(prompts), most), dtype=np.float32)
        for n, p in enumerate(prompts):
            if p.points:
                xy = np.array([[x, y] for x, y, _ in p.points], dtype=np.float32)
                coords[n, : len(xy)] = self._to_input(xy, embedding)
                labels[n, : len(xy)] = [v for _, _, v in p.points]
            if p.box is not None:
                coords[n, -2:] = self._to_input(np.asarray(p.box, dtype=np.float32).reshape(2, 2), embedding)
                labels[n, -2:] = (2, 3)
        grid = self.input_side // self.mask_stride
        if prompts[0].mask_logits is not None:
            masks = np.stack([np.asarray(p.mask_logits, dtype=np.float32) for p in prompts])[:, None]
            has_mask = np.ones(1, dtype=np.float32)
        else:
            masks = np.zeros((1, 1, grid, grid), dtype=np.float32)
            has_mask = np.zeros(1, dtype=np.float32)
        low, iou = self._decoder.run(
            None,
            {
                "image_embeddings": np.asarray(embedding.features, dtype=np.float32)[None],
                "point_coords": coords,
                "point_labels": labels,
                "mask_input": masks,
                "has_mask_input": has_mask,
            },
        )
        return np.asarray(low, dtype=np.float32), np.asarray(iou, dtype=np.float32)

    def upscale(self, logits: np.ndarray, embedding: Embedding) -> np.ndarray:
        """Low-resolution logits (... x G x G) -> logits in image pixels (... x H x W)."""
        side = self.input_side
        frame = resize_bilinear(np.asarray(logits, dtype=np.float32), side, side)
        h, w = embedding.input_size
        return resize_bilinear(np.ascontiguousarray(frame[..., :h, :w]), *embedding.original_size)

    def to_image(self, logits: np.ndarray, embedding: Embedding) -> np.ndarray:
        return np.asarray(self.upscale(logits, embedding) > 0.0, dtype=bool)

    def predict(
        self,
        embedding: Embedding,
        *,
        points: list[tuple[float, float, int]] | None = None,
        box: tuple[float, float, float, float] | None = None,
    ) -> Mask:
        """The best mask for a prompt: points ([x, y, 1|0]) and/or a box (x, y, w, h), image pixels."""
        xyxy = (box[0], box[1], box[0] + box[2], box[1] + box[3]) if box else None
        prompt = DecodePrompt(
            points=tuple((float(x), float(y), int(v)) for x, y, v in points or ()), box=xyxy
        )
        # One point alone is ambiguous (part / object / group): three masks, keep the best (as SamPredictor).
        multimask = box is None and points is not None and len(points) == 1
        decoded = self.decode(embedding, [prompt], multimask=multimask)
        best = int(np.argmax(decoded.quality[0]))
        return Mask(
            mask=self.to_image(decoded.logits[0, best], embedding), score=float(decoded.quality[0, best])
        )

    def automatic(self, rgb: np.ndarray, embedding: Embedding, options: Any) -> list[Mask]:
        from labelhive_worker.onnx_automatic import generate

        return generate(self, embedding, options)
