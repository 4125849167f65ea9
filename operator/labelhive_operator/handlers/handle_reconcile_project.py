"""Reconcile one LabelingProject, level-triggered and idempotent, step by step in dependency order:
buckets -> schema + role -> app Secret -> migration Job -> API/UI/interactive -> Ingress -> workers -> status.

Each step yields a condition. On a new project a step that cannot proceed stops the ones after it (they
report Blocked); once the app Secret exists, an S3 or PostgreSQL outage is reported and the later steps
still run with the credentials already issued, so a deleted Deployment is repaired during an outage.
Nothing that exists is deleted because something is unreachable.
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
from labelhive_operator.handlers.reconcile_workloads import run_workload_steps
from labelhive_operator.kube import KubeError
from labelhive_operator.project import Project
from labelhive_operator.provision import broker, database, storage
from labelhive_operator.provision.queue import QueueError
from labelhive_operator.render import app_env
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
    advisories: list[c.Condition] = field(default_factory=list)

    @property
    def ready(self) -> c.Condition:
        return c.summary(self.steps)


def _fail(step: str, reason: str, message: str) -> StepFailed:
    return StepFailed(c.Condition(step, False, reason, message, failed=True))


def admin_secret(ctx: Context, step: str, name: str, keys: tuple[str, ...]) -> dict[str, str]:
    """An admin Secret, read from the operator's own namespace only (never the tenant's)."""
    namespace = ctx.config.namespace
    data = ctx.read_secret(namespace, name)
    if data is None:
        raise _fail(
            step,
            "SecretMissing",
            f"Secret {namespace}/{name} not found in the operator's namespace (keys: {', '.join(keys)})",
        )
    missing = [k for k in keys if not data.get(k)]
    if missing:
        raise _fail(step, "SecretKeyMissing", f"Secret {namespace}/{name} has no key {missing[0]!r}")
    return data


def _generated(existing: dict[str, str] | None, key: str) -> str:
    return (existing or {}).get(key) or secrets.token_urlsafe(32)


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


def _read_admin_secret(
    ctx: Context, step: str, name: str, keys: tuple[str, ...]
) -> tuple[dict[str, str] | None, StepFailed | None]:
    try:
        return admin_secret(ctx, step, name, keys), None
    except StepFailed as exc:
        return None, exc


def _continue_or_raise(out: Outcome, exc: StepFailed, existing_app: dict[str, str] | None, key: str) -> None:
    """A new project stops at a failed step; a provisioned one reports it and goes on with what it has."""
    if existing_app is None or not existing_app.get(key):
        raise exc
    out.steps.append(exc.condition)


def _storage_step(
    ctx: Context,
    project: Project,
    runtime: ProjectRuntime,
    out: Outcome,
    existing_app: dict[str, str] | None,
    fresh: bool,
    s3_secret: dict[str, str],
) -> storage.S3Identity:
    spec = project.spec
    admin = storage.S3Identity(s3_secret["accessKey"], s3_secret["secretKey"])
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
    return identity


def _database_step(
    project: Project,
    runtime: ProjectRuntime,
    out: Outcome,
    existing_app: dict[str, str] | None,
    fresh: bool,
    pg_secret: dict[str, str],
    pool: app_env.PoolPlan,
) -> str:
    """Ensures the role and schema; returns the project's database URL."""
    spec = project.spec
    try:
        _, address = database.parse_admin_url(pg_secret["url"])
    except database.DatabaseError as exc:
        raise _fail(c.DATABASE_READY, exc.reason, str(exc)) from None
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
            runtime.connection_budget = database.connection_budget(pg_secret["url"])
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
    return database.app_url(address, project.role, password)


def _broker_step(
    project: Project,
    runtime: ProjectRuntime,
    existing_app: dict[str, str] | None,
    fresh: bool,
    amqp_secret: dict[str, str],
) -> str:
    """The project's own vhost and user on the broker; returns the project's AMQP URL (never the admin's)."""
    management = amqp_secret.get("managementUrl")
    if not management:
        raise _fail(
            c.SECRET_READY,
            "BrokerManagementMissing",
            f"Secret {project.spec.queue.amqp_secret} needs managementUrl: each project gets its own RabbitMQ "
            "virtual host and user, created through the management API",
        )
    old = (existing_app or {}).get(app_env.AMQP_URL, "")
    # The password issued before is kept while the URL still names this project's user on this broker.
    old_password = database.password_of(old)
    url = broker.project_url(
        amqp_secret["url"], project.broker_vhost, project.broker_vhost, old_password or ""
    )
    if not old_password or url != old:
        old_password = None
    password = old_password or secrets.token_urlsafe(24)
    url = broker.project_url(amqp_secret["url"], project.broker_vhost, project.broker_vhost, password)
    if not fresh or url != old:
        try:
            broker.ensure_project_broker(management, project.broker_vhost, project.broker_vhost, password)
        except QueueError as exc:
            raise _fail(c.SECRET_READY, exc.reason, str(exc)) from None
    runtime.management_url = management
    runtime.amqp_url = url
    return url


