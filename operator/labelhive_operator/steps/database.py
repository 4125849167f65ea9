"""Step 2, DatabaseReady: the project's login role (with its connection limit) owning its schema; the
PostgreSQL server's connection budget as an advisory condition."""

from __future__ import annotations

import secrets

from labelhive_operator import conditions as c
from labelhive_operator.project import Project
from labelhive_operator.provision import database
from labelhive_operator.render import app_env
from labelhive_operator.state import ProjectRuntime
from labelhive_operator.steps.common import fail


def plan_pool(project: Project) -> app_env.PoolPlan:
    spec = project.spec
    try:
        return app_env.plan_pool(spec.database.connection_limit, spec.api.replicas)
    except app_env.ConnectionLimitTooLow as exc:
        raise fail(c.DATABASE_READY, "ConnectionLimitTooLow", str(exc)) from None


def database_step(
    project: Project,
    runtime: ProjectRuntime,
    existing_app: dict[str, str] | None,
    fresh: bool,
    pg_secret: dict[str, str],
    pool: app_env.PoolPlan,
) -> tuple[c.Condition, str]:
    """The condition and the project's database URL."""
    spec = project.spec
    try:
        _, address = database.parse_admin_url(pg_secret["url"])
    except database.DatabaseError as exc:
        raise fail(c.DATABASE_READY, exc.reason, str(exc)) from None
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
            raise fail(c.DATABASE_READY, exc.reason, str(exc)) from None
    condition = c.Condition(
        c.DATABASE_READY,
        True,
        "SchemaReady",
        f"schema {project.schema} owned by role {project.role} (connection limit {spec.database.connection_limit}; "
        f"API pool {pool.pool_size}+{pool.max_overflow} per process)",
    )
    return condition, database.app_url(address, project.role, password)


def budget_condition(runtime: ProjectRuntime) -> c.Condition | None:
    budget = runtime.connection_budget
    if budget is None:
        return None
    if budget.fits:
        return c.Condition(c.CONNECTION_BUDGET, True, "WithinBudget", budget.describe())
    return c.Condition(c.CONNECTION_BUDGET, False, "Overcommitted", budget.describe())
