"""Real pods: the harness's control plane with one real node (containerd + kubelet + kube-proxy + CNI bridge),
CoreDNS and Traefik, the images `make images` built (the worker as its CPU variant, `WORKER_VARIANT=onnx`)
imported into the node's containerd, the chart installed
with helm (the operator runs in a pod), and PostgreSQL, SeaweedFS S3 and RabbitMQ listening on the node address
so pods reach them. Needs root; `make images` first (scripts/test.sh runs it before this suite).

Timings (node start, image import, time to Ready) are written to .artifacts/realpods/timings.json, the
screenshots of the team's UI through the ingress beside them (LABELHIVE_REALPODS_ARTIFACTS overrides)."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client, config
from labelhive_harness.common import HarnessError
from labelhive_harness.node_net import NODE_IP, POD_SUBNET, NodeNetwork
from labelhive_harness.pytest_plugin import _serve
from labelhive_harness.real_cluster import RELEASE, RELEASE_NS
from labelhive_harness.teams import GROUP, VERSION, Team
from labelhive_harness.waiting import eventually as wait_until

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "labeling"
IMAGE_TAG = os.environ.get("IMAGE_TAG", "0.1.0")
IMAGES = {name: f"ghcr.io/labelhive/{name}:{IMAGE_TAG}" for name in ("api", "ui", "operator")}
# The CPU worker image (make images WORKER_VARIANT=onnx: MobileSAM on ONNX Runtime, no torch).
IMAGES["worker"] = f"ghcr.io/labelhive/worker:{IMAGE_TAG}-onnx"
ARTIFACTS = Path(os.environ.get("LABELHIVE_REALPODS_ARTIFACTS", REPO / ".artifacts" / "realpods"))
# Real pods on a shared 2-core machine: generous limits; the figures that matter are in timings.json.
READY_TIMEOUT = float(os.environ.get("LABELHIVE_REALPODS_READY_TIMEOUT", "300"))


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config: pytest.Config) -> None:
    # A run stopped by SIGTERM or SIGINT (also when started in the background, where SIGINT is ignored)
    # still tears the node down: pytest runs the fixtures' finalizers on KeyboardInterrupt.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)


def eventually(check: Callable[[], Any], what: str, timeout: float = 120.0, interval: float = 0.5) -> Any:
    return wait_until(check, what, timeout, interval)


@dataclass
class Timings:
    figures: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, seconds: float) -> None:
        self.figures[name] = round(seconds, 1)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        load = os.getloadavg()
        (ARTIFACTS / "timings.json").write_text(
            json.dumps({**self.figures, "loadavg": [round(x, 2) for x in load]}, indent=2)
        )


@pytest.fixture(scope="session")
def timings() -> Timings:
    return Timings()


@pytest.fixture(scope="session")
def node_network() -> Iterator[NodeNetwork]:
    """The node address and sysctls; everything below listens on NODE_IP, so this comes first."""
    network = NodeNetwork()
    try:
        network.up()
    except HarnessError as exc:
        pytest.exit(f"harness: {exc}", returncode=3)
    try:
        yield network
    finally:
        network.down()


# The plugin's postgres/s3/rabbitmq listen on loopback only; pods need them on the node address.
@pytest.fixture(scope="session")
def postgres(node_network) -> Iterator[Any]:
    from labelhive_harness.postgres import start_postgres

    yield from _serve(lambda: start_postgres(host=NODE_IP, clients=(POD_SUBNET, f"{NODE_IP}/32")))


@pytest.fixture(scope="session")
def s3(node_network) -> Iterator[Any]:
    from labelhive_harness.s3 import start_s3

    yield from _serve(lambda: start_s3(host=NODE_IP))


@pytest.fixture(scope="session")
def rabbitmq(node_network) -> Iterator[Any]:
    from labelhive_harness.rabbitmq import start_rabbitmq

    yield from _serve(lambda: start_rabbitmq(host=NODE_IP))


@pytest.fixture(scope="session")
def real_cluster(node_network, timings) -> Iterator[Any]:
    from labelhive_harness.real_cluster import start_real_cluster

    try:
        real = start_real_cluster(node_network, list(IMAGES.values()))
    except HarnessError as exc:
        pytest.exit(f"harness: {exc}", returncode=3)
    for name, seconds in real.timings.items():
        timings.add(name, seconds)
    try:
        with config.new_client_from_config(str(real.kubeconfig)) as api:
            real.api = api
            yield real
    finally:
        real.stop()


# One replica (one node, two cores), short intervals; images imported into the node (no registry reachable).
CHART_SETTINGS = {
    "replicaCount": "1",
    "image.tag": IMAGE_TAG,
    "image.pullPolicy": "Never",
    "appImages.api": IMAGES["api"],
    "appImages.ui": IMAGES["ui"],
    "appImages.worker": IMAGES["worker"],
    "appImages.pullPolicy": "Never",
    "operator.pollSeconds": "2",
    "operator.resyncSeconds": "20",
    "operator.backoffMaxSeconds": "10",
    # The pre-label worker comes up for a job and goes again soon after (the node has two cores).
    "operator.scaleIntervalSeconds": "5",
    "operator.scaleDownDelaySeconds": "15",
    "operator.threads": "4",
    "resources.requests.cpu": "50m",
}


@pytest.fixture(scope="session")
def operator_release(real_cluster, timings) -> str:
    """helm install: the operator image in a real pod."""
    timings.add(
        "helm_install_operator_ready_s", real_cluster.install_chart(CHART, CHART_SETTINGS, READY_TIMEOUT)
    )
    return RELEASE


@pytest.fixture(scope="session")
def team_factory(real_cluster, operator_release, s3, postgres, rabbitmq) -> Callable[[str], Team]:
    """A namespace whose admin Secrets (in the operator's namespace, named after the team) point at the
    harness's services on the node address."""
    core = client.CoreV1Api(real_cluster.api)

    def make(name: str) -> Team:
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
        team = Team(name, real_cluster.api, RELEASE_NS, ready_timeout=READY_TIMEOUT, poll_interval=1)
        secrets = {
            "s3-admin": {"accessKey": s3.access_key, "secretKey": s3.secret_key},
            "pg-admin": {"url": postgres.url},
            "rabbitmq": {"url": rabbitmq.url, "managementUrl": rabbitmq.management_url},
        }
        for secret, data in secrets.items():
            team.create_admin_secret(secret, data)
        return team

    return make


def manifest(team: Team, name: str, host: str, s3: Any, **spec: Any) -> dict[str, Any]:
    """A LabelingProject served by Traefik at `host`, its images read by the browser from the node's S3."""
    body: dict[str, Any] = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "LabelingProject",
        "metadata": {"name": name, "namespace": team.namespace},
        "spec": {
            "displayName": "A厂焊缝缺陷",
            "locale": "zh-CN",
            "ingress": {"host": host, "className": "traefik"},
            "storage": {
                "endpoint": s3.endpoint,
                "publicEndpoints": [s3.endpoint],
                "credentialsSecret": f"{team.namespace}-s3-admin",
                "serverSideEncryption": "none",
            },
            "database": {"adminSecret": f"{team.namespace}-pg-admin"},
            "queue": {"amqpSecret": f"{team.namespace}-rabbitmq"},
            "api": {"replicas": 1},
            # No GPU node: CPU workers of the onnx image, one at most, only while the queue has work;
            # one click-to-segment pod.
            "prelabel": {
                "runtime": "onnx",
                "gpu": {"count": 0},
                "minReplicas": 0,
                "maxReplicas": 1,
                "interactive": {"replicas": 1},
            },
            "auth": {
                "signup": "invite-only",
                "admins": ["lead@factory-a.example.com", "qa@factory-a.example.com"],
            },
            "deletionPolicy": "Delete",
        },
    }
    body["spec"].update(spec)
    return body


# A project without model pods (the drill's: the node's two cores are taken by the first project's).
NO_MODEL_PODS = {"minReplicas": 0, "maxReplicas": 0, "interactive": {"replicas": 0}}

TEAM_HOST = "weld.factory-a.test"  # the team's ingress host; the browser resolves it to the node address


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium that resolves the team's host to the node address (Traefik on port 80 there) and
    nothing else: everything else it would look up fails."""
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from labelhive_harness.chromium import ARGS, chromium_path
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        rules = f"--host-resolver-rules=MAP {TEAM_HOST} {NODE_IP}, EXCLUDE {NODE_IP}, MAP * ~NOTFOUND"
        chromium = playwright.chromium.launch(
            executable_path=chromium_path(), args=[*ARGS, rules], headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()
