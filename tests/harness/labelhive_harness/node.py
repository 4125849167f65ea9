"""A real Kubernetes node beside the harness's control plane: containerd + runc (Debian), a kubelet joined with a
node certificate from the harness CA, a CNI bridge, and kube-proxy in iptables mode. Pods really run here.

Everything lives in one run dir (containerd's root/state/socket, kubelet's root, CNI state, logs); `stop()`
kills the pods' processes, unmounts, removes cgroups, interfaces and iptables chains, and puts the sysctls
back, also when a test failed (atexit covers a crashed session; the next start removes a killed run's).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import kube_build
from .common import HarnessError, ensure_debian_packages, free_port, run_dir, stop_process, wait_for
from .kube import KubeCluster, _node_ready
from .kube_pki import write_client_cert, write_client_kubeconfig
from .node_images import import_pause_image
from .node_net import NODE_IP, POD_BRIDGE, POD_SUBNET, NodeNetwork, remove_leftovers

NODE_NAME = "lh-node-0"
CGROUP_ROOT = "labelhive-node"  # kubelet's --cgroup-root: every pod's cgroup is under it, removed on stop
CLUSTER_DOMAIN = "cluster.local"
STARTUP_TIMEOUT = 180.0


@dataclass
class RealNode:
    name: str
    ip: str
    run_dir: Path
    socket: Path
    network: NodeNetwork
    processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def ctr(self, *args: str, timeout: float = 600) -> str:
        """`ctr` on this node's containerd, in the namespace the kubelet uses."""
        out = subprocess.run(
            ["ctr", "--address", str(self.socket), "--namespace", "k8s.io", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if out.returncode != 0:
            raise HarnessError(f"ctr {' '.join(args[:3])} failed: {out.stderr.strip()[-400:]}")
        return out.stdout

    def log(self, name: str) -> Path:
        return self.run_dir / f"{name}.log"

    def stop(self) -> None:
        """Stop the node and undo everything it did to the host (idempotent)."""
        names = dict(self.processes)
        for name in ("kube-proxy", "kubelet"):
            if name in names:
                stop_process(names[name])
        _kill_cgroup_tree(CGROUP_ROOT)
        _kill_shims(self.socket)
        if "containerd" in names:
            stop_process(names["containerd"])
        self.processes.clear()
        try:
            _unmount_under(self.run_dir)
            _remove_cgroup_tree(CGROUP_ROOT)
        finally:
            self.network.down()
        for sub in ("containerd", "kubelet", "cni"):
            shutil.rmtree(self.run_dir / sub, ignore_errors=True)  # gigabytes of unpacked images; logs stay


# The programs a real-node run starts; only these are ever killed as a killed run's leftovers.
NODE_PROGRAMS = (
    "containerd", "ctr", "kubelet", "kube-proxy", "coredns", "traefik",
    "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok",
)  # fmt: skip


def remove_killed_runs() -> None:
    """What a killed run's node left: its programs (found by their private run dirs: node-*, and kube-* whose
    kubeconfig names the node address), the pods' processes and cgroups, mounts, and network. Call only while
    holding the real-node lock (so no live run owns any of it)."""
    base = run_dir_base()
    stale_dirs = [str(d) for d in base.glob("node-*")]
    stale_dirs += [str(d) for d in base.glob("kube-*") if f"https://{NODE_IP}:" in _read(d / "kubeconfig")]
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            args = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
            if Path(args[0]).name in NODE_PROGRAMS and any(f"{d}/" in a for d in stale_dirs for a in args):
                os.kill(int(proc.name), signal.SIGKILL)
    _kill_cgroup_tree(CGROUP_ROOT)
    for stale in base.glob("node-*"):
        _kill_shims_under(stale)
        _unmount_under(stale)
        for sub in ("containerd", "kubelet", "cni"):
            shutil.rmtree(stale / sub, ignore_errors=True)
    _remove_cgroup_tree(CGROUP_ROOT)
    remove_leftovers()


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def run_dir_base() -> Path:
    return Path(os.environ.get("LABELHIVE_RUN_DIR", "/tmp/labelhive-run"))


def start_node(cluster: KubeCluster, network: NodeNetwork, name: str = NODE_NAME) -> RealNode:
    """A Ready real node in `cluster` (started with bind_ip=NODE_IP once `network` was up); raises HarnessError
    naming a log. Its stop() also takes `network` down."""
    if os.geteuid() != 0:
        raise HarnessError("a real node (containerd, kubelet, iptables) needs root")
    ensure_debian_packages(
        {"containerd": "containerd", "runc": "runc", "/usr/lib/cni/bridge": "containernetworking-plugins"}
    )
    bins = kube_build.ensure_binaries(kube_build.ALL)
    node = RealNode(name, NODE_IP, run_dir("node"), Path(), network)
    atexit.register(node.stop)
    try:
        _start(node, cluster, bins)
    except BaseException:
        node.stop()
        raise
    return node


def _start(node: RealNode, cluster: KubeCluster, bins: dict[str, Path]) -> None:
    started = time.monotonic()
    d = node.run_dir
    _write_cni_config(d / "cni")
    _start_containerd(node)
    import_pause_image(node, bins["pause"])
    pki = d / "pki"
    pki.mkdir()
    ca = cluster.kubeconfig.parent / "pki" / "ca.crt"
    shutil.copy(ca, pki / "ca.crt")
    shutil.copy(ca.with_name("ca.key"), pki / "ca.key")
    write_client_cert(pki, "kubelet", f"system:node:{node.name}", "system:nodes")
    write_client_cert(pki, "kube-proxy", "system:kube-proxy")  # bound to system:node-proxier by default
    (pki / "ca.key").unlink()
    kubelet_kc = write_client_kubeconfig(d / "kubelet.kubeconfig", cluster.server, pki, "kubelet")
    proxy_kc = write_client_kubeconfig(d / "kube-proxy.kubeconfig", cluster.server, pki, "kube-proxy")
    _make_cgroup_root(CGROUP_ROOT)
    _spawn(node, "kubelet", bins["kubelet"], [
        f"--config={_kubelet_config(node, pki)}",
        f"--kubeconfig={kubelet_kc}",
        f"--root-dir={d / 'kubelet'}",
        f"--cert-dir={d / 'kubelet' / 'pki'}",
        f"--hostname-override={node.name}",
        f"--node-ip={node.ip}",
        "--node-labels=labelhive.io/real-node=true",
        "--v=1",
    ])  # fmt: skip
    wait_for(
        lambda: _node_ready(cluster, node.name),
        what=f"real node {node.name} Ready",
        timeout=STARTUP_TIMEOUT,
        log=node.log("kubelet"),
        process=dict(node.processes)["kubelet"],
    )
    health = free_port()
    _spawn(
        node, "kube-proxy", bins["kube-proxy"], [f"--config={_proxy_config(node, proxy_kc, health)}", "--v=1"]
    )
    wait_for(
        lambda: _http_ok(f"http://127.0.0.1:{health}/healthz"),
        what="kube-proxy",
        timeout=STARTUP_TIMEOUT,
        log=node.log("kube-proxy"),
        process=dict(node.processes)["kube-proxy"],
    )
    node.timings["node_start_s"] = time.monotonic() - started


def _spawn(node: RealNode, name: str, binary: Path | str, args: list[str]) -> subprocess.Popen[bytes]:
    with node.log(name).open("ab") as log:
        proc = subprocess.Popen(
            [str(binary), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=node.run_dir,
            start_new_session=True,
        )
    node.processes.append((name, proc))
    return proc


def _http_ok(url: str) -> bool:
    import urllib.request

    with urllib.request.urlopen(url, timeout=2) as resp:
        return bool(resp.status == 200)


def _start_containerd(node: RealNode) -> None:
    """containerd from `containerd config default`, with a private root, state, socket and CNI config."""
    d = node.run_dir / "containerd"
    d.mkdir()
    node.socket = d / "containerd.sock"
    default = subprocess.run(
        ["containerd", "config", "default"], capture_output=True, text=True, check=True
    ).stdout
    replacements = {
        'root = "/var/lib/containerd"': f'root = "{d / "root"}"',
        'state = "/run/containerd"': f'state = "{d / "state"}"',
        'address = "/run/containerd/containerd.sock"': f'address = "{node.socket}"',
        'path = "/opt/containerd"': f'path = "{d / "opt"}"',
        "netns_mounts_under_state_dir = false": "netns_mounts_under_state_dir = true",
        # This VM's root lacks CAP_SYS_RESOURCE: runc cannot set a negative oom_score_adj without it.
        "restrict_oom_score_adj = false": "restrict_oom_score_adj = true",
        'sandbox_image = "registry.k8s.io/pause:3.6"': f'sandbox_image = "{PAUSE_IMAGE}"',
        'bin_dir = "/opt/cni/bin"': 'bin_dir = "/usr/lib/cni"',
        'conf_dir = "/etc/cni/net.d"': f'conf_dir = "{node.run_dir / "cni" / "net.d"}"',
    }
    config = default
    for old, new in replacements.items():
        if old not in config:
            raise HarnessError(
                f"'containerd config default' has no line {old!r}: a containerd this harness does not know"
            )
        config = config.replace(old, new, 1)
    (d / "config.toml").write_text(config)
    proc = _spawn(node, "containerd", "containerd", ["--config", str(d / "config.toml")])
    wait_for(
        lambda: (
            subprocess.run(
                ["ctr", "--address", str(node.socket), "version"], capture_output=True, timeout=5
            ).returncode
            == 0
        ),
        what="containerd",
        timeout=60,
        log=node.log("containerd"),
        process=proc,
    )


PAUSE_IMAGE = f"localhost/labelhive/pause:{kube_build.PAUSE_VERSION}"


def _write_cni_config(cni: Path) -> None:
    (cni / "net.d").mkdir(parents=True)
    conflist = {
        "cniVersion": "0.4.0",
        "name": "labelhive",
        "plugins": [
            {
                "type": "bridge",
                "bridge": POD_BRIDGE,
                "isGateway": True,
                "ipMasq": False,  # pods talk to this machine only
                "hairpinMode": True,  # a pod reaches itself through its own Service
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": POD_SUBNET}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                    "dataDir": str(cni / "ipam"),
                },
            }
        ],
    }
    (cni / "net.d" / "10-labelhive.conflist").write_text(json.dumps(conflist, indent=2))


def _kubelet_config(node: RealNode, pki: Path) -> Path:
    d = node.run_dir
    (d / "manifests").mkdir()
    (d / "pod-logs").mkdir()
    resolv = d / "resolv.conf"  # pods' DNS is CoreDNS on the node address only: nothing outside is asked
    resolv.write_text("")
    config = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "address": node.ip,
        "port": free_port(),
        "readOnlyPort": 0,
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": free_port(),
        "cgroupDriver": "cgroupfs",
        "cgroupRoot": f"/{CGROUP_ROOT}",
        "failCgroupV1": False,  # this VM has cgroup v1; 1.34 only warns when told so
        "failSwapOn": False,
        "containerRuntimeEndpoint": f"unix://{node.socket}",
        "staticPodPath": str(d / "manifests"),
        "podLogsDir": str(d / "pod-logs"),
        "resolvConf": str(resolv),
        "clusterDNS": [node.ip],
        "clusterDomain": CLUSTER_DOMAIN,
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": False},
            "x509": {"clientCAFile": str(pki / "ca.crt")},
        },
        "authorization": {"mode": "AlwaysAllow"},  # only the apiserver holds a certificate from this CA
        # The shared disk is often past the default thresholds (10-15 % free): never evict test pods for it
        # (a fixed 512 MiB: 1 % of a 252 GB disk is 2.5 GB, which a parallel build on the same machine once took
        # the node below, tainting it for the 5 min default), and never garbage-collect the images the harness
        # imported.
        "evictionHard": {
            "memory.available": "50Mi",
            "nodefs.available": "512Mi",
            "imagefs.available": "512Mi",
            "nodefs.inodesFree": "1%",
        },
        "evictionPressureTransitionPeriod": "30s",
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "serializeImagePulls": False,
        "maxPods": 40,
        "nodeStatusReportFrequency": "10s",
        "syncFrequency": "10s",
        "fileCheckFrequency": "5s",
        "shutdownGracePeriod": "0s",
    }
    path = d / "kubelet.json"
    path.write_text(json.dumps(config, indent=2))
    return path


