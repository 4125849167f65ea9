"""The chart lints clean and renders what the operator needs, cluster-wide or per namespace."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import CHART


@pytest.fixture(scope="module")
def helm_cli() -> list[str]:
    from labelhive_harness.kube import binaries

    return [str(binaries()["helm"])]


def _helm(helm_cli: list[str], *args: str) -> str:
    env = dict(
        os.environ,
        HELM_CACHE_HOME="/tmp/labelhive-helm/cache",
        HELM_CONFIG_HOME="/tmp/labelhive-helm/config",
        HELM_DATA_HOME="/tmp/labelhive-helm/data",
    )
    out = subprocess.run([*helm_cli, *args], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_helm_lint_is_clean(helm_cli):
    out = _helm(helm_cli, "lint", "--strict", str(CHART))
    assert "0 chart(s) failed" in out and "[WARNING]" not in out and "[ERROR]" not in out


def test_template_cluster_wide(helm_cli):
    docs = [
        d
        for d in yaml.safe_load_all(
            _helm(helm_cli, "template", "labeling", str(CHART), "-n", "labelhive-system")
        )
        if d
    ]
    kinds = sorted(d["kind"] for d in docs)
    assert kinds == [
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "Deployment",
        "Role",
        "RoleBinding",
        "ServiceAccount",
    ]
    crd = next(d for d in docs if d["kind"] == "CustomResourceDefinition")
    assert crd["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep", "uninstall keeps the projects"
    (own,) = [d for d in docs if d["kind"] == "Role"]
    assert own["metadata"]["namespace"] == "labelhive-system", (
        "admin Secrets and the Lease: own namespace only"
    )
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["LABELHIVE_OPERATOR_NAMESPACES"] == ""
    assert env["LABELHIVE_OPERATOR_NAMESPACE"] == "labelhive-system"
    assert deployment["spec"]["replicas"] == 2, "two replicas, one leader"
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["volumes"][0]["emptyDir"]["sizeLimit"]
    assert env["LABELHIVE_OPERATOR_API_IMAGE"].startswith("ghcr.io/labelhive/api:")
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == "labeling"


def test_template_per_namespace_has_no_cluster_wide_write_rights(helm_cli):
    out = _helm(
        helm_cli, "template", "labeling", str(CHART), "-n", "ops", "--set", "watchNamespaces={team-a,team-b}"
    )
    docs = [d for d in yaml.safe_load_all(out) if d]
    roles = [d for d in docs if d["kind"] == "Role"]
    assert sorted(r["metadata"]["namespace"] for r in roles) == ["ops", "team-a", "team-b"]
    (cluster_role,) = [d for d in docs if d["kind"] == "ClusterRole"]
    assert all(set(rule["verbs"]) <= {"get", "list", "watch"} for rule in cluster_role["rules"]), (
        "CRD discovery and IngressClasses only, read-only"
    )


def test_values_schema_refuses_bad_values(helm_cli):
    env = dict(
        os.environ,
        HELM_CACHE_HOME="/tmp/labelhive-helm/cache",
        HELM_CONFIG_HOME="/tmp/labelhive-helm/config",
        HELM_DATA_HOME="/tmp/labelhive-helm/data",
    )
    bad = subprocess.run(
        [*helm_cli, "template", "x", str(CHART), "--set", "operator.keda=sometimes"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert bad.returncode != 0 and "keda" in bad.stderr
    assert Path(CHART / "values.schema.json").is_file()
