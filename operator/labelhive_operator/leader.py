"""Leader election through a coordination.k8s.io Lease, so the operator can run 2 replicas: one reconciles,
the other stands by and takes over when the leader's lease runs out (the same rule client-go uses).

The leader renews every third of the lease; if it cannot renew before the lease ends it exits (the pod
restarts and stands by), so two operators never reconcile the same project at once.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from labelhive_operator.kube import Kube, KubeError

log = logging.getLogger(__name__)
LEASE_NAME = "labelhive-operator"


def identity() -> str:
    return os.environ.get("POD_NAME") or f"{socket.gethostname()}-{uuid.uuid4().hex[:6]}"


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _stamp(at: datetime.datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(stamp: str | None) -> datetime.datetime | None:
    if not stamp:
        return None
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def expired(spec: dict[str, Any], now: datetime.datetime) -> bool:
    renewed = _parse(spec.get("renewTime")) or _parse(spec.get("acquireTime"))
    duration = float(spec.get("leaseDurationSeconds") or 0)
    return renewed is None or (now - renewed).total_seconds() > duration


class LeaderElection:
    def __init__(self, kube: Kube, namespace: str, me: str, lease_seconds: float) -> None:
        self.kube = kube
        self.namespace = namespace
        self.me = me
        self.lease_seconds = lease_seconds
        self.stopped = threading.Event()

    def _lease(self, spec: dict[str, Any], rv: str | None = None) -> dict[str, Any]:
        meta: dict[str, Any] = {"name": LEASE_NAME, "namespace": self.namespace}
        if rv:
            meta["resourceVersion"] = rv
        return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": meta, "spec": spec}

    def try_acquire(self) -> bool:
        """One attempt: True when we hold the lease afterwards (created, renewed or taken over)."""
        now = _now()
        lease = self.kube.get("coordination.k8s.io/v1", "Lease", self.namespace, LEASE_NAME)
        mine = {
            "holderIdentity": self.me,
            "leaseDurationSeconds": int(self.lease_seconds),
            "renewTime": _stamp(now),
        }
        try:
            if lease is None:
                self.kube.create(self._lease({**mine, "acquireTime": _stamp(now), "leaseTransitions": 0}))
                return True
            spec = lease.get("spec") or {}
            holder = spec.get("holderIdentity")
            if holder not in (None, "", self.me) and not expired(spec, now):
                return False
            transitions = int(spec.get("leaseTransitions") or 0) + (0 if holder == self.me else 1)
            acquired = spec.get("acquireTime") if holder == self.me else _stamp(now)
            new = {**spec, **mine, "acquireTime": acquired, "leaseTransitions": transitions}
            self.kube.replace(self._lease(new, lease["metadata"].get("resourceVersion")))
            return True
        except KubeError as exc:
            if exc.status == 409:  # someone else wrote first
                return False
            raise

    def release(self) -> None:
        """On a clean stop: free the Lease so a standby takes over at once instead of after the lease."""
        self.stopped.set()
        try:
            lease = self.kube.get("coordination.k8s.io/v1", "Lease", self.namespace, LEASE_NAME)
            if lease and (lease.get("spec") or {}).get("holderIdentity") == self.me:
                spec = {**lease["spec"], "holderIdentity": ""}
                self.kube.replace(self._lease(spec, lease["metadata"].get("resourceVersion")))
        except Exception as exc:  # noqa: BLE001 - best effort: the lease runs out anyway
            log.warning("leader election: release failed: %s", exc)

    def wait_until_leader(self, stop: threading.Event | None = None) -> None:
        retry = max(1.0, self.lease_seconds / 3)
        while not (stop and stop.is_set()):
            try:
                if self.try_acquire():
                    log.info("leader election: %s holds Lease %s/%s", self.me, self.namespace, LEASE_NAME)
                    return
            except Exception as exc:  # noqa: BLE001 - the API server may be briefly away; keep trying
                log.warning("leader election: %s", exc)
            time.sleep(retry)

    def keep_renewing(self, on_lost: Callable[[], None]) -> threading.Thread:
        """A daemon thread that renews every third of the lease; on_lost when it could not before the end."""

        def run() -> None:
            last = time.monotonic()
            while not self.stopped.wait(self.lease_seconds / 3):
                try:
                    if self.try_acquire():
                        last = time.monotonic()
                        continue
                    log.error("leader election: another operator took Lease %s", LEASE_NAME)
                    on_lost()
                    return
                except Exception as exc:  # noqa: BLE001
                    log.warning("leader election: renewal failed: %s", exc)
                if time.monotonic() - last > self.lease_seconds * 2 / 3:
                    log.error("leader election: could not renew Lease %s in time", LEASE_NAME)
                    on_lost()
                    return

        thread = threading.Thread(target=run, name="leader-lease", daemon=True)
        thread.start()
        return thread


class StandbyHealth:
    """Answers the liveness/readiness probes while this replica stands by (kopf serves them once leading)."""

    def __init__(self, endpoint: str) -> None:
        parts = urlsplit(endpoint)
        body = json.dumps({"standby": True}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                return

        self.server = ThreadingHTTPServer((parts.hostname or "0.0.0.0", parts.port or 8080), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