def _proxy_config(node: RealNode, kubeconfig: Path, health: int) -> Path:
    config = {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "mode": "iptables",
        "clientConnection": {"kubeconfig": str(kubeconfig)},
        "hostnameOverride": node.name,
        "bindAddress": node.ip,
        "healthzBindAddress": f"127.0.0.1:{health}",
        "metricsBindAddress": f"127.0.0.1:{free_port()}",
        "clusterCIDR": POD_SUBNET,
        "nodePortAddresses": [f"{node.ip}/32"],  # not on the machine's own interfaces
        # Leave the machine's conntrack settings alone (0: do not change).
        "conntrack": {"maxPerCore": 0, "min": 0, "tcpEstablishedTimeout": "0s", "tcpCloseWaitTimeout": "0s"},
        "iptables": {"syncPeriod": "10s", "minSyncPeriod": "0s"},
    }
    path = node.run_dir / "kube-proxy.json"
    path.write_text(json.dumps(config, indent=2))
    return path


def _cgroup_dirs(name: str) -> list[Path]:
    """`name` in every cgroup v1 hierarchy (and the v2 one of a hybrid machine)."""
    base = Path("/sys/fs/cgroup")
    if (base / "cgroup.controllers").exists():  # pure cgroup v2
        return [base / name]
    return [h / name for h in sorted(base.iterdir()) if h.is_dir() and not h.is_symlink()]


