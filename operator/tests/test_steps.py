"""Single reconcile steps on an in-memory client (step_fakes.py): each returns its Condition, writes what
it must and nothing on a second look."""

from labelhive_operator import conditions as c
from labelhive_operator.render import workloads
from labelhive_operator.scaling.scaler import owns_replicas
from labelhive_operator.state import ProjectRuntime
from labelhive_operator.steps import migration
from labelhive_operator.steps.components import api_step, deployment_ready
from labelhive_operator.steps.database import budget_condition
from labelhive_operator.steps.ingress import ingress_step
from labelhive_operator.steps.migration import job_state, migration_step, retry_delay, retry_pending
from labelhive_operator.steps.storage import SCOPED_IDENTITY, storage_step
from labelhive_operator.steps.workers import workers_step
from operator_samples import sample_project
from step_fakes import fake_context

NS = "factory-a"


def test_workers_step_creates_at_min_replicas_and_hands_them_to_the_scaler():
    ctx, kube = fake_context()
    project = sample_project(prelabel={"minReplicas": 1, "maxReplicas": 4})
    status: dict = {}
    cond = workers_step(ctx, project, ProjectRuntime(), status, "sum")
    live = kube.get("apps/v1", "Deployment", NS, "weld-defects-worker")
    assert live["spec"]["replicas"] == 1 and owns_replicas(live)
    assert kube.writes[-1] == ("scale", "Deployment", "weld-defects-worker")
    assert status["workers"] == {"replicas": 1, "ready": 0, "scaler": "builtin"}
    assert cond.type == c.WORKERS_READY and cond.reason == "Scaling"

    kube.apply_scale("apps/v1", "Deployment", NS, "weld-defects-worker", 3)  # the scaler's doing
    ctx.cache.drop("Deployment", NS, "weld-defects-worker")  # as the watch event would refresh it
    before = len(kube.writes)
    workers_step(ctx, project, ProjectRuntime(), status, "sum")
    assert len(kube.writes) == before, "the reconcile leaves the scaler's replicas alone"
    assert status["workers"]["replicas"] == 3


def test_workers_step_takes_over_the_replicas_of_an_older_operators_deployment():
    ctx, kube = fake_context()
    project = sample_project(prelabel={"minReplicas": 0, "maxReplicas": 2})
    old = workloads.build_worker_deployment_spec(project, "w:1", 5, "IfNotPresent", "cluster.local", "sum")
    kube.apply(old)  # rendered with replicas by the reconcile itself, as before
    workers_step(ctx, project, ProjectRuntime(), {}, "sum")
    live = kube.get("apps/v1", "Deployment", NS, "weld-defects-worker")
    assert owns_replicas(live) and live["spec"]["replicas"] == 2  # clamped to maxReplicas
    assert [w[0] for w in kube.writes[1:3]] == ["scale", "apply"], "claimed before the apply drops them"


def _fail_job(ctx, kube, name: str) -> None:
    kube.objects[("Job", NS, name)]["status"] = {"conditions": [{"type": "Failed", "status": "True"}]}
    ctx.cache.drop("Job", NS, name)


def test_migration_step_deletes_a_failed_job_and_retries_it_after_a_backoff(monkeypatch):
    ctx, kube = fake_context()
    project = sample_project()
    runtime, status = ProjectRuntime(), {}
    cond, migrated = migration_step(ctx, project, runtime, status, "api:2", "sum")
    assert (cond.reason, migrated) == ("MigrationRunning", None)
    name = workloads.migration_job_name(project, "api:2")
    _fail_job(ctx, kube, name)
    clock = [1000.0]
    monkeypatch.setattr(migration.time, "monotonic", lambda: clock[0])
    done = {"exitCode": 1, "message": "Traceback ...\nCommandError: Can't locate revision '0000dead'\n"}
    pod = {"metadata": {"name": "m-1"}, "status": {"containerStatuses": [{"state": {"terminated": done}}]}}
    kube.objects[("Pod", NS, "m-1")] = pod
    cond, migrated = migration_step(ctx, project, runtime, status, "api:2", "sum")
    assert cond.reason == "MigrationFailed" and cond.failed and migrated is None
    assert "Can't locate revision '0000dead'" in cond.message, "the pod's own words say why"
    assert ("delete", "Job", name) in kube.writes and status["migrationRetries"] == 1
    assert ("Job", NS, name) not in kube.objects and retry_pending(runtime)
    failure = cond.message
    assert "retry 1" in failure and "10 s" in failure

    # During the backoff (the Job's deletion wakes the loop at once) the failure stays the news, the
    # same message (no new Event), and no Job is created.
    project.status["migrationRetries"] = 1
    clock[0] += 9.0
    cond, _ = migration_step(ctx, project, runtime, status, "api:2", "sum")
    assert (cond.reason, cond.message, cond.failed) == ("MigrationFailed", failure, True)
    assert ("Job", NS, name) not in kube.objects

    clock[0] += 1.5
    cond, _ = migration_step(ctx, project, runtime, status, "api:2", "sum")
    assert cond.reason == "MigrationRunning" and ("Job", NS, name) in kube.objects
    assert not retry_pending(runtime)

    # The second failure waits twice as long.
    _fail_job(ctx, kube, name)
    cond, _ = migration_step(ctx, project, runtime, status, "api:2", "sum")
    assert "retry 2" in cond.message and "20 s" in cond.message and status["migrationRetries"] == 2


def test_migration_retry_delay_doubles_up_to_the_backoff_maximum():
    assert [retry_delay(n, 300.0) for n in (1, 2, 3, 6)] == [10.0, 20.0, 40.0, 300.0]
    assert retry_delay(1, 5.0) == 5.0


def test_job_state_and_deployment_ready():
    assert job_state(None) == ("missing", "")
    assert job_state({"status": {"succeeded": 1}})[0] == "succeeded"
    live = {"metadata": {"generation": 2}, "status": {"observedGeneration": 2, "readyReplicas": 1}}
    assert deployment_ready(live, 2) == (False, "1/2 replicas ready")


def test_api_waits_for_its_migration_but_its_service_exists():
    ctx, kube = fake_context()
    cond = api_step(ctx, sample_project(), None, "api:1", None, "sum")  # type: ignore[arg-type]
    assert cond.reason == "WaitingForMigration"
    assert ("Service", NS, "weld-defects-api") in kube.objects
    assert ("Deployment", NS, "weld-defects-api") not in kube.objects


def test_ingress_step_refuses_a_host_another_ingress_serves():
    ctx, kube = fake_context()
    ctx.hosts.update("factory-b", "other", {"weld.factory-a.example.com"})
    cond = ingress_step(ctx, sample_project())
    assert cond.reason == "HostTaken" and "factory-b/other" in cond.message
    assert kube.writes == []


def test_storage_step_trusts_a_fresh_look_and_keeps_the_scoped_identity():
    existing = {"LABELHIVE_S3_ACCESS_KEY": "scoped", "LABELHIVE_S3_SECRET_KEY": "s"}
    cond, identity = storage_step(
        sample_project(), ProjectRuntime(), existing, True, {"accessKey": "admin", "secretKey": "x"}
    )
    assert cond.status is True and cond.message == SCOPED_IDENTITY
    assert identity.access_key == "scoped"


def test_connection_budget_is_advisory():
    assert budget_condition(ProjectRuntime()) is None
