"""The built-in scaler: queue depth from RabbitMQ -> desired worker replicas (the reconcile applies them)."""

from __future__ import annotations

import logging
import time
from typing import Any

from labelhive_operator.context import Context
from labelhive_operator.logs import project_log
from labelhive_operator.project import Project
from labelhive_operator.provision.queue import QueueError, queue_depth
from labelhive_operator.render.scaling import desired_replicas, wanted_replicas
from labelhive_operator.state import ProjectRuntime


def scale_tick(ctx: Context, body: dict[str, Any], uid: str) -> None:
    """The kopf timer: measure the queue under the project's lock; a change wakes the reconcile loop,
    which applies the worker replicas and the status (one writer per project)."""
    runtime = ctx.runtimes.get(uid)
    if runtime is None:
        return
    with runtime.lock:
        changed = scale_workers(ctx, body, runtime, project_log(body))
    if changed:
        runtime.wake()


def scale_workers(
    ctx: Context,
    body: dict[str, Any],
    runtime: ProjectRuntime,
    logger: logging.Logger | logging.LoggerAdapter[Any],
) -> bool:
    """Measure the queue; True when the desired replicas or the depth changed (status and Deployment follow)."""
    if runtime.amqp_url is None or runtime.desired_workers is None or ctx.keda_available():
        return False  # not reconciled yet, or KEDA scales
    project = Project(body)
    try:
        depth = queue_depth(runtime.amqp_url, runtime.management_url, project.queue)
    except QueueError as exc:
        if runtime.queue_error != str(exc):
            runtime.queue_error = str(exc)
            logger.warning("queue depth of %s unavailable: %s", project.queue, exc)
            ctx.kube.event(body, "Warning", exc.reason, f"queue {project.queue}: {exc}")
        return False
    runtime.queue_error = None
    now = time.monotonic()
    current = runtime.desired_workers
    if wanted_replicas(project, depth) < current:
        runtime.lower_since = runtime.lower_since or now
    else:
        runtime.lower_since = None
    desired = desired_replicas(
        project, depth, current, runtime.lower_since, now, ctx.config.scale_down_delay_seconds
    )
    changed = desired != current or depth != runtime.depth
    if desired != current:
        logger.info("queue %s holds %d messages: workers %d -> %d", project.queue, depth, current, desired)
        ctx.kube.event(body, "Normal", "Scaled", f"queue depth {depth}: workers {current} -> {desired}")
        runtime.lower_since = None
    runtime.depth = depth
    runtime.desired_workers = desired
    return changed
