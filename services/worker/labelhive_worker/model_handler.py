"""The pure model: Segment Anything (MobileSAM or official ViT-B/L/H) on CPU or CUDA. No queue, no HTTP.

torch is imported inside functions: this module must import in the dev environment, which has no torch,
and the model must never be built at import (CUDA before a fork breaks).
"""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from labelhive_worker.errors import ConfigError
from labelhive_worker.model_interface import Decoded, DecodePrompt, Embedding, Mask, decode_in_groups
from labelhive_worker.settings import OFFICIAL_SHA256_PREFIX


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_checkpoint(model: str, path: Path, expected: str | None) -> str:
    """The checkpoint's sha256, or ConfigError when it is not the file we were told to load."""
    if not path.is_file():
        raise ConfigError(f"LABELHIVE_MODEL_CHECKPOINT: checkpoint file {path} does not exist")
    actual = file_sha256(path)
    if expected is not None and actual != expected:
        raise ConfigError(
            f"checkpoint {path} has sha256 {actual}, expected {expected} (LABELHIVE_MODEL_CHECKPOINT_SHA256)"
        )
    prefix = OFFICIAL_SHA256_PREFIX.get(model)
    if expected is None and prefix is not None and not actual.startswith(prefix):
        raise ConfigError(
            f"checkpoint {path} (sha256 {actual[:12]}...) is not the official {model} checkpoint "
            f"(sha256 {prefix}...); set LABELHIVE_MODEL_CHECKPOINT_SHA256 to accept another file"
        )
    return actual


def pick_device(setting: str) -> str:
    import torch

    if setting == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if setting == "cuda" and not torch.cuda.is_available():
        raise ConfigError("LABELHIVE_DEVICE=cuda but no CUDA device is visible")
    return setting


def _build(model: str) -> Any:
    """The network with random weights; MobileSAM = TinyViT encoder + SAM's prompt encoder and mask decoder."""
    if model == "mobile-sam":
        import warnings

        # mobile_sam re-registers timm's TinyViT names through deprecated paths on import: harmless noise.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from mobile_sam.modeling import TinyViT
        from segment_anything.modeling import MaskDecoder, PromptEncoder, Sam, TwoWayTransformer

        encoder = TinyViT(
            img_size=1024,
            in_chans=3,
            num_classes=1000,
            embed_dims=[64, 128, 160, 320],
            depths=[2, 2, 6, 2],
            num_heads=[2, 4, 5, 10],
            window_sizes=[7, 7, 14, 7],
            mlp_ratio=4.0,
            drop_rate=0.0,
            drop_path_rate=0.0,
            use_checkpoint=False,
            mbconv_expand_ratio=4.0,
            local_conv_size=3,
            layer_lr_decay=0.8,
        )
        return Sam(
            image_encoder=encoder,
            prompt_encoder=PromptEncoder(
                embed_dim=256, image_embedding_size=(64, 64), input_image_size=(1024, 1024), mask_in_chans=16
            ),
            mask_decoder=MaskDecoder(
                num_multimask_outputs=3,
                transformer=TwoWayTransformer(depth=2, embedding_dim=256, mlp_dim=2048, num_heads=8),
                transformer_dim=256,
                iou_head_depth=3,
                iou_head_hidden_dim=256,
            ),
            pixel_mean=[123.675, 116.28, 103.53],
            pixel_std=[58.395, 57.12, 57.375],
        )
    from segment_anything import sam_model_registry

    return sam_model_registry[{"sam-vit-b": "vit_b", "sam-vit-l": "vit_l", "sam-vit-h": "vit_h"}[model]]()


__all__ = ["DecodePrompt", "Decoded", "Embedding", "Mask", "SamModel"]


