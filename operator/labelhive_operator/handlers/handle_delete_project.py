"""A LabelingProject is being deleted: release what lives outside Kubernetes (see finalizer.py)."""

from __future__ import annotations

import logging
from typing import Any

import kopf

from labelhive_operator.context import Context
from labelhive_operator.finalizer import RetryLater, release
from labelhive_operator.project import Project

MAX_ATTEMPTS = 20


def delete_project(ctx: Context, body: dict[str, Any], uid: str, retry: int, logger: logging.Logger) -> None:
    runtime = ctx.runtime(uid)
    with runtime.lock:
        try:
            outcome = release(ctx, Project(body))
        except RetryLater as exc:
            if retry + 1 >= MAX_ATTEMPTS:
                message = f"gave up deleting external data after {retry + 1} attempts, it is kept: {exc}"
                ctx.kube.event(body, "Warning", "DeletionGaveUp", message)
                logger.warning(message)
                ctx.forget(uid)
                return
            ctx.kube.event(body, "Warning", "DeletionRetrying", str(exc))
            raise kopf.TemporaryError(
                str(exc), delay=min(2 ** (retry + 1), ctx.config.backoff_max_seconds)
            ) from None
    ctx.kube.event(body, "Normal", "Deleted" if outcome.deleted else "Retained", outcome.message)
    logger.info("%s/%s: %s", body["metadata"]["namespace"], body["metadata"]["name"], outcome.message)
    ctx.forget(uid)
