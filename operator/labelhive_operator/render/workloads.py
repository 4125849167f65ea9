"""Deployments (API, UI, workers) and the migration Job. Pure: spec in, manifest out."""

from __future__ import annotations

import hashlib
from typing import Any

from labelhive_operator.project import Project
from labelhive_operator.render.app_env import (
    API_PORT,
    INTERACTIVE_PORT,
    MODEL_DIR,
    UI_PORT,
    PoolPlan,
    build_api_env,
    build_interactive_env,
    build_migration_env,
    build_worker_env,
)
from labelhive_operator.render.common import metadata

WORKER_METRICS_PORT = 9808  # labelhive-worker serves /metrics, /healthz, /readyz here
SECRET_CHECKSUM = "labelhive.io/app-secret-checksum"
# Root filesystems are read-only; each pod gets a private emptyDir for scratch files.
SCRATCH = {"name": "tmp", "mountPath": "/tmp"}  # noqa: S108 - a per-pod emptyDir, not a shared /tmp
# emptyDir caps: a pod that fills its scratch space is evicted instead of filling the node's disk.
# The API spools uploads and export parts there, so it gets the most.
SCRATCH_LIMITS = {"api": "4Gi", "migrate": "64Mi", "ui": "64Mi", "worker": "1Gi", "interactive": "1Gi"}
RESTRICTED = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}
# Pod Security "restricted" also requires a seccomp profile.
POD_SECURITY = {
    "runAsNonRoot": True,
    "runAsUser": 10001,
    "runAsGroup": 10001,
    "fsGroup": 10001,
    "seccompProfile": {"type": "RuntimeDefault"},
}
# Endpoints take a moment to drop a terminating pod; serving through that moment avoids 502s on rollouts.
PRE_STOP = {"preStop": {"sleep": {"seconds": 5}}}


def scratch_volume(component: str) -> dict[str, Any]:
    return {"name": "tmp", "emptyDir": {"sizeLimit": SCRATCH_LIMITS[component]}}


def spread(project: Project, component: str) -> list[dict[str, Any]]:
    """Replicas on different nodes (and zones) when the cluster has them; never blocks scheduling."""
    return [
        {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": project.selector(component)},
        }
        for key in ("kubernetes.io/hostname", "topology.kubernetes.io/zone")
    ]


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
    project: Project,
    api_image: str,
    pull_policy: str,
    checksum: str | None = None,
    cluster_domain: str = "cluster.local",
) -> dict[str, Any]:
    container = {
        "name": "migrate",
        "image": api_image,
        "imagePullPolicy": pull_policy,
        "args": ["migrate"],
        "env": build_migration_env(project, cluster_domain),
        # A failed run's last log lines become its termination message: the project's status quotes it.
        "terminationMessagePolicy": "FallbackToLogsOnError",
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
        "securityContext": RESTRICTED,
        "volumeMounts": [dict(SCRATCH)],
    }
    template = _pod_template(
        project,
        "migrate",
        {"restartPolicy": "Never", "containers": [container], "volumes": [scratch_volume("migrate")]},
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
    project: Project,
    api_image: str,
    pool: PoolPlan,
    pull_policy: str,
    checksum: str | None = None,
    cluster_domain: str = "cluster.local",
) -> dict[str, Any]:
    container = {
        "name": "api",
        "image": api_image,
        "imagePullPolicy": pull_policy,
        "args": ["serve"],
        "ports": [{"name": "http", "containerPort": API_PORT, "protocol": "TCP"}],
        "env": build_api_env(project, pool, cluster_domain),
        # Ready only while the database answers and is migrated (/readyz); alive while the process answers.
        "readinessProbe": _http_probe("/readyz", API_PORT, 5, 3),
        "livenessProbe": _http_probe("/healthz", API_PORT, 10, 6),
        "startupProbe": _http_probe("/healthz", API_PORT, 2, 60),
        "lifecycle": PRE_STOP,
        "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "2Gi"}},
        "securityContext": RESTRICTED,
        "volumeMounts": [dict(SCRATCH)],
    }
    pod = {
        "containers": [container],
        "volumes": [scratch_volume("api")],
        "topologySpreadConstraints": spread(project, "api"),
    }
    template = _pod_template(project, "api", pod, checksum)
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
        "lifecycle": PRE_STOP,
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}},
        "securityContext": RESTRICTED,
        "volumeMounts": [dict(SCRATCH)],
    }
    pod = {
        "containers": [container],
        "volumes": [scratch_volume("ui")],
        "topologySpreadConstraints": spread(project, "ui"),
    }
    template = _pod_template(project, "ui", pod, None)
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
    resources = _gpu_resources(project, prelabel.gpu.count > 0, {"cpu": "1", "memory": "2Gi"}, "8Gi")
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
    pod = _model_pod(project, "worker", container, gpu=prelabel.gpu.count > 0)
    # A message in flight is acked late: a stopped worker's message is redelivered, nothing is lost.
    pod["terminationGracePeriodSeconds"] = 120
    template = _pod_template(project, "worker", pod, checksum)
    # Scale-ups must not wait for a second GPU: replace old pods before starting new ones.
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}
    return _deployment(project, "worker", replicas, template, strategy)


