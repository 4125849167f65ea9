"""An in-memory stand-in for the operator's Kubernetes client, so single reconcile steps run without a
cluster (a uniquely named module: test dirs share sys.path). The e2e suite runs them on a real one."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from labelhive_operator.config import Config
from labelhive_operator.context import Context
from labelhive_operator.kube import SCALER_FIELD_MANAGER, Counters


@dataclass
class FakeKube:
    objects: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    writes: list[tuple[str, str, str]] = field(default_factory=list)
    events: list[tuple[str, str]] = field(default_factory=list)
    counters: Counters = field(default_factory=Counters)
    version: int = 0

    def _stamp(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.version += 1
        meta = obj.setdefault("metadata", {})
        meta["resourceVersion"] = str(self.version)
        meta["generation"] = int(meta.get("generation") or 0) + 1
        return obj

    def get(self, api_version: str, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        found = self.objects.get((kind, namespace, name))
        return copy.deepcopy(found) if found is not None else None

    def list(self, api_version: str, kind: str, namespace: str, label_selector: str | None = None) -> list:
        return [copy.deepcopy(o) for (k, ns, _), o in self.objects.items() if k == kind and ns == namespace]

    def apply(self, obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj["metadata"]
        key = (obj["kind"], meta.get("namespace", ""), meta["name"])
        self.writes.append(("apply", obj["kind"], meta["name"]))
        merged = copy.deepcopy(self.objects.get(key) or {})
        for part, value in obj.items():
            if isinstance(value, dict) and isinstance(merged.get(part), dict):
                merged[part] = {**merged[part], **copy.deepcopy(value)}
            else:
                merged[part] = copy.deepcopy(value)
        if obj["kind"] == "Deployment":
            merged["spec"].setdefault("replicas", 1)  # the API server's default
        self.objects[key] = self._stamp(merged)
        return copy.deepcopy(self.objects[key])

    def apply_scale(self, api_version: str, kind: str, namespace: str, name: str, replicas: int) -> None:
        self.writes.append(("scale", kind, name))
        obj = self.objects[(kind, namespace, name)]
        obj["spec"]["replicas"] = replicas
        obj["metadata"]["managedFields"] = [
            {
                "manager": SCALER_FIELD_MANAGER,
                "subresource": "scale",
                "fieldsV1": {"f:spec": {"f:replicas": {}}},
            }
        ]
        self._stamp(obj)

    def delete(self, api_version: str, kind: str, namespace: str, name: str) -> None:
        self.writes.append(("delete", kind, name))
        self.objects.pop((kind, namespace, name), None)

    def event(self, body: dict[str, Any], type_: str, reason: str, message: str) -> None:
        self.events.append((reason, message))

    def served(self, group_version: str) -> bool:
        return False


def fake_context(**config: Any) -> tuple[Context, FakeKube]:
    kube = FakeKube()
    ctx = Context(config=Config(**{"keda": "off", **config}), kube=kube, executor=None)  # type: ignore[arg-type]
    return ctx, kube
