"""What the operator keeps in memory: child objects seen on watches, ingress hosts, per-project runtime."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any


class ChildCache:
    """Latest body of each child we manage, fed by watch events and by our own apply responses."""

    def __init__(self) -> None:
        self._objects: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._lock = threading.Lock()

    def put(self, kind: str, obj: dict[str, Any]) -> None:
        meta = obj.get("metadata", {})
        key = (kind, meta.get("namespace", ""), meta.get("name", ""))
        with self._lock:
            old = self._objects.get(key)
            # An older resourceVersion arriving late from a watch must not replace what we just applied.
            if old is not None and _rv(old) > _rv(obj):
                return
            self._objects[key] = obj

    def drop(self, kind: str, namespace: str, name: str) -> None:
        with self._lock:
            self._objects.pop((kind, namespace, name), None)

    def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        with self._lock:
            return self._objects.get((kind, namespace, name))


def _rv(obj: dict[str, Any]) -> int:
    try:
        return int(obj.get("metadata", {}).get("resourceVersion") or 0)
    except ValueError:
        return 0


class HostIndex:
    """Which Ingresses claim which host, cluster-wide: a taken host is refused, not silently shared."""

    def __init__(self) -> None:
        self._by_ingress: dict[tuple[str, str], set[str]] = {}
        self._lock = threading.Lock()

    def update(self, namespace: str, name: str, hosts: set[str] | None) -> None:
        with self._lock:
            if hosts:
                self._by_ingress[(namespace, name)] = hosts
            else:
                self._by_ingress.pop((namespace, name), None)

    def claimed_by_others(self, host: str, namespace: str, name: str) -> list[str]:
        with self._lock:
            return sorted(
                f"{ns}/{n}"
                for (ns, n), hosts in self._by_ingress.items()
                if host in hosts and (ns, n) != (namespace, name)
            )


@dataclass
class ProjectRuntime:
    """Per LabelingProject: serialises its reconciles and scaling, and remembers what needs no repeat."""

    nudge: asyncio.Event = field(default_factory=asyncio.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    failures: int = 0
    external_fingerprint: str = ""
    external_checked_at: float = 0.0
    # The built-in scaler's own memory (scaling/scaler.py); the reconcile reads only `depth`, for the status.
    lower_since: float | None = None
    depth: int | None = None
    seen_generation: int = 0
    amqp_url: str | None = None
    management_url: str | None = None
    queue_error: str | None = None
    storage_message: str | None = None
    # The PostgreSQL server's connection budget as last read (an advisory condition), and whether a
    # ScaledObject left from when KEDA scaled this project has been looked for since KEDA was switched off.
    connection_budget: Any = None
    scaled_object_checked: bool = False
    last_status: dict[str, Any] | None = None
    # A failed migration Job was deleted: the next one is created no earlier than this (time.monotonic()),
    # and until then the Migrated condition keeps saying why (the message of the failure).
    migration_retry_at: float = 0.0
    migration_failure: str = ""
    last_status_rv: int = 0
    loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Thread-safe: ask the project's loop to reconcile now."""
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.nudge.set)
        else:
            self.nudge.set()
