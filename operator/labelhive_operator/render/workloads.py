"""Deployments (API, UI, workers) and the migration Job. Pure: spec in, manifest out."""

from __future__ import annotations

import hashlib
from typing import Any

from labelhive_operator.project import Project
from labelhive_operator.render.app_env import (
    API_PORT,
    MODEL_DIR,
    UI_PORT,
    PoolPlan,
    build_api_env,
    build_migration_env,
    build_worker_env,
)
from labelhive_operator.render.common import metadata

WORKER_METRICS_PORT = 9808  # labelhive-worker serves /metrics, /healthz, /readyz here
SECRET_CHECKSUM = "labelhive.io/app-secret-checksum"
# Root filesystems are read-only; each pod gets a private emptyDir for scratch files.
SCRATCH = {"name": "tmp", "mountPath": "/tmp"}  # noqa: S108 - a per-pod emptyDir, not a shared /tmp
RESTRICTED = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}
POD_SECURITY = {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001}


def _http_probe(path: str, port: int, period: int, failures: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": port},
        "periodSeconds": period,
        "timeoutSeconds": 3,
        "failureThreshold": failures,
    }


def _pod_template(
    project: Project, component: str, spec: dict[str, Any], checksum: str | None
) -> dict[str, Any]:
    labels = {**project.labels, **project.selector(component)}
    meta: dict[str, Any] = {"labels": labels}
    if checksum:
        meta["annotations"] = {SECRET_CHECKSUM: checksum}
    return {
        "metadata": meta,
        "spec": {
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "securityContext": POD_SECURITY,
            **spec,
        },
    }


def _deployment(
    project: Project, component: str, replicas: int | None, template: dict[str, Any], strategy: dict[str, Any]
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"matchLabels": project.selector(component)},
        "revisionHistoryLimit": 3,
        "strategy": strategy,
        "template": template,
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(project, project.child(component), component),
        "spec": spec,
    }


def migration_version(project: Project, api_image: str) -> str:
    """Identifies one migration run: a new API image (or schema) is a new Job."""
    return hashlib.sha256(f"{api_image}|{project.schema}".encode()).hexdigest()[:10]


def migration_job_name(project: Project, api_image: str) -> str:
    return f"{project.child('migrate')}-{migration_version(project, api_image)}"


def build_migration_job_spec(
    project: Project, api_image: str, pull_policy: str, checksum: str | None = None
) -> dict[str, Any]:
    container = {
        "name": "migrate",
        "image": api_image,
        "imagePullPolicy": pull_policy,
        "args": ["migrate"],
        "env": build_migration_env(project),
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
        "securityContext": RESTRICTED,
        "volumeMounts": [dict(SCRATCH)],
    }
    template = _pod_template(
        project,
        "migrate",
        {"restartPolicy": "Never", "containers": [container], "volumes": [{"name": "tmp", "emptyDir": {}}]},
        checksum,
    )
    meta = metadata(project, migration_job_name(project, api_image), "migrate")
    meta["annotations"] = {"labelhive.io/api-image": api_image}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta,
        "spec": {
            "backoffLimit": 3,
            "activeDeadlineSeconds": 1800,
            # status.migratedImage remembers success; the finished Job may go.
            "ttlSecondsAfterFinished": 86400,
            "template": template,
        },
    }


def build_api_deployment_spec(
    project: Project, api_image: str, pool: PoolPlan, pull_policy: str, checksum: str | None = None
) -> dict[str, Any]:
    container = {
        "name": "api",
        "image": api_image,
        "imagePullPolicy": pull_policy,
        "args": ["serve"],
        "ports": [{"name": "http", "containerPort": API_PORT, "protocol": "TCP"}],
        "env": build_api_env(project, pool),
        "readinessProbe": _http_probe("/healthz", API_PORT, 5, 3),
        "livenessProbe": _http_probe("/healthz", API_PORT, 10, 6),
        "startupProbe": _http_probe("/healthz", API_PORT, 2, 60),
        "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "2Gi"}},
        "securityContext": RESTRICTED,
        "volumeMounts": [dict(SCRATCH)],
    }
    template = _pod_template(
        project, "api", {"containers": [container], "volumes": [{"name": "tmp", "emptyDir": {}}]}, checksum
    )
    # maxSurge 1 is what plan_pool budgets connections for.
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    return _deployment(project, "api", project.spec.api.replicas, template, strategy)


