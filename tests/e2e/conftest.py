"""End-to-end fixtures: the chart installed with helm on the harness control plane, the operator running as
a local process with the chart's ServiceAccount token (so its RBAC is what is tested), and team namespaces
whose admin Secrets (pointing at the harness's SeaweedFS, PostgreSQL and RabbitMQ) live in the operator's
namespace, named after the team, as a platform admin keeps them."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client, config
from labelhive_harness.teams import GROUP, PLURAL, Team
from labelhive_harness.waiting import eventually as wait_until

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "labeling"
SAMPLE = REPO / "crds" / "examples" / "weld-defects.yaml"
RELEASE, RELEASE_NS = "labeling", "labelhive-system"

# Seconds a project may take to become Ready: seconds on an idle machine; the generous limit is for a
# machine shared with other suites, where the controller-manager itself lags (a figure, not a failure).
READY_TIMEOUT = float(os.environ.get("LABELHIVE_E2E_READY_TIMEOUT", "120"))

# Short intervals so the suite takes minutes, not hours; the defaults are in the chart's values.yaml.
OPERATOR_ENV = {
    "LABELHIVE_OPERATOR_RESYNC_SECONDS": "4",
    "LABELHIVE_OPERATOR_POLL_SECONDS": "1",
    "LABELHIVE_OPERATOR_SCALE_INTERVAL_SECONDS": "1",
    "LABELHIVE_OPERATOR_SCALE_DOWN_DELAY_SECONDS": "3",
    "LABELHIVE_OPERATOR_BACKOFF_MAX_SECONDS": "4",
    "LABELHIVE_OPERATOR_KEDA_CHECK_SECONDS": "2",
    "LABELHIVE_OPERATOR_THREADS": "8",
    "LABELHIVE_OPERATOR_API_IMAGE": "registry.invalid/labelhive/api:e2e",
    "LABELHIVE_OPERATOR_UI_IMAGE": "registry.invalid/labelhive/ui:e2e",
    "LABELHIVE_OPERATOR_WORKER_IMAGE": "registry.invalid/labelhive/worker:e2e",
    "LABELHIVE_OPERATOR_NAMESPACE": RELEASE_NS,
    "LABELHIVE_OPERATOR_LEADER_LEASE_SECONDS": "6",
}


# Every wait below is scaled by this (a busy shared machine makes the control plane itself slow).
TIME_SCALE = float(os.environ.get("LABELHIVE_E2E_TIME_SCALE", "2"))


def eventually(check: Callable[[], Any], what: str, timeout: float = 60.0, interval: float = 0.3) -> Any:
    return wait_until(check, what, timeout * TIME_SCALE, interval)


@pytest.fixture(scope="session")
def admin_api(kube) -> Iterator[client.ApiClient]:
    with config.new_client_from_config(str(kube.kubeconfig)) as api:
        yield api


@pytest.fixture(scope="session")
def helm_bin(kube) -> Path:
    from labelhive_harness.kube import binaries

    return binaries()["helm"]


@pytest.fixture(scope="session")
def kubectl_bin(kube) -> Path:
    from labelhive_harness.kube import binaries

    return binaries()["kubectl"]


def helm(helm_bin: Path, kube, *args: str) -> str:
    env = dict(
        os.environ,
        KUBECONFIG=str(kube.kubeconfig),
        HELM_CACHE_HOME="/tmp/labelhive-helm/cache",
        HELM_CONFIG_HOME="/tmp/labelhive-helm/config",
        HELM_DATA_HOME="/tmp/labelhive-helm/data",
    )
    out = subprocess.run([str(helm_bin), *args], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"helm {' '.join(args)}: {out.stderr}"
    return out.stdout


@pytest.fixture(scope="session")
def chart(kube, admin_api, helm_bin) -> str:
    """helm install of the chart: CRD, ServiceAccount, RBAC. The operator Deployment gets 0 replicas here:
    kwok pods run no containers, so the operator runs as a local process with the same ServiceAccount."""
    helm(
        helm_bin,
        kube,
        "upgrade",
        "--install",
        RELEASE,
        str(CHART),
        "--namespace",
        RELEASE_NS,
        "--create-namespace",
        "--set",
        "replicaCount=0",
        "--wait",
        "--timeout",
        "120s",
    )
    ext = client.ApiextensionsV1Api(admin_api)

    def established() -> bool:
        crd = ext.read_custom_resource_definition(f"{PLURAL}.{GROUP}")
        return any(c.type == "Established" and c.status == "True" for c in crd.status.conditions or [])

    eventually(established, "CRD established")
    # The class the sample manifest names, served by ingress-nginx (whose annotations the operator knows).
    networking = client.NetworkingV1Api(admin_api)
    with contextlib.suppress(client.ApiException):
        networking.create_ingress_class(
            client.V1IngressClass(
                metadata=client.V1ObjectMeta(name="nginx"),
                spec=client.V1IngressClassSpec(controller="k8s.io/ingress-nginx"),
            )
        )
    return RELEASE


def _kubeconfig_for_token(kube, token: str, path: Path) -> Path:
    admin = yaml.safe_load(Path(kube.kubeconfig).read_text())
    cluster = admin["clusters"][0]["cluster"]
    path.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "operator",
                "clusters": [{"name": "c", "cluster": cluster}],
                "users": [{"name": "operator", "user": {"token": token}}],
                "contexts": [{"name": "operator", "context": {"cluster": "c", "user": "operator"}}],
            }
        )
    )
    path.chmod(0o600)
    return path


@pytest.fixture(scope="session")
def operator_kubeconfig(chart, kube, admin_api, tmp_path_factory) -> Path:
    """A kubeconfig carrying a token of the chart's ServiceAccount: the operator has exactly the chart's RBAC."""
    core = client.CoreV1Api(admin_api)
    sa = core.list_namespaced_service_account(
        RELEASE_NS, label_selector="app.kubernetes.io/component=operator"
    ).items
    assert len(sa) == 1, "the chart creates one ServiceAccount for the operator"
    request = client.AuthenticationV1TokenRequest(
        spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=7200)
    )
    token = core.create_namespaced_service_account_token(
        sa[0].metadata.name, RELEASE_NS, request
    ).status.token
    return _kubeconfig_for_token(kube, token, tmp_path_factory.mktemp("operator") / "kubeconfig")


@pytest.fixture(autouse=True)
def _no_operator_traceback(request: pytest.FixtureRequest) -> Iterator[None]:
    """Whatever a test does to the operator (bad input included), its log gains no Traceback: errors are
    conditions and events, never crashes of a handler."""
    if "operator_process" not in request.fixturenames:
        yield
        return
    op = request.getfixturevalue("operator_process")
    mark = len(op.log_text())
    yield
    added = op.log_text()[mark:]
    assert "Traceback" not in added, added[added.index("Traceback") - 500 :][:4000]


@dataclass
class OperatorProcess:
    process: subprocess.Popen[bytes]
    health_url: str
    log: Path

    def counters(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.health_url, timeout=5) as resp:
            return json.loads(resp.read())["kube_api"]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def reconciles(self, namespace: str, name: str) -> int:
        return int(self.counters().get("reconciles_by_project", {}).get(f"{namespace}/{name}", 0))

    def wait_reconciles(self, namespace: str, name: str, more: int, timeout: float = 60.0) -> dict[str, Any]:
        """Wait until the operator has reconciled this project `more` more times (resyncs, not seconds);
        returns the counters then."""
        start = self.reconciles(namespace, name)
        eventually(
            lambda: self.reconciles(namespace, name) >= start + more,
            f"{more} more reconcile(s) of {namespace}/{name}",
            timeout,
        )
        return self.counters()


def free_port() -> int:
    from labelhive_harness.common import free_port as harness_free_port

    return harness_free_port()


@pytest.fixture(scope="session")
def operator_process(operator_kubeconfig, tmp_path_factory) -> Iterator[OperatorProcess]:
    from labelhive_harness.common import run_dir

    log = run_dir("operator") / "operator.log"  # kept after the session, beside the other services' logs
    port = free_port()
    env = dict(
        os.environ,
        KUBECONFIG=str(operator_kubeconfig),
        **OPERATOR_ENV,
        LABELHIVE_OPERATOR_HEALTH_ENDPOINT=f"http://127.0.0.1:{port}/healthz",
    )
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "labelhive_operator"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO,
            start_new_session=True,
        )
    op = OperatorProcess(proc, f"http://127.0.0.1:{port}/healthz", log)

    def healthy() -> bool:
        assert proc.poll() is None, f"operator exited: {op.log_text()[-3000:]}"
        try:
            op.counters()
            return True
        except (OSError, KeyError):  # KeyError: standing by for the leader Lease (a previous session's)
            return False

    eventually(healthy, "operator leading, health endpoint up", timeout=60)
    yield op
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def sample_manifest(s3, name: str = "weld-defects", **spec: Any) -> dict[str, Any]:
    body = yaml.safe_load(SAMPLE.read_text())
    body["metadata"]["name"] = name
    body["spec"]["storage"]["endpoint"] = s3.endpoint
    body["spec"]["ingress"]["host"] = f"{name}.{uuid.uuid4().hex[:6]}.example.com"
    body["spec"]["ingress"]["extraHosts"] = [f"{name}.intranet.example.local"]
    body["spec"].update(spec)
    return body


@pytest.fixture(scope="module")
def team_factory(admin_api, s3, postgres, rabbitmq, operator_process) -> Iterator[Callable[..., Team]]:
    created: list[str] = []
    core = client.CoreV1Api(admin_api)

    def make(prefix: str = "team", *, secrets: bool = True) -> Team:
        name = f"{prefix}-{uuid.uuid4().hex[:6]}"
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
        created.append(name)
        team = Team(name, admin_api, RELEASE_NS, ready_timeout=READY_TIMEOUT, time_scale=TIME_SCALE)
        if secrets:
            for secret, data in admin_secret_data(s3, postgres, rabbitmq).items():
                team.create_admin_secret(secret, data, labels={"labelhive.io/e2e-team": name})
        return team

    yield make
    for name in created:
        with contextlib.suppress(client.ApiException):
            core.delete_namespace(name)
        with contextlib.suppress(client.ApiException):
            core.delete_collection_namespaced_secret(
                RELEASE_NS, label_selector=f"labelhive.io/e2e-team={name}"
            )


def admin_secret_data(s3, postgres, rabbitmq) -> dict[str, dict[str, str]]:
    return {
        "s3-admin": {"accessKey": s3.access_key, "secretKey": s3.secret_key},
        "pg-admin": {"url": postgres.url},
        "rabbitmq": {"url": rabbitmq.url, "managementUrl": rabbitmq.management_url},
    }
