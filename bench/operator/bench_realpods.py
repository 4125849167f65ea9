"""Time to Ready of one LabelingProject on real pods (figures on stdout, never pass/fail).

The harness's control plane with one real node (containerd + kubelet), the images `make images` built imported,
the chart installed with helm (the operator in a pod); then one project applied: buckets, schema, migration Job,
API and UI pods, Ingress (Traefik). Baseline from the same run: a bare pod (the pause image) to Ready, and
a pod of the API image running `python3 -c pass` to completion (a container start plus an interpreter start).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from kubernetes import client, config
from labelhive_harness.node_net import NODE_IP, POD_SUBNET, NodeNetwork
from labelhive_harness.postgres import start_postgres
from labelhive_harness.rabbitmq import start_rabbitmq
from labelhive_harness.real_cluster import RELEASE_NS, start_real_cluster
from labelhive_harness.s3 import start_s3

REPO = Path(__file__).resolve().parents[2]
TAG = os.environ.get("IMAGE_TAG", "0.1.0")
IMAGES = {name: f"ghcr.io/labelhive/{name}:{TAG}" for name in ("api", "ui", "operator")}
PAUSE = "localhost/labelhive/pause:v1"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def wait(check: Any, what: str, timeout: float = 600) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if check():
                return time.monotonic() - started
        except client.ApiException as exc:
            if exc.status != 404:
                raise
        time.sleep(0.2)
    raise SystemExit(f"bench: {what} not within {timeout:.0f}s")


def pod_seconds(core: client.CoreV1Api, name: str, image: str, command: list[str] | None, done: str) -> float:
    spec: dict[str, Any] = {"name": "c", "image": image, "imagePullPolicy": "Never"}
    if command:
        spec["command"] = command
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"restartPolicy": "Never", "containers": [spec]},
    }
    core.create_namespaced_pod("default", body)

    def reached() -> bool:
        status = core.read_namespaced_pod(name, "default").status
        if done == "Ready":
            return any(c.type == "Ready" and c.status == "True" for c in status.conditions or [])
        return bool(status.phase == done)

    return wait(reached, f"pod {name} {done}")


def main() -> int:
    if os.geteuid() != 0:
        print("operator real-pod bench: skipped (needs root for containerd and the kubelet)")
        return 0
    network = NodeNetwork()
    network.up()
    services: list[Any] = []
    real = None
    try:
        log(
            "starting PostgreSQL, SeaweedFS, RabbitMQ on the node address, then the control plane and a real node"
        )
        pg = start_postgres(host=NODE_IP, clients=(POD_SUBNET, f"{NODE_IP}/32"))
        services.append(pg)
        s3 = start_s3(host=NODE_IP)
        services.append(s3)
        mq = start_rabbitmq(host=NODE_IP)
        services.append(mq)
        real = start_real_cluster(network, list(IMAGES.values()))
        chart_s = real.install_chart(
            REPO / "charts" / "labeling",
            {
                "replicaCount": "1",
                "image.tag": TAG,
                "image.pullPolicy": "Never",
                "appImages.api": IMAGES["api"],
                "appImages.ui": IMAGES["ui"],
                "appImages.pullPolicy": "Never",
                "resources.requests.cpu": "50m",
            },
        )
        with config.new_client_from_config(str(real.kubeconfig)) as api:
            core = client.CoreV1Api(api)
            wait(lambda: core.read_namespaced_service_account("default", "default"), "default ServiceAccount")
            bare = pod_seconds(core, "baseline-pause", PAUSE, None, "Ready")
            python = pod_seconds(
                core, "baseline-python", IMAGES["api"], ["python3", "-c", "pass"], "Succeeded"
            )
            core.create_namespace({"metadata": {"name": "bench"}})
            for secret, data in {
                "bench-s3-admin": {"accessKey": s3.access_key, "secretKey": s3.secret_key},
                "bench-pg-admin": {"url": pg.url},
                "bench-rabbitmq": {"url": mq.url, "managementUrl": mq.management_url},
            }.items():
                core.create_namespaced_secret(RELEASE_NS, {"metadata": {"name": secret}, "stringData": data})
            custom = client.CustomObjectsApi(api)
            body = {
                "apiVersion": "labelhive.io/v1alpha1",
                "kind": "LabelingProject",
                "metadata": {"name": "weld", "namespace": "bench"},
                "spec": {
                    "ingress": {"host": "weld.bench.test", "className": "traefik"},
                    "storage": {"endpoint": s3.endpoint, "credentialsSecret": "bench-s3-admin"},
                    "database": {"adminSecret": "bench-pg-admin"},
                    "queue": {"amqpSecret": "bench-rabbitmq"},
                    "api": {"replicas": 1},
                    "prelabel": {"minReplicas": 0, "maxReplicas": 0, "interactive": {"replicas": 0}},
                },
            }
            custom.create_namespaced_custom_object(
                "labelhive.io", "v1alpha1", "bench", "labelingprojects", body
            )

            def phase() -> bool:
                got = custom.get_namespaced_custom_object(
                    "labelhive.io", "v1alpha1", "bench", "labelingprojects", "weld"
                )
                return bool((got.get("status") or {}).get("phase") == "Ready")

            ready = wait(phase, "project Ready")
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(
            f"operator real-pod bench: one LabelingProject on a real node ({os.cpu_count()} CPU cores, load {load})"
        )
        print(
            f"  baseline: bare pod (pause) to Ready {bare:.1f} s; API image 'python3 -c pass' pod done {python:.1f} s"
        )
        print(
            f"  control plane + node + CoreDNS + Traefik start {real.timings['cluster_and_node_start_s']:.1f} s; "
            f"image import (api, ui, operator) {real.timings['image_import_s']:.1f} s"
        )
        print(f"  helm install to operator pod Ready: {chart_s:.1f} s")
        print(
            f"  time to Ready (apply -> phase Ready: buckets, schema, migration Job, API + UI pods): {ready:.1f} s"
        )
    finally:
        # Services first: they listen on the node address, which the node's stop takes down.
        for service in reversed(services):
            getattr(service, "close", service.stop)()
        if real is not None:
            real.stop()
        network.down()
    return 0


if __name__ == "__main__":
    sys.exit(main())
