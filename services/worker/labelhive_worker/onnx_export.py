"""Export a SAM v1 checkpoint (MobileSAM by default) to the two ONNX files the onnx runtime loads.

    python -m labelhive_worker.onnx_export --checkpoint mobile_sam.pt --out DIR   (needs torch + onnx)

Writes into DIR:
- `encoder.onnx`: the image encoder on one normalised, padded 1 x 3 x 1024 x 1024 input -> 1 x 256 x 64 x 64;
- `decoder.onnx`: SAM's prompt encoder + mask decoder for B prompts of one image, B and the number of points
  per prompt dynamic. Inputs: `image_embeddings` (1 x 256 x 64 x 64), `point_coords` (B x N x 2, input-frame
  pixels), `point_labels` (B x N: 1 positive, 0 negative, 2/3 box corners, -1 padding), `mask_input`
  (M x 1 x 256 x 256, M = 1 or B) and `has_mask_input` (1). Outputs all four mask tokens' `low_res_masks`
  (B x 4 x 256 x 256 logits) and `iou_predictions` (B x 4): the adapter picks 0 (single) or 1..3 (multimask),
  as SAM's `MaskDecoder.forward` does, so one file serves both;
- `manifest.json`: model, checkpoint sha256, the files' sha256, opset and the exporter's versions.

Like segment_anything's own `utils/onnx.py` (labels 2/3 carry a box as two corners, labels -1 a padding point,
a mask input switched by a flag), but the upscaling to image pixels stays out of the graph (the adapter does
it in numpy) and the embedding is broadcast over the prompts instead of repeated, so B can vary.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

OPSET = 17
ENCODER = "encoder.onnx"
DECODER = "decoder.onnx"
MANIFEST = "manifest.json"


def _decoder_module(sam: Any) -> Any:
    import torch

    class PromptDecoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.prompt = sam.prompt_encoder
            self.decoder = sam.mask_decoder
            self.side = float(sam.image_encoder.img_size)

        def forward(
            self,
            image_embeddings: torch.Tensor,
            point_coords: torch.Tensor,
            point_labels: torch.Tensor,
            mask_input: torch.Tensor,
            has_mask_input: torch.Tensor,
        ) -> tuple[torch.Tensor, torch.Tensor]:
            pe = self.prompt.pe_layer
            sparse = pe._pe_encoding((point_coords + 0.5) / self.side)
            labels = point_labels.unsqueeze(-1)
            sparse = sparse * (labels != -1) + self.prompt.not_a_point_embed.weight * (labels == -1)
            for i, embed in enumerate(self.prompt.point_embeddings):
                sparse = sparse + embed.weight * (labels == i)
            flag = has_mask_input.reshape(1, 1, 1, 1)
            dense = flag * self.prompt.mask_downscaling(mask_input) + (
                1 - flag
            ) * self.prompt.no_mask_embed.weight.reshape(1, -1, 1, 1)

            dec = self.decoder
            tokens = torch.cat([dec.iou_token.weight, dec.mask_tokens.weight], dim=0)
            tokens = torch.cat([tokens.unsqueeze(0).expand(sparse.shape[0], -1, -1), sparse], dim=1)
            count = tokens.shape[0]
            src = image_embeddings.expand(count, -1, -1, -1) + dense
            pos = self.prompt.get_dense_pe().expand(count, -1, -1, -1)
            _, c, h, w = src.shape
            hs, src = dec.transformer(src, pos, tokens)
            src = src.transpose(1, 2).reshape(count, c, h, w)
            upscaled = dec.output_upscaling(src)
            hyper = torch.stack(
                [mlp(hs[:, 1 + i, :]) for i, mlp in enumerate(dec.output_hypernetworks_mlps)], dim=1
            )
            _, c2, h2, w2 = upscaled.shape
            masks = (hyper @ upscaled.reshape(count, c2, h2 * w2)).reshape(count, -1, h2, w2)
            return masks, dec.iou_prediction_head(hs[:, 0, :])

    return PromptDecoder().eval()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export(model: str, checkpoint: Path, out: Path, expected_sha256: str | None = None) -> dict[str, Any]:
    """Export `model` with the weights of `checkpoint` into `out`; returns the manifest written."""
    import onnx
    import torch

    from labelhive_worker.model_handler import SamModel

    sam_model = SamModel.load(model, checkpoint, expected_sha256, "cpu")
    sam = sam_model.net
    side = int(sam.image_encoder.img_size)
    grid = side // 16
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with torch.no_grad():
        torch.onnx.export(
            sam.image_encoder,
            (torch.zeros(1, 3, side, side),),
            str(out / ENCODER),
            dynamo=False,
            input_names=["image"],
            output_names=["image_embeddings"],
            opset_version=OPSET,
        )
        coords = torch.randint(0, side, (2, 3, 2), dtype=torch.float32)
        labels = torch.tensor([[1.0, 0.0, -1.0], [2.0, 3.0, 1.0]])
        torch.onnx.export(
            _decoder_module(sam),
            (
                torch.zeros(1, 256, grid, grid),
                coords,
                labels,
                torch.zeros(1, 1, 4 * grid, 4 * grid),
                torch.zeros(1),
            ),
            str(out / DECODER),
            dynamo=False,
            input_names=["image_embeddings", "point_coords", "point_labels", "mask_input", "has_mask_input"],
            output_names=["low_res_masks", "iou_predictions"],
            dynamic_axes={
                "point_coords": {0: "prompts", 1: "points"},
                "point_labels": {0: "prompts", 1: "points"},
                "mask_input": {0: "masks"},
                "low_res_masks": {0: "prompts"},
                "iou_predictions": {0: "prompts"},
            },
            opset_version=OPSET,
        )
    for name in (ENCODER, DECODER):
        onnx.checker.check_model(str(out / name))
    manifest = {
        "format": 1,
        "model": model,
        "checkpoint_sha256": _sha256(checkpoint),
        "input_side": side,
        "feature_stride": 16,
        "mask_stride": 4,
        "pixel_mean": [float(v) for v in sam.pixel_mean.flatten()],
        "pixel_std": [float(v) for v in sam.pixel_std.flatten()],
        "files": {name: _sha256(out / name) for name in (ENCODER, DECODER)},
        "opset": OPSET,
        "exported_with": {"torch": torch.__version__, "onnx": onnx.__version__},
        "export_seconds": round(time.perf_counter() - started, 1),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m labelhive_worker.onnx_export", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--model", default="mobile-sam")
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--sha256", default=None, help="expected checkpoint sha256 (MobileSAM's by default)")
    parser.add_argument("--out", type=Path, required=True, help="directory for encoder.onnx, decoder.onnx")
    args = parser.parse_args(argv)
    from labelhive_worker.errors import ConfigError
    from labelhive_worker.settings import MOBILE_SAM_SHA256

    expected = args.sha256 or (MOBILE_SAM_SHA256 if args.model == "mobile-sam" else None)
    try:
        manifest = export(args.model, args.checkpoint, args.out, expected)
    except ConfigError as exc:
        print(f"onnx_export: {exc}", file=sys.stderr)
        return 2
    sizes = {name: (args.out / name).stat().st_size // 1_000_000 for name in manifest["files"]}
    print(f"onnx_export: {args.model} -> {args.out} ({sizes} MB, {manifest['export_seconds']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
