"""Kubernetes from the harness is real: Deployments go Ready on kwok nodes, GPU pods land only on GPU nodes."""

import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from kubernetes import client, config

GPU = "nvidia.com/gpu"
GPU_TOLERATION = client.V1Toleration(key=GPU, operator="Exists", effect="NoSchedule")


def eventually(check: Callable[[], object], what: str, timeout: float = 60.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"{what} within {timeout:.0f}s")


@pytest.fixture(scope="module")
def api(kube) -> Iterator[client.ApiClient]:
    with config.new_client_from_config(str(kube.kubeconfig)) as api_client:
        yield api_client


@pytest.fixture
def namespace(api) -> Iterator[str]:
    core = client.CoreV1Api(api)
    name = f"smoke-{uuid.uuid4().hex[:8]}"
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    # Pods are refused until the controller-manager has made the namespace's default ServiceAccount.
    eventually(lambda: core.list_namespaced_service_account(name).items, "default ServiceAccount")
    yield name
    core.delete_namespace(name)


def pod(name: str, gpus: int = 0) -> client.V1Pod:
    resources = client.V1ResourceRequirements(
        requests={"cpu": "100m"}, limits={GPU: str(gpus)} if gpus else None
    )
    return client.V1Pod(
        metadata=client.V1ObjectMeta(name=name),
        spec=client.V1PodSpec(
            containers=[
                client.V1Container(name="main", image="registry.invalid/worker:1", resources=resources)
            ],
            tolerations=[GPU_TOLERATION] if gpus else None,
        ),
    )


def gpu_node_names(core: client.CoreV1Api) -> set[str]:
    return {n.metadata.name for n in core.list_node(label_selector="labelhive.io/gpu=true").items}


def test_deployment_reaches_ready_replicas_on_kwok_nodes(api, namespace):
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    labels = {"app": "web"}
    apps.create_namespaced_deployment(
        namespace,
        client.V1Deployment(
            metadata=client.V1ObjectMeta(name="web"),
            spec=client.V1DeploymentSpec(
                replicas=3,
                selector=client.V1LabelSelector(match_labels=labels),
                template=client.V1PodTemplateSpec(
                    metadata=client.V1ObjectMeta(labels=labels),
                    spec=client.V1PodSpec(
                        containers=[client.V1Container(name="web", image="registry.invalid/web:1")]
                    ),
                ),
            ),
        ),
    )
    eventually(
        lambda: apps.read_namespaced_deployment_status("web", namespace).status.ready_replicas == 3,
        "Deployment web has 3 ready replicas",
    )
    pods = core.list_namespaced_pod(namespace, label_selector="app=web").items
    assert all(p.status.phase == "Running" for p in pods)
    kwok_nodes = {
        n.metadata.name
        for n in core.list_node().items
        if (n.metadata.annotations or {}).get("kwok.x-k8s.io/node") == "fake"
    }
    assert {p.spec.node_name for p in pods} <= kwok_nodes
    assert not {p.spec.node_name for p in pods} & gpu_node_names(core), "tainted GPU nodes took a CPU pod"


def test_gpu_pods_land_only_on_gpu_nodes(api, namespace):
    core = client.CoreV1Api(api)
    gpu_nodes = gpu_node_names(core)
    # A smoke test runs or fails: a cluster without GPU nodes cannot prove GPU scheduling.
    assert gpu_nodes, "this cluster has no nodes labelled labelhive.io/gpu=true (the harness cluster has two)"
    names = [f"gpu-{i}" for i in range(4)]
    for name in names:
        core.create_namespaced_pod(namespace, pod(name, gpus=1))
    for name in names:
        eventually(
            lambda n=name: core.read_namespaced_pod(n, namespace).status.phase == "Running",
            f"pod {name} Running",
        )
    placed = {core.read_namespaced_pod(name, namespace).spec.node_name for name in names}
    assert placed <= gpu_nodes, f"GPU pods placed on {placed}, GPU nodes are {gpu_nodes}"


def test_pod_wanting_more_gpus_than_any_node_stays_pending(api, namespace):
    core = client.CoreV1Api(api)
    most = max((int(n.status.allocatable.get(GPU, "0")) for n in core.list_node().items), default=0)
    core.create_namespaced_pod(namespace, pod("greedy", gpus=most + 1))

    def unschedulable() -> bool:
        status = core.read_namespaced_pod("greedy", namespace).status
        return any(c.type == "PodScheduled" and c.reason == "Unschedulable" for c in status.conditions or [])

    eventually(unschedulable, "scheduler marks pod greedy Unschedulable")
    greedy = core.read_namespaced_pod("greedy", namespace)
    assert greedy.status.phase == "Pending"
    assert greedy.spec.node_name is None
