"""Cluster add-ons for the real node, run as host processes on the node address (no images needed):
CoreDNS (`*.svc.cluster.local` for pods; nothing else is resolved, so pods never ask outside) and Traefik as
the ingress controller (IngressClass `traefik`), serving Ingresses on port 80 of the node address."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from . import kube_build
from .common import free_port, stop_process, wait_for
from .kube import KubeCluster, _api
from .node import CLUSTER_DOMAIN, RealNode

INGRESS_CLASS = "traefik"
TRAEFIK_CONTROLLER = "traefik.io/ingress-controller"


@dataclass
class Addons:
    dns: str  # the cluster DNS server (node address, port 53)
    ingress: str  # http://<node address>:80: a browser reaches a team's host here
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def stop(self) -> None:
        while self.processes:
            stop_process(self.processes.pop())


def start_addons(cluster: KubeCluster, node: RealNode) -> Addons:
    bins = kube_build.ensure_binaries(kube_build.ALL)
    addons = Addons(dns=node.ip, ingress=f"http://{node.ip}")
    try:
        _start_coredns(addons, cluster, node, bins["coredns"])
        _start_traefik(addons, cluster, node, bins["traefik"])
    except BaseException:
        addons.stop()
        raise
    return addons


def _spawn(
    node: RealNode, name: str, args: list[str], env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    with node.log(name).open("ab") as log:
        return subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=node.run_dir,
            env=env,
            start_new_session=True,
        )


def _start_coredns(addons: Addons, cluster: KubeCluster, node: RealNode, binary: Path) -> None:
    ready = free_port()
    corefile = node.run_dir / "Corefile"
    corefile.write_text(
        f"""{CLUSTER_DOMAIN}:53 in-addr.arpa:53 ip6.arpa:53 {{
    bind {node.ip}
    errors
    ready 127.0.0.1:{ready}
    kubernetes {CLUSTER_DOMAIN} in-addr.arpa ip6.arpa {{
        kubeconfig {cluster.kubeconfig}
        pods insecure
    }}
}}
.:53 {{
    bind {node.ip}
    template ANY ANY {{
        rcode NXDOMAIN
    }}
}}
"""
    )
    proc = _spawn(node, "coredns", [str(binary), "-conf", str(corefile)])
    addons.processes.append(proc)
    wait_for(
        lambda: (
            _http_ok(f"http://127.0.0.1:{ready}/ready")
            and _resolves(node.ip, f"kubernetes.default.svc.{CLUSTER_DOMAIN}")
        ),
        what="CoreDNS",
        timeout=60,
        log=node.log("coredns"),
        process=proc,
    )


def _start_traefik(addons: Addons, cluster: KubeCluster, node: RealNode, binary: Path) -> None:
    _api(cluster, "POST", "/apis/networking.k8s.io/v1/ingressclasses", {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "IngressClass",
        "metadata": {"name": INGRESS_CLASS},
        "spec": {"controller": TRAEFIK_CONTROLLER},
    })  # fmt: skip
    ping = free_port()
    proc = _spawn(
        node,
        "traefik",
        [
            str(binary),
            f"--entrypoints.web.address={node.ip}:80",
            f"--entrypoints.traefik.address=127.0.0.1:{ping}",
            "--ping=true",
            "--providers.kubernetesingress=true",
            # A Service without ready endpoints answers 503 (as ingress-nginx does), instead of its path
            # falling through to the catch-all `/` (the UI's index.html with 200 for an API call).
            "--providers.kubernetesingress.allowemptyservices=true",
            "--global.checknewversion=false",  # never call home: tests contact nothing outside this machine
            "--global.sendanonymoususage=false",
            "--log.level=INFO",
            "--accesslog=true",
        ],
        env=dict(os.environ, KUBECONFIG=str(cluster.kubeconfig)),
    )
    addons.processes.append(proc)
    wait_for(
        lambda: _http_ok(f"http://127.0.0.1:{ping}/ping"),
        what="Traefik",
        timeout=60,
        log=node.log("traefik"),
        process=proc,
    )


def _http_ok(url: str) -> bool:
    import urllib.request

    with urllib.request.urlopen(url, timeout=2) as resp:
        return bool(resp.status == 200)


def _resolves(server: str, name: str) -> bool:
    """One A query over UDP; True when the answer has a record."""
    query = struct.pack(">HHHHHH", 0x4C48, 0x0100, 1, 0, 0, 0)
    query += (
        b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
    )
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(2)
        sock.sendto(query, (server, 53))
        reply = sock.recv(512)
    return struct.unpack(">H", reply[6:8])[0] > 0
