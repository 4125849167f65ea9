"""What every step shares: a failed step's Condition as an exception, the reconcile's outcome, and the
admin Secrets (read from the operator's own namespace only, never the tenant's)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from labelhive_operator import conditions as c
from labelhive_operator.context import Context


class StepFailed(Exception):
    def __init__(self, condition: c.Condition) -> None:
        super().__init__(condition.message)
        self.condition = condition


def fail(step: str, reason: str, message: str) -> StepFailed:
    return StepFailed(c.Condition(step, False, reason, message, failed=True))


@dataclass
class Outcome:
    steps: list[c.Condition] = field(default_factory=list)
    status: dict[str, Any] = field(default_factory=dict)
    advisories: list[c.Condition] = field(default_factory=list)

    @property
    def ready(self) -> c.Condition:
        return c.summary(self.steps)


def admin_secret(ctx: Context, step: str, name: str, keys: tuple[str, ...]) -> dict[str, str]:
    namespace = ctx.config.namespace
    data = ctx.read_secret(namespace, name)
    if data is None:
        raise fail(
            step,
            "SecretMissing",
            f"Secret {namespace}/{name} not found in the operator's namespace (keys: {', '.join(keys)})",
        )
    missing = [k for k in keys if not data.get(k)]
    if missing:
        raise fail(step, "SecretKeyMissing", f"Secret {namespace}/{name} has no key {missing[0]!r}")
    return data


def read_admin_secret(
    ctx: Context, step: str, name: str, keys: tuple[str, ...]
) -> tuple[dict[str, str] | None, StepFailed | None]:
    try:
        return admin_secret(ctx, step, name, keys), None
    except StepFailed as exc:
        return None, exc
