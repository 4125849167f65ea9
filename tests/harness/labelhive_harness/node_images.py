"""Images for the real node's containerd, without a registry: the pause image written here from our pause binary,
and the project's images built by `make images` (buildah) exported as docker archives and imported."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .common import HarnessError

if TYPE_CHECKING:
    from .node import RealNode


def _add(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), mode
    tar.addfile(info, io.BytesIO(data))


def pause_archive(pause_binary: Path, ref: str, target: Path) -> Path:
    """A one-layer docker archive: /pause as the entrypoint, tagged `ref`."""
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as tar:
        _add(tar, "pause", pause_binary.read_bytes(), 0o755)
    layer_bytes = layer.getvalue()
    diff_id = hashlib.sha256(layer_bytes).hexdigest()
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Entrypoint": ["/pause"], "User": "65535:65535"},
            "rootfs": {"type": "layers", "diff_ids": [f"sha256:{diff_id}"]},
        }
    ).encode()
    config_name = f"{hashlib.sha256(config).hexdigest()}.json"
    manifest = [{"Config": config_name, "RepoTags": [ref], "Layers": [f"{diff_id}/layer.tar"]}]
    with tarfile.open(target, mode="w") as tar:
        _add(tar, f"{diff_id}/layer.tar", layer_bytes)
        _add(tar, config_name, config)
        _add(tar, "manifest.json", json.dumps(manifest).encode())
    return target


def import_pause_image(node: RealNode, pause_binary: Path) -> None:
    from .node import PAUSE_IMAGE

    archive = pause_archive(pause_binary, PAUSE_IMAGE, node.run_dir / "pause.tar")
    node.ctr("images", "import", str(archive))
    archive.unlink()


def import_images(node: RealNode, refs: list[str]) -> float:
    """Copy images from buildah's store into the node's containerd (one at a time: the disk holds each
    archive only while it is imported); returns the seconds it took."""
    started = time.monotonic()
    for ref in refs:
        with tempfile.TemporaryDirectory(prefix="lh-image-", dir=node.run_dir) as tmp:
            archive = Path(tmp) / "image.tar"
            push = subprocess.run(
                ["buildah", "push", "--quiet", ref, f"docker-archive:{archive}:{ref}"],
                capture_output=True,
                text=True,
            )
            if push.returncode != 0:
                raise HarnessError(
                    f"buildah push {ref} failed: {push.stderr.strip()[-300:]} (build it: make images)"
                )
            node.ctr("images", "import", str(archive))
    return time.monotonic() - started
