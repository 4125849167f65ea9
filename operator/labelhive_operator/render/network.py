"""Services and the Ingress. Pure."""

from __future__ import annotations

from typing import Any

from labelhive_operator.project import Project
from labelhive_operator.render.app_env import API_PORT, INTERACTIVE_PORT, UI_PORT
from labelhive_operator.render.common import metadata

# Paths the API answers behind the shared host; everything else is the UI's single-page app.
API_PATHS = ("/api", "/healthz")
PORTS = {"api": API_PORT, "ui": UI_PORT, "interactive": INTERACTIVE_PORT}


def build_service_spec(project: Project, component: str) -> dict[str, Any]:
    port = PORTS[component]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(project, project.child(component), component),
        "spec": {
            "type": "ClusterIP",
            "selector": project.selector(component),
            "ports": [{"name": "http", "port": port, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def _path(path: str, service: str, port: int) -> dict[str, Any]:
    return {
        "path": path,
        "pathType": "Prefix",
        "backend": {"service": {"name": service, "port": {"number": port}}},
    }


# IngressClass.spec.controller -> the annotations that lift the controller's body size and timeout limits.
# Traefik has no body limit and keeps its timeouts on the entry point (the platform's setting), so none.
def _nginx(prefix: str, mb: int, seconds: int) -> dict[str, str]:
    return {
        f"{prefix}/proxy-body-size": f"{mb}m",
        f"{prefix}/proxy-read-timeout": str(seconds),
        f"{prefix}/proxy-send-timeout": str(seconds),
        f"{prefix}/proxy-request-buffering": "off",
    }


def controller_annotations(controller: str, max_body_mb: int, timeout_seconds: int) -> dict[str, str] | None:
    """Annotations for a known controller; None when the controller is not one we know."""
    if controller == "k8s.io/ingress-nginx":
        return _nginx("nginx.ingress.kubernetes.io", max_body_mb, timeout_seconds)
    if controller == "nginx.org/ingress-controller":
        return {
            "nginx.org/client-max-body-size": f"{max_body_mb}m",
            "nginx.org/proxy-read-timeout": f"{timeout_seconds}s",
            "nginx.org/proxy-send-timeout": f"{timeout_seconds}s",
        }
    if controller == "haproxy.org/ingress-controller/haproxy":
        return {
            "haproxy.org/timeout-server": f"{timeout_seconds}s",
            "haproxy.org/timeout-client": f"{timeout_seconds}s",
        }
    if controller in ("traefik.io/ingress-controller", "traefik.io/traefik"):
        return {}
    return None


def build_ingress_spec(project: Project, controller: str | None = None) -> dict[str, Any]:
    """`controller` (the IngressClass's) picks default annotations; the manifest's annotations win."""
    ingress = project.spec.ingress
    paths = [_path(p, project.child("api"), API_PORT) for p in API_PATHS]
    paths.append(_path("/", project.child("ui"), UI_PORT))
    spec: dict[str, Any] = {"rules": [{"host": host, "http": {"paths": paths}} for host in ingress.hosts]}
    if ingress.class_name:
        spec["ingressClassName"] = ingress.class_name
    if ingress.tls_secret:
        spec["tls"] = [{"hosts": ingress.hosts, "secretName": ingress.tls_secret}]
    meta = metadata(project, project.name, "ingress")
    defaults = (
        controller_annotations(controller or "", ingress.max_body_size_mb, ingress.timeout_seconds) or {}
    )
    annotations = {**defaults, **ingress.annotations}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta, "spec": spec}


def build_pdb_spec(project: Project, component: str) -> dict[str, Any]:
    """At most one pod of the component is evicted at a time (node drains, cluster upgrades); with one
    replica a drain still proceeds, it never deadlocks."""
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(project, project.child(component), component),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": project.selector(component)}},
    }
