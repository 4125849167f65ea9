"""What every segmentation model adapter provides, so box-refine, click, automatic and exemplar modes share it.

The modes never touch a network directly: they ask an adapter for these five things:
`model_handler.SamModel` (torch; MobileSAM and SAM ViT-B/L/H) or `onnx_model.OnnxSamModel` (ONNX Runtime on
CPU, LABELHIVE_MODEL_RUNTIME=onnx; chosen by `model_runtime.load_model`). A SAM 2 or SAM 3 adapter, added when
its checkpoint is mounted, implements the same protocol (services/worker/README.md, "Model adapters"):

- `embed_batch(images)`: the heavy encoder pass, one `Embedding` per RGB image. The embedding must be
  serialisable by `embedding_cache` (one dense float array `features` of shape C x Hf x Wf plus sizes),
  because click-to-segment and exemplar search share that cache.
- `decode(embedding, prompts, multimask)`: the prompt decoder on many prompts at once (points with labels
  1/0, an optional box, an optional mask-logits input). Returns low-resolution logits on the model's
  `mask_grid` (cells aligned with the padded input frame) and a predicted quality per mask.
- `to_image(logits, embedding)`: low-resolution logits -> a boolean mask in image pixels.
- `predict(embedding, points=, box=)`: one prompt -> the best `Mask` (click-to-segment, box refine).
- `automatic(rgb, embedding, options)`: class-less masks on a point grid.

Geometry: the image is resized so that its longest side is `input_side` pixels (`Embedding.input_size`),
then padded at the bottom/right to a square; `features` cover that square with `feature_stride` input
pixels per cell and the decoder's logits with `mask_stride` input pixels per cell. Exemplar search reads
the features (cosine similarity) and the logits (mask pooling) through that geometry only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np


@dataclass(frozen=True)
class Embedding:
    """An image embedding (SAM: 256 x 64 x 64) with the sizes the decoder needs to map masks back."""

    features: np.ndarray
    original_size: tuple[int, int]  # h, w of the image
    input_size: tuple[int, int]  # h, w after resizing the longest side to the model's input side
    model_version: str

    @property
    def scale(self) -> float:
        """Input pixels per image pixel."""
        return self.input_size[1] / self.original_size[1] if self.original_size[1] else 1.0


@dataclass(frozen=True)
class Mask:
    mask: np.ndarray  # H x W bool, image pixels
    score: float  # predicted IoU


@dataclass(frozen=True)
class DecodePrompt:
    """One decoder prompt in image pixels: points [x, y, 1|0], an optional box (x0, y0, x1, y1) and an
    optional low-resolution logits input (a mask from an earlier pass, on the model's mask grid)."""

    points: tuple[tuple[float, float, int], ...] = ()
    box: tuple[float, float, float, float] | None = None
    mask_logits: np.ndarray | None = None


@dataclass(frozen=True)
class Decoded:
    logits: np.ndarray  # N x K x G x G float32: K masks per prompt on the mask grid
    quality: np.ndarray  # N x K predicted IoU


DECODE_CHUNK = 16  # prompts per decoder pass: bounds memory (each repeats the 256 x 64 x 64 embedding)


def decode_in_groups(
    prompts: list[DecodePrompt],
    *,
    multimask: bool,
    grid: int,
    run: Callable[[list[DecodePrompt]], tuple[np.ndarray, np.ndarray]],
) -> Decoded:
    """An adapter's `decode`: prompts grouped by what they carry (points, box, mask input), since one decoder
    pass needs the same inputs for every prompt, in chunks of DECODE_CHUNK; `run` decodes one chunk into
    (logits n x k x grid x grid, quality n x k) with k = 3 for multimask, else 1."""
    k = 3 if multimask else 1
    logits = np.zeros((len(prompts), k, grid, grid), dtype=np.float32)
    quality = np.zeros((len(prompts), k), dtype=np.float32)
    groups: dict[tuple[bool, bool, bool], list[int]] = {}
    for n, p in enumerate(prompts):
        groups.setdefault((bool(p.points), p.box is not None, p.mask_logits is not None), []).append(n)
    for members in groups.values():
        for start in range(0, len(members), DECODE_CHUNK):
            chunk = members[start : start + DECODE_CHUNK]
            logits[chunk], quality[chunk] = run([prompts[n] for n in chunk])
    return Decoded(logits=logits, quality=quality)


class SegmentationModel(Protocol):
    name: str
    device: str
    runtime: str  # torch | onnx (LABELHIVE_MODEL_RUNTIME)
    model_version: str
    input_side: int  # longest side of the resized input (SAM: 1024)
    feature_stride: int  # input pixels per feature cell (SAM: 16)
    mask_stride: int  # input pixels per low-resolution logit (SAM: 4)
    load_seconds: float  # time to verify and load the weights (metrics, `labelhive-worker check`)

    def embed_batch(self, images: list[np.ndarray]) -> list[Embedding]: ...

    def embed(self, rgb: np.ndarray) -> Embedding: ...

    def decode(self, embedding: Embedding, prompts: list[DecodePrompt], *, multimask: bool) -> Decoded: ...

    def to_image(self, logits: np.ndarray, embedding: Embedding) -> np.ndarray: ...

    def predict(
        self,
        embedding: Embedding,
        *,
        points: list[tuple[float, float, int]] | None = None,
        box: tuple[float, float, float, float] | None = None,
    ) -> Mask: ...

    def automatic(self, rgb: np.ndarray, embedding: Embedding, options: Any) -> list[Mask]: ...
