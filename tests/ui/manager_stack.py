"""The API as a deployment runs it, for the manager's browser flows: harness PostgreSQL (a fresh schema),
harness S3 (fresh buckets), images delivered through the API (`proxy`), the built UI from the same origin."""

from __future__ import annotations

import io
import os
import secrets
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from conftest import Api
from labelhive_harness.api_process import running_api
from labelhive_harness.common import free_port
from PIL import Image, ImageDraw

MANAGER_EMAIL = "lead@weld-line3.example.com"
MANAGER_PASSWORD = "line3-lead-2026-pass"


def accept_invite(base: str, token: str, email: str, password: str, display_name: str) -> None:
    body = {"email": email, "password": password, "display_name": display_name, "locale": "zh-CN"}
    r = httpx.post(f"{base}/api/v1/invites/{token}/accept", json=body, timeout=30)
    assert r.status_code < 300, r.text


@dataclass
class Stack:
    base: str
    s3_endpoint: str
    workdir: Path

    def client(self, email: str = MANAGER_EMAIL, password: str = MANAGER_PASSWORD) -> Api:
        return Api(self.base, email, password)


@contextmanager
def start_stack(postgres: Any, s3: Any, ui_dist: Path, workdir: Path, **extra_env: str) -> Iterator[Stack]:
    suffix = secrets.token_hex(4)
    port = free_port()
    env = {
        **os.environ,
        "LABELHIVE_ENVIRONMENT": "test",
        "LABELHIVE_SECRET_KEY": "manager-flow-secret-key-0123456789",
        "LABELHIVE_DATABASE_URL": postgres.url,
        "LABELHIVE_DATABASE_SCHEMA": f"ui_manager_{suffix}",
        "LABELHIVE_STORAGE_BACKEND": "s3",
        "LABELHIVE_S3_ENDPOINT": s3.endpoint,
        "LABELHIVE_S3_ACCESS_KEY": s3.access_key,
        "LABELHIVE_S3_SECRET_KEY": s3.secret_key,
        "LABELHIVE_S3_SOURCE_BUCKET": f"ui-src-{suffix}",
        "LABELHIVE_S3_TARGET_BUCKET": f"ui-tgt-{suffix}",
        "LABELHIVE_IMAGE_DELIVERY": "proxy",
        "LABELHIVE_UI_DIR": str(ui_dist),
        "LABELHIVE_HOST": "127.0.0.1",
        "LABELHIVE_PORT": str(port),
        "LABELHIVE_BOOTSTRAP_ADMIN_EMAIL": MANAGER_EMAIL,
        "LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD": MANAGER_PASSWORD,
        "LABELHIVE_WEBHOOK_WORKER": "false",
        "LABELHIVE_LOG_FORMAT": "text",
        **extra_env,
    }
    env.pop("LABELHIVE_AMQP_URL", None)  # no pre-label worker: the panel must say so
    with running_api(workdir, env, timeout=180) as api:
        yield Stack(base=api.base, s3_endpoint=s3.endpoint, workdir=workdir)


def weld_photo(n: int, size: tuple[int, int] = (320, 240)) -> bytes:
    """A small distinct PNG per n: a steel plate with a seam and a dark pore."""
    image = Image.new("RGB", size, (150 + n % 40, 160, 170 - n % 30))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, size[1] // 2 - 15, size[0], size[1] // 2 + 15), fill=(70, 80, 90))
    draw.ellipse((20 + 11 * n % 260, 100, 36 + 11 * n % 260, 116), fill=(20, 20, 25))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def zip_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def coco_for(file_names: list[str], category: str, size: tuple[int, int] = (320, 240)) -> bytes:
    """A COCO file with one box per image on the files named (category by display name or value)."""
    import json

    images = [
        {"id": i + 1, "file_name": name, "width": size[0], "height": size[1]}
        for i, name in enumerate(file_names)
    ]
    annotations = [
        {
            "id": i + 1,
            "image_id": i + 1,
            "category_id": 1,
            "bbox": [20, 95, 40, 30],
            "area": 1200,
            "iscrowd": 0,
        }
        for i in range(len(file_names))
    ]
    doc = {"images": images, "annotations": annotations, "categories": [{"id": 1, "name": category}]}
    return json.dumps(doc, ensure_ascii=False).encode()
