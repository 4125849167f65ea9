"""EXIF orientation: sizes are the displayed ones everywhere, the bytes stay the imported ones."""

from __future__ import annotations

import io
import json
import zipfile

from dataset_files import make_zip
from labelhive_api.formats.coco import read_coco
from labelhive_api.imports.images import inspect_image
from labelhive_api.imports.orientation import backfill
from labelhive_api.tasks.models import Task
from PIL import Image
from sqlalchemy import select, update
from test_exports import export

LABELS = [{"value": "crack", "names": {"zh-CN": "裂纹"}, "tools": ["bbox", "polygon"]}]


def rotated_jpeg(width: int = 64, height: int = 48, orientation: int = 6) -> bytes:
    """Stored `width` x `height`, tagged so viewers turn it a quarter: displayed `height` x `width`."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 60, 10)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def fetch_local_zip(world, done) -> zipfile.ZipFile:
    """The local backend's download link is served by the API itself."""
    answer = world.client.get(done["download_url"])
    assert answer.status_code == 200, answer.text
    return zipfile.ZipFile(io.BytesIO(answer.content))


def test_inspect_reports_the_displayed_size_and_the_tag():
    info = inspect_image(rotated_jpeg(), max_pixels=10**8)
    assert (info.width, info.height, info.orientation) == (48, 64, 6)
    assert inspect_image(rotated_jpeg(orientation=3), max_pixels=10**8).width == 64


def test_a_rotated_photo_keeps_its_shapes_in_the_displayed_frame_and_its_bytes(local_world):
    world = local_world
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin, labels=LABELS)
    photo = rotated_jpeg()
    # A box low in the displayed 48x64 image: outside the stored 64x48 frame.
    doc = {
        "images": [{"id": 1, "file_name": "phone.jpg", "width": 48, "height": 64}],
        "categories": [{"id": 1, "name": "crack"}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 40, 30, 20]}],
    }
    archive = make_zip({"instances.json": json.dumps(doc).encode(), "photos/phone.jpg": photo})
    world.upload(project, headers, [("d.zip", archive)], format="coco", annotations_as="annotations")
    world.run_jobs()
    with world.db.sessions() as s:
        task = s.scalars(select(Task).where(Task.project_id == project.id)).one()
    assert (task.width, task.height, task.orientation) == (48, 64, 6)
    out = fetch_local_zip(world, export(world, project, headers, format="coco", with_images=True))
    exported = read_coco(out.read("annotations/instances_train.json"))
    item = exported.images[0]
    assert (item.width, item.height) == (48, 64)
    assert [(s.x, s.y, s.w, s.h) for s in item.shapes] == [(10, 40, 30, 20)]
    assert out.read(f"images/train/{item.file_name}") == photo


def test_rows_from_before_orientation_was_recorded_are_fixed_by_the_backfill(local_world):
    world = local_world
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin, labels=LABELS)
    world.upload(project, headers, [("phone.jpg", rotated_jpeg())])
    world.run_jobs()
    with world.db.session() as s:  # what an older release stored: the un-rotated size, no tag
        s.execute(
            update(Task).where(Task.project_id == project.id).values(width=64, height=48, orientation=None)
        )
    while backfill(world.db, world.storage):
        pass
    with world.db.sessions() as s:
        task = s.scalars(select(Task).where(Task.project_id == project.id)).one()
    assert (task.width, task.height, task.orientation) == (48, 64, 6)
    assert backfill(world.db, world.storage) == 0  # a second pass swaps nothing back
