"""Image delivery endpoints.

- GET /media/{store}/{key}: signed, expiring URLs served through the API (proxy mode, local backend,
  downloads), with Range, ETag and caching headers.
- GET /projects/{id}/tasks/{id}/image: redirects to the image (or its thumbnail) by a URL signed for the
  network the request came from.
- POST /projects/{id}/image-urls: URLs for a page of tasks (lists, thumbnails).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from pydantic import Field

from labelhive_api.api.deps import Access, SessionDep, require, require_global
from labelhive_api.api.schemas import RequestBody
from labelhive_api.errors import Forbidden, NotFound
from labelhive_api.security.permissions import Permission
from labelhive_api.storage.base import ObjectNotFound
from labelhive_api.storage.delivery import STORES, ImageDelivery
from labelhive_api.storage.deps import DeliveryDep
from labelhive_api.storage.thumbnails import THUMBNAIL_SIZES
from labelhive_api.tasks.access import AnnotatorTask, tasks_with_images_shown
from labelhive_api.tasks.models import Task

log = logging.getLogger(__name__)


router = APIRouter(tags=["media"])

Public = Depends(require_global(Permission.PUBLIC))
TaskReader = Annotated[Access, Depends(require(Permission.TASKS_ANNOTATE))]
ProjectViewer = Annotated[Access, Depends(require(Permission.TASKS_ANNOTATE))]


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _parse_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """(start, end) inclusive, None for the whole object, or 'invalid' (416)."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None  # multi-range or malformed: RFC 9110 lets us send the whole object
    if match.group(1):
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) else size - 1
    else:
        suffix = int(match.group(2))
        start, end = max(0, size - suffix), size - 1
    if start >= size or start > end:
        return "invalid"
    return start, min(end, size - 1)


@router.get("/media/{store}/{key:path}", dependencies=[Public])
def media(
    store: str,
    key: str,
    request: Request,
    delivery: DeliveryDep,
    exp: Annotated[int, Query()],
    sig: Annotated[str, Query(max_length=128)],
    dl: Annotated[str | None, Query(max_length=300)] = None,
) -> Response:
    """Streams an object for a signed URL; the signature is the authorisation (it works in <img src>)."""
    if store not in STORES or not delivery.signer.verify(store, key, exp, sig, dl):
        raise Forbidden("the link is invalid or has expired", code="media_link_invalid")
    bucket = delivery.storage.source if store == "source" else delivery.storage.target
    info = bucket.head(key)
    if info is None:
        raise NotFound("no such object", code="object_not_found")
    etag = f'"{info.etag}"'
    immutable = key.startswith(("assets/", "thumbnails/"))
    headers = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, max-age=31536000, immutable" if immutable else "private, max-age=60",
    }
    if dl:
        from urllib.parse import quote

        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(dl)}"
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    wanted = _parse_range(request.headers.get("range"), info.size)
    if wanted == "invalid":
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{info.size}"})
    try:
        reader = bucket.open(key, wanted if isinstance(wanted, tuple) else None)
    except ObjectNotFound as exc:
        raise NotFound("no such object", code="object_not_found") from exc
    media_type = info.content_type or "application/octet-stream"
    headers["Content-Length"] = str(reader.length)
    status = 200
    if isinstance(wanted, tuple):
        status = 206
        headers["Content-Range"] = f"bytes {reader.start}-{reader.end}/{info.size}"

    def body() -> Iterator[bytes]:
        try:
            yield from reader.iter_chunks(256 * 1024)
        finally:
            reader.close()

    return StreamingResponse(body(), status_code=status, media_type=media_type, headers=headers)


def _task_urls(delivery: ImageDelivery, task: Task, headers: Any, thumb: int | None) -> dict[str, Any]:
    if not task.image.startswith("assets/") or not task.asset_sha256:
        url = delivery.reference_url(task.image, headers)  # imported by reference: as it is, no thumbnail
        return {"task_id": task.id, "url": url, "thumbnail_url": url}
    out = {"task_id": task.id, "url": delivery.image_url(task.asset_sha256, headers)}
    if thumb:
        try:
            out["thumbnail_url"] = delivery.thumbnail_url(task.asset_sha256, headers, thumb)
        except (ObjectNotFound, OSError, ValueError):
            out["thumbnail_url"] = out["url"]
    return out


@router.get("/projects/{project_id}/tasks/{task_id}/image")
def task_image(
    task: AnnotatorTask,
    request: Request,
    delivery: DeliveryDep,
    thumb: Annotated[int | None, Query()] = None,
) -> RedirectResponse:
    """307 to the image, signed for this request's network (use it directly as <img src>)."""
    if thumb is not None and thumb not in THUMBNAIL_SIZES:
        thumb = min(THUMBNAIL_SIZES, key=lambda s: abs(s - thumb))
    urls = _task_urls(delivery, task, request.headers, thumb)
    target = urls["thumbnail_url"] if thumb else urls["url"]
    return RedirectResponse(target, status_code=307, headers={"Cache-Control": "private, max-age=30"})


class ImageUrlsIn(RequestBody):
    task_ids: list[int] = Field(min_length=1, max_length=500)
    thumb: int | None = Field(None, description=f"thumbnail size, one of {THUMBNAIL_SIZES}")


@router.post("/projects/{project_id}/image-urls")
def image_urls(
    body: ImageUrlsIn, request: Request, access: ProjectViewer, session: SessionDep, delivery: DeliveryDep
) -> dict[str, Any]:
    """Image (and thumbnail) URLs for a page of tasks, signed for this request's network."""
    if body.thumb is not None and body.thumb not in THUMBNAIL_SIZES:
        from labelhive_api.errors import Unprocessable

        raise Unprocessable(f"thumb must be one of {THUMBNAIL_SIZES}", code="invalid_thumbnail_size")
    visible = tasks_with_images_shown(session, access, body.task_ids)
    return {
        "expires_in": delivery.storage.config.url_ttl_seconds,
        "items": [_task_urls(delivery, t, request.headers, body.thumb) for t in visible],
    }
