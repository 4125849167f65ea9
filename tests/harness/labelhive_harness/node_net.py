"""The host side of the harness's real node: a node address, the pods' bridge, sysctls, and cleaning up the
iptables chains kubelet, kube-proxy and the CNI plugins leave behind.

One real node per machine at a time (a lock file): its interface names and addresses are fixed, so whatever
a killed run left is found and removed by the next one before it starts.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import re
import shlex
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .common import HarnessError

NODE_IP = "10.84.0.1"  # the node address (on a port-less bridge): kubelet refuses loopback; pods reach it
NODE_DEVICE = "lh-node0"
POD_SUBNET = "10.85.0.0/24"  # the CNI bridge's subnet; its first address is the pods' gateway
POD_BRIDGE = "lh-cni0"
LOCK = Path("/tmp/labelhive-realnode.lock")
LOCK_WAIT = 1800.0
SAVED_SYSCTLS = Path("/tmp/labelhive-realnode.sysctls.json")  # the values before a run changed them
# Chains made by kubelet (canaries, KUBE-FIREWALL), kube-proxy (KUBE-SERVICES, KUBE-SVC-*, ...) and the CNI
# bridge/portmap plugins (CNI-*): only this harness's node makes them on this machine.
CHAIN_PREFIXES = ("KUBE-", "CNI-")
SYSCTLS = (
    "net/ipv4/ip_forward",
    "net/bridge/bridge-nf-call-iptables",
    "net/ipv4/conf/all/route_localnet",
)


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(["ip", *args], capture_output=True, text=True)
    if check and out.returncode != 0:
        raise HarnessError(f"'ip {' '.join(args)}' failed: {out.stderr.strip()}")
    return out


def _link_exists(name: str) -> bool:
    return _ip("link", "show", name, check=False).returncode == 0


@dataclass
class NodeNetwork:
    """Holds the machine's real-node lock while up; `down()` puts the host back as it found it."""

    sysctls: dict[str, str] = field(default_factory=dict)
    _lock: IO[str] | None = None

    def up(self) -> None:
        self._lock = LOCK.open("w")
        deadline = time.monotonic() + LOCK_WAIT
        while True:  # another run's node (a second checkout's tests): wait for it, then take over
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise HarnessError(
                        f"another real node ran on this machine for {LOCK_WAIT:.0f}s (lock {LOCK})"
                    ) from None
                time.sleep(2)
        from .node import remove_killed_runs  # here: node.py builds on this module

        remove_killed_runs()  # whatever a killed run left (processes, mounts, cgroups, network)
        if SAVED_SYSCTLS.exists():  # a killed run changed them: its record holds the machine's own values
            self.sysctls = json.loads(SAVED_SYSCTLS.read_text())
        else:
            for key in SYSCTLS:
                path = Path("/proc/sys") / key
                if path.exists():
                    self.sysctls[key] = path.read_text().strip()
            SAVED_SYSCTLS.write_text(json.dumps(self.sysctls))
        _write_sysctl("net/ipv4/ip_forward", "1")  # pods' packets to the node address and between pods
        _write_sysctl("net/bridge/bridge-nf-call-iptables", "1")  # kube-proxy's DNAT for pod->Service->pod
        _ip("link", "add", NODE_DEVICE, "type", "bridge")  # no dummy driver in every kernel; no ports
        _ip("addr", "add", f"{NODE_IP}/32", "dev", NODE_DEVICE)
        _ip("link", "set", NODE_DEVICE, "up")

    def down(self) -> None:
        remove_leftovers()
        for key, value in self.sysctls.items():
            with contextlib.suppress(OSError):
                _write_sysctl(key, value)
        self.sysctls.clear()
        SAVED_SYSCTLS.unlink(missing_ok=True)
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def _write_sysctl(key: str, value: str) -> None:
    (Path("/proc/sys") / key).write_text(value)


def remove_leftovers() -> None:
    """Interfaces and iptables chains of a real node (this one's, or a killed run's)."""
    for device in (POD_BRIDGE, NODE_DEVICE):
        if _link_exists(device):
            _ip("link", "delete", device, check=False)
    for tool in ("iptables", "ip6tables"):
        for table in ("filter", "nat", "mangle"):
            remove_chains(tool, table)


def remove_chains(tool: str, table: str) -> None:
    """Delete the jumps into our chains from built-in chains, then flush and delete our chains."""
    saved = subprocess.run([f"{tool}-save", "-t", table], capture_output=True, text=True)
    if saved.returncode != 0:
        return
    ours = [
        m.group(1)
        for m in re.finditer(r"^:(\S+) ", saved.stdout, re.M)
        if m.group(1).startswith(CHAIN_PREFIXES)
    ]
    if not ours:
        return
    for line in saved.stdout.splitlines():
        rule = shlex.split(line)
        jumps_to_ours = len(rule) > 2 and any(word in ours for word in rule[2:])
        if rule[:1] == ["-A"] and jumps_to_ours and not rule[1].startswith(CHAIN_PREFIXES):
            subprocess.run([tool, "-t", table, "-D", *rule[1:]], capture_output=True, check=False)
    for chain in ours:
        subprocess.run([tool, "-t", table, "-F", chain], capture_output=True, check=False)
    for chain in ours:
        subprocess.run([tool, "-t", table, "-X", chain], capture_output=True, check=False)