class SamModel:
    """One loaded model per process (the SAM v1 adapter of model_interface.SegmentationModel).
    embed() is the heavy part; predict() and decode() reuse an embedding (~0.1 s per prompt on CPU)."""

    input_side = 1024
    feature_stride = 16
    mask_stride = 4
    runtime = "torch"

    def __init__(self, name: str, net: Any, device: str, checkpoint_sha256: str, load_seconds: float) -> None:
        from segment_anything import SamPredictor

        self.name = name
        self.net = net
        self.device = device
        self.model_version = f"{name}@{checkpoint_sha256[:12]}"
        self.load_seconds = load_seconds
        self._predictor = SamPredictor(net)
        self._lock = threading.Lock()  # the predictor holds per-image state

    @classmethod
    def load(cls, name: str, checkpoint: Path, expected_sha256: str | None, device: str = "auto") -> SamModel:
        start = time.perf_counter()
        sha = verify_checkpoint(name, checkpoint, expected_sha256)
        import torch  # after the checksum: a wrong file is refused without paying for the torch import

        dev = pick_device(device)
        net = _build(name)
        try:
            state = torch.load(checkpoint, map_location="cpu", weights_only=True)
            net.load_state_dict(state)
        except Exception as exc:  # noqa: BLE001 - any unreadable checkpoint is a configuration error
            raise ConfigError(
                f"checkpoint {checkpoint} does not load into {name}: {type(exc).__name__}: {exc}"
            ) from None
        net.to(dev).eval()
        return cls(name, net, dev, sha, time.perf_counter() - start)

    @classmethod
    def random(cls, name: str, device: str = "auto") -> SamModel:
        """Random weights, for speed figures only (speed does not depend on the weights)."""
        start = time.perf_counter()
        dev = pick_device(device)
        net = _build(name).to(dev).eval()
        return cls(name, net, dev, "0" * 64, time.perf_counter() - start)

    def _autocast(self) -> Any:
        import contextlib

        import torch

        if self.device != "cuda":
            return contextlib.nullcontext()
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.autocast("cuda", dtype=dtype)

    def _preprocess(self, rgb: np.ndarray) -> tuple[Any, tuple[int, int], tuple[int, int]]:
        import torch

        transformed = self._predictor.transform.apply_image(rgb)
        tensor = torch.as_tensor(transformed, device=self.device).permute(2, 0, 1).contiguous()[None, :, :, :]
        input_size = (int(tensor.shape[-2]), int(tensor.shape[-1]))
        return self.net.preprocess(tensor), (int(rgb.shape[0]), int(rgb.shape[1])), input_size

    def embed_batch(self, images: list[np.ndarray]) -> list[Embedding]:
        """One encoder forward pass for several images (batched on GPU where memory allows)."""
        import torch

        prepared = [self._preprocess(rgb) for rgb in images]
        batch = torch.cat([p[0] for p in prepared], dim=0)
        with torch.inference_mode(), self._autocast():
            features = self.net.image_encoder(batch).float().cpu().numpy()
        return [
            Embedding(
                features=features[i], original_size=p[1], input_size=p[2], model_version=self.model_version
            )
            for i, p in enumerate(prepared)
        ]

    def embed(self, rgb: np.ndarray) -> Embedding:
        return self.embed_batch([rgb])[0]

    def _set(self, embedding: Embedding) -> None:
        import torch

        self._predictor.features = torch.as_tensor(
            embedding.features, dtype=torch.float32, device=self.device
        )[None]
        self._predictor.original_size = embedding.original_size
        self._predictor.input_size = embedding.input_size
        self._predictor.is_image_set = True

    def predict(
        self,
        embedding: Embedding,
        *,
        points: list[tuple[float, float, int]] | None = None,
        box: tuple[float, float, float, float] | None = None,
    ) -> Mask:
        """The best mask for a prompt: points ([x, y, 1|0]) and/or a box (x, y, w, h), image pixels."""
        import torch

        coords = np.array([[p[0], p[1]] for p in points], dtype=np.float32) if points else None
        labels = np.array([int(p[2]) for p in points], dtype=np.int32) if points else None
        xyxy = np.array([box[0], box[1], box[0] + box[2], box[1] + box[3]], dtype=np.float32) if box else None
        # One point alone is ambiguous (part / object / group): ask for three masks and keep the best.
        multimask = box is None and points is not None and len(points) == 1
        with self._lock, torch.inference_mode():
            self._set(embedding)
            masks, scores, _ = self._predictor.predict(
                point_coords=coords, point_labels=labels, box=xyxy, multimask_output=multimask
            )
        best = int(np.argmax(scores))
        return Mask(mask=masks[best].astype(bool), score=float(scores[best]))

    def automatic(self, rgb: np.ndarray, embedding: Embedding, options: Any) -> list[Mask]:
        """SAM's automatic mask generator on a point grid, reusing the embedding already computed."""
        import torch
        from segment_anything import SamAutomaticMaskGenerator

        generator = SamAutomaticMaskGenerator(
            self.net,
            points_per_side=options.points_per_side,
            pred_iou_thresh=options.pred_iou_thresh,
            stability_score_thresh=options.stability_score_thresh,
            box_nms_thresh=options.box_nms_thresh,
            min_mask_region_area=options.min_mask_region_area,
        )
        with self._lock, torch.inference_mode():
            self._set(embedding)
            # The generator asks its predictor to embed the (single, full-image) crop: serve it from ours.
            predictor = self._predictor
            generator.predictor = predictor
            vars(predictor)["set_image"] = lambda image, image_format="RGB": self._set(embedding)
            try:
                found = generator.generate(rgb)
            finally:
                vars(predictor).pop("set_image", None)
        found.sort(key=lambda m: -float(m["predicted_iou"]))
        return [
            Mask(mask=np.asarray(m["segmentation"], dtype=bool), score=float(m["predicted_iou"]))
            for m in found[: options.max_masks]
        ]

    def decode(self, embedding: Embedding, prompts: list[DecodePrompt], *, multimask: bool) -> Decoded:
        """The decoder on many prompts of one image (model_interface.decode_in_groups)."""
        return decode_in_groups(
            prompts,
            multimask=multimask,
            grid=self.input_side // self.mask_stride,
            run=lambda chunk: self._decode_chunk(embedding, chunk, multimask),
        )

    def _decode_chunk(
        self, embedding: Embedding, prompts: list[DecodePrompt], multimask: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        import torch

        transform = self._predictor.transform
        dev = self.device
        points = None
        if prompts[0].points:
            most = max(len(p.points) for p in prompts)
            coords = np.zeros((len(prompts), most, 2), dtype=np.float32)
            labels = -np.ones((len(prompts), most), dtype=np.float32)  # -1: padding, "not a point"
            for n, p in enumerate(prompts):
                xy = np.array([[x, y] for x, y, _ in p.points], dtype=np.float32)
                coords[n, : len(xy)] = transform.apply_coords(xy, embedding.original_size)
                labels[n, : len(xy)] = [v for _, _, v in p.points]
            points = (torch.as_tensor(coords, device=dev), torch.as_tensor(labels, device=dev))
        boxes = None
        if prompts[0].box is not None:
            xyxy = np.array([p.box for p in prompts], dtype=np.float32)
            boxes = torch.as_tensor(transform.apply_boxes(xyxy, embedding.original_size), device=dev)
        masks = None
        if prompts[0].mask_logits is not None:
            stacked = np.stack([np.asarray(p.mask_logits, dtype=np.float32) for p in prompts])[:, None]
            masks = torch.as_tensor(stacked, device=dev)
        features = torch.as_tensor(embedding.features, dtype=torch.float32, device=dev)[None]
        with torch.inference_mode(), self._autocast():
            sparse, dense = self.net.prompt_encoder(points=points, boxes=boxes, masks=masks)
            low, iou = self.net.mask_decoder(
                image_embeddings=features,
                image_pe=self.net.prompt_encoder.get_dense_pe(),
                sparse_prompt_embeddings=sparse,
                dense_prompt_embeddings=dense,
                multimask_output=multimask,
            )
        return low.float().cpu().numpy(), iou.float().cpu().numpy()

    def to_image(self, logits: np.ndarray, embedding: Embedding) -> np.ndarray:
        """Low-resolution logits (G x G) -> H x W bool mask in image pixels (SAM's own upscaling)."""
        import torch

        with torch.inference_mode():
            low = torch.as_tensor(np.asarray(logits, dtype=np.float32)[None, None], device=self.device)
            full = self.net.postprocess_masks(low, embedding.input_size, embedding.original_size)
        return bool_mask(full[0, 0].cpu().numpy())


def bool_mask(logits: np.ndarray) -> np.ndarray:
    return np.asarray(logits > 0.0, dtype=bool)
