"""/projects/{id}/imports: upload files and zips, sync an S3 prefix, fetch URLs; progress and per-file report."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from pydantic import Field

from labelhive_api.api.deps import Access, SessionDep, require
from labelhive_api.errors import Conflict, Forbidden, NotFound, Unprocessable
from labelhive_api.imports.enqueue import Format, ImportOptions, create_job
from labelhive_api.imports.models import ImportJob
from labelhive_api.imports.staging import new_staging_prefix, remove_staging, staged_name
from labelhive_api.imports.views import describe, ledger_page
from labelhive_api.jobs import project_jobs
from labelhive_api.jobs.deps import JobsDep
from labelhive_api.jobs.state import JobState
from labelhive_api.security.permissions import Permission
from labelhive_api.storage.scope import ScopeRefused

router = APIRouter(tags=["imports"])

Manager = Annotated[Access, Depends(require(Permission.TASKS_MANAGE))]
# tasks: JSON / JSON Lines of tasks by reference with pre-labels (the body POST /tasks takes, per task).


class S3ImportIn(ImportOptions):
    bucket: str | None = Field(
        None, max_length=63, description="one of the allowed import buckets (default: the first one)"
    )
    prefix: str = Field("", max_length=1024)
    reference: bool = Field(
        False,
        description="tasks point at the objects where they are (a listing plus a ranged read per object for "
        "its size); false: the bytes are copied into content-addressed storage",
    )


class UrlImportIn(ImportOptions):
    urls: list[str] = Field(min_length=1, max_length=100_000)
    reference: bool = Field(
        False,
        description="tasks are the URLs themselves (a ranged GET per image for its size); false: the images "
        "are downloaded into content-addressed storage",
    )


@router.post("/projects/{project_id}/imports", status_code=202)
def upload_import(
    request: Request,
    access: Manager,
    session: SessionDep,
    jobs: JobsDep,
    files: Annotated[list[UploadFile], File(description="images, zip archives, annotation files")],
    format: Annotated[Format, Form()] = "images",
    annotations_as: Annotated[Literal["predictions", "annotations"], Form()] = "predictions",
    model_version: Annotated[str | None, Form(max_length=200)] = None,
    label_map: Annotated[str | None, Form(description="JSON object: category name -> label value")] = None,
    batch_id: Annotated[int | None, Form()] = None,
    labelstudio_use: Annotated[Literal["annotations", "predictions"], Form()] = "annotations",
) -> dict[str, Any]:
    """Files are staged in the target bucket first, so any replica can run (or resume) the job."""
    try:
        mapping = json.loads(label_map) if label_map else {}
    except json.JSONDecodeError as exc:
        raise Unprocessable("label_map must be a JSON object", code="invalid_label_map") from exc
    if not isinstance(mapping, dict):
        raise Unprocessable("label_map must be a JSON object", code="invalid_label_map")
    options = ImportOptions(
        format=format,
        annotations_as=annotations_as,
        model_version=model_version,
        label_map={str(k): str(v) for k, v in mapping.items()},
        batch_id=batch_id,
        labelstudio_use=labelstudio_use,
    )
    staging = new_staging_prefix()
    storage = request.app.state.storage
    try:
        for number, upload in enumerate(files):
            upload.file.seek(0)
            key = f"{staging}{number:06d}/{staged_name(upload.filename, number)}"
            storage.target.put_file(key, upload.file, upload.content_type)
        names = [staged_name(f.filename, n) for n, f in enumerate(files)]
        job = create_job(session, access, "upload", options, {"files": names, "staging": staging})
        session.commit()
    except BaseException:
        remove_staging(storage.target, staging)  # the job row is rolled back: nothing may stay behind
        raise
    jobs.wake()
    return describe(job)


@router.post("/projects/{project_id}/imports/s3", status_code=202)
def s3_import(
    body: S3ImportIn, request: Request, access: Manager, session: SessionDep, jobs: JobsDep
) -> dict[str, Any]:
    """Sync a bucket/prefix the platform admin allowed (`GET .../imports/s3/buckets`): objects imported
    before (by key) are skipped, new ones become tasks."""
    try:
        store, prefix = request.app.state.storage.imports.prefix_store(body.bucket, body.prefix)
    except ScopeRefused as refused:
        error = Forbidden if refused.code == "s3_bucket_not_allowed" else Unprocessable
        raise error(refused.message, code=refused.code) from None
    job = create_job(session, access, "s3", body, {"bucket": store.bucket, "prefix": prefix})
    session.commit()
    jobs.wake()
    return describe(job)


@router.get("/projects/{project_id}/imports/s3/buckets")
def s3_import_buckets(request: Request, access: Manager) -> dict[str, Any]:
    """The buckets and prefixes S3 imports may read (set by the platform admin in the manifest)."""
    sources = request.app.state.storage.imports.sources
    return {"sources": [{"bucket": s.bucket, "prefix": s.prefix} for s in sources]}


@router.post("/projects/{project_id}/imports/urls", status_code=202)
def url_import(
    body: UrlImportIn, request: Request, access: Manager, session: SessionDep, jobs: JobsDep
) -> dict[str, Any]:
    job = create_job(session, access, "urls", body, {"urls": body.urls})
    session.commit()
    jobs.wake()
    return describe(job)


def _job(session: Any, access: Access, job_id: int) -> ImportJob:
    job = project_jobs.project_job(session, ImportJob, access.project_id, job_id)
    if job is None:
        raise NotFound("import job not found", code="import_job_not_found")
    return job


@router.get("/projects/{project_id}/imports")
def list_imports(
    access: Manager, session: SessionDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[dict[str, Any]]:
    jobs = project_jobs.latest_jobs(session, ImportJob, access.project_id, limit)
    return [describe(j) for j in jobs]


@router.get("/projects/{project_id}/imports/{job_id}")
def get_import(job_id: int, access: Manager, session: SessionDep) -> dict[str, Any]:
    return describe(_job(session, access, job_id))


@router.get("/projects/{project_id}/imports/{job_id}/items")
def import_items(
    job_id: int,
    access: Manager,
    session: SessionDep,
    state: Annotated[Literal["imported", "duplicate", "refused"] | None, Query()] = None,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """The per-file report (e.g. `state=refused`: every refused file with its reason), keyset paged."""
    _job(session, access, job_id)
    return ledger_page(session, job_id, state, after, limit)


@router.post("/projects/{project_id}/imports/{job_id}/resume", status_code=202)
def resume_import(job_id: int, access: Manager, session: SessionDep, jobs: JobsDep) -> dict[str, Any]:
    """Runs a failed, cancelled or stalled job again: done files are skipped, nothing is duplicated."""
    job = _job(session, access, job_id)
    if job.state == JobState.FINISHED:
        raise Conflict("the import has finished", code="import_finished")
    if job.kind == "upload" and job.state == JobState.FAILED:
        raise Conflict("a failed upload's files were removed; upload them again", code="staging_removed")
    project_jobs.requeue(job)
    session.commit()
    jobs.wake()
    return describe(job)


@router.post("/projects/{project_id}/imports/{job_id}/cancel")
def cancel_import(job_id: int, access: Manager, session: SessionDep) -> dict[str, Any]:
    job = _job(session, access, job_id)
    if project_jobs.cancel(job):
        session.commit()
    return describe(job)
