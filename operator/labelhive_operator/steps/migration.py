"""Step 4, Migrated: the migration Job for the API image (the API starts only after it); a failed Job is
deleted and runs again after the failure backoff, without a human."""

from __future__ import annotations

from typing import Any

from labelhive_operator import conditions as c
from labelhive_operator.context import Context
from labelhive_operator.project import Project
from labelhive_operator.render import workloads
from labelhive_operator.steps.components import pods_problem


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


def migration_step(
    ctx: Context, project: Project, status: dict[str, Any], api_image: str, checksum: str
) -> tuple[c.Condition, str | None]:
    """Runs the migration Job for api_image; a failed Job is deleted so the next reconcile (after the
    failure backoff) runs it again, without a human. Returns the image the API may run, if any."""
    cfg = ctx.config
    migrated = project.status.get("migratedImage")
    if migrated == api_image:
        return c.Condition(c.MIGRATED, True, "Migrated", f"database migrated for {api_image}"), migrated
    job_name = workloads.migration_job_name(project, api_image)
    job = ctx.live("batch/v1", "Job", project.namespace, job_name)
    if job is None:
        spec = workloads.build_migration_job_spec(
            project, api_image, cfg.image_pull_policy, checksum, cfg.cluster_domain
        )
        job = ctx.ensure(spec)
    state, message = job_state(job)
    if state == "running":
        state, message = job_state(ctx.fresh("batch/v1", "Job", project.namespace, job_name))
    retries = int(project.status.get("migrationRetries") or 0)
    if state == "succeeded":
        status["migrationRetries"] = 0
        return c.Condition(c.MIGRATED, True, "Migrated", f"database migrated for {api_image}"), api_image
    if state == "failed":
        ctx.kube.delete("batch/v1", "Job", project.namespace, job_name)
        ctx.cache.drop("Job", project.namespace, job_name)
        status["migrationRetries"] = retries + 1
        reason = f"Job {job_name}: {message}; retry {retries + 1} follows after a backoff"
        return c.Condition(c.MIGRATED, False, "MigrationFailed", reason, failed=True), migrated
    problem = pods_problem(ctx, project, "migrate")
    if problem is not None:
        return c.Condition(c.MIGRATED, False, problem[0], f"Job {job_name}: {problem[1]}", True), migrated
    return c.Condition(c.MIGRATED, False, "MigrationRunning", f"Job {job_name}: {message}"), migrated
