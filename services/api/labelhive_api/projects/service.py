"""Projects, their members and their versioned label schema."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from labelhive_api.accounts.models import User
from labelhive_api.accounts.service import normalize_email
from labelhive_api.annotations.models import Annotation, Draft
from labelhive_api.db.base import utcnow
from labelhive_api.errors import Conflict, Forbidden, NotFound
from labelhive_api.projects.models import LabelSchema, Membership, Project
from labelhive_api.security.permissions import GRANTABLE, Role
from labelhive_api.stats.models import StateCount


def create_project(
    session: Session,
    creator: User,
    *,
    name: str,
    description: str = "",
    instructions: str = "",
    overlap: int = 1,
    task_lease_seconds: int | None = None,
    default_locale: str = "zh-CN",
    labels: list[dict[str, Any]] | None = None,
) -> Project:
    project = Project(
        name=name,
        description=description,
        instructions=instructions,
        overlap=overlap,
        task_lease_seconds=task_lease_seconds,
        default_locale=default_locale,
        created_by=creator.id,
    )
    session.add(project)
    session.flush()
    session.add(Membership(project_id=project.id, user_id=creator.id, role=Role.ADMIN.value))
    if labels is not None:
        set_labels(session, project, labels, creator)
    session.flush()
    return project


def visible_projects(session: Session, user: User) -> list[Project]:
    query = select(Project).order_by(Project.id)
    if not user.is_admin:
        query = query.join(Membership, Membership.project_id == Project.id).where(
            Membership.user_id == user.id
        )
    return list(session.scalars(query))


def task_counts(session: Session, project_ids: list[int]) -> dict[int, dict[str, int]]:
    """Tasks per state for each project, from the maintained counters (no scan over tasks)."""
    out: dict[int, dict[str, int]] = {pid: {} for pid in project_ids}
    if project_ids:
        rows = session.execute(
            select(StateCount.project_id, StateCount.state, StateCount.n).where(
                StateCount.project_id.in_(project_ids), StateCount.n != 0
            )
        )
        for pid, state, n in rows:
            out[pid][state] = int(n)
    return out


def set_archived(project: Project, archived: bool) -> None:
    if archived and project.archived_at is None:
        project.archived_at = utcnow()
    elif not archived:
        project.archived_at = None


def set_labels(
    session: Session, project: Project, labels: list[dict[str, Any]], author: User | None
) -> LabelSchema:
    """A new immutable schema version; annotations keep label values, so renames rewrite nothing."""
    current = current_schema(session, project)
    if current is not None and current.labels == labels:
        return current
    version = project.label_schema_version + 1
    schema = LabelSchema(
        project_id=project.id, version=version, labels=labels, created_by=author.id if author else None
    )
    session.add(schema)
    project.label_schema_version = version
    session.flush()
    return schema


def current_schema(session: Session, project: Project) -> LabelSchema | None:
    if project.label_schema_version == 0:
        return None
    return session.scalar(
        select(LabelSchema).where(
            LabelSchema.project_id == project.id, LabelSchema.version == project.label_schema_version
        )
    )


def schema_versions(session: Session, project: Project) -> list[tuple[LabelSchema, str | None]]:
    rows = session.execute(
        select(LabelSchema, User.display_name)
        .outerjoin(User, User.id == LabelSchema.created_by)
        .where(LabelSchema.project_id == project.id)
        .order_by(LabelSchema.version.desc())
    ).all()
    return [(schema, author) for schema, author in rows]


def schema_version(session: Session, project: Project, version: int) -> LabelSchema:
    schema = session.scalar(
        select(LabelSchema).where(LabelSchema.project_id == project.id, LabelSchema.version == version)
    )
    if schema is None:
        raise NotFound("no such label schema version", code="schema_version_not_found")
    return schema


# Parsed label schemas by (project id, project created_at, schema version): a schema version never changes
# once written, and created_at tells a project apart from a later one that reuses its id (SQLite).
_LABELS: dict[tuple[int, datetime, int], Mapping[str, dict[str, Any]]] = {}
_LABELS_MAX = 1024


def labels_by_value(session: Session, project: Project) -> Mapping[str, dict[str, Any]]:
    """The current schema's labels by value (read-only; cached in-process, so hot paths skip the query)."""
    if project.label_schema_version == 0:
        return {}
    key = (project.id, project.created_at, project.label_schema_version)
    cached = _LABELS.get(key)
    if cached is not None:
        return cached
    schema = current_schema(session, project)
    if schema is None:
        return {}
    labels = MappingProxyType({label["value"]: label for label in schema.labels})
    if len(_LABELS) >= _LABELS_MAX:
        _LABELS.clear()
    _LABELS[key] = labels
    return labels


