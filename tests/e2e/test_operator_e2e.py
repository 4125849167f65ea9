"""LabelingProject YAML -> an isolated stack on a real control plane: buckets and schema on the harness's
SeaweedFS and PostgreSQL, children with the expected spec, Ready status, GPU workers that follow the
RabbitMQ queue 0 -> N -> 0 on GPU nodes only, drift repair, API-server validation, Retain and Delete."""

from __future__ import annotations

import json
import subprocess
import time
from typing import Any

import pika
import psycopg
import pytest
from conftest import GROUP, Team, eventually, sample_manifest
from kubernetes import client, config

GPU = "nvidia.com/gpu"
CHILDREN = ("weld-defects-api", "weld-defects-ui", "weld-defects-interactive", "weld-defects-worker")


@pytest.fixture(scope="module")
def team(team_factory) -> Team:
    return team_factory("factory-a")


@pytest.fixture(scope="module")
def weld(team, s3) -> dict[str, Any]:
    team.apply(sample_manifest(s3))
    return team.wait_ready("weld-defects")


def test_project_reaches_ready_with_every_condition_true(team, weld, kubectl_bin, kube):
    status = weld["status"]
    assert status["phase"] == "Ready"
    assert status["url"].startswith("http://weld-defects.")
    assert len(status["urls"]) == 2
    assert status["observedGeneration"] == weld["metadata"]["generation"]
    conditions = {c["type"]: c for c in status["conditions"]}
    for step in (
        "StorageReady",
        "DatabaseReady",
        "SecretReady",
        "Migrated",
        "ApiReady",
        "UiReady",
        "InteractiveReady",
        "IngressReady",
        "WorkersReady",
        "Ready",
    ):
        assert conditions[step]["status"] == "True", conditions[step]
        assert conditions[step]["reason"] and conditions[step]["lastTransitionTime"]
    assert status["workers"] == {"replicas": 0, "ready": 0, "scaler": "builtin"}
    # Where the admins' first password is, never the password.
    assert status["adminCredentials"] == {
        "emails": ["lead@factory-a.example.com"],
        "secret": "weld-defects-app",
        "passwordKey": "LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD",
    }
    assert status["queue"]["name"] == f"labelhive.{team.namespace}.weld-defects.prelabel"
    # What the platform admin reads: kubectl get labelingprojects
    out = subprocess.run(
        [str(kubectl_bin), "--kubeconfig", str(kube.kubeconfig), "get", "lp", "-n", team.namespace],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    header, row = out.splitlines()[:2]
    explain = subprocess.run(
        [
            str(kubectl_bin),
            "--kubeconfig",
            str(kube.kubeconfig),
            "explain",
            "labelingproject.spec.prelabel.minReplicas",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "0 means no GPU is held while the queue is empty" in " ".join(explain.split())
    assert header.split() == ["NAME", "PHASE", "URL", "WORKERS", "QUEUE", "AGE"]
    assert row.split()[:5] == ["weld-defects", "Ready", status["url"], "0", "0"]


def test_buckets_exist_on_the_harness_s3(weld, s3):
    buckets = weld["status"]["buckets"]
    names = {b["Name"] for b in s3.client().list_buckets()["Buckets"]}
    assert {buckets["source"], buckets["target"]} <= names


def test_schema_and_role_exist_with_connection_limit_and_own_privileges_only(team, weld, postgres):
    schema, role = weld["status"]["database"]["schema"], weld["status"]["database"]["role"]
    with psycopg.connect(postgres.admin_dsn) as conn:
        assert conn.execute(
            "SELECT rolconnlimit, rolcanlogin FROM pg_roles WHERE rolname = %s", (role,)
        ).fetchone() == (20, True)
        owner = conn.execute(
            "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = %s", (schema,)
        ).fetchone()
        assert owner == (role,)
    url = team.secret("weld-defects-app")["LABELHIVE_DATABASE_URL"]
    assert url.startswith(f"postgresql+psycopg://{role}:")
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("CREATE TABLE probe (id int)")  # lands in its own schema (search_path)
        assert conn.execute("SELECT schemaname FROM pg_tables WHERE tablename = 'probe'").fetchone() == (
            schema,
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TABLE public.not_mine (id int)")


def test_children_exist_with_the_expected_spec(team, weld, admin_api):
    apps, core, net, batch = (
        client.AppsV1Api(admin_api),
        client.CoreV1Api(admin_api),
        client.NetworkingV1Api(admin_api),
        client.BatchV1Api(admin_api),
    )
    ns, uid = team.namespace, weld["metadata"]["uid"]
    objs = [apps.read_namespaced_deployment(n, ns) for n in CHILDREN]
    objs += [core.read_namespaced_service(n, ns) for n in CHILDREN[:3]]
    policy = client.PolicyV1Api(admin_api)
    objs += [policy.read_namespaced_pod_disruption_budget(n, ns) for n in CHILDREN[:2]]
    objs += [
        net.read_namespaced_ingress("weld-defects", ns),
        core.read_namespaced_secret("weld-defects-app", ns),
    ]
    jobs = batch.list_namespaced_job(ns, label_selector="app.kubernetes.io/component=migrate").items
    assert len(jobs) == 1 and jobs[0].status.succeeded == 1
    objs.append(jobs[0])
    for obj in objs:
        refs = obj.metadata.owner_references
        assert [(r.kind, r.uid, r.controller) for r in refs] == [("LabelingProject", uid, True)], (
            obj.metadata.name
        )
        assert obj.metadata.labels["app.kubernetes.io/managed-by"] == "labelhive-operator"
        managers = {(m.manager, m.subresource) for m in obj.metadata.managed_fields if m.operation == "Apply"}
        if obj.metadata.name == "weld-defects-worker":
            # The built-in scaler owns the replicas through the scale subresource, and nothing else.
            assert managers == {("labelhive-operator", None), ("labelhive-scaler", "scale")}
            (scale,) = [m for m in obj.metadata.managed_fields if m.manager == "labelhive-scaler"]
            assert scale.fields_v1 == {"f:spec": {"f:replicas": {}}}
        else:
            assert managers == {("labelhive-operator", None)}, obj.metadata.name

    api = apps.read_namespaced_deployment("weld-defects-api", ns)
    container = api.spec.template.spec.containers[0]
    assert api.spec.replicas == 2
    assert container.image == "registry.invalid/labelhive/api:e2e"
    assert container.readiness_probe.http_get.path == "/readyz"
    assert api.spec.template.spec.security_context.seccomp_profile.type == "RuntimeDefault"
    assert api.spec.template.spec.volumes[0].empty_dir.size_limit
    env = {e.name: e for e in container.env}
    assert env["LABELHIVE_PUBLIC_URLS"].value == ",".join(weld["status"]["urls"])
    assert env["LABELHIVE_DATABASE_URL"].value_from.secret_key_ref.name == "weld-defects-app"
    assert (
        int(env["LABELHIVE_DATABASE_POOL_SIZE"].value) + int(env["LABELHIVE_DATABASE_MAX_OVERFLOW"].value)
        <= 6
    )

    ingress = net.read_namespaced_ingress("weld-defects", ns)
    assert [r.host for r in ingress.spec.rules] == [u.split("://")[1] for u in weld["status"]["urls"]]
    assert ingress.spec.ingress_class_name == "nginx"
    # The class's controller is ingress-nginx: uploads over 1 MiB and slow exports pass it.
    assert ingress.metadata.annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "1024m"
    assert ingress.metadata.annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "600"

    interactive = apps.read_namespaced_deployment("weld-defects-interactive", ns)
    assert interactive.spec.template.spec.containers[0].args == ["serve"]
    assert env["LABELHIVE_INTERACTIVE_URL"].value == (
        f"http://weld-defects-interactive.{ns}.svc.cluster.local:8090"
    )

    worker = apps.read_namespaced_deployment("weld-defects-worker", ns)
    wc = worker.spec.template.spec.containers[0]
    assert worker.spec.replicas == 0, "no GPU held while the queue is empty"
    assert wc.resources.limits[GPU] == "1"
    assert worker.spec.template.spec.node_selector == {"labelhive.io/gpu": "true"}
    assert any(t.key == GPU and t.effect == "NoSchedule" for t in worker.spec.template.spec.tolerations)


def test_secrets_never_appear_in_status_or_events(team, weld):
    secret_values = [v for v in team.secret("weld-defects-app").values() if len(v) >= 8]
    status = json.dumps(team.get("weld-defects").get("status"))
    events = " ".join(e.message or "" for e in team.events("weld-defects"))
    assert events, "the operator reports transitions as Events"
    for value in secret_values:
        assert value not in status and value not in events


def _publish(amqp_url: str, queue: str, count: int) -> None:
    conn = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        ch = conn.channel()
        # Declared as contracts/README.md says both sides declare it.
        ch.queue_declare(
            queue,
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                "x-delivery-limit": 10,
                "x-dead-letter-exchange": "labelhive.prelabel.dlx",
                "x-dead-letter-routing-key": f"{queue}.dead",
            },
        )
        for i in range(count):
            ch.basic_publish("", queue, json.dumps({"n": i}).encode(), pika.BasicProperties(delivery_mode=2))
    finally:
        conn.close()


def _purge(amqp_url: str, queue: str) -> None:
    conn = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        conn.channel().queue_purge(queue)
    finally:
        conn.close()


def test_workers_follow_the_queue_0_to_n_to_0_on_gpu_nodes_only(team, weld, rabbitmq, admin_api):
    core, apps = client.CoreV1Api(admin_api), client.AppsV1Api(admin_api)
    queue = weld["status"]["queue"]["name"]
    gpu_nodes = {n.metadata.name for n in core.list_node(label_selector="labelhive.io/gpu=true").items}
    assert gpu_nodes, "the harness has GPU nodes"

    # The project's own broker user and virtual host, as the API publishes; the broker-wide URL is not in it.
    amqp_url = team.secret("weld-defects-app")["LABELHIVE_AMQP_URL"]
    assert amqp_url != rabbitmq.url and rabbitmq.password not in amqp_url
    assert amqp_url.endswith(f"/labelhive.{team.namespace}.weld-defects")
    _publish(amqp_url, queue, 45)  # ceil(45 / targetQueueLength 20) = 3
    eventually(
        lambda: apps.read_namespaced_deployment("weld-defects-worker", team.namespace).spec.replicas == 3,
        "worker Deployment scaled to 3",
        timeout=30,
    )
    pods = eventually(
        lambda: (
            [
                p
                for p in core.list_namespaced_pod(
                    team.namespace, label_selector="app.kubernetes.io/component=worker"
                ).items
                if p.status.phase == "Running"
            ]
            if len(
                [
                    p
                    for p in core.list_namespaced_pod(
                        team.namespace, label_selector="app.kubernetes.io/component=worker"
                    ).items
                    if p.status.phase == "Running"
                ]
            )
            == 3
            else None
        ),
        "3 worker pods Running",
        timeout=60,
    )
    for pod in pods:
        assert pod.spec.node_name in gpu_nodes, f"{pod.metadata.name} on {pod.spec.node_name}"
        assert pod.spec.containers[0].resources.limits[GPU] == "1"
    status = eventually(
        lambda: (s := team.get("weld-defects")["status"])["workers"]["replicas"] == 3 and s,
        "status shows 3 workers",
        timeout=20,
    )
    assert status["queue"]["depth"] == 45

    _purge(amqp_url, queue)
    eventually(
        lambda: apps.read_namespaced_deployment("weld-defects-worker", team.namespace).spec.replicas == 0,
        "worker Deployment back to 0 after the scale-down delay",
        timeout=40,
    )
    eventually(
        lambda: (
            not core.list_namespaced_pod(
                team.namespace, label_selector="app.kubernetes.io/component=worker"
            ).items
        ),
        "worker pods gone: no GPU held",
        timeout=60,
    )
    status = eventually(
        lambda: (s := team.get("weld-defects")["status"])["workers"]["replicas"] == 0 and s,
        "status shows 0 workers",
        timeout=20,
    )
    assert status["queue"]["depth"] == 0
    assert any(e.reason == "Scaled" for e in team.events("weld-defects"))


def test_drift_is_repaired(team, weld, admin_api):
    apps = client.AppsV1Api(admin_api)
    ns = team.namespace
    old_uid = apps.read_namespaced_deployment("weld-defects-api", ns).metadata.uid
    apps.delete_namespaced_deployment("weld-defects-api", ns)
    eventually(
        lambda: (d := apps.read_namespaced_deployment("weld-defects-api", ns)).metadata.uid != old_uid and d,
        "deleted API Deployment comes back",
        timeout=30,
    )
    apps.patch_namespaced_deployment("weld-defects-ui", ns, {"spec": {"replicas": 5}})
    eventually(
        lambda: apps.read_namespaced_deployment("weld-defects-ui", ns).spec.replicas == 1,
        "hand-edited UI replicas reverted",
        timeout=30,
    )
    team.wait_ready("weld-defects")


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            {"prelabel": {"minReplicas": 5, "maxReplicas": 2}},
            "spec.prelabel.minReplicas",
            "less than or equal",
        ),
        ({"ingress": {"host": "Not_A_Host!"}}, "spec.ingress.host", "DNS name"),
        ({"deletionPolicy": "Shred"}, "spec.deletionPolicy", "Unsupported value"),
        (
            {"storage": {"endpoint": "s3.example.com", "credentialsSecret": "s"}},
            "spec.storage.endpoint",
            "http",
        ),
        ({"prelabel": {"model": "sam-vit-h"}}, "spec.prelabel.checkpoint", "checkpoint"),
    ],
)
def test_invalid_manifest_is_rejected_by_the_api_server_naming_the_field(team, s3, change, field, words):
    body = sample_manifest(s3, name="invalid")
    for key, value in change.items():
        body["spec"][key] = {**body["spec"].get(key, {}), **value} if isinstance(value, dict) else value
    with pytest.raises(client.ApiException) as err:
        team.apply(body)
    assert err.value.status == 422
    message = json.loads(err.value.body)["message"]
    assert field in message and words in message, message


