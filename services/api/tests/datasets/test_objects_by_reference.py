"""An S3 prefix imported by reference (`POST /imports/s3` with `reference: true`), over several chunks: every
object becomes a task with its displayed size (EXIF-aware) from a ranged read, each bad object is reported
with its reason, and a job stopped halfway and resumed creates nothing twice."""

from __future__ import annotations

import io
import uuid

import pytest
from dataset_files import png
from labelhive_api.imports.models import ImportItem
from labelhive_api.imports.run import ImportRun
from labelhive_api.imports.settings import ImportSettings, ImportStopped
from labelhive_api.jobs.leases import claim_next
from labelhive_api.stats.models import StateCount
from labelhive_api.tasks.models import Task
from PIL import Image
from sqlalchemy import func, select
from test_imports import items, job

# Three chunks of ten objects, read by four threads.
SETTINGS = ImportSettings(reference_chunk=10, probe_workers=4)


def turned(fmt: str, width: int, height: int, orientation: int, **save: object) -> bytes:
    """An image stored `width` x `height` whose EXIF says to show it turned (`orientation`)."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 20, 200)).save(out, fmt, exif=exif, **save)
    return out.getvalue()


def seed(s3, bucket: str, prefix: str) -> tuple[dict[str, tuple[int, int, int]], dict[str, str]]:
    """Puts good and bad objects under `prefix`; returns {key: (width, height, orientation)} of the good ones
    (as displayed) and {key: refusal reason} of the bad ones."""
    good: dict[str, tuple[bytes, tuple[int, int, int]]] = {
        f"{prefix}line/{n:02d}.png": (png(10 + n, 5 + n), (10 + n, 5 + n, 1)) for n in range(20)
    }
    good[f"{prefix}turned.jpg"] = (turned("JPEG", 40, 30, 6), (30, 40, 6))
    good[f"{prefix}turned.png"] = (turned("PNG", 24, 12, 8), (12, 24, 8))
    # The size sits after 100 kB of ICC profile: past the ranged read, so the whole object is read.
    good[f"{prefix}late-header.jpg"] = (turned("JPEG", 50, 20, 6, icc_profile=b"\0" * 100_000), (20, 50, 6))
    good[f"{prefix}été 2026/a+b (1).png"] = (png(7, 3), (7, 3, 1))
    bad = {
        f"{prefix}notes.txt": (b"not an image", "not_an_image"),
        f"{prefix}cut.png": (png(300, 200)[:20], "corrupt_image"),
        f"{prefix}empty.png": (b"", "not_an_image"),
    }
    client = s3.client()
    for key, (data, _) in {**good, **bad}.items():
        client.put_object(Bucket=bucket, Key=key, Body=data)
    return {k: v for k, (_, v) in good.items()}, {k: reason for k, (_, reason) in bad.items()}


def test_an_s3_prefix_by_reference_is_stopped_halfway_resumed_and_synced_again_without_duplicates(world, s3):
    admin = world.user(admin=True)
    headers = world.token(admin)
    project = world.project(admin)
    bucket = world.storage.source.bucket
    prefix = f"raw/{uuid.uuid4().hex[:8]}/"
    sizes, refusals = seed(s3, bucket, prefix)
    body = {"prefix": prefix, "reference": True}
    created = world.client.post(f"/api/v1/projects/{project.id}/imports/s3", headers=headers, json=body)
    assert created.status_code == 202, created.text
    job_id = created.json()["id"]
    claim = claim_next(world.db, world.import_kind())
    assert claim is not None and claim.job_id == job_id

    def ledger_rows() -> int:
        with world.db.sessions() as s:
            return int(s.scalar(select(func.count()).where(ImportItem.job_id == job_id)) or 0)

    # Stops once the first chunk is committed (as a lost lease or a cancel does).
    with pytest.raises(ImportStopped):
        ImportRun(world.db, world.storage, job_id, SETTINGS, should_continue=lambda: ledger_rows() == 0).run()
    first_chunk = job(world, project, headers, job_id)
    assert ledger_rows() == 10 and first_chunk["imported"] + first_chunk["refused"] == 10
    assert world.count(Task, project) == first_chunk["imported"]

    ImportRun(world.db, world.storage, job_id, SETTINGS).run()
    done = job(world, project, headers, job_id)
    assert (done["state"], done["imported"], done["duplicates"], done["refused"]) == ("finished", 24, 0, 3)
    with world.db.sessions() as s:
        tasks = s.execute(
            select(Task.image, Task.width, Task.height, Task.orientation).where(Task.project_id == project.id)
        ).all()
        names = s.scalars(select(ImportItem.name).where(ImportItem.job_id == job_id)).all()
        new = s.scalar(
            select(StateCount.n).where(StateCount.project_id == project.id, StateCount.state == "new")
        )
    assert {image: (w, h, o) for image, w, h, o in tasks} == sizes  # each once, in place, as displayed
    assert len(tasks) == 24 and new == 24
    assert len(names) == len(set(names)) == 27
    reasons = {r["name"]: r["reason"] for r in items(world, project, headers, job_id, "refused")}
    assert reasons == {f"s3://{bucket}/{key}": reason for key, reason in refusals.items()}

    # Synced again as a new job: the imported objects are counted, not read or imported again.
    again = world.client.post(f"/api/v1/projects/{project.id}/imports/s3", headers=headers, json=body).json()
    world.run_jobs(import_settings=SETTINGS)
    resync = job(world, project, headers, again["id"])
    assert (resync["imported"], resync["duplicates"], resync["refused"]) == (0, 24, 3)
    assert world.count(Task, project) == 24
