"""Tasks created by reference without their image's size (`POST /tasks`) get it from the image itself: the
displayed size (EXIF orientation applied) from the first bytes in storage or on the web, under the outbound
policy; an image that cannot be read is looked at once and its YOLO labels are reported lost, not silently
empty."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

from dataset_files import png
from labelhive_api.imports.sizing import backfill_sizes
from labelhive_api.storage.keys import asset_key
from labelhive_api.tasks.models import Task
from PIL import Image
from sqlalchemy import select
from test_exports import export, fetch_zip


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def turned_jpeg(width: int, height: int, orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 30)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def sizes(world, ids: list[int]) -> list[tuple[int | None, int | None, int | None]]:
    with world.db.sessions() as s:
        rows = dict(
            (r.id, (r.width, r.height, r.orientation))
            for r in s.execute(
                select(Task.id, Task.width, Task.height, Task.orientation).where(Task.id.in_(ids))
            )
        )
    return [rows[i] for i in ids]


def test_tasks_without_sizes_get_them_from_their_images(world, tmp_path):
    (tmp_path / "turned.jpg").write_bytes(turned_jpeg(40, 30, 6))  # stored 40x30, shown 30x40
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stored = png(24, 16)
    sha = hashlib.sha256(stored).hexdigest()
    world.storage.source.put(asset_key(sha), stored, "image/png")
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        admin = world.user(admin=True)
        headers = world.token(admin)
        project = world.project(admin)
        box = {"id": "b1", "type": "bbox", "label": "crack", "x": 2, "y": 2, "w": 5, "h": 5}
        tasks = [
            {"image": f"{base}/turned.jpg"},
            {"image": asset_key(sha)},
            {"image": f"{base}/gone.jpg", "annotations": [{"result": [box]}]},
            {"image": "http://10.255.255.1/private.jpg"},  # the outbound policy refuses it: never contacted
            {"image": f"{base}/turned.jpg", "width": 7, "height": 9},  # sizes given: taken as they are
        ]
        created = world.client.post(
            f"/api/v1/projects/{project.id}/tasks", headers=headers, json={"tasks": tasks}
        )
        assert created.status_code == 201, created.text
        ids = created.json()["ids"]
        assert sizes(world, ids)[0] == (None, None, None)

        settings = world.app.state.import_settings
        policy = dataclasses.replace(settings.outbound, max_bytes=settings.limits.max_file_bytes)
        while backfill_sizes(world.db, world.storage, policy, settings.max_image_pixels):
            pass
        assert sizes(world, ids) == [
            (30, 40, 6),
            (24, 16, 1),
            (None, None, 1),  # looked at once, not again
            (None, None, 1),
            (7, 9, None),
        ]
        assert backfill_sizes(world.db, world.storage, policy, settings.max_image_pixels) == 0

        done = export(world, project, headers, format="yolo", with_images=False)
        assert done["report"]["lost"] == {"image_size_unknown": 1}
        # tasks by URL without a file name are named after their URL's last part (or the task)
        labels = sorted(n for n in fetch_zip(done).namelist() if n.startswith("labels/"))
        assert labels == sorted(
            f"labels/train/{name}.txt"
            for name in ("turned", f"task-{ids[1]}", "gone", "private", f"turned_{ids[4]}")
        )
        # with images: tasks by URL get theirs fetched under the outbound policy (the 404 and the private
        # address are reported missing, nothing else)
        done = export(world, project, headers, format="yolo", with_images=True)
        archive = fetch_zip(done)
        images = {n: archive.read(n) for n in archive.namelist() if n.startswith("images/")}
        turned = (tmp_path / "turned.jpg").read_bytes()
        assert images == {
            "images/train/turned.jpg": turned,
            f"images/train/task-{ids[1]}.png": stored,
            f"images/train/turned_{ids[4]}.jpg": turned,
        }
        assert done["report"]["missing_image_tasks"] == [ids[2], ids[3]]
    finally:
        server.shutdown()
