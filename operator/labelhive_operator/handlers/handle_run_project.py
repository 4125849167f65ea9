"""One loop per LabelingProject (a kopf daemon): reconcile when nudged or due, measure the queue, publish
status. Change events only nudge; the loop decides. Errors back off; the loop never dies of them."""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any

from labelhive_operator import conditions as c
from labelhive_operator.context import Context
from labelhive_operator.handlers.handle_reconcile_project import reconcile
from labelhive_operator.logs import Log, project_log
from labelhive_operator.state import ProjectRuntime
from labelhive_operator.status import build_status, status_changes, transitions

DEBOUNCE_SECONDS = 0.2


def _rv(body: dict[str, Any]) -> int:
    try:
        return int(body.get("metadata", {}).get("resourceVersion") or 0)
    except ValueError:
        return 0


def effective_status(body: dict[str, Any], runtime: ProjectRuntime) -> dict[str, Any]:
    """The status we last wrote when the watched body has not caught up with it yet."""
    if runtime.last_status is not None and _rv(body) < runtime.last_status_rv:
        return copy.deepcopy(runtime.last_status)
    return copy.deepcopy(dict(body.get("status") or {}))


def describe_changes(current: dict[str, Any], patch: dict[str, Any]) -> str:
    """Which status fields change (condition types by name); values stay out of the log."""
    parts = []
    for key in patch:
        if key == "conditions":
            old = {
                (c.get("type"), c.get("status"), c.get("reason"), c.get("message"))
                for c in current.get(key) or []
            }
            changed = sorted(
                str(c["type"])
                for c in patch[key]
                if (c["type"], c["status"], c["reason"], c["message"]) not in old
            )
            parts.append(f"conditions[{','.join(changed) or 'order'}]")
        else:
            parts.append(key)
    return ", ".join(parts)


def reconcile_and_publish(ctx: Context, body: dict[str, Any], runtime: ProjectRuntime, logger: Log) -> float:
    """Reconcile once, write what changed; returns seconds until the next look."""
    cfg = ctx.config
    with runtime.lock:
        if body.get("metadata", {}).get("deletionTimestamp"):
            return cfg.resync_seconds
        meta = body.get("metadata", {})
        ctx.kube.counters.reconciled(f"{meta.get('namespace')}/{meta.get('name')}")
        current = effective_status(body, runtime)
        body = {**body, "status": current}
        try:
            outcome = reconcile(ctx, body, runtime)
        except Exception as exc:
            logger.exception("reconcile failed")
            outcome = None
            failure = c.Condition(
                c.READY, False, "ReconcileError", f"{type(exc).__name__}: {exc}", failed=True
            )
            runtime.failures += 1
            ctx.kube.event(body, "Warning", failure.reason, failure.message)
            return min(2.0**runtime.failures, cfg.backoff_max_seconds)
        generation = int(body.get("metadata", {}).get("generation") or 0)
        wanted = build_status(
            current, outcome.steps, outcome.status, generation, advisories=outcome.advisories
        )
        patch = status_changes(current, wanted)
        if patch:
            logger.info("status: %s", describe_changes(current, patch))
            for type_, reason, message in transitions(current, wanted):
                ctx.kube.event(body, type_, reason, message)
            meta = body["metadata"]
            result = ctx.kube.patch_status(meta["namespace"], meta["name"], patch)
            if result is not None:
                runtime.last_status = result.get("status") or {}
                runtime.last_status_rv = _rv(result)
        ready = outcome.ready
        if ready.failed:
            runtime.failures += 1
            delay = min(2.0**runtime.failures, cfg.backoff_max_seconds)
            logger.warning("not ready (%s): %s; retrying in %.0fs", ready.reason, ready.message, delay)
            return delay
        runtime.failures = 0
        return cfg.resync_seconds if ready.status else cfg.poll_seconds


async def run_project(ctx: Context, body: Any, uid: str, stopped: Any) -> None:
    """Reconcile when nudged (spec change, child event, the scaler) or due; the scaler is a kopf timer."""
    logger = project_log(body)
    runtime = ctx.runtime(uid)
    loop = asyncio.get_running_loop()
    runtime.loop = loop
    runtime.nudge = asyncio.Event()
    next_reconcile = 0.0
    while not stopped:
        if runtime.nudge.is_set() or time.monotonic() >= next_reconcile:
            runtime.nudge.clear()
            snapshot = copy.deepcopy(dict(body))
            delay = await loop.run_in_executor(
                ctx.executor, reconcile_and_publish, ctx, snapshot, runtime, logger
            )
            next_reconcile = time.monotonic() + delay
        timeout = max(0.05, next_reconcile - time.monotonic())
        try:
            await asyncio.wait_for(runtime.nudge.wait(), timeout)
            await asyncio.sleep(DEBOUNCE_SECONDS)  # let a burst of events become one reconcile
        except TimeoutError:
            pass
