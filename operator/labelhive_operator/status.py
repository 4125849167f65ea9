"""From a reconcile's outcome to the status subresource and Events: write only what changed. Pure parts
(build_status, status_changes, transitions) are separate from the one function that talks to Kubernetes."""

from __future__ import annotations

from typing import Any

from labelhive_operator import conditions as c

# "Not yet" is not news; failures are.
QUIET_REASONS = {"Blocked", "Progressing", "MigrationRunning", "WaitingForMigration"}


def build_status(
    current: dict[str, Any],
    steps: list[c.Condition],
    extra: dict[str, Any],
    generation: int,
    at: str | None = None,
    advisories: list[c.Condition] | None = None,
) -> dict[str, Any]:
    """`advisories` are conditions that are reported (and sent as Events) but do not hold Ready back."""
    ready = c.summary(steps)
    was_ready = current.get("phase") in (c.PHASE_READY, c.PHASE_DEGRADED)
    wanted = dict(extra)
    wanted["phase"] = c.phase(ready, was_ready)
    wanted["observedGeneration"] = generation
    wanted["conditions"] = c.merge_conditions(
        current.get("conditions") or [], [*steps, ready, *(advisories or [])], generation, at
    )
    return wanted


def status_changes(current: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """Top-level status keys whose value differs: the merge patch to send (empty: nothing to write)."""
    return {k: v for k, v in wanted.items() if current.get(k) != v}


def transitions(current: dict[str, Any], wanted: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Events to send (type, reason, message): a condition that changed status, or a failure whose reason changed."""
    before = {cond.get("type"): cond for cond in current.get("conditions") or []}
    events = []
    for cond in wanted.get("conditions") or []:
        old = before.get(cond["type"], {})
        if old.get("status") == cond["status"] and old.get("reason") == cond["reason"]:
            continue
        if cond["status"] == "True":
            # A step that recovers is news; a step done for the first time is told by the phase Event.
            recovered = old.get("status") == "False" and old.get("reason") not in QUIET_REASONS
            if recovered and cond["type"] != c.READY:
                events.append(("Normal", cond["reason"], f"{cond['type']}: {cond['message']}"))
        elif cond["type"] != c.READY and cond["reason"] not in QUIET_REASONS:
            events.append(("Warning", cond["reason"], f"{cond['type']}: {cond['message']}"))
    if current.get("phase") != wanted.get("phase"):
        events.append(
            (
                "Normal",
                f"Phase{wanted.get('phase')}",
                f"phase {current.get('phase') or '-'} -> {wanted.get('phase')}",
            )
        )
    return events
