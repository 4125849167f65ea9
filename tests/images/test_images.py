"""The images `make images` built (scripts/test.sh runs it just before, with buildah on local Debian bases)
start what they are for: each entrypoint runs as UID 10001 (nginx as 101) from its own file system, the worker
finds torch, the model code and the MobileSAM weights, the UI's nginx accepts its configuration.

Run with buildah's chroot isolation (no container runtime needed); these are the image's own binaries."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

REGISTRY = os.environ.get("IMAGE_REGISTRY", "ghcr.io/labelhive")
TAG = os.environ.get("IMAGE_TAG", "0.1.0")
ENV = {**os.environ, "BUILDAH_ISOLATION": "chroot"}
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def buildah(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["buildah", *args], capture_output=True, text=True, env=ENV, timeout=timeout)


@pytest.fixture(scope="module", autouse=True)
def tool() -> None:
    assert shutil.which("buildah"), "buildah is installed by scripts/bootstrap.d/images.sh"


@pytest.fixture
def container(request: pytest.FixtureRequest) -> Iterator[str]:
    ref = f"{REGISTRY}/{request.param}:{TAG}"
    made = buildah("from", "--pull=never", ref)
    assert made.returncode == 0, f"{ref} was not built: {made.stderr}"
    name = made.stdout.strip()
    yield name
    buildah("rm", name)


def run(container: str, *cmd: str, user: str | None = None) -> str:
    args = ["run", *(["--user", user] if user else []), container, "--", *cmd]
    out = buildah(*args)
    assert out.returncode == 0, f"{' '.join(cmd)}: {out.stderr[-2000:]}"
    return out.stdout


def inline_script_hashes_of(html: bytes) -> list[str]:
    """The CSP hash sources of a page's inline scripts (what the API's security headers compute)."""
    bodies = re.findall(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.S | re.I)
    return ["'sha256-" + base64.b64encode(hashlib.sha256(b).digest()).decode() + "'" for b in bodies]


def config(container: str, field: str) -> str:
    return buildah("inspect", "--format", "{{.OCIv1.Config." + field + "}}", container).stdout.strip()


@pytest.mark.parametrize("container", ["api"], indirect=True)
def test_api_image_runs_the_api_cli_as_an_unprivileged_user(container):
    assert config(container, "User") == "10001:10001"
    assert "migrate" in run(container, "labelhive-api", "--help", user="10001:10001")
    # the offline API docs page has its files inside the image (Swagger UI bundle, its start script)
    check = (
        "from labelhive_api.api import docs; "
        "assert (docs.bundle_dir() / 'swagger-ui-bundle.js').is_file() and docs._INIT.is_file()"
    )
    run(container, "/opt/venv/bin/python", "-c", check, user="10001:10001")


@pytest.mark.parametrize("container", ["operator"], indirect=True)
def test_operator_image_imports_the_operator(container):
    assert config(container, "User") == "10001:10001"
    run(container, "python3", "-c", "import labelhive_operator.main", user="10001:10001")


@pytest.mark.parametrize("container", ["worker"], indirect=True)
def test_worker_image_has_torch_the_model_code_and_the_weights(container):
    out = run(
        container,
        "python3",
        "-c",
        "import torch, segment_anything, mobile_sam, os;"
        "print(torch.__version__, os.path.getsize('/opt/labelhive/cache/models/mobile_sam.pt'))",
        user="10001:10001",
    )
    version, size = out.split()
    assert version.startswith("2.") and int(size) == 40_728_226
    assert "serve" in run(container, "labelhive-worker", "--help", user="10001:10001")


@pytest.mark.parametrize("container", ["ui"], indirect=True)
def test_ui_image_serves_the_build_with_an_unprivileged_nginx(container):
    assert config(container, "User") == "101"
    assert "index.html" in run(container, "ls", "/usr/share/nginx/html")
    # nginx reopens /dev/stdout: under buildah that is root's pipe, in a pod the container's own stream; a
    # file of UID 101 stands in for it here.
    out = run(container, "sh", "-c", "nginx -t >/tmp/t.log 2>&1; s=$?; cat /tmp/t.log; exit $s", user="101")
    assert "test is successful" in out
    # the page is served with the API's own policy: the build's inline script allowed by its hash, nothing else
    conf = run(container, "cat", "/etc/nginx/conf.d/default.conf")
    html = run(container, "cat", "/usr/share/nginx/html/index.html").encode()
    want = inline_script_hashes_of(html)
    assert want, "the build's index.html has its inline <base> script"
    policy = next(line for line in conf.splitlines() if "add_header Content-Security-Policy" in line)
    assert f"script-src 'self' {' '.join(want)};" in policy
    assert "frame-ancestors 'none'" in policy and "connect-src 'self';" in policy
    assert conf.count('X-Content-Type-Options "nosniff" always') == conf.count("    location ")


def photo() -> Path:
    """skimage's coffee photo (a real 600 x 400 picture of a cup), from the worker's own environment."""
    found = sorted(ROOT.glob(".venv-worker/lib/python3*/site-packages/skimage/data/coffee.png"))
    assert found, "skimage's sample photos come with .venv-worker (scripts/bootstrap.d/worker.sh)"
    return found[0]


def test_onnx_worker_image_answers_a_click_without_torch():
    """The CPU image (WORKER_VARIANT=onnx): no torch inside, and `labelhive-worker serve` started in it answers
    a click on a photo with the cup's outline (the same mask the torch model gives: services/worker/tests)."""
    ref = f"{REGISTRY}/worker:{TAG}-onnx"
    made = buildah("from", "--pull=never", ref)
    assert made.returncode == 0, f"{ref} was not built: {made.stderr}"
    container = made.stdout.strip()
    try:
        assert config(container, "User") == "10001:10001"
        env = config(container, "Env")
        assert "LABELHIVE_MODEL_RUNTIME=onnx" in env and "LABELHIVE_DEVICE=cpu" in env
        out = run(container, "python3", "-c", "import importlib.util as u; print(u.find_spec('torch'))")
        assert out.strip() == "None"
        image = photo()
        run(container, "mkdir", "-p", "/tmp/images", user="0:0")
        assert buildah("copy", container, str(image), "/tmp/images/coffee.png").returncode == 0
        script = Path(__file__).with_name("click_in_container.py")
        assert buildah("copy", container, str(script), "/tmp/click.py").returncode == 0
        run(container, "chmod", "-R", "a+rX", "/tmp/images", "/tmp/click.py", user="0:0")
        sha = hashlib.sha256(image.read_bytes()).hexdigest()
        ports = [str(free_port()), str(free_port())]
        answer = json.loads(
            run(
                container,
                "python3",
                "/tmp/click.py",
                "coffee.png",
                sha,
                "300",
                "160",
                *ports,
                user="10001:10001",
            )
            .strip()
            .splitlines()[-1]
        )
    finally:
        buildah("rm", container)
    assert answer["model_version"] == "mobile-sam@6dbb90523a35" and answer["score"] > 0.95
    [box] = [s for s in answer["shapes"] if s["type"] == "bbox"]
    # the cup: x 204..369, y 95..192 in the 600 x 400 photo
    assert abs(box["x"] - 204) <= 6 and abs(box["y"] - 95) <= 6, box
    assert abs(box["x"] + box["w"] - 369) <= 6 and abs(box["y"] + box["h"] - 192) <= 6, box
    print(f"\nonnx image: click answered in {answer['client_seconds']} s (embedding + decode, CPU)")
