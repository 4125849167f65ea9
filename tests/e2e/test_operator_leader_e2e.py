"""Two operator replicas: one leads (holds the Lease and reconciles), the other stands by answering its health
probe; when the leader dies without a word, the standby takes over once the lease runs out; a leader that
stops cleanly frees the Lease. Run against the harness control plane with a Lease namespace of their own and
an empty watched namespace, so they never touch the session operator's projects."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

from conftest import REPO, eventually, free_port
from kubernetes import client

LEASE_SECONDS = 4


def _health(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as resp:
        return json.loads(resp.read())


def _leading(port: int) -> bool:
    try:
        return "kube_api" in _health(port)
    except OSError:
        return False


def _standing_by(port: int) -> bool:
    try:
        return _health(port).get("standby") is True
    except OSError:
        return False


def test_standby_takes_over_when_the_leader_dies_and_a_clean_stop_frees_the_lease(kube, admin_api, tmp_path):
    core = client.CoreV1Api(admin_api)
    home, watched = f"leader-{uuid.uuid4().hex[:6]}", f"empty-{uuid.uuid4().hex[:6]}"
    for ns in (home, watched):
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))
    procs: list[subprocess.Popen[bytes]] = []

    def start(name: str) -> tuple[subprocess.Popen[bytes], int]:
        port = free_port()
        env = dict(
            os.environ,
            KUBECONFIG=str(kube.kubeconfig),
            POD_NAME=name,
            LABELHIVE_OPERATOR_NAMESPACE=home,
            LABELHIVE_OPERATOR_NAMESPACES=watched,
            LABELHIVE_OPERATOR_LEADER_LEASE_SECONDS=str(LEASE_SECONDS),
            LABELHIVE_OPERATOR_HEALTH_ENDPOINT=f"http://127.0.0.1:{port}/healthz",
        )
        with Path(tmp_path / f"{name}.log").open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "labelhive_operator"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=REPO,
                start_new_session=True,
            )
        procs.append(proc)
        return proc, port

    coordination = client.CoordinationV1Api(admin_api)

    def holder() -> str | None:
        try:
            return coordination.read_namespaced_lease("labelhive-operator", home).spec.holder_identity
        except client.ApiException:
            return None

    try:
        first, first_port = start("replica-a")
        eventually(lambda: _leading(first_port), "replica-a leads")
        second, second_port = start("replica-b")
        eventually(lambda: _standing_by(second_port), "replica-b stands by, answering its probe")
        assert holder() == "replica-a"

        os.killpg(first.pid, signal.SIGKILL)  # no clean stop: the lease has to run out
        eventually(lambda: _leading(second_port), "replica-b took over", timeout=LEASE_SECONDS * 5)
        assert holder() == "replica-b"

        os.killpg(second.pid, signal.SIGTERM)
        second.wait(30)
        assert holder() == "", "a clean stop frees the Lease for the next replica at once"
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        for ns in (home, watched):
            core.delete_namespace(ns)
