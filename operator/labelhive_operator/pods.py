"""Why pods of a component are not running, in the words `kubectl describe pod` uses. Pure."""

from __future__ import annotations

from typing import Any

# Container states that need someone (or something) to change: the project's status says so.
STUCK_REASONS = (
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
)


def pod_problem(pods: list[dict[str, Any]]) -> tuple[str, str] | None:
    """(reason, message) of the first pod that is stuck, or None when every pod is merely on its way."""
    for pod in pods:
        name = pod.get("metadata", {}).get("name", "?")
        status = pod.get("status") or {}
        for cs in [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]:
            waiting = (cs.get("state") or {}).get("waiting") or {}
            reason = waiting.get("reason")
            if reason in STUCK_REASONS:
                detail = str(waiting.get("message") or "")[:300]
                if reason == "CrashLoopBackOff":
                    last = ((cs.get("lastState") or {}).get("terminated")) or {}
                    detail = f"last exit code {last.get('exitCode', '?')} ({last.get('reason', '?')})"
                return reason, f"pod {name}, container {cs.get('name')}: {reason}" + (
                    f": {detail}" if detail else ""
                )
        for cond in status.get("conditions") or []:
            if cond.get("type") == "PodScheduled" and cond.get("status") == "False" and cond.get("reason"):
                return str(cond["reason"]), f"pod {name}: {str(cond.get('message') or '')[:300]}"
    return None


def last_failure(pods: list[dict[str, Any]]) -> str | None:
    """The last line a failed container left as its termination message (its log's tail with
    terminationMessagePolicy FallbackToLogsOnError), of the pod that failed last: why a Job failed."""
    found: list[tuple[str, str]] = []
    for pod in pods:
        for cs in (pod.get("status") or {}).get("containerStatuses") or []:
            done = (cs.get("state") or {}).get("terminated") or {}
            lines = [line.strip() for line in str(done.get("message") or "").splitlines() if line.strip()]
            if done.get("exitCode") not in (None, 0) and lines:
                found.append((str(done.get("finishedAt") or ""), lines[-1][:300]))
    return max(found)[1] if found else None
