"""Step 3, SecretReady: the project's RabbitMQ vhost and user (management API), then the app Secret with
the database URL, keys, S3 identity, AMQP URL and worker token (generated values kept once issued)."""

from __future__ import annotations

import secrets
from typing import Any

from labelhive_operator import conditions as c
from labelhive_operator.context import Context
from labelhive_operator.project import Project
from labelhive_operator.provision import broker, database
from labelhive_operator.provision.queue import QueueError
from labelhive_operator.render import app_env
from labelhive_operator.state import ProjectRuntime
from labelhive_operator.steps.common import fail


def broker_url(
    project: Project,
    runtime: ProjectRuntime,
    existing_app: dict[str, str] | None,
    fresh: bool,
    amqp_secret: dict[str, str],
) -> str:
    """The project's own vhost and user on the broker; returns the project's AMQP URL (never the admin's)."""
    management = amqp_secret.get("managementUrl")
    if not management:
        raise fail(
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
            raise fail(c.SECRET_READY, exc.reason, str(exc)) from None
    runtime.management_url = management
    runtime.amqp_url = url
    return url


def _generated(existing: dict[str, str] | None, key: str) -> str:
    return (existing or {}).get(key) or secrets.token_urlsafe(32)


def app_secret_values(
    existing_app: dict[str, str] | None, database_url: str, identity: Any, amqp_url: str
) -> dict[str, str]:
    return {
        app_env.DATABASE_URL: database_url,
        app_env.SECRET_KEY: _generated(existing_app, app_env.SECRET_KEY),
        app_env.ADMIN_PASSWORD: _generated(existing_app, app_env.ADMIN_PASSWORD),
        app_env.S3_ACCESS_KEY: identity.access_key,
        app_env.S3_SECRET_KEY: identity.secret_key,
        app_env.AMQP_URL: amqp_url,
        app_env.API_TOKEN: _generated(existing_app, app_env.API_TOKEN),
    }


def app_secret_step(
    ctx: Context, project: Project, existing_app: dict[str, str] | None, values: dict[str, str]
) -> c.Condition:
    """Applied only when a value differs from the Secret's (no change, no write)."""
    if existing_app != {**(existing_app or {}), **values} or existing_app is None:
        ctx.kube.apply(app_env.build_app_secret(project, values))
    return c.Condition(
        c.SECRET_READY,
        True,
        "SecretReady",
        f"Secret {project.app_secret} holds the app's credentials; the admins' first password is its key "
        f"{app_env.ADMIN_PASSWORD}",
    )
