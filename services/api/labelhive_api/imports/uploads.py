"""Browser uploads one file per request, so each file has its own progress and a lost connection costs one
file, not the whole drop: declare the files (the job waits in `uploading`), send each file (idempotent per
number: a retry replaces it), then start. Files declared but never sent are refused as `not_uploaded`
(or `too_large`) in the job's per-file report, and the rest is imported.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile
from pydantic import Field
from sqlalchemy import insert

from labelhive_api.api.deps import Access, SessionDep, require
from labelhive_api.api.schemas import RequestBody
from labelhive_api.db.base import utcnow
from labelhive_api.errors import Conflict, NotFound, Unprocessable
from labelhive_api.imports.enqueue import ImportOptions, create_job
from labelhive_api.imports.models import ImportItem, ImportJob
from labelhive_api.imports.staging import new_staging_prefix, remove_staging, staged_name
from labelhive_api.imports.views import describe
from labelhive_api.jobs.deps import JobsDep
from labelhive_api.jobs.state import JobState
from labelhive_api.security.permissions import Permission

router = APIRouter(tags=["imports"])

Manager = Annotated[Access, Depends(require(Permission.TASKS_MANAGE))]
UPLOADING = "uploading"  # declared, files arriving; the job runner does not claim it yet


class DeclaredFile(RequestBody):
    name: str = Field(min_length=1, max_length=1024)
    size: int = Field(ge=0)


class UploadDeclaration(ImportOptions):
    files: list[DeclaredFile] = Field(min_length=1, max_length=20_000)


def _safe_names(files: list[DeclaredFile]) -> list[str]:
    """Relative paths kept (a dropped folder's sub-folders), without `..`; repeats made unique."""
    names: list[str] = []
    seen: set[str] = set()
    for number, f in enumerate(files):
        parts = [p for p in f.name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
        name = "/".join([*parts[:-1], staged_name(parts[-1], number)]) if parts else f"file-{number}"
        if name in seen:
            stem, dot, ext = name.rpartition(".")
            name = f"{stem}~{number}.{ext}" if dot and stem else f"{name}~{number}"
        seen.add(name)
        names.append(name)
    return names


def _staging(job: ImportJob) -> str:
    return str(job.options["staging"])


def _staged(request: Request, job: ImportJob) -> dict[int, int]:
    """number -> staged size, from the staging prefix (the truth after a reload or another replica)."""
    prefix = _staging(job)
    out: dict[int, int] = {}
    for info in request.app.state.storage.target.list(prefix):
        head = info.key[len(prefix) :].split("/", 1)[0]
        if head.isdigit():
            out[int(head)] = info.size
    return out


def _upload_job(session: Any, access: Access, job_id: int) -> ImportJob:
    job = session.get(ImportJob, job_id)
    if job is None or job.project_id != access.project_id or job.kind != "upload":
        raise NotFound("import job not found", code="import_job_not_found")
    return job


def _described(request: Request, job: ImportJob) -> dict[str, Any]:
    files = list(job.options.get("declared", []))
    staged = _staged(request, job) if job.state == UPLOADING else {}
    limit = request.app.state.storage.config.max_upload_bytes
    return describe(job) | {
        "max_file_bytes": limit,
        "files": [
            {"number": n, "name": f["name"], "size": f["size"], "uploaded": staged.get(n) == f["size"]}
            for n, f in enumerate(files)
        ],
    }


@router.post("/projects/{project_id}/imports/uploads", status_code=201)
def declare_upload(
    body: UploadDeclaration, request: Request, access: Manager, session: SessionDep
) -> dict[str, Any]:
    """An upload job waiting for its files; each file is then sent to `.../files/{number}`."""
    declared = [
        {"name": name, "size": f.size} for name, f in zip(_safe_names(body.files), body.files, strict=True)
    ]
    options = ImportOptions.model_validate(body.model_dump(exclude={"files"}))
    extra = {"files": [f["name"] for f in declared], "declared": declared, "staging": new_staging_prefix()}
    job = create_job(session, access, "upload", options, extra)
    job.state = UPLOADING
    session.commit()
    return _described(request, job)


@router.get("/projects/{project_id}/imports/{job_id}/upload")
def upload_progress(job_id: int, request: Request, access: Manager, session: SessionDep) -> dict[str, Any]:
    """Which declared files the server holds: after a lost connection, send only the others."""
    return _described(request, _upload_job(session, access, job_id))


@router.put("/projects/{project_id}/imports/{job_id}/files/{number}", status_code=204)
def upload_file(
    job_id: int,
    number: int,
    request: Request,
    access: Manager,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="the declared file's bytes")],
) -> Response:
    job = _upload_job(session, access, job_id)
    if job.state != UPLOADING:
        raise Conflict(f"the import is {job.state}, no longer taking files", code="import_not_uploading")
    declared = job.options.get("declared", [])
    if not 0 <= number < len(declared):
        raise NotFound("no such file in this upload", code="import_file_not_declared")
    limit = request.app.state.storage.config.max_upload_bytes
    file.file.seek(0, 2)
    size = file.file.tell()
    file.file.seek(0)
    if size > limit:
        raise Unprocessable(f"{size} bytes > limit {limit}", code="file_too_large", limit=limit)
    if size != declared[number]["size"]:
        raise Unprocessable("the file is not the declared size", code="upload_size_mismatch")
    key = f"{_staging(job)}{number:06d}/{declared[number]['name']}"
    request.app.state.storage.target.put_file(key, file.file, file.content_type)
    session.commit()
    return Response(status_code=204)


@router.post("/projects/{project_id}/imports/{job_id}/start", status_code=202)
def start_upload(
    job_id: int, request: Request, access: Manager, session: SessionDep, jobs: JobsDep
) -> dict[str, Any]:
    """Queue the job with what arrived; each declared file that did not is refused with its reason."""
    job = _upload_job(session, access, job_id)
    if job.state != UPLOADING:
        raise Conflict(f"the import is {job.state}", code="import_not_uploading")
    staged = _staged(request, job)
    limit = request.app.state.storage.config.max_upload_bytes
    missing = [
        {
            "job_id": job.id,
            "project_id": job.project_id,
            "name": f["name"],
            "state": "refused",
            "reason": "too_large" if f["size"] > limit else "not_uploaded",
            "detail": f"{f['size']} bytes > limit {limit}"
            if f["size"] > limit
            else "the file never reached the server",
        }
        for n, f in enumerate(job.options.get("declared", []))
        if staged.get(n) != f["size"]
    ]
    if missing:
        session.execute(insert(ImportItem), missing)
    job.state = JobState.QUEUED
    session.commit()
    jobs.wake()
    return _described(request, job)


@router.delete("/projects/{project_id}/imports/{job_id}/upload", status_code=204)
def abandon_upload(job_id: int, request: Request, access: Manager, session: SessionDep) -> Response:
    """Cancel an upload before it started: the job is cancelled and its staged files removed."""
    job = _upload_job(session, access, job_id)
    if job.state != UPLOADING:
        raise Conflict(f"the import is {job.state}", code="import_not_uploading")
    job.state, job.finished_at = JobState.CANCELLED, utcnow()
    session.commit()
    remove_staging(request.app.state.storage.target, _staging(job))
    return Response(status_code=204)