def build_ui_deployment_spec(project: Project, ui_image: str, pull_policy: str) -> dict[str, Any]:
    container = {
        "name": "ui",
        "image": ui_image,
        "imagePullPolicy": pull_policy,
        "ports": [{"name": "http", "containerPort": UI_PORT, "protocol": "TCP"}],
        "readinessProbe": _http_probe("/", UI_PORT, 5, 3),
        "livenessProbe": _http_probe("/", UI_PORT, 10, 6),
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}},
        "securityContext": RESTRICTED,
        "volumeMounts": [dict(SCRATCH)],
    }
    template = _pod_template(
        project, "ui", {"containers": [container], "volumes": [{"name": "tmp", "emptyDir": {}}]}, None
    )
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    return _deployment(project, "ui", project.spec.ui.replicas, template, strategy)


def worker_tolerations(project: Project) -> list[dict[str, Any]]:
    prelabel = project.spec.prelabel
    if prelabel.tolerations:
        return [dict(t) for t in prelabel.tolerations]
    if prelabel.gpu.count > 0:
        # GPU nodes are conventionally tainted with the resource name (as the NVIDIA device plugin docs do).
        return [{"key": prelabel.gpu.resource, "operator": "Exists", "effect": "NoSchedule"}]
    return []


def build_worker_deployment_spec(
    project: Project,
    worker_image: str,
    replicas: int | None,
    pull_policy: str,
    cluster_domain: str,
    checksum: str | None = None,
) -> dict[str, Any]:
    """replicas None leaves the count to someone else (a KEDA ScaledObject)."""
    prelabel = project.spec.prelabel
    resources: dict[str, Any] = {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"memory": "8Gi"}}
    if prelabel.gpu.count > 0:
        resources["limits"][prelabel.gpu.resource] = str(prelabel.gpu.count)
        resources["requests"][prelabel.gpu.resource] = str(prelabel.gpu.count)
    container: dict[str, Any] = {
        "name": "worker",
        "image": worker_image,
        "imagePullPolicy": pull_policy,
        "args": ["run"],
        "ports": [{"name": "metrics", "containerPort": WORKER_METRICS_PORT, "protocol": "TCP"}],
        "env": build_worker_env(project, cluster_domain),
        # Loading the model takes a while on first start; /readyz is true once it can take messages.
        "startupProbe": _http_probe("/healthz", WORKER_METRICS_PORT, 5, 120),
        "readinessProbe": _http_probe("/readyz", WORKER_METRICS_PORT, 10, 3),
        "livenessProbe": _http_probe("/healthz", WORKER_METRICS_PORT, 20, 3),
        "resources": resources,
        "securityContext": RESTRICTED,
        "volumeMounts": [dict(SCRATCH)],
    }
    volumes: list[dict[str, Any]] = [{"name": "tmp", "emptyDir": {}}]
    if prelabel.checkpoint is not None:
        container["volumeMounts"].append({"name": "models", "mountPath": MODEL_DIR, "readOnly": True})
        volumes.append(
            {
                "name": "models",
                "persistentVolumeClaim": {"claimName": prelabel.checkpoint.claim_name, "readOnly": True},
            }
        )
    pod: dict[str, Any] = {
        "containers": [container],
        "volumes": volumes,
        # A message in flight is acked late: a stopped worker's message is redelivered, nothing is lost.
        "terminationGracePeriodSeconds": 120,
    }
    if prelabel.node_selector:
        pod["nodeSelector"] = dict(prelabel.node_selector)
    tolerations = worker_tolerations(project)
    if tolerations:
        pod["tolerations"] = tolerations
    if prelabel.affinity:
        pod["affinity"] = prelabel.affinity
    template = _pod_template(project, "worker", pod, checksum)
    # Scale-ups must not wait for a second GPU: replace old pods before starting new ones.
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}
    return _deployment(project, "worker", replicas, template, strategy)
