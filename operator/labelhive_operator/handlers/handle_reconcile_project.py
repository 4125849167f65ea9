"""Reconcile one LabelingProject, level-triggered and idempotent, step by step in dependency order:
buckets -> schema + role -> app Secret -> migration Job -> API/UI -> Ingress -> workers -> status.

Each step yields a condition. A step that cannot proceed stops the ones after it (they report Blocked);
nothing that exists is deleted because something is unreachable.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from labelhive_operator import conditions as c
from labelhive_operator.context import Context
from labelhive_operator.kube import KubeError
from labelhive_operator.project import Project
from labelhive_operator.provision import database, storage
from labelhive_operator.render import app_env, network, scaling, workloads
from labelhive_operator.state import ProjectRuntime

SCOPED_IDENTITY = "buckets ready; the project has its own S3 identity limited to its buckets"
NO_IAM = (
    "buckets ready; the S3 backend has no usable IAM API, so the project uses the credentialsSecret identity"
)
SHARED_IDENTITY = "buckets ready; the project uses the credentialsSecret identity"


class StepFailed(Exception):
    def __init__(self, condition: c.Condition) -> None:
        super().__init__(condition.message)
        self.condition = condition


@dataclass
class Outcome:
    steps: list[c.Condition] = field(default_factory=list)
    status: dict[str, Any] = field(default_factory=dict)

    @property
    def ready(self) -> c.Condition:
        return c.summary(self.steps)


def _fail(step: str, reason: str, message: str) -> StepFailed:
    return StepFailed(c.Condition(step, False, reason, message, failed=True))


def _secret(ctx: Context, project: Project, step: str, name: str, keys: tuple[str, ...]) -> dict[str, str]:
    data = ctx.read_secret(project.namespace, name)
    if data is None:
        raise _fail(
            step, "SecretMissing", f"Secret {project.namespace}/{name} not found (keys: {', '.join(keys)})"
        )
    missing = [k for k in keys if not data.get(k)]
    if missing:
        raise _fail(step, "SecretKeyMissing", f"Secret {project.namespace}/{name} has no key {missing[0]!r}")
    return data


def _generated(existing: dict[str, str] | None, key: str) -> str:
    return (existing or {}).get(key) or secrets.token_urlsafe(32)


def _deployment_ready(live: dict[str, Any] | None, replicas: int) -> tuple[bool, str]:
    if not live:
        return False, "not created yet"
    st = live.get("status") or {}
    ready = int(st.get("readyReplicas") or 0)
    updated = int(st.get("updatedReplicas") or 0)
    current = (st.get("observedGeneration") or 0) >= (live.get("metadata", {}).get("generation") or 0)
    ok = current and ready >= replicas and updated >= replicas
    return ok, f"{ready}/{replicas} replicas ready"


def _job_state(job: dict[str, Any] | None) -> tuple[str, str]:
    """('missing' | 'running' | 'succeeded' | 'failed', message)."""
    if job is None:
        return "missing", ""
    st = job.get("status") or {}
    for cond in st.get("conditions") or []:
        if cond.get("status") == "True" and cond.get("type") in ("Complete", "SuccessCriteriaMet"):
            return "succeeded", ""
        if cond.get("status") == "True" and cond.get("type") in ("Failed", "FailureTarget"):
            return "failed", str(cond.get("message") or cond.get("reason") or "job failed")
    if int(st.get("succeeded") or 0) >= 1:
        return "succeeded", ""
    return "running", f"{int(st.get('active') or 0)} pod(s) active, {int(st.get('failed') or 0)} failed"


def external_fingerprint(project: Project, *secret_data: dict[str, str]) -> str:
    """Changes when anything the S3 and PostgreSQL steps depend on changes (values hashed, never kept)."""
    digest = hashlib.sha256(project.spec.model_dump_json().encode())
    for data in secret_data:
        for key in sorted(data):
            digest.update(key.encode() + b"=" + data[key].encode() + b";")
    return digest.hexdigest()


def reconcile(ctx: Context, body: dict[str, Any], runtime: ProjectRuntime) -> Outcome:
    out = Outcome()
    try:
        project = Project(body)
    except ValidationError as exc:
        err = exc.errors()[0]
        field_path = "spec." + ".".join(str(p) for p in err["loc"])
        out.steps.append(
            c.Condition(c.STORAGE_READY, False, "InvalidSpec", f"{field_path}: {err['msg']}", True)
        )
        return out
    out.status.update(
        url=project.public_urls[0],
        urls=project.public_urls,
        buckets={"source": project.source_bucket, "target": project.target_bucket},
        database={"schema": project.schema, "role": project.role},
        queue={"name": project.queue, "depth": runtime.depth if runtime.depth is not None else 0},
    )
    pending = list(c.STEPS)
    try:
        _run_steps(ctx, project, runtime, out, pending)
    except StepFailed as exc:
        out.steps.append(exc.condition)
    except KubeError as exc:
        step = pending[len(out.steps)] if len(out.steps) < len(pending) else c.WORKERS_READY
        out.steps.append(c.Condition(step, False, "KubernetesError", str(exc), failed=True))
    done = {s.type for s in out.steps}
    first_open = next((s for s in out.steps if s.status is not True), None)
    for step in pending:
        if step not in done:
            blocker = first_open.type if first_open else "previous step"
            out.steps.append(c.Condition(step, None, "Blocked", f"waiting for {blocker}"))
    return out


def _run_steps(
    ctx: Context, project: Project, runtime: ProjectRuntime, out: Outcome, pending: list[str]
) -> None:
    spec = project.spec
    cfg = ctx.config

    # 1. Storage ---------------------------------------------------------------------------------------
    s3_secret = _secret(
        ctx, project, c.STORAGE_READY, spec.storage.credentials_secret, ("accessKey", "secretKey")
    )
    pg_secret = _secret(ctx, project, c.DATABASE_READY, spec.database.admin_secret, ("url",))
    amqp_secret = _secret(ctx, project, c.SECRET_READY, spec.queue.amqp_secret, ("url",))
    existing_app = ctx.read_secret(project.namespace, project.app_secret)
    admin = storage.S3Identity(s3_secret["accessKey"], s3_secret["secretKey"])
    fingerprint = external_fingerprint(project, s3_secret, pg_secret)
    fresh = (
        runtime.external_fingerprint == fingerprint
        and time.monotonic() - runtime.external_checked_at < cfg.resync_seconds
        and existing_app is not None
    )
    identity = admin
    storage_message = runtime.storage_message or SHARED_IDENTITY
    known = None
    if existing_app and existing_app.get(app_env.S3_ACCESS_KEY) not in (None, admin.access_key):
        known = storage.S3Identity(
            existing_app[app_env.S3_ACCESS_KEY], existing_app.get(app_env.S3_SECRET_KEY, "")
        )
    buckets = [project.source_bucket, project.target_bucket]
    if fresh and known is not None:
        identity = known
        storage_message = SCOPED_IDENTITY
    elif not fresh:
        try:
            storage.ensure_buckets(
                spec.storage.endpoint,
                spec.storage.region,
                admin,
                buckets,
                spec.storage.server_side_encryption,
                spec.storage.kms_key_id,
            )
            if spec.storage.scoped_credentials != "Disabled":
                scoped = storage.ensure_scoped_identity(
                    spec.storage.endpoint,
                    spec.storage.region,
                    admin,
                    project.iam_user,
                    buckets,
                    known,
                    read_only=spec.storage.import_bucket_names,
                )
                if scoped is not None:
                    identity = scoped
                    storage_message = SCOPED_IDENTITY
                elif spec.storage.scoped_credentials == "Required":
                    raise _fail(
                        c.STORAGE_READY,
                        "NoIAMAPI",
                        "scopedCredentials is Required but the S3 backend has no usable IAM API",
                    )
                else:
                    storage_message = NO_IAM
        except storage.StorageError as exc:
            raise _fail(c.STORAGE_READY, exc.reason, str(exc)) from None
        runtime.storage_message = storage_message
    out.steps.append(c.Condition(c.STORAGE_READY, True, "BucketsReady", storage_message))

    # 2. Database --------------------------------------------------------------------------------------
    try:
        _, address = database.parse_admin_url(pg_secret["url"])
        pool = app_env.plan_pool(spec.database.connection_limit, spec.api.replicas)
    except database.DatabaseError as exc:
        raise _fail(c.DATABASE_READY, exc.reason, str(exc)) from None
    except app_env.ConnectionLimitTooLow as exc:
        raise _fail(c.DATABASE_READY, "ConnectionLimitTooLow", str(exc)) from None
    old_password = database.password_of((existing_app or {}).get(app_env.DATABASE_URL, ""))
    password = old_password or secrets.token_urlsafe(24)
    if not fresh or old_password is None:
        try:
            database.ensure_role_and_schema(
                pg_secret["url"],
                project.role,
                project.schema,
                password,
                set_password=old_password is None,
                connection_limit=spec.database.connection_limit,
            )
        except database.DatabaseError as exc:
            raise _fail(c.DATABASE_READY, exc.reason, str(exc)) from None
    out.steps.append(
        c.Condition(
            c.DATABASE_READY,
            True,
            "SchemaReady",
            f"schema {project.schema} owned by role {project.role} (connection limit {spec.database.connection_limit}; "
            f"API pool {pool.pool_size}+{pool.max_overflow} per process)",
        )
    )

    # 3. App Secret ------------------------------------------------------------------------------------
    values = {
        app_env.DATABASE_URL: database.app_url(address, project.role, password),
        app_env.SECRET_KEY: _generated(existing_app, app_env.SECRET_KEY),
        app_env.ADMIN_PASSWORD: _generated(existing_app, app_env.ADMIN_PASSWORD),
        app_env.S3_ACCESS_KEY: identity.access_key,
        app_env.S3_SECRET_KEY: identity.secret_key,
        app_env.AMQP_URL: amqp_secret["url"],
        app_env.API_TOKEN: _generated(existing_app, app_env.API_TOKEN),
    }
    if existing_app != {**(existing_app or {}), **values} or existing_app is None:
        ctx.kube.apply(app_env.build_app_secret(project, values))
    runtime.external_fingerprint = fingerprint
    if not fresh:
        runtime.external_checked_at = time.monotonic()
    runtime.management_url = amqp_secret.get("managementUrl") or None
    runtime.amqp_url = amqp_secret["url"]
    checksum = app_env.secret_checksum(values)
    out.steps.append(
        c.Condition(
            c.SECRET_READY, True, "SecretReady", f"Secret {project.app_secret} holds the app's credentials"
        )
    )

    # 4. Migration -------------------------------------------------------------------------------------
    api_image = spec.api.image or cfg.api_image
    migrated = project.status.get("migratedImage")
    if migrated == api_image:
        out.steps.append(c.Condition(c.MIGRATED, True, "Migrated", f"database migrated for {api_image}"))
    else:
        job_name = workloads.migration_job_name(project, api_image)
        job = ctx.live("batch/v1", "Job", project.namespace, job_name)
        if job is None:
            job = ctx.ensure(
                workloads.build_migration_job_spec(project, api_image, cfg.image_pull_policy, checksum)
            )
        state, message = _job_state(job)
        if state == "running":
            state, message = _job_state(ctx.fresh("batch/v1", "Job", project.namespace, job_name))
        if state == "succeeded":
            migrated = api_image
            out.steps.append(c.Condition(c.MIGRATED, True, "Migrated", f"database migrated for {api_image}"))
        elif state == "failed":
            out.steps.append(
                c.Condition(c.MIGRATED, False, "MigrationFailed", f"Job {job_name}: {message}", failed=True)
            )
        else:
            out.steps.append(c.Condition(c.MIGRATED, False, "MigrationRunning", f"Job {job_name}: {message}"))
    if migrated:
        out.status["migratedImage"] = migrated

    # 5. API and UI ------------------------------------------------------------------------------------
    if migrated:
        api = ctx.ensure(
            workloads.build_api_deployment_spec(project, migrated, pool, cfg.image_pull_policy, checksum)
        )
        ok, message = _deployment_ready(api, spec.api.replicas)
        if not ok:
            ok, message = _deployment_ready(
                ctx.fresh("apps/v1", "Deployment", project.namespace, project.child("api")), spec.api.replicas
            )
        if migrated != api_image:
            message += f"; running {migrated} until the migration for {api_image} completes"
        out.steps.append(c.Condition(c.API_READY, ok, "Available" if ok else "Progressing", message))
    else:
        out.steps.append(
            c.Condition(c.API_READY, False, "WaitingForMigration", "the API starts after its migration")
        )
    ctx.ensure(network.build_service_spec(project, "api"))
    ui = ctx.ensure(
        workloads.build_ui_deployment_spec(project, spec.ui.image or cfg.ui_image, cfg.image_pull_policy)
    )
    ctx.ensure(network.build_service_spec(project, "ui"))
    ok, message = _deployment_ready(ui, spec.ui.replicas)
    if not ok:
        ok, message = _deployment_ready(
            ctx.fresh("apps/v1", "Deployment", project.namespace, project.child("ui")), spec.ui.replicas
        )
    out.steps.append(c.Condition(c.UI_READY, ok, "Available" if ok else "Progressing", message))

    # 6. Ingress ---------------------------------------------------------------------------------------
    taken = {h: ctx.hosts.claimed_by_others(h, project.namespace, project.name) for h in spec.ingress.hosts}
    taken = {h: owners for h, owners in taken.items() if owners}
    if taken:
        host, owners = next(iter(taken.items()))
        out.steps.append(
            c.Condition(
                c.INGRESS_READY,
                False,
                "HostTaken",
                f"host {host} is already served by Ingress {owners[0]}",
                True,
            )
        )
    else:
        ingress = ctx.ensure(network.build_ingress_spec(project))
        ctx.hosts.update(project.namespace, project.name, set(spec.ingress.hosts))
        lb = ((ingress.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        where = ", ".join(str(i.get("ip") or i.get("hostname")) for i in lb) or "no load balancer address yet"
        out.steps.append(
            c.Condition(
                c.INGRESS_READY, True, "Configured", f"hosts {', '.join(spec.ingress.hosts)} ({where})"
            )
        )

    # 7. Workers ---------------------------------------------------------------------------------------
    worker_image = spec.prelabel.image or cfg.worker_image
    keda = ctx.keda_available()
    if keda:
        worker = ctx.ensure(
            workloads.build_worker_deployment_spec(
                project, worker_image, None, cfg.image_pull_policy, cfg.cluster_domain, checksum
            )
        )
        ctx.ensure(scaling.build_scaled_object_spec(project))
        replicas = int((worker.get("spec") or {}).get("replicas") or 0)
    else:
        live = ctx.live("apps/v1", "Deployment", project.namespace, project.child("worker"))
        current = runtime.desired_workers
        if current is None:
            current = (
                int((live or {}).get("spec", {}).get("replicas") or 0) if live else spec.prelabel.min_replicas
            )
        replicas = min(max(current, spec.prelabel.min_replicas), spec.prelabel.max_replicas)
        runtime.desired_workers = replicas
        worker = ctx.ensure(
            workloads.build_worker_deployment_spec(
                project, worker_image, replicas, cfg.image_pull_policy, cfg.cluster_domain, checksum
            )
        )
    ready = int((worker.get("status") or {}).get("readyReplicas") or 0)
    out.status["workers"] = {"replicas": replicas, "ready": ready, "scaler": "keda" if keda else "builtin"}
    out.steps.append(
        c.Condition(
            c.WORKERS_READY,
            True,
            "ScaledObject" if keda else "Scaling",
            f"{ready}/{replicas} workers ready (min {spec.prelabel.min_replicas}, max {spec.prelabel.max_replicas}, "
            f"{spec.prelabel.gpu.count} x {spec.prelabel.gpu.resource} each)",
        )
    )
