"""Services and the Ingress. Pure."""

from __future__ import annotations

from typing import Any

from labelhive_operator.project import Project
from labelhive_operator.render.app_env import API_PORT, UI_PORT
from labelhive_operator.render.common import metadata

# Paths the API answers behind the shared host; everything else is the UI's single-page app.
API_PATHS = ("/api", "/healthz")


def build_service_spec(project: Project, component: str) -> dict[str, Any]:
    port = API_PORT if component == "api" else UI_PORT
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


def build_ingress_spec(project: Project) -> dict[str, Any]:
    ingress = project.spec.ingress
    paths = [_path(p, project.child("api"), API_PORT) for p in API_PATHS]
    paths.append(_path("/", project.child("ui"), UI_PORT))
    spec: dict[str, Any] = {"rules": [{"host": host, "http": {"paths": paths}} for host in ingress.hosts]}
    if ingress.class_name:
        spec["ingressClassName"] = ingress.class_name
    if ingress.tls_secret:
        spec["tls"] = [{"hosts": ingress.hosts, "secretName": ingress.tls_secret}]
    meta = metadata(project, project.name, "ingress")
    if ingress.annotations:
        meta["annotations"] = dict(ingress.annotations)
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta, "spec": spec}
