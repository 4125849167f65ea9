"""Interactive click-to-segment: POST /v1/click (prelabel-click.v1), decoder on a cached embedding.

Runs as `labelhive-worker serve`, a small always-on process beside the API (CPU is enough: a click only
runs SAM's prompt encoder and mask decoder on the cached embedding). The batch pool may scale to zero.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from http.server import ThreadingHTTPServer
from typing import Any

from pydantic import ValidationError

from labelhive_worker import metrics
from labelhive_worker.contract import ClickRequest
from labelhive_worker.errors import JobError
from labelhive_worker.geometry import mask_shapes
from labelhive_worker.pipeline import Runtime

log = logging.getLogger(__name__)

HTTP_STATUS = {"image_unreachable": 502, "internal_error": 500, "unauthorized": 401}


def click(rt: Runtime, request: ClickRequest) -> dict[str, Any]:
    started = time.perf_counter()
    if request.model != rt.settings.model:
        raise JobError(
            "model_mismatch", f"this worker serves {rt.settings.model}; the request asks for {request.model}"
        )
    embedding, source = rt.cache.get(request.image.sha256)
    embedded = started
    if embedding is None:
        image = rt.load_image(request.image)
        embedding, source = rt.embedding_for(image)
    embedded = time.perf_counter()
    height, width = embedding.original_size
    points = [(float(x), float(y), int(v)) for x, y, v in request.points] if request.points else None
    if points and any(not (0 <= x <= width and 0 <= y <= height) for x, y, _ in points):
        raise JobError("invalid_prompt", f"a point lies outside the {width}x{height} image")
    box = (request.box.x, request.box.y, request.box.w, request.box.h) if request.box else None
    mask = rt.model.predict(embedding, points=points, box=box)
    decoded = time.perf_counter()
    shapes = mask_shapes(
        mask.mask,
        shape_id="click",
        label=request.label,
        score=mask.score,
        types=["polygon", "bbox"],
        tolerance=request.simplify_tolerance,
        min_area=1,
    )
    metrics.CLICKS.observe(decoded - started)
    return {
        "version": 1,
        "model_version": rt.model.model_version,
        "shapes": shapes,
        "score": round(min(max(mask.score, 0.0), 1.0), 4),
        "embedding_cached": source in ("memory", "bucket"),
        "timings": {"embedding": round(embedded - started, 4), "decode": round(decoded - embedded, 4)},
    }


def click_route(rt: Runtime) -> Any:
    expected = f"Bearer {rt.settings.api_token}".encode()

    def route(body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if not hmac.compare_digest(headers.get("authorization", "").encode(), expected):
            return 401, {"code": "unauthorized", "message": "a valid bearer token is required"}
        try:
            request = ClickRequest.model_validate(json.loads(body or b"null"))
        except (ValueError, ValidationError) as exc:
            return 422, {"code": "malformed_message", "message": str(exc).splitlines()[0][:500]}
        try:
            return 200, click(rt, request)
        except JobError as err:
            return HTTP_STATUS.get(err.code, 422), {"code": err.code, "message": err.message}
        except Exception as exc:  # one bad click never takes the server down
            log.exception("click failed")
            return 500, {"code": "internal_error", "message": f"{type(exc).__name__}: {exc}"}

    return route


def serve(rt: Runtime, port: int, host: str = "0.0.0.0") -> ThreadingHTTPServer:
    metrics.HEALTH.model_loaded = True
    metrics.HEALTH.consuming = True
    return metrics.serve_http(port, host, routes={"/v1/click": click_route(rt)})
