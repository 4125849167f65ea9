"""A real Kubernetes control plane on loopback: etcd, kube-apiserver, controller-manager, scheduler, and kwok nodes.

Nothing here touches the network: binaries come from the cache (built by kube_build), certificates are made
locally, every listener is on 127.0.0.1. If KUBECONFIG names an existing file, that cluster is used instead.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import ssl
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from . import kube_build
from .common import HarnessError, free_port, run_dir, stop_process, wait_for
from .kube_pki import write_client_cert, write_kubeconfig, write_pki

GPU_RESOURCE = "nvidia.com/gpu"
GPU_LABEL = "labelhive.io/gpu"
GPU_TAINT = {"key": GPU_RESOURCE, "value": "present", "effect": "NoSchedule"}
KWOK_ANNOTATION = ("kwok.x-k8s.io/node", "fake")  # kwok manages only nodes carrying this annotation
STARTUP_TIMEOUT = 120.0  # a busy 2-core machine can take a minute for the apiserver's first start


@dataclass(frozen=True)
class FakeNode:
    name: str
    gpus: int = 0


DEFAULT_NODES = (
    FakeNode("kwok-cpu-0"),
    FakeNode("kwok-cpu-1"),
    FakeNode("kwok-gpu-0", 4),
    FakeNode("kwok-gpu-1", 4),
)


@dataclass
class KubeCluster:
    """A running cluster: `kubeconfig` (admin, certificates inline) and `server` (https URL) are what tests use."""

    kubeconfig: Path
    server: str
    run_dir: Path | None = None  # None when an existing cluster (KUBECONFIG) is reused
    processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    @property
    def owned(self) -> bool:
        return self.run_dir is not None

    def stop(self) -> None:
        """Stop what we started (newest first) and drop etcd's data; logs stay in run_dir."""
        while self.processes:
            stop_process(self.processes.pop()[1])
        if self.run_dir is not None:
            shutil.rmtree(self.run_dir / "etcd-data", ignore_errors=True)

    def __enter__(self) -> KubeCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def binaries() -> dict[str, Path]:
    """Paths of the cached binaries (etcd, kube-*, kubectl, kwok, helm), building what is missing."""
    return kube_build.ensure_binaries()