def test_missing_secret_bad_database_and_taken_host_are_conditions_then_recover(
    team_factory, weld, s3, postgres, rabbitmq, admin_api, operator_process
):
    other = team_factory("factory-b", secrets=False)
    taken_host = weld["spec"]["ingress"]["host"]
    other.apply(sample_manifest(s3, name="late"))
    cond = eventually(
        lambda: (c := other.condition("late", "StorageReady")).get("reason") == "SecretMissing" and c,
        "StorageReady False with reason SecretMissing",
        timeout=30,
    )
    assert cond["status"] == "False" and other.admin_secret("s3-admin") in cond["message"]
    assert "operator's namespace" in cond["message"]
    assert other.get("late")["status"]["phase"] == "Failed"
    assert any(e.reason == "SecretMissing" and e.type == "Warning" for e in other.events("late"))

    core = client.CoreV1Api(admin_api)
    bad = {
        "s3-admin": {"accessKey": s3.access_key, "secretKey": s3.secret_key},
        "pg-admin": {"url": "postgresql://nobody:wrong@127.0.0.1:1/none"},
        "rabbitmq": {"url": rabbitmq.url, "managementUrl": rabbitmq.management_url},
    }
    # Admin credentials in the team's own namespace are never read: a tenant cannot plant them.
    for name, data in bad.items():
        core.create_namespaced_secret(
            other.namespace,
            client.V1Secret(metadata=client.V1ObjectMeta(name=other.admin_secret(name)), string_data=data),
        )
    operator_process.wait_reconciles(other.namespace, "late", 2)  # it looked again, twice
    assert other.condition("late", "StorageReady")["reason"] == "SecretMissing"
    for name, data in bad.items():
        other.create_admin_secret(name, data)
    cond = eventually(
        lambda: (c := other.condition("late", "DatabaseReady")).get("reason") == "DatabaseUnreachable" and c,
        "DatabaseReady False: unreachable",
        timeout=40,
    )
    assert "wrong" not in json.dumps(other.get("late")["status"])

    assert any(e.reason == "DatabaseUnreachable" for e in other.events("late"))

    other.patch("late", {"ingress": {"host": taken_host}})
    other.set_admin_secret("pg-admin", {"url": postgres.url})
    cond = eventually(
        lambda: (c := other.condition("late", "IngressReady")).get("reason") == "HostTaken" and c,
        "IngressReady False: host taken",
        timeout=40,
    )
    assert team_of(weld) in cond["message"] and taken_host in cond["message"]
    assert client.NetworkingV1Api(admin_api).list_namespaced_ingress(other.namespace).items == [], (
        "nothing stolen"
    )

    other.patch("late", {"ingress": {"host": f"late.{other.namespace}.example.com"}})
    ready = other.wait_ready("late")
    assert {c["type"]: c["status"] for c in ready["status"]["conditions"]}["IngressReady"] == "True"


