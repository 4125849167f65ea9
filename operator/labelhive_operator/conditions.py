"""metav1.Condition-shaped status conditions, one per reconcile step, and the phase they add up to. Pure."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

STORAGE_READY = "StorageReady"
DATABASE_READY = "DatabaseReady"
SECRET_READY = "SecretReady"
MIGRATED = "Migrated"
API_READY = "ApiReady"
UI_READY = "UiReady"
INTERACTIVE_READY = "InteractiveReady"
INGRESS_READY = "IngressReady"
WORKERS_READY = "WorkersReady"
READY = "Ready"
# Advisory: reported (with an Event when False) but does not hold Ready back.
CONNECTION_BUDGET = "ConnectionBudget"

# Reconcile order; Ready summarises them.
STEPS = (
    STORAGE_READY,
    DATABASE_READY,
    SECRET_READY,
    MIGRATED,
    API_READY,
    UI_READY,
    INTERACTIVE_READY,
    INGRESS_READY,
    WORKERS_READY,
)

PHASE_PROVISIONING = "Provisioning"
PHASE_READY = "Ready"
# Advisory: reported (with an Event when False) but does not hold Ready back.
CONNECTION_BUDGET = "ConnectionBudget"
PHASE_DEGRADED = "Degraded"
PHASE_FAILED = "Failed"
PHASE_DELETING = "Deleting"


@dataclass(frozen=True)
class Condition:
    type: str
    status: bool | None  # None: Unknown
    reason: str
    message: str = ""
    # An error (not just "not ready yet"): the phase becomes Failed and an Event of type Warning is sent.
    failed: bool = False

    @property
    def status_text(self) -> str:
        return "Unknown" if self.status is None else ("True" if self.status else "False")


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def merge_conditions(
    current: list[dict[str, Any]], new: list[Condition], generation: int, at: str | None = None
) -> list[dict[str, Any]]:
    """The conditions list after `new`: lastTransitionTime moves only when a condition's status changes."""
    by_type = {c.get("type"): c for c in current or []}
    stamp = at or now()
    merged: list[dict[str, Any]] = []
    seen = set()
    for cond in new:
        old = by_type.get(cond.type)
        changed = old is None or old.get("status") != cond.status_text
        merged.append(
            {
                "type": cond.type,
                "status": cond.status_text,
                "observedGeneration": generation,
                "lastTransitionTime": stamp
                if changed or old is None
                else old.get("lastTransitionTime", stamp),
                "reason": cond.reason,
                "message": cond.message[:32768],
            }
        )
        seen.add(cond.type)
    merged.extend(c for c in current or [] if c.get("type") not in seen)
    return merged


def summary(steps: list[Condition]) -> Condition:
    """The Ready condition: True when every step is True, else the first step that is not."""
    for cond in steps:
        if cond.status is not True:
            return Condition(READY, False, cond.reason, f"{cond.type}: {cond.message}", cond.failed)
    return Condition(READY, True, "AllStepsReady", "every step of the project is ready")


def phase(ready: Condition, was_ready: bool) -> str:
    if ready.status:
        return PHASE_READY
    if ready.failed:
        return PHASE_FAILED
    return PHASE_DEGRADED if was_ready else PHASE_PROVISIONING
