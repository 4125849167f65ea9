"""Services and the Ingress: every host routed, API paths to the API, the rest to the UI."""

import pytest
from labelhive_operator.render.network import build_ingress_spec, build_pdb_spec, build_service_spec
from operator_samples import sample_project


def test_services_select_their_pods():
    project = sample_project()
    api, ui = build_service_spec(project, "api"), build_service_spec(project, "ui")
    assert api["metadata"]["name"] == "weld-defects-api"
    assert api["spec"]["selector"] == {
        "app.kubernetes.io/instance": "weld-defects",
        "app.kubernetes.io/component": "api",
    }
    assert api["spec"]["ports"] == [{"name": "http", "port": 8000, "targetPort": "http", "protocol": "TCP"}]
    assert ui["spec"]["ports"][0]["port"] == 8080
    assert api["metadata"]["ownerReferences"][0]["uid"] == project.uid


def test_ingress_routes_every_host():
    ing = build_ingress_spec(sample_project())
    assert ing["spec"]["ingressClassName"] == "nginx"
    hosts = [r["host"] for r in ing["spec"]["rules"]]
    assert hosts == ["weld.factory-a.example.com", "weld.intranet.factory-a.local"]
    paths = {p["path"]: p["backend"]["service"]["name"] for p in ing["spec"]["rules"][0]["http"]["paths"]}
    assert paths == {"/api": "weld-defects-api", "/healthz": "weld-defects-api", "/": "weld-defects-ui"}
    assert "tls" not in ing["spec"]


def test_ingress_tls_and_annotations():
    body_ingress = {
        "host": "a.example.com",
        "extraHosts": ["b.example.com", "a.example.com"],
        "tlsSecret": "a-tls",
        "annotations": {"nginx.ingress.kubernetes.io/proxy-body-size": "0"},
    }
    ing = build_ingress_spec(sample_project(ingress=body_ingress), "k8s.io/ingress-nginx")
    assert ing["spec"]["tls"] == [{"hosts": ["a.example.com", "b.example.com"], "secretName": "a-tls"}]
    assert len(ing["spec"]["rules"]) == 2, "a repeated host is one rule"
    assert ing["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"] == "0", (
        "the manifest wins"
    )
    assert ing["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "600"
    assert "ingressClassName" not in ing["spec"]


@pytest.mark.parametrize(
    ("controller", "key", "value"),
    [
        ("k8s.io/ingress-nginx", "nginx.ingress.kubernetes.io/proxy-body-size", "2048m"),
        ("k8s.io/ingress-nginx", "nginx.ingress.kubernetes.io/proxy-read-timeout", "900"),
        ("nginx.org/ingress-controller", "nginx.org/client-max-body-size", "2048m"),
        ("haproxy.org/ingress-controller/haproxy", "haproxy.org/timeout-server", "900s"),
    ],
)
def test_known_controllers_get_body_size_and_timeouts(controller, key, value):
    project = sample_project(
        ingress={"host": "a.example.com", "className": "x", "maxBodySizeMB": 2048, "timeoutSeconds": 900}
    )
    assert build_ingress_spec(project, controller)["metadata"]["annotations"][key] == value


def test_traefik_and_unknown_controllers_get_no_guessed_annotations():
    for controller in ("traefik.io/ingress-controller", "example.com/unknown", None):
        assert "annotations" not in build_ingress_spec(sample_project(), controller)["metadata"]


def test_interactive_service_and_disruption_budgets():
    project = sample_project()
    assert build_service_spec(project, "interactive")["spec"]["ports"][0]["port"] == 8090
    pdb = build_pdb_spec(project, "api")
    assert pdb["kind"] == "PodDisruptionBudget" and pdb["spec"]["maxUnavailable"] == 1
    assert pdb["spec"]["selector"]["matchLabels"] == project.selector("api")