def start_cluster(nodes: tuple[FakeNode, ...] = DEFAULT_NODES, bind_ip: str | None = None) -> KubeCluster:
    """Start a private cluster with `nodes` Ready (or reuse $KUBECONFIG's); raises HarnessError naming a log.

    `bind_ip`: the apiserver listens and advertises there instead of loopback (a real node's pods reach it
    through the `kubernetes` Service), and the Node authorizer admits kubelets."""
    existing = os.environ.get("KUBECONFIG", "").split(os.pathsep)[0]
    if existing and Path(existing).is_file():
        return KubeCluster(kubeconfig=Path(existing), server=_server_of(Path(existing)))
    bins = binaries()
    cluster = KubeCluster(kubeconfig=Path(), server="", run_dir=run_dir("kube"))
    atexit.register(cluster.stop)  # a crashed test session must not leave an apiserver behind
    try:
        _start(cluster, bins, nodes, bind_ip)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _start(
    cluster: KubeCluster, bins: dict[str, Path], nodes: tuple[FakeNode, ...], bind_ip: str | None
) -> None:
    d = cluster.run_dir
    assert d is not None
    pki = write_pki(d / "pki", (bind_ip,) if bind_ip else ())
    etcd_port, peer_port, api_port, kwok_port = free_port(), free_port(), free_port(), free_port()
    api_ip = bind_ip or "127.0.0.1"
    cluster.server = f"https://{api_ip}:{api_port}"
    cluster.kubeconfig = write_kubeconfig(d / "kubeconfig", cluster.server, pki)
    etcd_url, peer_url = f"http://127.0.0.1:{etcd_port}", f"http://127.0.0.1:{peer_port}"

    _spawn(cluster, "etcd", bins["etcd"], [
        "--name=etcd",
        f"--data-dir={d / 'etcd-data'}",
        f"--listen-client-urls={etcd_url}",
        f"--advertise-client-urls={etcd_url}",
        f"--listen-peer-urls={peer_url}",
        f"--initial-advertise-peer-urls={peer_url}",
        f"--initial-cluster=etcd={peer_url}",
        "--unsafe-no-fsync",  # test data is thrown away; fsync only slows every write
        "--log-level=warn",
    ])  # fmt: skip
    _wait(cluster, "etcd", lambda: b'"true"' in _http_get(f"{etcd_url}/health"))

    _spawn(cluster, "kube-apiserver", bins["kube-apiserver"], [
        f"--etcd-servers={etcd_url}",
        f"--bind-address={api_ip}",
        f"--advertise-address={api_ip}",
        f"--secure-port={api_port}",
        f"--tls-cert-file={pki['apiserver.crt']}",
        f"--tls-private-key-file={pki['apiserver.key']}",
        f"--client-ca-file={pki['ca.crt']}",
        f"--service-account-key-file={pki['sa.pub']}",
        f"--service-account-signing-key-file={pki['sa.key']}",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        "--service-cluster-ip-range=10.96.0.0/16",
        "--authorization-mode=Node,RBAC",
        "--allow-privileged=true",
        # A loopback address cannot be a Service endpoint; a real node's address can.
        f"--endpoint-reconciler-type={'lease' if bind_ip else 'none'}",
        "--profiling=false",
        *_kubelet_client_args(pki, bind_ip),
    ])  # fmt: skip
    _wait(cluster, "kube-apiserver", lambda: _api(cluster, "GET", "/readyz") == b"ok")

    # Controllers, scheduler and kwok start together; each finds the apiserver ready.
    common = [f"--kubeconfig={cluster.kubeconfig}", "--secure-port=0", "--leader-elect=false"]
    _spawn(cluster, "kube-controller-manager", bins["kube-controller-manager"], [
        *common,
        f"--service-account-private-key-file={pki['sa.key']}",
        f"--root-ca-file={pki['ca.crt']}",
        f"--cluster-signing-cert-file={pki['ca.crt']}",
        f"--cluster-signing-key-file={pki['ca.key']}",
        # kwok heartbeats through node status; on a loaded 2-core machine a 40 s grace marks nodes NotReady.
        "--node-monitor-grace-period=5m",
        # The default client rate (20 QPS) makes the controllers, not the code under test, the bottleneck.
        "--kube-api-qps=200",
        "--kube-api-burst=400",
        "--concurrent-deployment-syncs=20",
        "--concurrent-replicaset-syncs=20",
    ])  # fmt: skip
    _spawn(cluster, "kube-scheduler", bins["kube-scheduler"], common)
    kwok_config = d / "kwok.yaml"  # explicit, so kwok never reads ~/.kwok/kwok.yaml
    kwok_config.write_text(
        "apiVersion: config.kwok.x-k8s.io/v1alpha1\nkind: KwokConfiguration\noptions: {}\n"
    )
    _spawn(cluster, "kwok", bins["kwok"], [
        f"--config={kwok_config}",
        f"--kubeconfig={cluster.kubeconfig}",
        "--manage-all-nodes=false",
        f"--manage-nodes-with-annotation-selector={'='.join(KWOK_ANNOTATION)}",
        f"--server-address=127.0.0.1:{kwok_port}",
        "--cidr=10.244.0.0/16",
        "--node-ip=127.0.0.1",
    ])  # fmt: skip
    _wait(cluster, "kwok", lambda: _http_get(f"http://127.0.0.1:{kwok_port}/healthz") == b"ok")

    for node in nodes:
        _api(cluster, "POST", "/api/v1/nodes", _node_manifest(node))
    for node in nodes:
        _wait(cluster, "kwok", partial(_node_ready, cluster, node.name), what=f"kwok node {node.name}")
    # The default ServiceAccount appears once the controller-manager's controllers run.
    sa = "/api/v1/namespaces/default/serviceaccounts/default"
    _wait(cluster, "kube-controller-manager", lambda: _api(cluster, "GET", sa) is not None)
    for name, proc in cluster.processes:
        if proc.poll() is not None:
            raise HarnessError(f"{name} exited with code {proc.returncode} (log: {d / name}.log)")