def members(session: Session, project: Project) -> list[tuple[User, str]]:
    rows = session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.project_id == project.id)
        .order_by(User.id)
    ).all()
    return [(u, r) for u, r in rows]


def last_activity(session: Session, project: Project) -> dict[int, datetime]:
    """Each member's latest annotation or draft change in this project (only this project's rows)."""
    latest: dict[int, datetime] = {}
    for model in (Annotation, Draft):
        rows = session.execute(
            select(model.user_id, func.max(model.updated_at))
            .where(model.project_id == project.id)
            .group_by(model.user_id)
        )
        for user_id, at in rows:
            if at is not None and (user_id not in latest or at > latest[user_id]):
                latest[user_id] = at
    return latest


def _check_grant(actor_role: Role, actor: User, role: Role) -> None:
    if not actor.is_admin and role not in GRANTABLE[actor_role]:
        raise Forbidden(f"you cannot grant the role {role.value}", code="role_not_grantable")


def add_member(
    session: Session, project: Project, actor: User, actor_role: Role, email: str, role: Role
) -> User:
    _check_grant(actor_role, actor, role)
    user = session.scalar(select(User).where(User.email == normalize_email(email)))
    # Managers add only people they already work with (a shared project); anyone else gets an invite, and
    # the answer is the same whether the account exists or not, so emails cannot be probed.
    if user is not None and not actor.is_admin and not _share_a_project(session, actor.id, user.id):
        user = None
    if user is None:
        raise NotFound(
            "no account you share a project with has this email; send an invite instead",
            code="user_not_found",
        )
    if session.get(Membership, (project.id, user.id)) is not None:
        raise Conflict("already a member", code="already_member")
    session.add(Membership(project_id=project.id, user_id=user.id, role=role.value))
    session.flush()
    return user


def _share_a_project(session: Session, a: int, b: int) -> bool:
    theirs = select(Membership.project_id).where(Membership.user_id == b)
    shared = select(Membership.project_id).where(Membership.user_id == a, Membership.project_id.in_(theirs))
    return session.scalar(shared.limit(1)) is not None


def change_role(
    session: Session, project: Project, actor: User, actor_role: Role, user_id: int, role: Role
) -> None:
    membership = session.get(Membership, (project.id, user_id))
    if membership is None:
        raise NotFound("not a member", code="member_not_found")
    _check_grant(actor_role, actor, role)
    _check_grant(actor_role, actor, Role(membership.role))
    membership.role = role.value


def remove_member(session: Session, project: Project, actor: User, actor_role: Role, user_id: int) -> None:
    membership = session.get(Membership, (project.id, user_id))
    if membership is None:
        raise NotFound("not a member", code="member_not_found")
    _check_grant(actor_role, actor, Role(membership.role))
    session.execute(
        delete(Membership).where(Membership.project_id == project.id, Membership.user_id == user_id)
    )


def delete_project(session: Session, project: Project) -> None:
    """The project and everything in it (tasks, annotations, jobs: ON DELETE CASCADE)."""
    session.delete(project)
