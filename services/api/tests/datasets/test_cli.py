"""The `labelhive` CLI against a real API server (uvicorn), PostgreSQL and SeaweedFS: folder in, YOLO zip out."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import uvicorn
import yaml
from dataset_files import png
from labelhive_api.app import create_app

CLI = str(Path(sys.executable).parent / "labelhive")


def test_cli_imports_a_folder_and_exports_yolo_with_images(background_world, tmp_path):
    world = background_world
    admin = world.user(admin=True)
    token = world.token(admin)["Authorization"].removeprefix("Bearer ")
    project = world.project(admin)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(world.settings, world.db)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        folder = tmp_path / "photos"
        (folder / "line-1").mkdir(parents=True)
        for i in range(4):
            (folder / "line-1" / f"{i}.png").write_bytes(png(16 + i, 16, (i, 50, 50)))
        (folder / "readme.txt").write_text("not an image")
        env = {**os.environ, "LABELHIVE_URL": f"http://127.0.0.1:{port}", "LABELHIVE_TOKEN": token}
        run = subprocess.run(
            [CLI, "import", str(project.id), str(folder)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        assert "4 imported" in run.stderr and "readme.txt: not_an_image" in run.stderr
        out = tmp_path / "dataset.zip"
        run = subprocess.run(
            [CLI, "export", str(project.id), "--format", "yolo", "-o", str(out)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout.strip().splitlines()[-1])["path"] == str(out)
        z = zipfile.ZipFile(out)
        assert yaml.safe_load(z.read("data.yaml"))["nc"] == 5
        # Ultralytics layout: flat names under images/train/, the folder kept in manifest.csv.
        assert sorted(n for n in z.namelist() if n.startswith("images/")) == [
            f"images/train/{i}.png" for i in range(4)
        ]
        manifest = list(csv.DictReader(io.StringIO(z.read("manifest.csv").decode())))
        assert sorted(row["original_path"] for row in manifest) == [f"line-1/{i}.png" for i in range(4)]
        bad = subprocess.run(
            [CLI, "export", "999999", "-o", str(tmp_path / "x.zip")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert bad.returncode == 1 and "project_not_found" in bad.stderr
    finally:
        server.should_exit = True
        thread.join(timeout=10)
