"""Operator benchmark on the harness: N LabelingProjects applied at once -> figures on stdout.

Real services (kube-apiserver + kwok nodes, PostgreSQL, SeaweedFS, RabbitMQ) from the harness; the chart's
CRD and RBAC installed with helm; the operator as a local process with the chart's ServiceAccount token.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client, config
from labelhive_harness.common import free_port, run_dir
from labelhive_harness.kube import binaries, start_cluster
from labelhive_harness.postgres import start_postgres
from labelhive_harness.rabbitmq import start_rabbitmq
from labelhive_harness.s3 import start_s3

REPO = Path(__file__).resolve().parents[2]
GROUP, VERSION, PLURAL = "labelhive.io", "v1alpha1", "labelingprojects"
NS, RELEASE_NS = "bench", "labelhive-system"
RESYNC = 10.0
STEADY_WINDOW = 30.0


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def helm(kubeconfig: Path, *args: str) -> None:
    env = dict(
        os.environ,
        KUBECONFIG=str(kubeconfig),
        HELM_CACHE_HOME="/tmp/labelhive-helm/cache",
        HELM_CONFIG_HOME="/tmp/labelhive-helm/config",
        HELM_DATA_HOME="/tmp/labelhive-helm/data",
    )
    subprocess.run([str(binaries()["helm"]), *args], env=env, check=True, capture_output=True, timeout=180)


def operator_kubeconfig(admin: client.ApiClient, kubeconfig: Path, out: Path) -> Path:
    core = client.CoreV1Api(admin)
    sa = core.list_namespaced_service_account(
        RELEASE_NS, label_selector="app.kubernetes.io/component=operator"
    ).items[0]
    req = client.AuthenticationV1TokenRequest(
        spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=7200)
    )
    token = core.create_namespaced_service_account_token(sa.metadata.name, RELEASE_NS, req).status.token
    cluster = yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]
    out.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "op",
                "clusters": [{"name": "c", "cluster": cluster}],
                "users": [{"name": "op", "user": {"token": token}}],
                "contexts": [{"name": "op", "context": {"cluster": "c", "user": "op"}}],
            }
        )
    )
    return out


def counters(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read())["kube_api"]


def rss_kib(pid: int) -> tuple[int, int]:
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def baseline(admin: client.ApiClient) -> tuple[float, float]:
    """This machine, measured now: one CPU-bound unit and the apiserver's round trip."""
    started = time.perf_counter()
    hashlib.sha256(b"x" * (64 << 20)).hexdigest()
    cpu = time.perf_counter() - started
    core = client.CoreV1Api(admin)
    rtts = []
    for _ in range(30):
        t = time.perf_counter()
        core.read_namespace("default")
        rtts.append(time.perf_counter() - t)
    return cpu, statistics.median(rtts)


def manifest(i: int, endpoint: str) -> dict[str, Any]:
    name = f"team-{i:03d}"
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "LabelingProject",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "displayName": f"Bench team {i}",
            "ingress": {"host": f"{name}.bench.example.com", "className": "nginx"},
            "storage": {"endpoint": endpoint, "credentialsSecret": "s3-admin"},
            "database": {"adminSecret": "pg-admin", "connectionLimit": 10},
            "queue": {"amqpSecret": "rabbitmq"},
            "api": {"replicas": 1},
            "prelabel": {"nodeSelector": {"labelhive.io/gpu": "true"}, "maxReplicas": 2},
        },
    }