def team_of(project: dict[str, Any]) -> str:
    return f"{project['metadata']['namespace']}/{project['metadata']['name']}"


def _project_writes(counters: dict[str, Any], team: Team) -> dict[str, int]:
    """The writes that can be this project's: in its namespace, the operator's (but the leader's Lease renewals,
    one a third of the lease) and cluster-wide ones. Other tests' projects, in namespaces of their own, may still
    be settling meanwhile."""
    by_namespace = counters["writes_by_namespace"]
    writes = {f"{team.namespace}: {k}": v for k, v in by_namespace.get(team.namespace, {}).items()}
    for namespace in (team.operator_namespace, ""):
        writes |= {
            f"{namespace}: {k}": v for k, v in by_namespace.get(namespace, {}).items() if k != "PUT Lease"
        }
    return writes


def test_steady_state_makes_no_writes(team, weld, operator_process):
    name = "weld-defects"
    team.wait_ready(name)

    def settled() -> dict[str, Any] | None:
        """Counters after a full reconcile of the project that wrote nothing (None: it still wrote)."""
        before = operator_process.counters()
        after = operator_process.wait_reconciles(team.namespace, name, 1)
        return after if _project_writes(after, team) == _project_writes(before, team) else None

    before = eventually(settled, "a reconcile pass without writes", timeout=90, interval=0)
    assert before["writes_by_namespace"].get(team.namespace), (
        "the project's own writes count in its namespace"
    )
    rv_before = team.get(name)["metadata"]["resourceVersion"]
    started = time.monotonic()
    # Three more passes over the project (resyncs, however long the machine takes): no write at all.
    after = operator_process.wait_reconciles(team.namespace, name, 3)
    elapsed = time.monotonic() - started
    assert _project_writes(after, team) == _project_writes(before, team)
    renewals = after["writes_by_kind"].get("PUT Lease", 0) - before["writes_by_kind"].get("PUT Lease", 0)
    assert renewals <= elapsed / 2 + 1  # one renewal per 2 s (lease 6 s)
    assert after["calls"] > before["calls"], "it did look (level-triggered resync)"
    assert team.get(name)["metadata"]["resourceVersion"] == rv_before


