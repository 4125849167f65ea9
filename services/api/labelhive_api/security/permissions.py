"""Project roles and what each may do; every route declares one Permission (or is explicitly public)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    REVIEWER = "reviewer"
    ANNOTATOR = "annotator"


class Permission(StrEnum):
    # Project-scoped
    PROJECT_VIEW = "project.view"
    PROJECT_EDIT = "project.edit"
    PROJECT_DELETE = "project.delete"
    MEMBERS_MANAGE = "members.manage"
    INVITES_MANAGE = "invites.manage"
    SCHEMA_EDIT = "schema.edit"
    TASKS_VIEW = "tasks.view"
    TASKS_MANAGE = "tasks.manage"
    TASKS_ANNOTATE = "tasks.annotate"
    ANNOTATIONS_VIEW = "annotations.view"
    REVIEW = "review"
    PREDICTIONS_MANAGE = "predictions.manage"
    PRELABEL_RUN = "prelabel.run"
    STATS_VIEW = "stats.view"
    WEBHOOKS_MANAGE = "webhooks.manage"
    EXEMPLARS_MANAGE = "exemplars.manage"
    # Not project-scoped
    AUTHENTICATED = "authenticated"
    PROJECT_CREATE = "project.create"
    PLATFORM_ADMIN = "platform.admin"
    WORKER = "worker"
    PUBLIC = "public"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ANNOTATOR: frozenset({Permission.PROJECT_VIEW, Permission.TASKS_ANNOTATE}),
    Role.REVIEWER: frozenset(
        {
            Permission.PROJECT_VIEW,
            Permission.TASKS_ANNOTATE,
            Permission.TASKS_VIEW,
            Permission.ANNOTATIONS_VIEW,
            Permission.REVIEW,
            Permission.STATS_VIEW,
            Permission.EXEMPLARS_MANAGE,
        }
    ),
}
ROLE_PERMISSIONS[Role.MANAGER] = ROLE_PERMISSIONS[Role.REVIEWER] | {
    Permission.PROJECT_EDIT,
    Permission.MEMBERS_MANAGE,
    Permission.INVITES_MANAGE,
    Permission.SCHEMA_EDIT,
    Permission.TASKS_MANAGE,
    Permission.PREDICTIONS_MANAGE,
    Permission.PRELABEL_RUN,
    Permission.WEBHOOKS_MANAGE,
}
ROLE_PERMISSIONS[Role.ADMIN] = ROLE_PERMISSIONS[Role.MANAGER] | {Permission.PROJECT_DELETE}

# Who may hand out which role through an invite or a membership change.
GRANTABLE: dict[Role, frozenset[Role]] = {
    Role.ADMIN: frozenset(Role),
    Role.MANAGER: frozenset({Role.MANAGER, Role.REVIEWER, Role.ANNOTATOR}),
    Role.REVIEWER: frozenset(),
    Role.ANNOTATOR: frozenset(),
}


def role_allows(role: str | None, permission: Permission) -> bool:
    if role is None:
        return False
    return permission in ROLE_PERMISSIONS.get(Role(role), frozenset())
