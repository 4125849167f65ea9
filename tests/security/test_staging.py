"""Uploaded files wait under a random per-job prefix that is removed when the upload is refused or the job
fails: on SQLite (which reuses a rolled-back job's id) a later import in another project never picks them up."""

from __future__ import annotations

from conftest import png
from labelhive_api.imports.models import ImportJob
from labelhive_api.jobs.leases import MAX_ATTEMPTS, claim_next, mark_failed


def _staged(api) -> list[str]:
    return [info.key for info in api.storage.target.list("imports/")]


def _upload(api, project_id, headers, names, **data):
    files = [("files", (name, png(10 + i, 10))) for i, name in enumerate(names)]
    return api.client.post(f"/api/v1/projects/{project_id}/imports", headers=headers, files=files, data=data)


def test_a_refused_upload_leaves_no_staged_files_for_the_next_job(make_app, tmp_path):
    # The embedded default: SQLite hands the rolled-back job's id to the next import.
    api = make_app(
        database_url=f"sqlite:///{tmp_path}/lh.db",
        storage_backend="local",
        data_dir=tmp_path / "data",
        s3_import_buckets=[],
    )
    from labelhive_api.db import migrate

    migrate.upgrade(api.db.bind)
    admin = api.user(admin=True)
    victim, attacker = api.project(admin), api.project(admin)
    headers = api.token(admin)
    refused = _upload(api, victim.id, headers, ["secret-1.png", "secret-2.png"], batch_id="999999")
    assert (refused.status_code, refused.json()["code"]) == (404, "batch_not_found")
    assert _staged(api) == []
    mine = _upload(api, attacker.id, headers, ["mine.png"])
    assert mine.status_code == 202
    api.run_jobs()
    done = api.job(attacker.id, mine.json()["id"], headers)
    assert (done["state"], done["imported"], done["total"]) == ("finished", 1, 1)
    assert _staged(api) == []  # a finished job removes its staging too


def test_staging_names_are_random_and_a_failed_job_removes_them(api):
    admin = api.user(admin=True)
    project = api.project(admin)
    headers = api.token(admin)
    created = _upload(api, project.id, headers, ["..", ".", "a.png"])
    assert created.status_code == 202, created.text
    keys = _staged(api)
    assert len(keys) == 3 and all(f"/{created.json()['id']}/" not in k for k in keys)
    assert not any(part in (".", "..") for k in keys for part in k.split("/"))
    claim = claim_next(api.db, api.import_kind())
    assert claim is not None
    mark_failed(api.db, claim, "disk on fire")
    assert _staged(api) == []
    resumed = api.client.post(f"/api/v1/projects/{project.id}/imports/{claim.job_id}/resume", headers=headers)
    assert (resumed.status_code, resumed.json()["code"]) == (409, "staging_removed")


def test_a_job_that_used_up_its_attempts_is_failed_with_its_staging_removed(api):
    admin = api.user(admin=True)
    project = api.project(admin)
    headers = api.token(admin)
    created = _upload(api, project.id, headers, ["a.png", "b.png"])
    assert created.status_code == 202, created.text
    assert len(_staged(api)) == 2
    # every earlier run died holding the lease (a crash loop): the next claim gives up on it
    with api.db.session() as s:
        s.get(ImportJob, created.json()["id"]).attempts = MAX_ATTEMPTS
    assert claim_next(api.db, api.import_kind()) is None
    failed = api.job(project.id, created.json()["id"], headers)
    assert failed["state"] == "failed" and f"after {MAX_ATTEMPTS} attempts" in failed["error"]
    assert _staged(api) == []