def _budget_condition(runtime: ProjectRuntime) -> c.Condition | None:
    budget = runtime.connection_budget
    if budget is None:
        return None
    if budget.fits:
        return c.Condition(c.CONNECTION_BUDGET, True, "WithinBudget", budget.describe())
    return c.Condition(c.CONNECTION_BUDGET, False, "Overcommitted", budget.describe())


def _run_steps(
    ctx: Context, project: Project, runtime: ProjectRuntime, out: Outcome, pending: list[str]
) -> None:
    spec = project.spec
    existing_app = ctx.read_secret(project.namespace, project.app_secret)

    s3_secret, s3_error = _read_admin_secret(
        ctx, c.STORAGE_READY, spec.storage.credentials_secret, ("accessKey", "secretKey")
    )
    pg_secret, pg_error = _read_admin_secret(ctx, c.DATABASE_READY, spec.database.admin_secret, ("url",))
    amqp_secret, amqp_error = _read_admin_secret(ctx, c.SECRET_READY, spec.queue.amqp_secret, ("url",))
    fingerprint = external_fingerprint(project, s3_secret or {}, pg_secret or {}, amqp_secret or {})
    fresh = (
        runtime.external_fingerprint == fingerprint
        and time.monotonic() - runtime.external_checked_at < ctx.config.resync_seconds
        and existing_app is not None
    )

    # 1. Storage ---------------------------------------------------------------------------------------
    try:
        if s3_secret is None:
            raise s3_error or _fail(c.STORAGE_READY, "SecretMissing", "no S3 credentials")
        identity = _storage_step(ctx, project, runtime, out, existing_app, fresh, s3_secret)
    except StepFailed as exc:
        _continue_or_raise(out, exc, existing_app, app_env.S3_ACCESS_KEY)
        assert existing_app is not None
        identity = storage.S3Identity(
            existing_app[app_env.S3_ACCESS_KEY], existing_app[app_env.S3_SECRET_KEY]
        )

    # 2. Database --------------------------------------------------------------------------------------
    try:
        pool = app_env.plan_pool(spec.database.connection_limit, spec.api.replicas)
    except app_env.ConnectionLimitTooLow as exc:
        raise _fail(c.DATABASE_READY, "ConnectionLimitTooLow", str(exc)) from None
    try:
        if pg_secret is None:
            raise pg_error or _fail(c.DATABASE_READY, "SecretMissing", "no PostgreSQL admin URL")
        database_url = _database_step(project, runtime, out, existing_app, fresh, pg_secret, pool)
    except StepFailed as exc:
        _continue_or_raise(out, exc, existing_app, app_env.DATABASE_URL)
        assert existing_app is not None
        database_url = existing_app[app_env.DATABASE_URL]
    budget = _budget_condition(runtime)
    if budget is not None:
        out.advisories.append(budget)

    # 3. App Secret ------------------------------------------------------------------------------------
    if amqp_secret is None:
        raise amqp_error or _fail(c.SECRET_READY, "SecretMissing", "no AMQP URL")
    amqp_url = _broker_step(project, runtime, existing_app, fresh, amqp_secret)
    values = {
        app_env.DATABASE_URL: database_url,
        app_env.SECRET_KEY: _generated(existing_app, app_env.SECRET_KEY),
        app_env.ADMIN_PASSWORD: _generated(existing_app, app_env.ADMIN_PASSWORD),
        app_env.S3_ACCESS_KEY: identity.access_key,
        app_env.S3_SECRET_KEY: identity.secret_key,
        app_env.AMQP_URL: amqp_url,
        app_env.API_TOKEN: _generated(existing_app, app_env.API_TOKEN),
    }
    if existing_app != {**(existing_app or {}), **values} or existing_app is None:
        ctx.kube.apply(app_env.build_app_secret(project, values))
    degraded = any(step.status is not True for step in out.steps)
    if not degraded:
        runtime.external_fingerprint = fingerprint
        if not fresh:
            runtime.external_checked_at = time.monotonic()
    checksum = app_env.secret_checksum(values)
    out.status["adminCredentials"] = {
        "emails": list(spec.auth.admins),
        "secret": project.app_secret,
        "passwordKey": app_env.ADMIN_PASSWORD,
    }
    out.steps.append(
        c.Condition(
            c.SECRET_READY,
            True,
            "SecretReady",
            f"Secret {project.app_secret} holds the app's credentials; the admins' first password is its key "
            f"{app_env.ADMIN_PASSWORD}",
        )
    )

    # 4.-8. Migration, Deployments, Ingress, workers ---------------------------------------------------
    run_workload_steps(ctx, project, runtime, out, pool, checksum)