def test_operator_holds_only_the_chart_rbac(operator_kubeconfig):
    from kubernetes import config as kube_config

    with kube_config.new_client_from_config(str(operator_kubeconfig)) as api:
        auth = client.AuthorizationV1Api(api)

        def allowed(verb: str, resource: str, group: str = "") -> bool:
            review = client.V1SelfSubjectAccessReview(
                spec=client.V1SelfSubjectAccessReviewSpec(
                    resource_attributes=client.V1ResourceAttributes(verb=verb, resource=resource, group=group)
                )
            )
            return auth.create_self_subject_access_review(review).status.allowed

        assert allowed("patch", "deployments", "apps")
        assert allowed("patch", ["labelingprojects", "status"][0], GROUP)
        assert allowed("get", "secrets")
        assert not allowed("list", "secrets"), "secrets are read by name only"
        assert not allowed("delete", "deployments", "apps"), "children go by garbage collection"
        assert not allowed("create", "pods")
        assert not allowed("create", "clusterroles", "rbac.authorization.k8s.io")
        assert not allowed("delete", "namespaces")


def _project_with_data(team: Team, s3, name: str, policy: str) -> dict[str, Any]:
    team.apply(sample_manifest(s3, name=name, deletionPolicy=policy))
    project = team.wait_ready(name)
    s3.client().put_object(
        Bucket=project["status"]["buckets"]["source"], Key="assets/sha256/ab/x", Body=b"img"
    )
    return project


