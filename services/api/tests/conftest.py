"""Fixtures: the API on real PostgreSQL (one migrated schema per session, each test in a rolled-back
transaction) and on SQLite (the embedded path)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import labelhive_api.security.passwords as passwords
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from labelhive_api.app import create_app
from labelhive_api.db import migrate
from labelhive_api.db.engine import Database, make_engine
from labelhive_api.settings import Settings
from labelhive_harness.api_world import ApiWorld, migrated_schema, world_settings
from referencing import Registry, Resource
from sqlalchemy import Engine
from sqlalchemy.orm import Session

SCHEMA = "api_test"
LABELS = [
    {
        "value": "crack",
        "names": {"zh-CN": "裂纹", "en": "Crack"},
        "color": "#ff0000",
        "hotkey": "1",
        "tools": ["bbox", "polygon"],
    },
    {"value": "porosity", "names": {"zh-CN": "气孔"}, "color": "#00ff00", "hotkey": "2", "tools": ["bbox"]},
    {"value": "ok", "names": {"en": "OK"}, "color": "#0000ff", "tools": ["tag"]},
    {
        "value": "weld",
        "names": {"en": "Weld"},
        "color": "#123456",
        "tools": ["keypoints"],
        "skeleton": {"name": "seam", "points": ["start", "end"], "edges": [[0, 1]]},
    },
]


@pytest.fixture(scope="session", autouse=True)
def fast_hashing() -> None:
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _settings(url: str, schema: str | None, **extra: Any) -> Settings:
    # Requests arrive through "the ingress" (10.0.0.2, a trusted proxy), so tests may set X-Forwarded-*.
    return world_settings(url, schema, trusted_proxies=["10.0.0.2/32"], **extra)


@pytest.fixture(scope="session")
def pg_settings(postgres: Any) -> Settings:
    return _settings(postgres.url, SCHEMA, database_pool_size=20, database_max_overflow=20)


@pytest.fixture(scope="session")
def pg_engine(pg_settings: Settings) -> Iterator[Engine]:
    engine = migrated_schema(pg_settings)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    path = tmp_path_factory.mktemp("sqlite") / "labelhive.db"
    return _settings(f"sqlite:///{path}", None, data_dir=path.parent)


@pytest.fixture(scope="session")
def sqlite_engine(sqlite_settings: Settings) -> Iterator[Engine]:
    engine = make_engine(sqlite_settings)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@dataclass
class Env(ApiWorld):
    """One test's world (`labelhive_harness.api_world.ApiWorld`) inside a rolled-back transaction."""

    backend: str = "postgresql"

    def session(self) -> Session:
        return self.db.sessions()


def _env(bind: Engine, settings: Settings, backend: str) -> Iterator[Env]:
    connection = bind.connect()
    outer = connection.begin()
    db = Database.on_connection(connection)
    app = create_app(settings, db)
    # Requests arrive through "the ingress" (a trusted proxy), so tests may set X-Forwarded-*.
    with TestClient(app, base_url="http://testserver", client=("10.0.0.2", 50000)) as client:
        yield Env(db, app, client, settings, labels=LABELS, backend=backend)
    outer.rollback()
    connection.close()


@pytest.fixture
def env(pg_engine: Engine, pg_settings: Settings) -> Iterator[Env]:
    yield from _env(pg_engine, pg_settings, "postgresql")


@pytest.fixture
def sqlite_env(sqlite_engine: Engine, sqlite_settings: Settings) -> Iterator[Env]:
    yield from _env(sqlite_engine, sqlite_settings, "sqlite")


@pytest.fixture(params=["postgresql", "sqlite"])
def any_env(request: pytest.FixtureRequest) -> Iterator[Env]:
    name = "env" if request.param == "postgresql" else "sqlite_env"
    yield request.getfixturevalue(name)


@pytest.fixture
def committed_db(pg_engine: Engine, pg_settings: Settings) -> Iterator[Database]:
    """A real engine whose commits are visible to other connections (concurrency tests)."""
    from sqlalchemy.orm import sessionmaker

    yield Database(pg_engine, sessionmaker(pg_engine, expire_on_commit=False))


@pytest.fixture
def sample_labels() -> list[dict[str, Any]]:
    return [dict(x) for x in LABELS]


CONTRACTS = Path(__file__).resolve().parents[3] / "contracts"


@pytest.fixture(scope="session")
def contract() -> Callable[[str], jsonschema.Draft202012Validator]:
    """contract("prelabel-task.v1.schema.json") -> a validator, $refs to the other contracts resolved."""
    registry: Registry[Any] = Registry()
    for path in CONTRACTS.glob("*.schema.json"):
        schema = json.loads(path.read_text())
        resource = Resource.from_contents(schema)
        registry = registry.with_resource(path.name, resource).with_resource(schema["$id"], resource)

    def validator(name: str) -> jsonschema.Draft202012Validator:
        return jsonschema.Draft202012Validator(json.loads((CONTRACTS / name).read_text()), registry=registry)

    return validator