def _make_cgroup_root(name: str) -> None:
    for path in _cgroup_dirs(name):
        with contextlib.suppress(FileExistsError):
            path.mkdir()
        parent_cpus = path.parent / "cpuset.cpus"
        if parent_cpus.exists():  # a new cpuset is empty: give it its parent's CPUs and memory nodes
            for knob in ("cpuset.cpus", "cpuset.mems"):
                (path / knob).write_text((path.parent / knob).read_text())


def _cgroup_walk(root: Path) -> list[Path]:
    """Every cgroup under `root`, deepest first; the tree changes while pods exit, so vanished ones are skipped
    (os.walk ignores directories that disappear under it)."""
    found = [Path(top) for top, _dirs, _files in os.walk(root)]
    return sorted(found, key=lambda p: -len(p.parts))


def _kill_cgroup_tree(name: str) -> None:
    """SIGKILL every process in our cgroups (the pods' containers)."""
    for _ in range(10):
        pids = set()
        for root in _cgroup_dirs(name):
            for group in _cgroup_walk(root):
                with contextlib.suppress(OSError, ValueError):
                    pids |= {int(p) for p in (group / "cgroup.procs").read_text().split()}
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)


def _remove_cgroup_tree(name: str) -> None:
    for root in _cgroup_dirs(name):
        for group in _cgroup_walk(root):
            with contextlib.suppress(OSError):
                group.rmdir()


def _kill_shims(socket: Path) -> None:
    """containerd's runc shims outlive containerd; ours name our socket on their command line."""
    _kill_shims_under(socket.parent)


def _kill_shims_under(path: Path) -> None:
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            ours = any(arg.startswith(f"{path}/".encode()) for arg in cmdline)
            if cmdline[0].endswith(b"containerd-shim-runc-v2") and ours:
                os.kill(int(proc.name), signal.SIGKILL)


def _unmount_under(path: Path) -> None:
    """Everything mounted below `path` (container root file systems, secret volumes, network namespaces)."""
    for _ in range(3):
        mounts = [
            line.split()[1].replace("\\040", " ")
            for line in Path("/proc/self/mounts").read_text().splitlines()
            if line.split()[1].startswith(f"{path}/")
        ]
        if not mounts:
            return
        for mount in sorted(mounts, key=len, reverse=True):
            subprocess.run(["umount", "-l", mount], capture_output=True, check=False)
