"""Services and the Ingress: every host routed, API paths to the API, the rest to the UI."""

from labelhive_operator.render.network import build_ingress_spec, build_service_spec
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
    ing = build_ingress_spec(sample_project(ingress=body_ingress))
    assert ing["spec"]["tls"] == [{"hosts": ["a.example.com", "b.example.com"], "secretName": "a-tls"}]
    assert len(ing["spec"]["rules"]) == 2, "a repeated host is one rule"
    assert ing["metadata"]["annotations"] == {"nginx.ingress.kubernetes.io/proxy-body-size": "0"}
    assert "ingressClassName" not in ing["spec"]