def _kubelet_client_args(pki: dict[str, Path], bind_ip: str | None) -> list[str]:
    """With a real node: the apiserver's client certificate for kubelets (logs, exec), from the same CA."""
    if not bind_ip:
        return []
    crt, key = write_client_cert(
        pki["ca.crt"].parent, "apiserver-kubelet-client", "kube-apiserver-kubelet-client"
    )
    return [
        f"--kubelet-client-certificate={crt}",
        f"--kubelet-client-key={key}",
        "--kubelet-preferred-address-types=InternalIP",  # the node's name is in no DNS
    ]


def _wait(cluster: KubeCluster, name: str, ready: Callable[[], bool], what: str | None = None) -> None:
    """wait_for `ready`, failing early if process `name` dies, naming its log."""
    assert cluster.run_dir is not None
    proc = dict(cluster.processes)[name]
    log = cluster.run_dir / f"{name}.log"
    wait_for(ready, what=what or name, timeout=STARTUP_TIMEOUT, log=log, process=proc)


def _spawn(cluster: KubeCluster, name: str, binary: Path, args: list[str]) -> None:
    assert cluster.run_dir is not None
    with (cluster.run_dir / f"{name}.log").open("wb") as log:
        # Own session: a Ctrl-C in pytest reaches pytest only, which then stops us in order.
        proc = subprocess.Popen(
            [str(binary), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=cluster.run_dir,
            start_new_session=True,
        )
    cluster.processes.append((name, proc))


def _node_manifest(node: FakeNode) -> dict[str, object]:
    resources = {"cpu": "32", "memory": "128Gi", "pods": "110"}
    labels = {
        "kubernetes.io/hostname": node.name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "type": "kwok",
    }
    taints = []
    if node.gpus:
        resources[GPU_RESOURCE] = str(node.gpus)
        labels[GPU_LABEL] = "true"
        taints.append(GPU_TAINT)
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": node.name, "labels": labels, "annotations": dict([KWOK_ANNOTATION])},
        "spec": {"taints": taints},
        "status": {"capacity": resources, "allocatable": resources},
    }


def _node_ready(cluster: KubeCluster, name: str) -> bool:
    node = json.loads(_api(cluster, "GET", f"/api/v1/nodes/{name}") or b"{}")
    conditions = node.get("status", {}).get("conditions", [])
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def _http_get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=2) as resp:
        return resp.read()


def _api(cluster: KubeCluster, method: str, path: str, body: object = None) -> bytes | None:
    """A bare admin call to the apiserver; None on 404 (callers poll for existence)."""
    assert cluster.run_dir is not None
    pki = cluster.run_dir / "pki"
    ctx = ssl.create_default_context(cafile=pki / "ca.crt")
    ctx.load_cert_chain(pki / "admin.crt", pki / "admin.key")
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        cluster.server + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=5) as resp:
            return resp.read()
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise HarnessError(f"{method} {path} -> {exc.code}: {exc.read()[:300]!r}") from exc


def _server_of(kubeconfig: Path) -> str:
    import yaml  # only needed when reusing someone else's kubeconfig

    config = yaml.safe_load(kubeconfig.read_text()) or {}
    contexts = {c["name"]: c["context"] for c in config.get("contexts", [])}
    clusters = {c["name"]: c["cluster"] for c in config.get("clusters", [])}
    context = contexts.get(config.get("current-context", ""), {})
    return str(clusters.get(context.get("cluster", ""), {}).get("server", ""))