def _gone(team: Team, name: str) -> bool:
    try:
        team.get(name)
        return False
    except client.ApiException as exc:
        return exc.status == 404


def _schema_and_role(postgres, project: dict[str, Any]) -> tuple[bool, bool]:
    db = project["status"]["database"]
    with psycopg.connect(postgres.admin_dsn) as conn:
        schema = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (db["schema"],)).fetchone()
        role = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (db["role"],)).fetchone()
    return schema is not None, role is not None


def _buckets(s3, project: dict[str, Any]) -> set[str]:
    names = {b["Name"] for b in s3.client().list_buckets()["Buckets"]}
    return names & set(project["status"]["buckets"].values())


def test_deletion_retain_keeps_buckets_schema_and_role(team, s3, postgres, admin_api):
    project = _project_with_data(team, s3, "keep", "Retain")
    team.delete("keep")
    eventually(lambda: _gone(team, "keep"), "LabelingProject keep deleted", timeout=60)
    assert _buckets(s3, project) == set(project["status"]["buckets"].values())
    assert (
        s3.client()
        .get_object(Bucket=project["status"]["buckets"]["source"], Key="assets/sha256/ab/x")["Body"]
        .read()
        == b"img"
    )
    assert _schema_and_role(postgres, project) == (True, True)
    apps = client.AppsV1Api(admin_api)
    eventually(
        lambda: (
            not [
                d
                for d in apps.list_namespaced_deployment(team.namespace).items
                if d.metadata.name.startswith("keep-")
            ]
        ),
        "children garbage-collected",
        timeout=60,
    )


