"""The onnx runtime (LABELHIVE_MODEL_RUNTIME=onnx): MobileSAM exported to ONNX and run by onnxruntime gives
the torch model's embeddings and masks on real photos, runs without torch, and refuses a wrong export."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from labelhive_worker.contract import AutoOptions
from labelhive_worker.errors import ConfigError
from labelhive_worker.model_handler import SamModel
from labelhive_worker.model_interface import DecodePrompt
from labelhive_worker.onnx_model import OnnxSamModel
from labelhive_worker.settings import load_settings

from .conftest import CHECKPOINT, WORKER_BIN

PHOTOS = ("coffee", "astronaut")  # skimage's sample photos: a cup on a table, a portrait (RGB, real)
MASK_IOU = 0.9


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.count_nonzero(a | b)
    return np.count_nonzero(a & b) / union if union else 1.0


def photo(name: str) -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(getattr(data, name)()[..., :3])


@pytest.fixture(scope="module")
def torch_model() -> SamModel:
    return SamModel.load("mobile-sam", CHECKPOINT, None, "cpu")


@pytest.fixture(scope="module")
def onnx_model(onnx_export: Path) -> OnnxSamModel:
    return OnnxSamModel.load("mobile-sam", onnx_export, None)


@pytest.fixture(scope="module")
def embedded(torch_model: SamModel, onnx_model: OnnxSamModel) -> dict[str, Any]:
    """Each photo embedded by both runtimes (the expensive part, shared by the tests below)."""
    return {name: (torch_model.embed(photo(name)), onnx_model.embed(photo(name))) for name in PHOTOS}


def prompts(h: int, w: int) -> dict[str, dict[str, Any]]:
    return {
        "click": {"points": [(w * 0.5, h * 0.4, 1)]},
        "click+negative": {"points": [(w * 0.3, h * 0.6, 1), (w * 0.7, h * 0.3, 0)]},
        "box": {"box": (w * 0.2, h * 0.2, w * 0.5, h * 0.5)},
        "box+click": {"box": (w * 0.1, h * 0.1, w * 0.6, h * 0.7), "points": [(w * 0.4, h * 0.45, 1)]},
    }


@pytest.mark.parametrize("name", PHOTOS)
def test_embeddings_and_masks_match_the_torch_model(
    torch_model: SamModel, onnx_model: OnnxSamModel, embedded: dict[str, Any], name: str
) -> None:
    ours, theirs = embedded[name][1], embedded[name][0]
    assert ours.model_version == theirs.model_version == "mobile-sam@6dbb90523a35"
    assert (ours.original_size, ours.input_size) == (theirs.original_size, theirs.input_size)
    diff = np.abs(ours.features - theirs.features)
    cosine = float(np.sum(ours.features * theirs.features)) / float(
        np.linalg.norm(ours.features) * np.linalg.norm(theirs.features)
    )
    print(f"\n{name}: embedding max |diff| {diff.max():.2e}, mean {diff.mean():.2e}, cosine {cosine:.6f}")
    assert diff.max() < 1e-2 and cosine > 0.9999
    h, w = ours.original_size
    for what, prompt in prompts(h, w).items():
        expected = torch_model.predict(theirs, **prompt)
        got = onnx_model.predict(ours, **prompt)
        overlap = iou(expected.mask, got.mask)
        print(f"  {what}: mask IoU {overlap:.4f}, score {got.score:.3f} vs {expected.score:.3f}")
        assert expected.mask.shape == got.mask.shape == (h, w)
        assert overlap >= MASK_IOU and abs(got.score - expected.score) < 0.02, (what, overlap)


def test_decoder_with_mask_input_and_multimask_matches(
    torch_model: SamModel, onnx_model: OnnxSamModel, embedded: dict[str, Any]
) -> None:
    """The calls exemplar search makes: many prompts at once, three masks each, then a cascade pass with
    the winner's logits and box (decoded on the same embedding, so only the decoders differ)."""
    embedding = embedded["coffee"][0]
    h, w = embedding.original_size
    first = [
        DecodePrompt(points=((w * fx, h * fy, 1), (w * 0.05, h * 0.05, 0)))
        for fx, fy in [(0.5, 0.4), (0.2, 0.8), (0.8, 0.2)]
    ]
    a = torch_model.decode(embedding, first, multimask=True)
    b = onnx_model.decode(embedding, first, multimask=True)
    assert a.logits.shape == b.logits.shape == (3, 3, 256, 256)
    assert np.abs(a.quality - b.quality).max() < 0.01
    best = a.quality.argmax(axis=1)
    cascade = [
        DecodePrompt(
            points=p.points, box=(w * 0.1, h * 0.1, w * 0.9, h * 0.9), mask_logits=a.logits[n, best[n]]
        )
        for n, p in enumerate(first)
    ]
    c = torch_model.decode(embedding, cascade, multimask=False)
    d = onnx_model.decode(embedding, cascade, multimask=False)
    assert c.logits.shape == d.logits.shape == (3, 1, 256, 256)
    for n in range(3):
        overlap = iou(
            torch_model.to_image(c.logits[n, 0], embedding), onnx_model.to_image(d.logits[n, 0], embedding)
        )
        assert overlap >= 0.98, (n, overlap)
    assert np.abs(c.quality - d.quality).max() < 0.01


