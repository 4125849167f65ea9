"""Watch events of the children (and of every Ingress, for host ownership): keep the cache current and
nudge the owning project's loop when something it cares about changed: deleted, edited, ready or done."""

from __future__ import annotations

from typing import Any

from labelhive_operator.context import Context
from labelhive_operator.project import KIND, MANAGED_BY


def _digest(obj: dict[str, Any] | None) -> tuple[Any, ...]:
    if obj is None:
        return (None,)
    st = obj.get("status") or {}
    return (
        obj.get("metadata", {}).get("generation"),
        st.get("readyReplicas"),
        st.get("availableReplicas"),
        st.get("updatedReplicas"),
        st.get("observedGeneration"),
        st.get("succeeded"),
        st.get("failed"),
        tuple(
            (c.get("type"), c.get("status"))
            for c in st.get("conditions") or []
            if c.get("type") in ("Complete", "Failed")
        ),
    )


def _owner_uid(obj: dict[str, Any]) -> str | None:
    for ref in obj.get("metadata", {}).get("ownerReferences") or []:
        if ref.get("kind") == KIND and ref.get("controller"):
            return str(ref.get("uid"))
    return None


def on_child_event(ctx: Context, kind: str, event_type: str | None, body: dict[str, Any]) -> None:
    meta = body.get("metadata", {})
    namespace, name = meta.get("namespace", ""), meta.get("name", "")
    if kind == "Ingress":
        rules = (body.get("spec") or {}).get("rules") or []
        hosts = {r["host"] for r in rules if r.get("host")}
        ctx.hosts.update(namespace, name, None if event_type == "DELETED" else hosts)
    if (meta.get("labels") or {}).get("app.kubernetes.io/managed-by") != MANAGED_BY:
        return
    before = ctx.cache.get(kind, namespace, name)
    if event_type == "DELETED":
        ctx.cache.drop(kind, namespace, name)
        changed = True
    else:
        if before is not None and before.get("metadata", {}).get("resourceVersion") == meta.get(
            "resourceVersion"
        ):
            return  # our own apply's result, already known
        ctx.cache.put(kind, body)
        changed = _digest(before) != _digest(body)
    owner = _owner_uid(body)
    if changed and owner and owner in ctx.runtimes:
        ctx.runtimes[owner].wake()


def on_project_event(ctx: Context, body: dict[str, Any]) -> None:
    """A spec edit (new generation) reconciles now rather than at the next resync."""
    meta = body.get("metadata", {})
    runtime = ctx.runtimes.get(str(meta.get("uid")))
    if runtime is None:
        return
    generation = int(meta.get("generation") or 0)
    if generation != runtime.seen_generation:
        runtime.seen_generation = generation
        runtime.wake()
