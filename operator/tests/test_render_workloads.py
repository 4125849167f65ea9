"""Deployments and the migration Job: probes, resources, GPUs, placement, rollout gating by image."""

from labelhive_operator.render.app_env import PoolPlan
from labelhive_operator.render.workloads import (
    build_api_deployment_spec,
    build_interactive_deployment_spec,
    build_migration_job_spec,
    build_ui_deployment_spec,
    build_worker_deployment_spec,
    migration_job_name,
)
from operator_samples import sample_project

API = "registry.example/labelhive/api:1.0"


def _container(obj):
    return obj["spec"]["template"]["spec"]["containers"][0]


def test_every_child_is_owned_and_labelled():
    project = sample_project()
    for obj in (
        build_api_deployment_spec(project, API, PoolPlan(2, 2), "IfNotPresent"),
        build_ui_deployment_spec(project, "ui:1", "IfNotPresent"),
        build_worker_deployment_spec(project, "worker:1", 0, "IfNotPresent", "cluster.local"),
        build_migration_job_spec(project, API, "IfNotPresent"),
        build_interactive_deployment_spec(project, "worker:1", "IfNotPresent", "cluster.local"),
    ):
        meta = obj["metadata"]
        assert meta["namespace"] == "factory-a"
        assert meta["ownerReferences"] == [project.owner_reference]
        assert meta["ownerReferences"][0]["controller"] is True
        assert meta["labels"]["app.kubernetes.io/managed-by"] == "labelhive-operator"
        assert meta["labels"]["labelhive.io/project"] == "weld-defects"
        pod = obj["spec"]["template"]
        assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
        # Pod Security "restricted": seccomp, no privilege escalation, no capabilities.
        assert pod["spec"]["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert _container(obj)["securityContext"]["capabilities"] == {"drop": ["ALL"]}
        for volume in pod["spec"]["volumes"]:
            if "emptyDir" in volume:
                assert volume["emptyDir"].get("sizeLimit"), (obj["metadata"]["name"], volume)
        assert _container(obj)["securityContext"]["allowPrivilegeEscalation"] is False
        if obj["kind"] == "Deployment":
            assert obj["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()


def test_api_deployment():
    dep = build_api_deployment_spec(sample_project(), API, PoolPlan(3, 2), "IfNotPresent", checksum="abc")
    assert dep["metadata"]["name"] == "weld-defects-api"
    assert dep["spec"]["replicas"] == 2
    assert dep["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}
    c = _container(dep)
    assert c["image"] == API and c["args"] == ["serve"]
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": 8000}, (
        "not Ready without its database"
    )
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert c["resources"]["requests"]["cpu"] == "250m" and "memory" in c["resources"]["limits"]
    env = {e["name"]: e.get("value") for e in c["env"]}
    assert (env["LABELHIVE_DATABASE_POOL_SIZE"], env["LABELHIVE_DATABASE_MAX_OVERFLOW"]) == ("3", "2")
    assert dep["spec"]["template"]["metadata"]["annotations"]["labelhive.io/app-secret-checksum"] == "abc"


def test_ui_deployment():
    dep = build_ui_deployment_spec(sample_project(), "ui:1", "Always")
    c = _container(dep)
    assert dep["spec"]["replicas"] == 1
    assert c["image"] == "ui:1" and c["imagePullPolicy"] == "Always"
    assert c["readinessProbe"]["httpGet"]["port"] == 8080
    assert "env" not in c


def test_worker_requests_the_gpu_and_lands_on_gpu_nodes():
    dep = build_worker_deployment_spec(sample_project(), "worker:1", 3, "IfNotPresent", "cluster.local")
    assert dep["spec"]["replicas"] == 3
    c = _container(dep)
    assert c["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert c["resources"]["requests"]["nvidia.com/gpu"] == "1"
    pod = dep["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"labelhive.io/gpu": "true"}
    assert pod["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": 9808}
    assert dep["spec"]["strategy"]["rollingUpdate"]["maxSurge"] == 0


def test_worker_placement_from_spec_and_other_gpu_resources():
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}}}
    tolerations = [{"key": "dedicated", "operator": "Equal", "value": "ml", "effect": "NoSchedule"}]
    project = sample_project(
        prelabel={
            "gpu": {"resource": "amd.com/gpu", "count": 2},
            "tolerations": tolerations,
            "affinity": affinity,
        }
    )
    dep = build_worker_deployment_spec(project, "worker:1", 0, "IfNotPresent", "cluster.local")
    pod = dep["spec"]["template"]["spec"]
    assert _container(dep)["resources"]["limits"]["amd.com/gpu"] == "2"
    assert pod["tolerations"] == tolerations
    assert pod["affinity"] == affinity
    assert "nodeSelector" not in pod


def test_cpu_workers_request_no_gpu_and_need_no_toleration():
    dep = build_worker_deployment_spec(
        sample_project(prelabel={"gpu": {"count": 0}}), "w", 1, "IfNotPresent", "c"
    )
    assert "nvidia.com/gpu" not in _container(dep)["resources"]["limits"]
    assert "tolerations" not in dep["spec"]["template"]["spec"]


def test_keda_owned_worker_replicas_are_left_out():
    dep = build_worker_deployment_spec(sample_project(), "worker:1", None, "IfNotPresent", "cluster.local")
    assert "replicas" not in dep["spec"]


def test_checkpoint_is_mounted_read_only():
    project = sample_project(
        prelabel={"model": "sam-vit-h", "checkpoint": {"claimName": "sam-weights", "path": "h.pth"}}
    )
    dep = build_worker_deployment_spec(project, "w", 1, "IfNotPresent", "c")
    pod = dep["spec"]["template"]["spec"]
    assert {"name": "models", "mountPath": "/models", "readOnly": True} in _container(dep)["volumeMounts"]
    assert {"name": "models", "persistentVolumeClaim": {"claimName": "sam-weights", "readOnly": True}} in pod[
        "volumes"
    ]


def test_a_new_api_image_is_a_new_migration_job():
    project = sample_project()
    job = build_migration_job_spec(project, API, "IfNotPresent")
    assert job["metadata"]["name"] == migration_job_name(project, API)
    assert job["metadata"]["name"].startswith("weld-defects-migrate-")
    assert migration_job_name(project, API) != migration_job_name(
        project, "registry.example/labelhive/api:1.1"
    )
    assert migration_job_name(project, API) == migration_job_name(sample_project(), API), "stable"
    c = _container(job)
    assert c["args"] == ["migrate"] and c["image"] == API
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert job["spec"]["backoffLimit"] >= 1
    env = {e["name"]: e.get("value") for e in c["env"]}
    assert {
        "LABELHIVE_DATABASE_URL",
        "LABELHIVE_DATABASE_SCHEMA",
        "LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD",
    } <= set(env)
    assert (env["LABELHIVE_DATABASE_POOL_SIZE"], env["LABELHIVE_DATABASE_MAX_OVERFLOW"]) == ("1", "0")


def test_api_and_ui_spread_over_nodes_and_drain_gracefully():
    project = sample_project()
    for dep in (
        build_api_deployment_spec(project, API, PoolPlan(2, 2), "IfNotPresent"),
        build_ui_deployment_spec(project, "ui:1", "IfNotPresent"),
    ):
        pod = dep["spec"]["template"]["spec"]
        keys = [t["topologyKey"] for t in pod["topologySpreadConstraints"]]
        assert keys == ["kubernetes.io/hostname", "topology.kubernetes.io/zone"]
        assert all(t["whenUnsatisfiable"] == "ScheduleAnyway" for t in pod["topologySpreadConstraints"])
        selector = pod["topologySpreadConstraints"][0]["labelSelector"]["matchLabels"]
        assert selector.items() <= dep["spec"]["template"]["metadata"]["labels"].items()
        assert _container(dep)["lifecycle"]["preStop"] == {"sleep": {"seconds": 5}}


def test_interactive_endpoint_runs_serve_on_cpu_by_default():
    project = sample_project()
    dep = build_interactive_deployment_spec(project, "worker:1", "IfNotPresent", "cluster.local")
    c = _container(dep)
    assert dep["metadata"]["name"] == "weld-defects-interactive" and dep["spec"]["replicas"] == 1
    assert c["args"] == ["serve"] and c["ports"][0]["containerPort"] == 8090
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": 8090}
    assert "nvidia.com/gpu" not in c["resources"]["limits"], "click-to-segment holds no GPU unless asked"
    assert "nodeSelector" not in dep["spec"]["template"]["spec"]
    env = {e["name"]: e.get("value") for e in c["env"]}
    assert env["LABELHIVE_DEVICE"] == "cpu" and "LABELHIVE_AMQP_URL" not in env
    on_gpu = build_interactive_deployment_spec(
        sample_project(prelabel={"interactive": {"gpu": True}, "nodeSelector": {"gpu": "yes"}}),
        "worker:1",
        "IfNotPresent",
        "cluster.local",
    )
    assert _container(on_gpu)["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert on_gpu["spec"]["template"]["spec"]["nodeSelector"] == {"gpu": "yes"}
