"""Step 4, Migrated: the migration Job for the API image (the API starts only after it); a failed Job is
deleted and runs again after a backoff, without a human. During the backoff the condition keeps saying
MigrationFailed (so the user sees why), and the database step checks the schema and role again, so the
retry does not run before a dropped schema is back."""

from __future__ import annotations

import time
from typing import Any

from labelhive_operator import conditions as c
from labelhive_operator.context import Context
from labelhive_operator.pods import last_failure
from labelhive_operator.project import LABEL_COMPONENT, Project
from labelhive_operator.render import workloads
from labelhive_operator.state import ProjectRuntime
from labelhive_operator.steps.components import pods_problem

# The first retry waits this long, each further one twice as long, up to the operator's backoff maximum.
FIRST_RETRY_SECONDS = 10.0


def job_state(job: dict[str, Any] | None) -> tuple[str, str]:
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


def retry_delay(retry: int, backoff_max: float) -> float:
    """Seconds between the failure of a migration Job and retry number `retry` (1, 2, ...)."""
    return min(backoff_max, FIRST_RETRY_SECONDS * 2.0 ** max(0, retry - 1))


def retry_pending(runtime: ProjectRuntime) -> bool:
    """A failed migration waits for its retry (the database step looks at the schema again meanwhile)."""
    return runtime.migration_retry_at > 0.0


def migration_step(
    ctx: Context,
    project: Project,
    runtime: ProjectRuntime,
    status: dict[str, Any],
    api_image: str,
    checksum: str,
) -> tuple[c.Condition, str | None]:
    """Runs the migration Job for api_image; a failed Job is deleted and, after a backoff, created again.
    Returns the condition and the image the API may run, if any."""
    cfg = ctx.config
    migrated = project.status.get("migratedImage")
    if migrated == api_image:
        runtime.migration_retry_at = 0.0
        return c.Condition(c.MIGRATED, True, "Migrated", f"database migrated for {api_image}"), migrated
    if runtime.migration_retry_at > time.monotonic():
        # The failed Job is gone; its failure stays the news until the retry (nothing else is looked at).
        return c.Condition(c.MIGRATED, False, "MigrationFailed", runtime.migration_failure, True), migrated
    job_name = workloads.migration_job_name(project, api_image)
    job = ctx.live("batch/v1", "Job", project.namespace, job_name)
    if job is None:
        spec = workloads.build_migration_job_spec(
            project, api_image, cfg.image_pull_policy, checksum, cfg.cluster_domain
        )
        job = ctx.ensure(spec)
        runtime.migration_retry_at = 0.0
    state, message = job_state(job)
    if state == "running":
        state, message = job_state(ctx.fresh("batch/v1", "Job", project.namespace, job_name))
    retries = int(project.status.get("migrationRetries") or 0)
    if state == "succeeded":
        status["migrationRetries"] = 0
        return c.Condition(c.MIGRATED, True, "Migrated", f"database migrated for {api_image}"), api_image
    if state == "failed":
        selector = f"app.kubernetes.io/instance={project.name},{LABEL_COMPONENT}=migrate"
        said = last_failure(ctx.kube.list("v1", "Pod", project.namespace, selector))
        message = f"{message}: {said}" if said else message
        ctx.kube.delete("batch/v1", "Job", project.namespace, job_name)
        ctx.cache.drop("Job", project.namespace, job_name)
        status["migrationRetries"] = retries + 1
        delay = retry_delay(retries + 1, cfg.backoff_max_seconds)
        runtime.migration_retry_at = time.monotonic() + delay
        runtime.migration_failure = (
            f"Job {job_name}: {message}; retry {retries + 1} follows after a {delay:.0f} s backoff"
        )
        return c.Condition(c.MIGRATED, False, "MigrationFailed", runtime.migration_failure, True), migrated
    problem = pods_problem(ctx, project, "migrate")
    if problem is not None:
        return c.Condition(c.MIGRATED, False, problem[0], f"Job {job_name}: {problem[1]}", True), migrated
    return c.Condition(c.MIGRATED, False, "MigrationRunning", f"Job {job_name}: {message}"), migrated