def main(count: int) -> int:
    log("starting harness services (kube, PostgreSQL, SeaweedFS, RabbitMQ)")
    kube, pg, s3, mq = start_cluster(), start_postgres(), start_s3(), start_rabbitmq()
    proc = None
    try:
        with config.new_client_from_config(str(kube.kubeconfig)) as admin:
            helm(
                kube.kubeconfig,
                "upgrade",
                "--install",
                "labeling",
                str(REPO / "charts" / "labeling"),
                "-n",
                RELEASE_NS,
                "--create-namespace",
                "--set",
                "replicaCount=0",
                "--wait",
            )
            core = client.CoreV1Api(admin)
            core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=NS)))
            while not core.list_namespaced_service_account(NS).items:
                time.sleep(0.2)
            # Admin Secrets live in the operator's namespace; every bench project names the same ones.
            for name, data in {
                "s3-admin": {"accessKey": s3.access_key, "secretKey": s3.secret_key},
                "pg-admin": {"url": pg.url},
                "rabbitmq": {"url": mq.url, "managementUrl": mq.management_url},
            }.items():
                core.create_namespaced_secret(
                    RELEASE_NS, client.V1Secret(metadata=client.V1ObjectMeta(name=name), string_data=data)
                )
            client.NetworkingV1Api(admin).create_ingress_class(
                client.V1IngressClass(
                    metadata=client.V1ObjectMeta(name="nginx"),
                    spec=client.V1IngressClassSpec(controller="k8s.io/ingress-nginx"),
                )
            )
            cpu, rtt = baseline(admin)

            logs = run_dir("bench-operator")
            port = free_port()
            health = f"http://127.0.0.1:{port}/healthz"
            env = dict(
                os.environ,
                KUBECONFIG=str(operator_kubeconfig(admin, kube.kubeconfig, logs / "kubeconfig")),
                LABELHIVE_OPERATOR_HEALTH_ENDPOINT=health,
                LABELHIVE_OPERATOR_NAMESPACE=RELEASE_NS,
                LABELHIVE_OPERATOR_RESYNC_SECONDS=str(RESYNC),
                LABELHIVE_OPERATOR_POLL_SECONDS="5",
                LABELHIVE_OPERATOR_API_IMAGE="registry.invalid/api:bench",
                LABELHIVE_OPERATOR_UI_IMAGE="registry.invalid/ui:bench",
                LABELHIVE_OPERATOR_WORKER_IMAGE="registry.invalid/worker:bench",
            )
            with (logs / "operator.log").open("wb") as out:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "labelhive_operator"],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            while True:
                try:
                    start_counters = counters(health)
                    break
                except (OSError, KeyError):  # KeyError: still standing by for the leader Lease
                    time.sleep(0.3)
            rss_idle = rss_kib(proc.pid)[0]

            custom = client.CustomObjectsApi(admin)
            log(f"applying {count} LabelingProjects at once")
            t0 = time.monotonic()
            with ThreadPoolExecutor(16) as pool:
                list(
                    pool.map(
                        lambda i: custom.create_namespaced_custom_object(
                            GROUP, VERSION, NS, PLURAL, manifest(i, s3.endpoint)
                        ),
                        range(count),
                    )
                )
            applied = time.monotonic() - t0
            ready_at: dict[str, float] = {}
            deadline = t0 + 300
            while len(ready_at) < count and time.monotonic() < deadline:
                items = custom.list_namespaced_custom_object(GROUP, VERSION, NS, PLURAL)["items"]
                now = time.monotonic() - t0
                for item in items:
                    if (item.get("status") or {}).get("phase") == "Ready":
                        ready_at.setdefault(item["metadata"]["name"], now)
                time.sleep(0.5)
            all_ready = max(ready_at.values()) if len(ready_at) == count else float("nan")
            at_ready = counters(health)
            rss_ready, _ = rss_kib(proc.pid)

            log(
                f"{len(ready_at)}/{count} Ready; steady state for {STEADY_WINDOW:.0f}s ({STEADY_WINDOW / RESYNC:.0f} resyncs of every project)"
            )
            time.sleep(RESYNC)  # let the last transitions land
            steady_start = counters(health)
            time.sleep(STEADY_WINDOW)
            steady_end = counters(health)
            rss_end, rss_peak = rss_kib(proc.pid)

            def delta(a: dict[str, Any], b: dict[str, Any], key: str) -> int:
                return int(b[key]) - int(a[key])

            prov_rec = max(1, delta(start_counters, at_ready, "reconciles"))
            st_rec = max(1, delta(steady_start, steady_end, "reconciles"))
            lines: list[str] = []

            def emit(line: str) -> None:
                print(line, flush=True)
                lines.append(line)

            emit(f"operator bench: {count} LabelingProjects applied at once ({os.cpu_count()} CPU cores)")
            emit(
                f"  baseline: sha256 of 64 MiB {cpu * 1000:.0f} ms; apiserver GET round trip {rtt * 1000:.1f} ms (median of 30)"
            )
            emit(f"  create calls for all manifests:  {applied:.1f} s")
            emit(
                f"  time to all Ready:               {all_ready:.1f} s  ({len(ready_at)}/{count} Ready; "
                f"first {min(ready_at.values(), default=float('nan')):.1f} s, median {statistics.median(ready_at.values()) if ready_at else float('nan'):.1f} s)"
            )
            emit(
                f"  provisioning: {delta(start_counters, at_ready, 'reconciles')} reconciles, "
                f"{delta(start_counters, at_ready, 'calls')} API calls ({delta(start_counters, at_ready, 'calls') / prov_rec:.1f}/reconcile), "
                f"{delta(start_counters, at_ready, 'writes')} writes ({delta(start_counters, at_ready, 'writes') / prov_rec:.2f}/reconcile, "
                f"{delta(start_counters, at_ready, 'writes') / count:.1f}/project)"
            )
            emit(
                f"  steady state ({STEADY_WINDOW:.0f} s): {delta(steady_start, steady_end, 'reconciles')} reconciles, "
                f"{delta(steady_start, steady_end, 'calls')} API calls ({delta(steady_start, steady_end, 'calls') / st_rec:.1f}/reconcile), "
                f"{delta(steady_start, steady_end, 'writes')} writes"
            )
            grew = {
                k: v - steady_start["writes_by_kind"].get(k, 0)
                for k, v in steady_end["writes_by_kind"].items()
                if v != steady_start["writes_by_kind"].get(k, 0)
            }
            if grew:
                emit(f"    steady-state writes by kind: {grew}")
            emit(
                f"  operator RSS: {rss_idle / 1024:.0f} MiB idle, {rss_ready / 1024:.0f} MiB at all Ready, "
                f"{rss_end / 1024:.0f} MiB after steady state, peak {rss_peak / 1024:.0f} MiB"
            )
            emit(f"  writes by kind (whole run): {steady_end['writes_by_kind']}")
            emit(f"  operator log: {logs / 'operator.log'}")
            not_ready = [
                e
                for e in core.list_event_for_all_namespaces(field_selector="involvedObject.kind=Node").items
                if e.reason == "NodeNotReady"
            ]
            if not_ready:
                emit(
                    f"  note: kwok nodes went NotReady {len(not_ready)} time(s) during the run (heartbeats starved on a "
                    "busy machine); the node lifecycle controller then marks their pods NotReady and kwok does not "
                    "flip them back, so those projects stay Degraded: figures from such a run are not the operator's"
                )
            (logs / "figures.txt").write_text("\n".join(lines) + "\n")
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        for service in (mq, s3, pg):
            getattr(service, "close", service.stop)()
        kube.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