def test_deletion_delete_removes_buckets_schema_and_role(team, s3, postgres):
    project = _project_with_data(team, s3, "drop", "Delete")
    team.delete("drop")
    eventually(lambda: _gone(team, "drop"), "LabelingProject drop deleted", timeout=60)
    assert _buckets(s3, project) == set()
    assert _schema_and_role(postgres, project) == (False, False)


KEDA_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "scaledobjects.keda.sh"},
    "spec": {
        "group": "keda.sh",
        "scope": "Namespaced",
        "names": {
            "kind": "ScaledObject",
            "plural": "scaledobjects",
            "singular": "scaledobject",
            "listKind": "ScaledObjectList",
        },
        "versions": [
            {
                "name": "v1alpha1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
                },
            }
        ],
    },
}


def _switched_off_keda_removes(team: Team, project: dict[str, Any], operator_kubeconfig) -> None:
    """An operator configured with KEDA off (this one, in-process, with the chart's RBAC) deletes the
    ScaledObject it finds, so it cannot fight the built-in scaler."""
    from labelhive_operator.config import load_config
    from labelhive_operator.context import Context
    from labelhive_operator.kube import Kube
    from labelhive_operator.project import Project
    from labelhive_operator.state import ProjectRuntime
    from labelhive_operator.steps.workers import remove_scaled_object

    config = load_config({"LABELHIVE_OPERATOR_KEDA": "off"})
    kube = Kube(kubernetes_config(operator_kubeconfig))
    ctx = Context(config=config, kube=kube, executor=None)  # type: ignore[arg-type]
    custom = client.CustomObjectsApi(team.api)
    before = custom.get_namespaced_custom_object(
        "keda.sh", "v1alpha1", team.namespace, "scaledobjects", "kedaproj-worker"
    )["metadata"]["uid"]
    remove_scaled_object(ctx, Project(project), ProjectRuntime())
    try:
        after = custom.get_namespaced_custom_object(
            "keda.sh", "v1alpha1", team.namespace, "scaledobjects", "kedaproj-worker"
        )["metadata"]["uid"]
    except client.ApiException as exc:
        assert exc.status == 404
        after = None
    assert after != before, "the ScaledObject was deleted (the KEDA-on operator may have made a new one)"
    assert any(e.reason == "ScaledObjectRemoved" for e in team.events("kedaproj"))


def kubernetes_config(kubeconfig):
    from kubernetes.client import Configuration

    cfg = Configuration()
    config.load_kube_config(str(kubeconfig), client_configuration=cfg)
    return cfg


def test_keda_scaled_object_replaces_the_builtin_scaler_when_keda_is_installed(
    team, s3, admin_api, operator_kubeconfig
):
    """KEDA itself is not installed here: its ScaledObject API (the CRD) is what the operator detects."""
    ext = client.ApiextensionsV1Api(admin_api)
    ext.create_custom_resource_definition(KEDA_CRD)
    try:
        eventually(
            lambda: any(
                c.type == "Established" and c.status == "True"
                for c in ext.read_custom_resource_definition("scaledobjects.keda.sh").status.conditions or []
            ),
            "KEDA CRD established",
        )
        team.apply(sample_manifest(s3, name="kedaproj"))
        team.wait_ready("kedaproj")
        # KEDA discovery is re-checked every few seconds: the project converges onto it, level-triggered.
        project = eventually(
            lambda: (p := team.get("kedaproj"))["status"]["workers"]["scaler"] == "keda" and p,
            "kedaproj scaled by KEDA",
        )
        so = client.CustomObjectsApi(admin_api).get_namespaced_custom_object(
            "keda.sh", "v1alpha1", team.namespace, "scaledobjects", "kedaproj-worker"
        )
        assert so["spec"]["scaleTargetRef"]["name"] == "kedaproj-worker"
        assert so["spec"]["triggers"][0]["metadata"]["queueName"] == project["status"]["queue"]["name"]
        assert so["metadata"]["ownerReferences"][0]["uid"] == project["metadata"]["uid"]
        _switched_off_keda_removes(team, project, operator_kubeconfig)
        team.delete("kedaproj")
        eventually(lambda: _gone(team, "kedaproj"), "kedaproj deleted", timeout=60)
    finally:
        ext.delete_custom_resource_definition("scaledobjects.keda.sh")
