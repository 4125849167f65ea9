"""One fixture world for the suites that run the API in-process on a committed PostgreSQL schema (or
SQLite): `services/api/tests` (where each test runs inside a rolled-back transaction), its `datasets`
folder and `tests/security`. The app with its own background objects, a test
client, and helpers to make users, tokens and projects and to run queued jobs in the test's thread.

Imported only by those suites' conftests (it needs `labelhive_api`, which the harness itself does not)."""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from labelhive_api.accounts import service as accounts
from labelhive_api.accounts.models import User
from labelhive_api.background import job_kinds
from labelhive_api.db import migrate
from labelhive_api.db.engine import Database, make_engine
from labelhive_api.jobs.kinds import JobKind
from labelhive_api.jobs.runner import run_until_idle
from labelhive_api.projects import service as projects
from labelhive_api.projects.label_schema import Label, validate_labels
from labelhive_api.projects.models import Membership, Project
from labelhive_api.settings import Settings
from labelhive_api.tasks.service import add_tasks
from sqlalchemy import Engine, func, select, text

PASSWORD = "correct horse battery staple"


def world_settings(url: str, schema: str | None, **extra: Any) -> Settings:
    """Settings of an in-process test API: test environment, no webhook thread (tests run deliveries),
    quiet logs, and loopback allowed for outbound calls (the tests' receivers and image servers listen there)."""
    values: dict[str, Any] = {
        "environment": "test",
        "secret_key": "test-secret-key-0123456789",
        "webhook_worker": False,
        "log_level": "WARNING",
        "outbound_allow": ["127.0.0.1/32"],
    }
    return Settings(database_url=url, database_schema=schema, **(values | extra))


def migrated_schema(settings: Settings) -> Engine:
    """An engine on a freshly migrated copy of `settings.database_schema` (dropped first if left over)."""
    engine = make_engine(settings)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{settings.database_schema}" CASCADE'))
    migrate.upgrade(engine, settings.database_schema)
    return engine


@dataclass
class ApiWorld:
    db: Database
    app: Any
    client: TestClient
    settings: Settings
    labels: list[dict[str, Any]] = field(default_factory=list)  # the schema `project()` gives by default

    @property
    def storage(self) -> Any:
        return self.app.state.storage

    def user(
        self,
        role: str | None = None,
        project: Project | None = None,
        *,
        admin: bool = False,
        email: str | None = None,
    ) -> User:
        """A new account (password `PASSWORD`), a member of `project` with `role` when both are given."""
        with self.db.session() as s:
            user = accounts.create_user(
                s,
                email=email or f"u{uuid.uuid4().hex[:10]}@example.com",
                password=PASSWORD,
                display_name="U",
                is_admin=admin,
            )
            if role and project:
                s.add(Membership(project_id=project.id, user_id=user.id, role=role))
            s.expunge(user)
        return user

    def token(self, user: User) -> dict[str, str]:
        with self.db.session() as s:
            _row, token = accounts.create_api_token(s, s.merge(user), "test")
        return {"Authorization": f"Bearer {token}"}

    def project(
        self, owner: User | None = None, labels: list[dict[str, Any]] | None = None, *, overlap: int = 1
    ) -> Project:
        """A project (owned by a new platform admin unless `owner` is given) with `labels` or the world's."""
        owner = owner or self.user(admin=True)
        with self.db.session() as s:
            validated = validate_labels(
                [Label.model_validate(x) for x in (labels if labels is not None else self.labels)]
            )
            name = "焊缝 project " + secrets.token_hex(3)
            project = projects.create_project(s, s.merge(owner), name=name, overlap=overlap, labels=validated)
            s.expunge(project)
        return project

    def tasks(self, project: Project, n: int, **fields: Any) -> list[int]:
        """n tasks by reference (no image bytes), 640x480 unless `fields` say otherwise."""
        with self.db.session() as s:
            return add_tasks(
                s,
                project.id,
                [{"image": f"assets/{i}.jpg", "width": 640, "height": 480, **fields} for i in range(n)],
            )

    def upload(
        self, project: Project, headers: dict[str, str], files: list[tuple[str, bytes]], **form: Any
    ) -> Any:
        """POST files as an import (form fields as the UI sends them); the queued job as answered."""
        response = self.client.post(
            f"/api/v1/projects/{project.id}/imports",
            headers=headers,
            files=[("files", (name, data)) for name, data in files],
            data=form,
        )
        assert response.status_code == 202, response.text
        return response.json()

    def count(self, model: Any, project: Project) -> int:
        """How many rows of a project table (tasks, predictions, annotations, ...) the project has."""
        with self.db.sessions() as s:
            query = select(func.count()).select_from(model).where(model.project_id == project.id)
            return int(s.scalar(query) or 0)

    def kinds(self, **options: Any) -> list[JobKind]:
        """The app's job kinds, with its own import settings (outbound policy, limits) unless given."""
        imports = options.pop("import_settings", None) or self.app.state.import_settings
        return job_kinds(self.db, self.storage, self.settings, imports, **options)

    def import_kind(self, **options: Any) -> JobKind:
        return self.kinds(**options)[0]

    def run_jobs(self, **options: Any) -> int:
        """Runs queued jobs in this thread (see `kinds` for the options); returns how many."""
        return run_until_idle(self.db, self.kinds(**options))

    def wait(self, path: str, headers: dict[str, str], timeout: float = 60) -> dict[str, Any]:
        """Polls a job until it ends (or the timeout passes) and returns its last state."""
        deadline = time.monotonic() + timeout
        while True:
            body = self.client.get(path, headers=headers).json()
            if body["state"] in ("finished", "failed", "cancelled") or time.monotonic() > deadline:
                return body
            time.sleep(0.2)

    def job(self, project_id: int, job_id: int, headers: dict[str, str]) -> dict[str, Any]:
        return self.client.get(f"/api/v1/projects/{project_id}/imports/{job_id}", headers=headers).json()

    def items(self, project_id: int, job_id: int, headers: dict[str, str]) -> list[dict[str, Any]]:
        url = f"/api/v1/projects/{project_id}/imports/{job_id}/items"
        return list(self.client.get(url, headers=headers).json()["items"])