def _model_pod(project: Project, component: str, container: dict[str, Any], *, gpu: bool) -> dict[str, Any]:
    """A pod that loads the model: the checkpoint volume, and the GPU placement when it requests a GPU."""
    prelabel = project.spec.prelabel
    volumes: list[dict[str, Any]] = [scratch_volume(component)]
    if prelabel.checkpoint is not None:
        container["volumeMounts"].append({"name": "models", "mountPath": MODEL_DIR, "readOnly": True})
        volumes.append(
            {
                "name": "models",
                "persistentVolumeClaim": {"claimName": prelabel.checkpoint.claim_name, "readOnly": True},
            }
        )
    pod: dict[str, Any] = {"containers": [container], "volumes": volumes}
    if gpu:
        if prelabel.node_selector:
            pod["nodeSelector"] = dict(prelabel.node_selector)
        tolerations = worker_tolerations(project)
        if tolerations:
            pod["tolerations"] = tolerations
        if prelabel.affinity:
            pod["affinity"] = prelabel.affinity
    return pod


def _gpu_resources(project: Project, gpu: bool, requests: dict[str, str], limit: str) -> dict[str, Any]:
    resources: dict[str, Any] = {"requests": dict(requests), "limits": {"memory": limit}}
    if gpu:
        count = str(max(project.spec.prelabel.gpu.count, 1))
        resources["limits"][project.spec.prelabel.gpu.resource] = count
        resources["requests"][project.spec.prelabel.gpu.resource] = count
    return resources


def build_interactive_deployment_spec(
    project: Project,
    worker_image: str,
    pull_policy: str,
    cluster_domain: str,
    checksum: str | None = None,
) -> dict[str, Any]:
    """`labelhive-worker serve`: click-to-segment for the editor, always running (CPU unless interactive.gpu)."""
    interactive = project.spec.prelabel.interactive
    container: dict[str, Any] = {
        "name": "interactive",
        "image": worker_image,
        "imagePullPolicy": pull_policy,
        "args": ["serve"],
        "ports": [{"name": "http", "containerPort": INTERACTIVE_PORT, "protocol": "TCP"}],
        "env": build_interactive_env(project, cluster_domain),
        "startupProbe": _http_probe("/healthz", INTERACTIVE_PORT, 5, 120),
        "readinessProbe": _http_probe("/readyz", INTERACTIVE_PORT, 10, 3),
        "livenessProbe": _http_probe("/healthz", INTERACTIVE_PORT, 20, 3),
        "lifecycle": PRE_STOP,
        "resources": _gpu_resources(project, interactive.gpu, {"cpu": "500m", "memory": "1Gi"}, "4Gi"),
        "securityContext": RESTRICTED,
        "volumeMounts": [dict(SCRATCH)],
    }
    pod = _model_pod(project, "interactive", container, gpu=interactive.gpu)
    pod["topologySpreadConstraints"] = spread(project, "interactive")
    template = _pod_template(project, "interactive", pod, checksum)
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    return _deployment(project, "interactive", interactive.replicas, template, strategy)