def test_automatic_mode_finds_the_torch_models_masks(
    torch_model: SamModel, onnx_model: OnnxSamModel, embedded: dict[str, Any]
) -> None:
    theirs_e, ours_e = embedded["coffee"]
    options = AutoOptions(points_per_side=8, max_masks=50)
    expected = torch_model.automatic(photo("coffee"), theirs_e, options)
    got = onnx_model.automatic(photo("coffee"), ours_e, options)
    matched = [max((iou(e.mask, g.mask) for g in got), default=0.0) for e in expected]
    print(
        f"\nautomatic, 8x8 points: torch {len(expected)} masks, onnx {len(got)}; matched {sum(m >= MASK_IOU for m in matched)}"
    )
    assert len(expected) >= 3
    assert abs(len(got) - len(expected)) <= max(1, len(expected) // 10)
    assert sum(m >= MASK_IOU for m in matched) >= 0.9 * len(expected), matched


def test_the_onnx_path_never_imports_torch(onnx_export: Path) -> None:
    """Load, embed, click, automatic and polygons with torch made unimportable: the image has no torch."""
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules["torch"] = None  # any `import torch` now raises ImportError
        from pathlib import Path
        import numpy as np
        from labelhive_worker.contract import AutoOptions
        from labelhive_worker.geometry import mask_shapes
        from labelhive_worker.model_runtime import load_model
        from labelhive_worker.settings import load_settings
        settings = load_settings({{
            "LABELHIVE_MODEL_RUNTIME": "onnx", "LABELHIVE_MODEL_CHECKPOINT": "{onnx_export}",
            "LABELHIVE_API_URL": "http://127.0.0.1:9", "LABELHIVE_API_TOKEN": "t",
            "LABELHIVE_EMBEDDING_CACHE": "off"}}, need_broker=False)
        model = load_model(settings)
        rgb = np.full((120, 160, 3), 200, np.uint8); rgb[30:90, 40:120] = (30, 60, 160)
        embedding = model.embed(rgb)
        mask = model.predict(embedding, points=[(80.0, 60.0, 1)])
        shapes = mask_shapes(mask.mask, shape_id="c", label="x", score=mask.score, types=["polygon"],
                             tolerance=1.0, min_area=1)
        found = model.automatic(rgb, embedding, AutoOptions(points_per_side=4))
        print(model.runtime, model.model_version, int(mask.mask.sum()), len(shapes), len(found),
              "torch" in sys.modules and sys.modules["torch"] is not None)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    runtime, version, area, shapes, found, torch_loaded = out.stdout.split()
    assert (runtime, version, torch_loaded) == ("onnx", "mobile-sam@6dbb90523a35", "False")
    assert 0.8 * 60 * 80 <= int(area) <= 1.2 * 60 * 80 and int(shapes) == 1 and int(found) >= 1


BASE = {
    "LABELHIVE_API_URL": "http://127.0.0.1:9",
    "LABELHIVE_API_TOKEN": "t",
    "LABELHIVE_EMBEDDING_CACHE": "off",
}


def settings_error(env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(BASE | env, need_broker=False)
    return str(info.value)


def test_runtime_settings_refuse_what_cannot_run(onnx_export: Path, tmp_path: Path) -> None:
    assert "LABELHIVE_MODEL_RUNTIME='tensorflow' must be one of torch, onnx" in settings_error(
        {"LABELHIVE_MODEL_RUNTIME": "tensorflow"}
    )
    assert "runs on CPU only" in settings_error(
        {"LABELHIVE_MODEL_RUNTIME": "onnx", "LABELHIVE_DEVICE": "cuda"}
    )
    # the torch checkpoint is not an export directory
    message = settings_error(
        {"LABELHIVE_MODEL_RUNTIME": "onnx", "LABELHIVE_MODEL_CHECKPOINT": str(CHECKPOINT)}
    )
    assert message.startswith("LABELHIVE_MODEL_CHECKPOINT:") and "manifest.json" in message

    broken = tmp_path / "broken"
    shutil.copytree(onnx_export, broken)
    with (broken / "decoder.onnx").open("r+b") as f:  # one flipped byte in the decoder's weights
        f.seek(-100, 2)
        byte = f.read(1)
        f.seek(-100, 2)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ConfigError, match=r"decoder\.onnx is missing or not the file its manifest names"):
        OnnxSamModel.load("mobile-sam", broken, None)
    other = tmp_path / "other"
    shutil.copytree(onnx_export, other)
    manifest = json.loads((other / "manifest.json").read_text())
    (other / "manifest.json").write_text(json.dumps(manifest | {"checkpoint_sha256": "ab" * 32}))
    with pytest.raises(
        ConfigError, match=r"exported from checkpoint sha256 abababababab\.\.\., expected 6dbb90523a35"
    ):
        OnnxSamModel.load(
            "mobile-sam", other, "6dbb90523a35330fedd7f1d3dfc66f995213d81b29a5ca8108dbcdd4e37d6c2f"
        )
    with pytest.raises(ConfigError, match="holds an export of 'mobile-sam'"):
        OnnxSamModel.load("sam-vit-b", onnx_export, None)


def test_check_command_on_the_onnx_runtime(onnx_export: Path, tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LABELHIVE_AMQP_URL": "amqp://127.0.0.1:9//"}
    env |= BASE | {"LABELHIVE_PRELABEL_QUEUE": "q", "LABELHIVE_MODEL_RUNTIME": "onnx"}

    def check(export_dir: Path) -> subprocess.CompletedProcess[str]:
        run_env = env | {"LABELHIVE_MODEL_CHECKPOINT": str(export_dir)}
        return subprocess.run(
            [str(WORKER_BIN), "check"], env=run_env, capture_output=True, text=True, timeout=120
        )

    ok = check(onnx_export)
    assert ok.returncode == 0 and "ok, mobile-sam@6dbb90523a35 on cpu (onnx)" in ok.stdout, ok.stderr
    bad = check(tmp_path)  # no export there
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "LABELHIVE_MODEL_CHECKPOINT" in bad.stderr
