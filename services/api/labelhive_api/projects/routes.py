"""/projects endpoints: projects, members, label schemas (incl. Label Studio config import)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from sqlalchemy.orm import Session

from labelhive_api.accounts.models import User
from labelhive_api.api.deps import Access, SessionDep, require, require_global
from labelhive_api.errors import NotFound
from labelhive_api.projects import service
from labelhive_api.projects.label_schema import LabelSchemaIn, validate_labels
from labelhive_api.projects.label_studio import import_config
from labelhive_api.projects.schemas import (
    LabelSchemaOut,
    LabelSchemaPreview,
    LabelSchemaVersionOut,
    LabelStudioImport,
    MemberIn,
    MemberOut,
    MemberUpdate,
    ProjectIn,
    ProjectListItem,
    ProjectOut,
    ProjectUpdate,
)
from labelhive_api.security.permissions import Permission, Role

router = APIRouter(tags=["projects"])

SignedIn = Annotated[User, Depends(require_global(Permission.AUTHENTICATED))]
Creator = Annotated[User, Depends(require_global(Permission.PROJECT_CREATE))]
Viewer = Annotated[Access, Depends(require(Permission.PROJECT_VIEW))]
Editor = Annotated[Access, Depends(require(Permission.PROJECT_EDIT))]
Deleter = Annotated[Access, Depends(require(Permission.PROJECT_DELETE))]
MemberManager = Annotated[Access, Depends(require(Permission.MEMBERS_MANAGE))]
SchemaEditor = Annotated[Access, Depends(require(Permission.SCHEMA_EDIT))]


@router.get("/projects")
def list_projects(user: SignedIn, session: SessionDep) -> list[ProjectListItem]:
    """The projects I can see (admins: all), archived ones included, each with its tasks per state."""
    projects = service.visible_projects(session, user)
    counts = service.task_counts(session, [p.id for p in projects])
    return [
        ProjectListItem(**ProjectOut.model_validate(p).model_dump(), task_counts=counts[p.id])
        for p in projects
    ]


@router.post("/projects", status_code=201)
def create_project(body: ProjectIn, user: Creator, session: SessionDep) -> ProjectOut:
    labels = validate_labels(body.labels) if body.labels is not None else None
    project = service.create_project(
        session,
        user,
        name=body.name,
        description=body.description,
        instructions=body.instructions,
        overlap=body.overlap,
        task_lease_seconds=body.task_lease_seconds,
        default_locale=body.default_locale,
        labels=labels,
    )
    session.commit()
    return ProjectOut.model_validate(project)


@router.get("/projects/{project_id}")
def get_project(access: Viewer) -> ProjectOut:
    return ProjectOut.model_validate(access.project)


@router.patch("/projects/{project_id}")
def update_project(body: ProjectUpdate, access: Editor, session: SessionDep) -> ProjectOut:
    for field, value in body.model_dump(exclude_unset=True).items():
        if field == "archived":
            if value is not None:
                service.set_archived(access.project, value)
        elif field == "task_lease_seconds":
            access.project.task_lease_seconds = value  # null: back to the server's default
        elif value is not None:
            setattr(access.project, field, value)
    session.commit()
    return ProjectOut.model_validate(access.project)


@router.delete("/projects/{project_id}", status_code=204)
def delete_project(access: Deleter, session: SessionDep) -> Response:
    service.delete_project(session, access.project)
    session.commit()
    return Response(status_code=204)


@router.get("/projects/{project_id}/label-schema")
def get_label_schema(access: Viewer, session: SessionDep) -> LabelSchemaOut:
    schema = service.current_schema(session, access.project)
    if schema is None:
        raise NotFound("this project has no label schema yet", code="schema_not_found")
    return LabelSchemaOut.model_validate(schema)


@router.get("/projects/{project_id}/label-schema/versions")
def list_label_schema_versions(access: Viewer, session: SessionDep) -> list[LabelSchemaVersionOut]:
    """Every version of the project's labels, newest first (without the labels themselves)."""
    return [
        LabelSchemaVersionOut(version=s.version, created_at=s.created_at, labels=len(s.labels), author=author)
        for s, author in service.schema_versions(session, access.project)
    ]


@router.get("/projects/{project_id}/label-schema/versions/{version}")
def get_label_schema_version(version: int, access: Viewer, session: SessionDep) -> LabelSchemaOut:
    return LabelSchemaOut.model_validate(service.schema_version(session, access.project, version))


def _current_labels(session: Session, access: Access) -> list[dict[str, Any]]:
    schema = service.current_schema(session, access.project)
    return list(schema.labels) if schema is not None else []


@router.put("/projects/{project_id}/label-schema")
def put_label_schema(body: LabelSchemaIn, access: SchemaEditor, session: SessionDep) -> LabelSchemaOut:
    labels = validate_labels(body.labels, _current_labels(session, access))
    schema = service.set_labels(session, access.project, labels, access.user)
    session.commit()
    return LabelSchemaOut.model_validate(schema)


@router.post("/projects/{project_id}/label-schema/preview")
def preview_label_schema(
    body: LabelSchemaIn, access: SchemaEditor, session: SessionDep
) -> LabelSchemaPreview:
    """The labels as a PUT would store them (generated values filled in), without saving anything."""
    return LabelSchemaPreview(labels=validate_labels(body.labels, _current_labels(session, access)))


@router.post("/projects/{project_id}/label-schema/import-label-studio")
def import_label_studio(body: LabelStudioImport, access: SchemaEditor, session: SessionDep) -> LabelSchemaOut:
    labels = import_config(body.config, body.locale, _current_labels(session, access))
    schema = service.set_labels(session, access.project, labels, access.user)
    session.commit()
    return LabelSchemaOut.model_validate(schema)


@router.post("/projects/{project_id}/label-schema/import-label-studio/preview")
def preview_label_studio(
    body: LabelStudioImport, access: SchemaEditor, session: SessionDep
) -> LabelSchemaPreview:
    """The labels a Label Studio config would become, without saving anything."""
    return LabelSchemaPreview(
        labels=import_config(body.config, body.locale, _current_labels(session, access))
    )


@router.get("/projects/{project_id}/members")
def list_members(access: Viewer, session: SessionDep) -> list[MemberOut]:
    active = service.last_activity(session, access.project)
    return [
        MemberOut(
            user_id=u.id,
            email=u.email,
            display_name=u.display_name,
            role=Role(r),
            last_active_at=active.get(u.id),
        )
        for u, r in service.members(session, access.project)
    ]


@router.post("/projects/{project_id}/members", status_code=201)
def add_member(body: MemberIn, access: MemberManager, session: SessionDep) -> MemberOut:
    user = service.add_member(session, access.project, access.user, access.role, body.email, body.role)
    session.commit()
    return MemberOut(user_id=user.id, email=user.email, display_name=user.display_name, role=body.role)


@router.patch("/projects/{project_id}/members/{user_id}", status_code=204)
def change_member_role(
    user_id: int, body: MemberUpdate, access: MemberManager, session: SessionDep
) -> Response:
    service.change_role(session, access.project, access.user, access.role, user_id, body.role)
    session.commit()
    return Response(status_code=204)


@router.delete("/projects/{project_id}/members/{user_id}", status_code=204)
def remove_member(user_id: int, access: MemberManager, session: SessionDep) -> Response:
    service.remove_member(session, access.project, access.user, access.role, user_id)
    session.commit()
    return Response(status_code=204)
