"""A small Kubernetes REST client: GET, server-side apply with our field manager, status patches, Events.

It counts every API call and every write, so the steady state can be shown to write nothing.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import urllib3
from kubernetes import config as kube_config
from kubernetes.client import Configuration

from labelhive_operator.conditions import now
from labelhive_operator.project import API_VERSION, FIELD_MANAGER, KIND, PLURAL

# (apiVersion, kind) -> (path prefix, plural). Only what the operator touches.
RESOURCES: dict[tuple[str, str], tuple[str, str]] = {
    ("v1", "Secret"): ("/api/v1", "secrets"),
    ("v1", "Service"): ("/api/v1", "services"),
    ("v1", "Event"): ("/api/v1", "events"),
    ("apps/v1", "Deployment"): ("/apis/apps/v1", "deployments"),
    ("batch/v1", "Job"): ("/apis/batch/v1", "jobs"),
    ("networking.k8s.io/v1", "Ingress"): ("/apis/networking.k8s.io/v1", "ingresses"),
    ("keda.sh/v1alpha1", "ScaledObject"): ("/apis/keda.sh/v1alpha1", "scaledobjects"),
    ("policy/v1", "PodDisruptionBudget"): ("/apis/policy/v1", "poddisruptionbudgets"),
    ("v1", "Pod"): ("/api/v1", "pods"),
    ("networking.k8s.io/v1", "IngressClass"): ("/apis/networking.k8s.io/v1", "ingressclasses"),
    ("coordination.k8s.io/v1", "Lease"): ("/apis/coordination.k8s.io/v1", "leases"),
    (API_VERSION, KIND): (f"/apis/{API_VERSION}", PLURAL),
}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


SCALER_FIELD_MANAGER = "labelhive-scaler"


class KubeError(RuntimeError):
    def __init__(self, status: int, message: str, reason: str = "") -> None:
        super().__init__(f"{status} {reason}: {message}".strip())
        self.status = status
        self.reason = reason
        self.message = message


_NAMESPACED = re.compile(r"/namespaces/([^/?]+)/")


@dataclass
class Counters:
    calls: int = 0
    writes: int = 0
    reconciles: int = 0
    by_project: dict[str, int] = field(default_factory=dict)  # reconciles per "namespace/name"
    # writes per namespace ("" cluster-wide) and "METHOD kind"; the snapshot sums them per kind too
    by_namespace: dict[str, dict[str, int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, method: str, kind: str, namespace: str = "") -> None:
        with self.lock:
            self.calls += 1
            if method in WRITE_METHODS:
                self.writes += 1
                key = f"{method} {kind}"
                kinds = self.by_namespace.setdefault(namespace, {})
                kinds[key] = kinds.get(key, 0) + 1

    def reconciled(self, project: str = "") -> None:
        with self.lock:
            self.reconciles += 1
            if project:
                self.by_project[project] = self.by_project.get(project, 0) + 1

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            by_kind: dict[str, int] = {}
            for kinds in self.by_namespace.values():
                for key, n in kinds.items():
                    by_kind[key] = by_kind.get(key, 0) + n
            return {
                "calls": self.calls,
                "writes": self.writes,
                "reconciles": self.reconciles,
                "writes_by_kind": by_kind,
                "reconciles_by_project": dict(self.by_project),
                "writes_by_namespace": {ns: dict(kinds) for ns, kinds in self.by_namespace.items()},
            }


def load_configuration() -> Configuration:
    cfg = Configuration()
    try:
        kube_config.load_incluster_config(client_configuration=cfg)
    except kube_config.ConfigException:
        kube_config.load_kube_config(client_configuration=cfg)
    return cfg


class Kube:
    def __init__(self, cfg: Configuration, pool_size: int = 16) -> None:
        self.cfg = cfg
        self.host = cfg.host.rstrip("/")
        self.counters = Counters()
        kwargs: dict[str, Any] = {"maxsize": pool_size, "block": True, "timeout": urllib3.Timeout(30)}
        if cfg.verify_ssl:
            kwargs["cert_reqs"] = "CERT_REQUIRED"
            if cfg.ssl_ca_cert:
                kwargs["ca_certs"] = cfg.ssl_ca_cert
        else:
            kwargs["cert_reqs"] = "CERT_NONE"
        if cfg.cert_file:
            kwargs["cert_file"] = cfg.cert_file
            kwargs["key_file"] = cfg.key_file
        self.http = urllib3.PoolManager(**kwargs)

    # --- plumbing ---------------------------------------------------------------------------------------
    def _headers(self, content_type: str | None) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": FIELD_MANAGER}
        # Refreshes expiring tokens (in-cluster projected tokens, exec plugins) through the client's hook.
        token = self.cfg.get_api_key_with_prefix("BearerToken", alias="authorization")
        if token:
            headers["Authorization"] = token
        if content_type:
            headers["Content-Type"] = content_type
        return headers

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content_type: str | None = None,
        query: dict[str, str] | None = None,
        kind: str = "",
    ) -> dict[str, Any] | None:
        """The decoded JSON response; None for 404. Other errors raise KubeError (never echoing a body sent)."""
        url = self.host + path + ("?" + urlencode(query) if query else "")
        data = json.dumps(body).encode() if body is not None else None
        if data is not None and content_type is None:
            content_type = "application/json"
        namespace = _NAMESPACED.search(path)
        self.counters.count(method, kind or path, namespace.group(1) if namespace else "")
        resp = self.http.request(method, url, body=data, headers=self._headers(content_type))
        if resp.status == 404:
            return None
        payload: dict[str, Any] = {}
        if resp.data:
            try:
                payload = json.loads(resp.data)
            except ValueError:
                payload = {"message": resp.data[:300].decode(errors="replace")}
        if resp.status >= 400:
            raise KubeError(resp.status, str(payload.get("message", "")), str(payload.get("reason", "")))
        return payload

    @staticmethod
    def path(api_version: str, kind: str, namespace: str, name: str | None = None) -> str:
        """namespace "" is a cluster-scoped resource (IngressClass)."""
        prefix, plural = RESOURCES[(api_version, kind)]
        path = f"{prefix}/namespaces/{quote(namespace)}/{plural}" if namespace else f"{prefix}/{plural}"
        return f"{path}/{quote(name)}" if name else path

    # --- operations ------------------------------------------------------------------------------------
    def get(self, api_version: str, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        return self.request("GET", self.path(api_version, kind, namespace, name), kind=kind)

    def list(
        self, api_version: str, kind: str, namespace: str, label_selector: str | None = None
    ) -> list[dict[str, Any]]:
        query = {"labelSelector": label_selector} if label_selector else None
        result = self.request("GET", self.path(api_version, kind, namespace), query=query, kind=kind)
        return list((result or {}).get("items") or [])

    def replace(self, obj: dict[str, Any]) -> dict[str, Any]:
        """PUT with the object's resourceVersion: fails with 409 when someone else wrote first (leases)."""
        meta = obj["metadata"]
        path = self.path(obj["apiVersion"], obj["kind"], meta["namespace"], meta["name"])
        return self.request("PUT", path, obj, kind=obj["kind"]) or {}

    def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj["metadata"]
        path = self.path(obj["apiVersion"], obj["kind"], meta["namespace"])
        return self.request("POST", path, obj, kind=obj["kind"]) or {}

    def apply(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Server-side apply as labelhive-operator, taking over fields others changed (drift repair)."""
        meta = obj["metadata"]
        path = self.path(obj["apiVersion"], obj["kind"], meta["namespace"], meta["name"])
        result = self.request(
            "PATCH",
            path,
            obj,
            content_type="application/apply-patch+yaml",  # JSON is YAML
            query={"fieldManager": FIELD_MANAGER, "force": "true"},
            kind=obj["kind"],
        )
        return result or {}

    def apply_scale(self, api_version: str, kind: str, namespace: str, name: str, replicas: int) -> None:
        """Server-side apply of the scale subresource as labelhive-scaler: that field manager, not the
        reconcile's, owns spec.replicas (as an HPA's would), so the reconcile's applies leave it alone."""
        body = {
            "apiVersion": "autoscaling/v1",
            "kind": "Scale",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": replicas},
        }
        self.request(
            "PATCH",
            self.path(api_version, kind, namespace, name) + "/scale",
            body,
            content_type="application/apply-patch+yaml",
            query={"fieldManager": SCALER_FIELD_MANAGER, "force": "true"},
            kind=f"{kind}/scale",
        )

    def delete(self, api_version: str, kind: str, namespace: str, name: str) -> None:
        self.request(
            "DELETE",
            self.path(api_version, kind, namespace, name),
            {"propagationPolicy": "Background"},
            kind=kind,
        )

    def patch_status(self, namespace: str, name: str, status: dict[str, Any]) -> dict[str, Any] | None:
        path = self.path(API_VERSION, KIND, namespace, name) + "/status"
        return self.request(
            "PATCH",
            path,
            {"status": status},
            content_type="application/merge-patch+json",
            kind=KIND + "/status",
        )

    def event(self, involved: dict[str, Any], type_: str, reason: str, message: str) -> None:
        """A core/v1 Event on the LabelingProject. Best effort: an Event that fails is not an error."""
        meta = involved["metadata"]
        stamp = now()
        body = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"generateName": f"{meta['name']}.", "namespace": meta["namespace"]},
            "involvedObject": {
                "apiVersion": API_VERSION,
                "kind": KIND,
                "name": meta["name"],
                "namespace": meta["namespace"],
                "uid": meta.get("uid", ""),
            },
            "type": type_,
            "reason": reason,
            "message": message[:1024],
            "source": {"component": FIELD_MANAGER},
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
            "reportingComponent": FIELD_MANAGER,
        }
        with contextlib.suppress(KubeError, urllib3.exceptions.HTTPError):
            self.request("POST", self.path("v1", "Event", meta["namespace"]), body, kind="Event")

    def served(self, group_version: str) -> bool:
        """Whether the API server serves group/version (discovery, which every authenticated user may read)."""
        try:
            return self.request("GET", f"/apis/{group_version}", kind="discovery") is not None
        except KubeError:
            return False
