"""The security suite: each test attacks a real LabelHive (harness PostgreSQL + SeaweedFS S3) the way an
outsider, another project's manager or a hostile file would, and checks the refusal."""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from labelhive_api.app import create_app
from labelhive_api.db.engine import Database, make_engine
from labelhive_api.security import passwords
from labelhive_api.settings import Settings
from labelhive_harness.api_world import ApiWorld, migrated_schema
from PIL import Image
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

SCHEMA = "security_test"
LABELS = [{"value": "crack", "names": {"en": "Crack"}, "color": "#ff0000", "tools": ["bbox"]}]


def png(width: int = 16, height: int = 12, color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="session", autouse=True)
def fast_hashing() -> None:
    from argon2 import PasswordHasher

    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="session")
def engine(postgres: Any) -> Iterator[Engine]:
    engine = migrated_schema(settings_for(postgres.url))
    yield engine
    engine.dispose()


def settings_for(database_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "secret_key": "security-test-secret-0123456789",
        "database_url": database_url,
        "database_schema": SCHEMA if database_url.startswith("postgresql") else None,
        "webhook_worker": False,
        "log_level": "WARNING",
    }
    return Settings(**(values | extra))


App = ApiWorld


@pytest.fixture(scope="session")
def buckets() -> dict[str, str]:
    """This deployment's buckets, and another deployment's bucket its S3 credentials happen to reach."""
    suffix = secrets.token_hex(4)
    return {"source": f"sec-src-{suffix}", "target": f"sec-tgt-{suffix}", "other": f"other-team-{suffix}"}


@pytest.fixture
def make_app(engine: Engine, postgres: Any, s3: Any, buckets: dict[str, str]) -> Iterator[Callable[..., App]]:
    opened: list[TestClient] = []

    def make(**extra: Any) -> App:
        values: dict[str, Any] = {
            "storage_backend": "s3",
            "s3_endpoint": s3.endpoint,
            "s3_access_key": s3.access_key,
            "s3_secret_key": s3.secret_key,
            "s3_source_bucket": buckets["source"],
            "s3_target_bucket": buckets["target"],
            "s3_import_buckets": [f"{buckets['source']}/incoming/"],
            "trusted_proxies": ["127.0.0.2/32"],
        }
        values |= extra
        url = values.pop("database_url", postgres.url)
        settings = settings_for(url, **values)
        bind = engine if url == postgres.url else make_engine(settings)
        db = Database(bind, sessionmaker(bind, expire_on_commit=False))
        app = create_app(settings, db)
        app.state.start_jobs = False
        # Requests come through "the ingress" (127.0.0.2, a trusted proxy) so tests can set client addresses.
        client = TestClient(app, base_url="http://127.0.0.1:8080", client=("127.0.0.2", 50000))
        client.__enter__()
        opened.append(client)
        return App(db, app, client, settings, labels=LABELS)

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def api(make_app: Callable[..., App]) -> App:
    return make_app()


@pytest.fixture(scope="session")
def server(postgres: Any, s3: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """`labelhive-api serve` in production mode; 127.0.0.2 stands for the ingress (a trusted proxy)."""
    from labelhive_harness.api_process import start_api
    from server import server_env

    workdir = tmp_path_factory.mktemp("security-server")
    env = server_env(
        workdir,
        postgres,
        s3,
        "security_server",
        LABELHIVE_TRUSTED_PROXIES="127.0.0.2",
        LABELHIVE_LOGIN_MAX_FAILURES_PER_ADDRESS="5",
    )
    running = start_api(workdir, env)
    yield running
    running.stop()
