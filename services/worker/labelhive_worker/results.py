"""Delivering a prelabel-result.v1 to the API, idempotently: Idempotency-Key = <task_id>:<model_version>."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from labelhive_worker.errors import JobError
from labelhive_worker.outcome import PrelabelResult


def callback_url(requested: str | None, api_url: str, default: str) -> str:
    """The message's callback, only when it points into the API (the bearer token goes nowhere else)."""
    if requested is None:
        return default
    api, cb = urlsplit(api_url), urlsplit(requested)
    api_path = api.path.rstrip("/")
    if (cb.scheme, cb.netloc) != (api.scheme, api.netloc) or not (
        cb.path == api_path or cb.path.startswith(api_path + "/")
    ):
        raise JobError(
            "malformed_message", f"callback.url {requested} is not under LABELHIVE_API_URL {api_url}"
        )
    return requested


def deliver(result: PrelabelResult, *, url: str, token: str, timeout: float = 30.0) -> int:
    """POST the result; 2xx or 409 (already stored) is success. 5xx and network errors are retryable."""
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": result.idempotency_key}
    try:
        response = httpx.post(url, json=result.payload(), headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        raise JobError(
            "internal_error", f"results POST {url} failed: {type(exc).__name__}: {exc}", retryable=True
        ) from None
    if response.status_code < 300 or response.status_code == 409:
        return response.status_code
    detail = response.text[:300]
    if response.status_code >= 500 or response.status_code in (408, 429):
        raise JobError(
            "internal_error", f"results POST {url} answered {response.status_code}: {detail}", retryable=True
        )
    raise JobError("result_rejected", f"results POST {url} answered {response.status_code}: {detail}")
