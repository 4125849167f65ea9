"""Everything a handler needs, built once at startup: config, Kubernetes client, caches, runtimes."""

from __future__ import annotations

import base64
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from labelhive_operator.config import Config
from labelhive_operator.drift import first_difference, up_to_date, with_config_hash
from labelhive_operator.kube import Kube
from labelhive_operator.state import ChildCache, HostIndex, ProjectRuntime

log = logging.getLogger(__name__)


class MissingSecret(LookupError):
    def __init__(self, name: str, namespace: str, key: str | None = None) -> None:
        what = f"Secret {namespace}/{name}" + (f" has no key {key!r}" if key else " not found")
        super().__init__(what)
        self.name = name
        self.key = key


@dataclass
class Context:
    config: Config
    kube: Kube
    executor: ThreadPoolExecutor
    cache: ChildCache = field(default_factory=ChildCache)
    hosts: HostIndex = field(default_factory=HostIndex)
    runtimes: dict[str, ProjectRuntime] = field(default_factory=dict)
    _keda: tuple[float, bool] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def runtime(self, uid: str) -> ProjectRuntime:
        with self._lock:
            return self.runtimes.setdefault(uid, ProjectRuntime())

    def forget(self, uid: str) -> None:
        with self._lock:
            self.runtimes.pop(uid, None)

    def keda_available(self) -> bool:
        if self.config.keda == "off":
            return False
        checked, available = self._keda or (float("-inf"), False)
        if time.monotonic() - checked > self.config.keda_check_seconds:
            available = self.kube.served("keda.sh/v1alpha1")
            self._keda = (time.monotonic(), available)
        return available

    # --- children ------------------------------------------------------------------------------------
    def live(self, api_version: str, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        cached = self.cache.get(kind, namespace, name)
        if cached is not None:
            return cached
        obj = self.kube.get(api_version, kind, namespace, name)
        if obj is not None:
            self.cache.put(kind, obj)
        return obj

    def fresh(self, api_version: str, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        """Read past the watch cache: "not ready yet" is confirmed with the API server, so a late or lost
        watch event can never keep a project from Ready. Costs a GET only while something is not ready."""
        obj = self.kube.get(api_version, kind, namespace, name)
        if obj is not None:
            self.cache.put(kind, obj)
        return obj

    def ensure(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Apply when the live object differs from `obj`; returns the live object. No change, no write."""
        wanted = with_config_hash(obj)
        meta = wanted["metadata"]
        live = self.live(wanted["apiVersion"], wanted["kind"], meta["namespace"], meta["name"])
        if live is not None and up_to_date(wanted, live):
            return live
        where = "missing" if live is None else first_difference(wanted, live)
        log.info("apply %s %s/%s (%s)", wanted["kind"], meta["namespace"], meta["name"], where)
        result = self.kube.apply(wanted)
        self.cache.put(wanted["kind"], result)
        return result

    def read_secret(self, namespace: str, name: str) -> dict[str, str] | None:
        """Decoded data of a Secret, None when it does not exist. Values never leave the operator's memory."""
        obj = self.kube.get("v1", "Secret", namespace, name)
        if obj is None:
            return None
        return {k: base64.b64decode(v).decode() for k, v in (obj.get("data") or {}).items()}

    def secret_value(self, namespace: str, name: str, key: str, *, optional: bool = False) -> str | None:
        data = self.read_secret(namespace, name)
        if data is None:
            raise MissingSecret(name, namespace)
        value = data.get(key)
        if not value and not optional:
            raise MissingSecret(name, namespace, key)
        return value
