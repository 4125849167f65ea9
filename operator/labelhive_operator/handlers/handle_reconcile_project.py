"""Reconcile one LabelingProject, level-triggered and idempotent, step by step in dependency order:
buckets -> schema + role -> app Secret -> migration Job -> API/UI/interactive -> Ingress -> workers -> status.
Each step is a module of steps/ and returns its Condition (or raises StepFailed with it).

On a new project a step that cannot proceed stops the ones after it (they report Blocked); once the app
Secret exists, an S3 or PostgreSQL outage is reported and the later steps still run with the credentials
already issued, so a deleted Deployment is repaired during an outage. Nothing that exists is deleted because
something is unreachable.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from pydantic import ValidationError

from labelhive_operator import conditions as c
from labelhive_operator.context import Context
from labelhive_operator.kube import KubeError
from labelhive_operator.project import Project
from labelhive_operator.provision import storage
from labelhive_operator.render import app_env
from labelhive_operator.state import ProjectRuntime
from labelhive_operator.steps.app_secret import app_secret_step, app_secret_values, broker_url
from labelhive_operator.steps.common import Outcome, StepFailed, fail, read_admin_secret
from labelhive_operator.steps.components import api_step, interactive_step, ui_step
from labelhive_operator.steps.database import budget_condition, database_step, plan_pool
from labelhive_operator.steps.ingress import ingress_step
from labelhive_operator.steps.migration import migration_step, retry_pending
from labelhive_operator.steps.storage import storage_step
from labelhive_operator.steps.workers import workers_step

__all__ = ["Outcome", "reconcile"]


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


def _continue_or_raise(out: Outcome, exc: StepFailed, existing_app: dict[str, str] | None, key: str) -> None:
    """A new project stops at a failed step; a provisioned one reports it and goes on with what it has."""
    if existing_app is None or not existing_app.get(key):
        raise exc
    out.steps.append(exc.condition)


def _run_steps(
    ctx: Context, project: Project, runtime: ProjectRuntime, out: Outcome, pending: list[str]
) -> None:
    spec = project.spec
    existing_app = ctx.read_secret(project.namespace, project.app_secret)
    s3_secret, s3_error = read_admin_secret(
        ctx, c.STORAGE_READY, spec.storage.credentials_secret, ("accessKey", "secretKey")
    )
    pg_secret, pg_error = read_admin_secret(ctx, c.DATABASE_READY, spec.database.admin_secret, ("url",))
    amqp_secret, amqp_error = read_admin_secret(ctx, c.SECRET_READY, spec.queue.amqp_secret, ("url",))
    fingerprint = external_fingerprint(project, s3_secret or {}, pg_secret or {}, amqp_secret or {})
    fresh = (
        runtime.external_fingerprint == fingerprint
        and time.monotonic() - runtime.external_checked_at < ctx.config.resync_seconds
        and existing_app is not None
        # A failed migration may have failed on the schema: look at it again before the retry.
        and not retry_pending(runtime)
    )

    # 1. Storage
    try:
        if s3_secret is None:
            raise s3_error or fail(c.STORAGE_READY, "SecretMissing", "no S3 credentials")
        condition, identity = storage_step(project, runtime, existing_app, fresh, s3_secret)
        out.steps.append(condition)
    except StepFailed as exc:
        _continue_or_raise(out, exc, existing_app, app_env.S3_ACCESS_KEY)
        assert existing_app is not None
        identity = storage.S3Identity(
            existing_app[app_env.S3_ACCESS_KEY], existing_app[app_env.S3_SECRET_KEY]
        )

    # 2. Database
    pool = plan_pool(project)
    try:
        if pg_secret is None:
            raise pg_error or fail(c.DATABASE_READY, "SecretMissing", "no PostgreSQL admin URL")
        condition, database_url = database_step(project, runtime, existing_app, fresh, pg_secret, pool)
        out.steps.append(condition)
    except StepFailed as exc:
        _continue_or_raise(out, exc, existing_app, app_env.DATABASE_URL)
        assert existing_app is not None
        database_url = existing_app[app_env.DATABASE_URL]
    budget = budget_condition(runtime)
    if budget is not None:
        out.advisories.append(budget)

    # 3. Broker vhost + user, app Secret
    if amqp_secret is None:
        raise amqp_error or fail(c.SECRET_READY, "SecretMissing", "no AMQP URL")
    amqp_url = broker_url(project, runtime, existing_app, fresh, amqp_secret)
    values = app_secret_values(existing_app, database_url, identity, amqp_url)
    secret_condition = app_secret_step(ctx, project, existing_app, values)
    if not any(step.status is not True for step in out.steps):
        runtime.external_fingerprint = fingerprint
        if not fresh:
            runtime.external_checked_at = time.monotonic()
    checksum = app_env.secret_checksum(values)
    out.status["adminCredentials"] = {
        "emails": list(spec.auth.admins),
        "secret": project.app_secret,
        "passwordKey": app_env.ADMIN_PASSWORD,
    }
    out.steps.append(secret_condition)

    # 4. Migration, 5.-7. API / UI / interactive, 8. Ingress, 9. workers
    api_image = spec.api.image or ctx.config.api_image
    condition, migrated = migration_step(ctx, project, runtime, out.status, api_image, checksum)
    out.steps.append(condition)
    if migrated:
        out.status["migratedImage"] = migrated
    out.steps.append(api_step(ctx, project, migrated, api_image, pool, checksum))
    out.steps.append(ui_step(ctx, project))
    out.steps.append(interactive_step(ctx, project, checksum))
    out.steps.append(ingress_step(ctx, project))
    out.steps.append(workers_step(ctx, project, runtime, out.status, checksum))
