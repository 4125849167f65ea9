"""The embedded default under load: a 2,000-image import on SQLite while the UI polls its progress."""

from __future__ import annotations

import io
import time
import zipfile

from conftest import _world, datasets_settings
from labelhive_api.db import migrate
from labelhive_api.db.engine import Database, make_engine
from PIL import Image
from sqlalchemy.orm import sessionmaker

IMAGES = 2000


def many_pngs(n: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for i in range(n):
            png = io.BytesIO()
            Image.new("RGB", (8, 8), (i % 256, i // 256, 7)).save(png, "PNG")
            archive.writestr(f"batch/{i:05d}.png", png.getvalue())
    return out.getvalue()


def test_every_progress_poll_answers_while_a_2000_image_import_runs(tmp_path):
    settings = datasets_settings(f"sqlite:///{tmp_path}/lh.db", None, data_dir=tmp_path / "data")
    engine = make_engine(settings)
    migrate.upgrade(engine)
    db = Database(engine, sessionmaker(engine, expire_on_commit=False))
    try:
        for world in _world(db, settings, background=True):
            admin = world.user(admin=True)
            headers = world.token(admin)
            project = world.project(admin)
            created = world.upload(project, headers, [("many.zip", many_pngs(IMAGES))])
            url = f"/api/v1/projects/{project.id}/imports/{created['id']}"
            statuses: list[int] = []
            seen_progress: set[int] = set()
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                answer = world.client.get(url, headers=headers)
                tasks = world.client.get(f"/api/v1/projects/{project.id}/tasks?limit=20", headers=headers)
                statuses += [answer.status_code, tasks.status_code]
                if answer.status_code != 200:
                    break
                body = answer.json()
                seen_progress.add(body["done"])
                if body["state"] in ("finished", "failed"):
                    break
                time.sleep(0.05)
            assert set(statuses) == {200}, [s for s in statuses if s != 200][:5]
            assert (body["state"], body["imported"]) == ("finished", IMAGES)
            assert len(seen_progress) > 2  # the polls saw the import move, not only its end
    finally:
        engine.dispose()


def test_reads_answer_while_a_writer_holds_the_sqlite_write_lock(tmp_path):
    """A long writer (an upload being staged, a big import chunk) never makes a progress poll wait."""
    import sqlite3

    settings = datasets_settings(f"sqlite:///{tmp_path}/lh.db", None, data_dir=tmp_path / "data")
    engine = make_engine(settings)
    migrate.upgrade(engine)
    db = Database(engine, sessionmaker(engine, expire_on_commit=False))
    try:
        for world in _world(db, settings, background=False):
            admin = world.user(admin=True)
            headers = world.token(admin)
            project = world.project(admin)
            created = world.upload(project, headers, [("a.zip", many_pngs(3))])
            writer = sqlite3.connect(tmp_path / "lh.db", timeout=0)
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("UPDATE project SET description = 'being written' WHERE id = ?", (project.id,))
            try:
                poll = world.client.get(
                    f"/api/v1/projects/{project.id}/imports/{created['id']}", headers=headers
                )
                listing = world.client.get(f"/api/v1/projects/{project.id}/tasks", headers=headers)
                assert (poll.status_code, listing.status_code) == (200, 200)
                assert (
                    world.client.get(f"/api/v1/projects/{project.id}", headers=headers).json()["description"]
                    == ""
                )
            finally:
                writer.rollback()
                writer.close()
    finally:
        engine.dispose()
