"""Generated test images with known geometry, and prelabel-task.v1 messages for them."""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

RECT = (80, 60, 120, 80)  # x, y, w, h
DISK = (250, 170, 40)  # cx, cy, r
SIZE = (360, 260)  # w, h


@dataclass
class Scene:
    png: bytes
    sha256: str
    key: str


def scene(seed: int = 0) -> Scene:
    """A light textured background with a blue rectangle (RECT) and a red disk (DISK); seed varies the bytes."""
    rng = np.random.default_rng(seed)
    w, h = SIZE
    img = np.clip(rng.normal(205, 6, size=(h, w, 3)), 0, 255).astype(np.uint8)
    x, y, rw, rh = RECT
    img[y : y + rh, x : x + rw] = (40, 70, 170)
    cx, cy, r = DISK
    yy, xx = np.mgrid[0:h, 0:w]
    img[(xx - cx) ** 2 + (yy - cy) ** 2 <= r * r] = (190, 40, 40)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    png = buf.getvalue()
    sha = hashlib.sha256(png).hexdigest()
    return Scene(png=png, sha256=sha, key=f"assets/sha256/{sha[:2]}/{sha}")


def stored_bytes(data: bytes) -> Scene:
    sha = hashlib.sha256(data).hexdigest()
    return Scene(png=data, sha256=sha, key=f"assets/sha256/{sha[:2]}/{sha}")


def message(
    image: Scene, mode: str = "box", prompts: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "version": 1,
        "job_id": "job-" + uuid.uuid4().hex[:8],
        "project_id": "weld-defects",
        "task_id": "task-" + uuid.uuid4().hex[:12],
        "image": {"key": image.key, "sha256": image.sha256, "width": SIZE[0], "height": SIZE[1]},
        "mode": mode,
        "prompts": prompts or [],
        "model": "mobile-sam",
        "label_mapping": {"object": "object"},
    }
    msg.update(extra)
    return msg
