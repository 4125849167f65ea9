"""Click-to-segment: relay a prelabel-click.v1 request for one task's image to the worker's interactive
endpoint and return its shapes (contracts/prelabel-click.v1.schema.json)."""

from __future__ import annotations

from typing import Any

import httpx

from labelhive_api.errors import AppError, ServiceUnavailable, Unprocessable
from labelhive_api.settings import Settings
from labelhive_api.tasks.image_ref import image_ref
from labelhive_api.tasks.models import Task


class SegmentFailed(AppError):
    status = 422
    code = "segment_failed"
    title = "The model could not segment this"


def click_request(task: Task, model: str, prompt: dict[str, Any]) -> dict[str, Any]:
    return {"version": 1, "image": image_ref(task), "model": model, **prompt}


def segment(settings: Settings, task: Task, model: str, prompt: dict[str, Any]) -> dict[str, Any]:
    if not settings.interactive_url:
        raise ServiceUnavailable(
            "no interactive worker configured (LABELHIVE_INTERACTIVE_URL)", code="segment_unavailable"
        )
    if not task.asset_sha256:
        raise Unprocessable(
            "this task's image has no sha256 (not imported into storage)", code="segment_failed"
        )
    url = settings.interactive_url.rstrip("/") + "/v1/click"
    headers = {"Authorization": f"Bearer {settings.worker_token}"} if settings.worker_token else {}
    try:
        response = httpx.post(
            url,
            json=click_request(task, model, prompt),
            headers=headers,
            timeout=settings.interactive_timeout_seconds,
        )
    except httpx.HTTPError as exc:
        raise ServiceUnavailable(
            f"interactive worker unreachable: {type(exc).__name__}", code="segment_unavailable"
        ) from None
    if response.status_code >= 500:
        raise ServiceUnavailable(
            f"interactive worker answered {response.status_code}", code="segment_unavailable"
        )
    try:
        body = response.json()
    except ValueError:
        raise ServiceUnavailable("interactive worker answered no JSON", code="segment_unavailable") from None
    if response.status_code >= 400:
        raise SegmentFailed(
            str(body.get("message", "")) or "segmentation failed", reason=body.get("code", "unknown")
        )
    return body
