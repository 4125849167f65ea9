"""/projects/{id}/exports: start an export job, watch it, download the zip by a link signed for your network."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import Field

from labelhive_api.api.deps import Access, SessionDep, require
from labelhive_api.api.schemas import RequestBody
from labelhive_api.errors import Conflict, NotFound, Unprocessable
from labelhive_api.exports.enqueue import create_job
from labelhive_api.exports.jobs import describe
from labelhive_api.exports.models import ExportJob
from labelhive_api.exports.options import ExportOptions, ExportOptionsError
from labelhive_api.jobs import project_jobs
from labelhive_api.jobs.deps import JobsDep
from labelhive_api.jobs.state import JobState
from labelhive_api.security.permissions import Permission
from labelhive_api.tasks.models import TaskState

router = APIRouter(tags=["exports"])

Manager = Annotated[Access, Depends(require(Permission.TASKS_MANAGE))]


class ExportIn(RequestBody):
    format: Literal["coco", "yolo", "yolo-seg", "yolo-pose", "voc", "labelstudio", "csv"]
    with_images: bool = False
    batch_ids: list[int] = Field(default_factory=list, max_length=10_000)
    states: list[TaskState] = Field(
        default_factory=list, description="e.g. [accepted] for accepted work only"
    )
    labels: list[str] = Field(default_factory=list, description="label values to export (empty: all)")
    label_map: dict[str, str] = Field(
        default_factory=dict, description="child label -> parent class, followed transitively"
    )
    val_fraction: float = Field(0.0, ge=0.0, lt=1.0)
    split_seed: int = 0
    test_fraction: float = Field(0.0, ge=0.0, lt=1.0, description="share of tasks in a `test` split")
    source: Literal["annotations", "predictions"] = "annotations"
    skip_empty: bool = False
    label_names: str = Field(
        "value",
        pattern=r"^(value|[a-z]{2,3}(-[A-Za-z0-9]{2,8})*)$",
        description="class names: `value` (stored label values) or a locale whose display names to use",
    )


def _job(session: Any, access: Access, job_id: int) -> ExportJob:
    job = project_jobs.project_job(session, ExportJob, access.project_id, job_id)
    if job is None:
        raise NotFound("export job not found", code="export_job_not_found")
    return job


def _described(job: ExportJob, request: Request) -> dict[str, Any]:
    out = describe(job)
    if job.state == JobState.FINISHED and job.object_key:
        name = f"labelhive-project{job.project_id}-export{job.id}-{job.format}.zip"
        out["download_url"] = request.app.state.delivery.download_url(job.object_key, name, request.headers)
    return out


@router.post("/projects/{project_id}/exports", status_code=202)
def create_export(
    body: ExportIn, request: Request, access: Manager, session: SessionDep, jobs: JobsDep
) -> dict[str, Any]:
    data = body.model_dump()
    data["states"] = [s.value for s in body.states]
    try:
        options = ExportOptions.from_dict(data)
    except ExportOptionsError as exc:
        raise Unprocessable(str(exc), code="invalid_export_options") from exc
    job = create_job(session, access.project_id, access.user.id, options)
    session.commit()
    jobs.wake()
    return _described(job, request)


@router.get("/projects/{project_id}/exports")
def list_exports(
    request: Request, access: Manager, session: SessionDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[dict[str, Any]]:
    jobs = project_jobs.latest_jobs(session, ExportJob, access.project_id, limit)
    return [_described(j, request) for j in jobs]


@router.get("/projects/{project_id}/exports/{job_id}")
def get_export(job_id: int, request: Request, access: Manager, session: SessionDep) -> dict[str, Any]:
    return _described(_job(session, access, job_id), request)


@router.get("/projects/{project_id}/exports/{job_id}/download")
def download_export(job_id: int, request: Request, access: Manager, session: SessionDep) -> RedirectResponse:
    """307 to the zip by a link signed for the public endpoint of this request's network."""
    job = _job(session, access, job_id)
    described = _described(job, request)
    if "download_url" not in described:
        raise Conflict(f"the export is {job.state}, not finished", code="export_not_ready")
    return RedirectResponse(described["download_url"], status_code=307)


@router.post("/projects/{project_id}/exports/{job_id}/resume", status_code=202)
def resume_export(
    job_id: int, request: Request, access: Manager, session: SessionDep, jobs: JobsDep
) -> dict[str, Any]:
    job = _job(session, access, job_id)
    if job.state == JobState.FINISHED:
        raise Conflict("the export has finished", code="export_finished")
    project_jobs.requeue(job)
    session.commit()
    jobs.wake()
    return _described(job, request)


@router.post("/projects/{project_id}/exports/{job_id}/cancel")
def cancel_export(job_id: int, request: Request, access: Manager, session: SessionDep) -> dict[str, Any]:
    job = _job(session, access, job_id)
    if project_jobs.cancel(job):
        session.commit()
    return _described(job, request)
