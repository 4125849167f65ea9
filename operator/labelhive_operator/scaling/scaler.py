"""The built-in scaler (a kopf timer per project, when KEDA is not served): queue depth -> policy ->
the worker Deployment's replicas, written through its scale subresource as the `labelhive-scaler` field
manager. It is the only writer of those replicas; the reconcile renders the Deployment without them (as
with KEDA) and only reads them back for the status. What it shares with the reconcile, one way each:
the broker URLs it measures with (set by the reconcile's broker step) and the depth it last measured
(shown in the status)."""

from __future__ import annotations

import time
from typing import Any

from labelhive_operator.context import Context
from labelhive_operator.kube import SCALER_FIELD_MANAGER
from labelhive_operator.logs import Log, project_log
from labelhive_operator.project import Project
from labelhive_operator.provision.queue import QueueError, queue_depth
from labelhive_operator.scaling import policy
from labelhive_operator.state import ProjectRuntime


def owns_replicas(deployment: dict[str, Any]) -> bool:
    """Whether the scaler's field manager holds spec.replicas (else a reconcile apply would drop them)."""
    return any(
        entry.get("manager") == SCALER_FIELD_MANAGER
        and "f:replicas" in ((entry.get("fieldsV1") or {}).get("f:spec") or {})
        for entry in deployment.get("metadata", {}).get("managedFields") or []
    )


def replicas_of(deployment: dict[str, Any] | None) -> int | None:
    if deployment is None:
        return None
    return int((deployment.get("spec") or {}).get("replicas") or 0)


def set_replicas(ctx: Context, project: Project, replicas: int) -> dict[str, Any] | None:
    """Write the worker replicas through /scale; returns the Deployment as it is now."""
    name = project.child("worker")
    ctx.kube.apply_scale("apps/v1", "Deployment", project.namespace, name, replicas)
    return ctx.fresh("apps/v1", "Deployment", project.namespace, name)


def _depth(
    ctx: Context, body: dict[str, Any], project: Project, runtime: ProjectRuntime, log: Log
) -> int | None:
    assert runtime.amqp_url is not None
    try:
        depth = queue_depth(runtime.amqp_url, runtime.management_url, project.queue)
    except QueueError as exc:
        if runtime.queue_error != str(exc):
            runtime.queue_error = str(exc)
            log.warning("queue depth of %s unavailable: %s", project.queue, exc)
            ctx.kube.event(body, "Warning", exc.reason, f"queue {project.queue}: {exc}")
        return None
    runtime.queue_error = None
    return depth


def scale_workers(ctx: Context, body: dict[str, Any], runtime: ProjectRuntime, log: Log) -> bool:
    """One look: True when the replicas or the depth changed (the project's status follows)."""
    if runtime.amqp_url is None or ctx.keda_available():
        return False  # not reconciled yet, or KEDA scales
    project = Project(body)
    live = ctx.live("apps/v1", "Deployment", project.namespace, project.child("worker"))
    current = replicas_of(live)
    if current is None:
        return False  # the reconcile creates it
    depth = _depth(ctx, body, project, runtime, log)
    decision = policy.decide(
        project, depth, current, runtime.lower_since, time.monotonic(), ctx.config.scale_down_delay_seconds
    )
    runtime.lower_since = decision.lower_since
    changed = depth is not None and depth != runtime.depth
    if depth is not None:
        runtime.depth = depth
    if decision.replicas != current:
        log.info(
            "queue %s holds %s messages: workers %d -> %d", project.queue, depth, current, decision.replicas
        )
        ctx.kube.event(
            body, "Normal", "Scaled", f"queue depth {depth}: workers {current} -> {decision.replicas}"
        )
        set_replicas(ctx, project, decision.replicas)
        changed = True
    return changed


def scale_tick(ctx: Context, body: dict[str, Any], uid: str) -> None:
    """The kopf timer: measure and scale under the project's lock; a change wakes the reconcile loop,
    which writes the status (one status writer per project)."""
    runtime = ctx.runtimes.get(uid)
    if runtime is None:
        return
    with runtime.lock:
        changed = scale_workers(ctx, body, runtime, project_log(body))
    if changed:
        runtime.wake()
