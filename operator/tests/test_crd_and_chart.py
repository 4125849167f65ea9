"""The CRD teaches its fields, the chart ships the same CRD, and the chart's RBAC covers exactly what the
operator's client touches."""

import re
from typing import Any

import yaml
from labelhive_operator.kube import RESOURCES
from operator_samples import REPO, SAMPLE

CRD_FILE = REPO / "crds" / "labelingprojects.labelhive.io.yaml"
CHART = REPO / "charts" / "labeling"


def crd() -> dict[str, Any]:
    return yaml.safe_load(CRD_FILE.read_text())


def schema() -> dict[str, Any]:
    return crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


def test_chart_ships_the_same_crd_as_a_template_helm_upgrades_and_keeps():
    # one source: crds/ (for kubectl apply) links to the chart's file
    assert CRD_FILE.is_symlink() and CRD_FILE.resolve() == (CHART / "files" / CRD_FILE.name).resolve()
    assert not (CHART / "crds").exists(), "helm never upgrades crds/"
    assert crd()["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert (
        'Files.Get "files/labelingprojects.labelhive.io.yaml"'
        in (CHART / "templates" / "crd.yaml").read_text()
    )


def test_names_columns_and_status_subresource():
    spec = crd()["spec"]
    assert (spec["group"], spec["scope"], spec["names"]["kind"]) == (
        "labelhive.io",
        "Namespaced",
        "LabelingProject",
    )
    assert "lp" in spec["names"]["shortNames"]
    version = spec["versions"][0]
    assert version["name"] == "v1alpha1" and version["subresources"] == {"status": {}}
    assert [c["name"] for c in version["additionalPrinterColumns"]] == [
        "Phase",
        "URL",
        "Workers",
        "Queue",
        "Age",
    ]


def _walk(node: dict[str, Any], path: str):
    yield path, node
    for key, child in (node.get("properties") or {}).items():
        yield from _walk(child, f"{path}.{key}")
    if isinstance(node.get("items"), dict):
        yield from _walk(node["items"], f"{path}[]")


def test_every_spec_field_has_a_description():
    spec = schema()["properties"]["spec"]
    undocumented = [
        p
        for p, n in _walk(spec, "spec")
        if not n.get("description") and not p.endswith("[]") and "tolerations[]" not in p
    ]
    assert undocumented == []


def test_cross_field_rules_are_cel():
    spec = schema()["properties"]["spec"]["properties"]
    rules = [r["rule"] for r in spec["prelabel"]["x-kubernetes-validations"]]
    assert any("minReplicas <= self.maxReplicas" in r for r in rules)
    assert any("self.runtime != 'onnx'" in r and "self.gpu.count == 0" in r for r in rules)
    host_rule = spec["ingress"]["properties"]["host"]["x-kubernetes-validations"][0]["rule"]
    assert "matches" in host_rule
    pattern = re.search(r"matches\('(.*)'\)", host_rule).group(1).replace("\\\\", "\\")
    assert re.fullmatch(pattern, "weld.factory-a.example.com")
    assert not re.fullmatch(pattern, "Weld_Factory")
    assert (
        spec["deletionPolicy"]["enum"] == ["Retain", "Delete"]
        and spec["deletionPolicy"]["default"] == "Retain"
    )


def test_sample_manifest_uses_only_fields_the_schema_knows():
    sample = yaml.safe_load(SAMPLE.read_text())

    def check(value: Any, node: dict[str, Any], path: str) -> None:
        if node.get("x-kubernetes-preserve-unknown-fields") or "additionalProperties" in node:
            return
        if isinstance(value, dict):
            props = node.get("properties") or {}
            for key, child in value.items():
                assert key in props, f"{path}.{key} is not in the CRD"
                check(child, props[key], f"{path}.{key}")
            for required in node.get("required", []):
                assert required in value, f"{path}.{required} is required"
        elif isinstance(value, list):
            for item in value:
                check(item, node.get("items") or {}, f"{path}[]")
        elif "enum" in node:
            assert value in node["enum"], f"{path}: {value!r}"

    check(sample["spec"], schema()["properties"]["spec"], "spec")


def _rules(*blocks: str) -> list[dict[str, Any]]:
    text = (CHART / "templates" / "_helpers.tpl").read_text()
    rules = []
    for block in blocks or ("labeling.rules", "labeling.discoveryRules"):
        body = text.split(f'define "{block}" -}}}}', 1)[1].split("{{- end }}", 1)[0]
        rules += yaml.safe_load(body)
    return rules


def _granted(*blocks: str) -> dict[tuple[str, str], set[str]]:
    granted: dict[tuple[str, str], set[str]] = {}
    for rule in _rules(*blocks):
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                granted.setdefault((group, resource), set()).update(rule["verbs"])
    return granted


# What the operator's client does with each kind it knows (kube.py RESOURCES).
USED = {
    "Secret": {"get", "create", "patch"},
    "Service": {"get", "patch"},
    "Event": {"create"},
    "Deployment": {"get", "patch"},
    "Job": {"get", "patch", "delete"},
    "Ingress": {"get", "patch"},
    "ScaledObject": {"get", "patch", "delete"},
    "PodDisruptionBudget": {"get", "patch"},
    "Pod": {"list"},
    "IngressClass": {"get", "list"},
    "LabelingProject": {"get", "patch"},
}


def test_chart_rbac_grants_what_the_client_uses_and_deletes_only_failed_jobs_and_stale_scaled_objects():
    granted = _granted()
    for (api_version, kind), (_prefix, plural) in RESOURCES.items():
        if kind == "Lease":
            continue  # the operator's own namespace only (below)
        group = api_version.split("/")[0] if "/" in api_version else ""
        verbs = granted.get((group, plural), set())
        assert USED[kind] <= verbs, (kind, verbs)
    assert "patch" in granted[("labelhive.io", "labelingprojects/status")]
    assert granted[("apps", "deployments/scale")] == {"patch"}, "the built-in scaler's /scale writes"
    deletes = sorted(
        resource for (_g, resource), verbs in granted.items() if "delete" in verbs or "*" in verbs
    )
    assert deletes == ["jobs", "scaledobjects"], "other children go by owner references"
    assert "list" not in granted[("", "secrets")], "Secrets are read by name only"
    assert granted[("", "pods")] == {"list"}, "pods are only looked at"


def test_leases_and_admin_secrets_only_in_the_operators_namespace():
    own = _granted("labeling.ownNamespaceRules")
    assert own == {("", "secrets"): {"get"}, ("coordination.k8s.io", "leases"): {"get", "create", "update"}}
    assert ("coordination.k8s.io", "leases") not in _granted()
