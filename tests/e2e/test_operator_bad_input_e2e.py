"""Bad input never crash-loops the operator and never deletes data: wrong database credentials and an
unreachable S3 endpoint become conditions with reasons and Events, retried with backoff; a Delete-policy
project whose database is unreachable keeps its finalizer (and its data) until the database is back."""

from __future__ import annotations

import json
from typing import Any

import psycopg
from conftest import Team, eventually, sample_manifest
from kubernetes import client


def _wrong_password(url: str) -> str:
    scheme, rest = url.split("://", 1)
    creds, host = rest.split("@", 1)
    return f"{scheme}://{creds.split(':', 1)[0]}:not-the-password@{host}"


def _set_secret(team: Team, name: str, data: dict[str, str]) -> None:
    team.set_admin_secret(name, data)


def _gone(team: Team, name: str) -> bool:
    try:
        team.get(name)
        return False
    except client.ApiException as exc:
        return exc.status == 404


def test_wrong_database_credentials_then_fixed(team_factory, s3, postgres, operator_process):
    team = team_factory("badpg")
    _set_secret(team, "pg-admin", {"url": _wrong_password(postgres.url)})
    team.apply(sample_manifest(s3, name="creds"))
    cond = eventually(
        lambda: (c := team.condition("creds", "DatabaseReady")).get("reason") == "DatabaseAuthFailed" and c,
        "DatabaseReady False: DatabaseAuthFailed",
        timeout=40,
    )
    assert "not-the-password" not in cond["message"] and "not-the-password" not in json.dumps(
        team.get("creds")["status"]
    )
    assert any(e.reason == "DatabaseAuthFailed" and e.type == "Warning" for e in team.events("creds"))
    assert operator_process.process.poll() is None, "no crash"
    _set_secret(team, "pg-admin", {"url": postgres.url})
    team.wait_ready("creds")


def test_unreachable_s3_is_a_condition_and_retried(team_factory, s3, operator_process):
    team = team_factory("nos3")
    body = sample_manifest(s3, name="nos3")
    body["spec"]["storage"]["endpoint"] = "http://127.0.0.1:9"  # discard port: nothing listens
    team.apply(body)
    cond = eventually(
        lambda: (c := team.condition("nos3", "StorageReady")).get("reason") == "S3Unreachable" and c,
        "StorageReady False: S3Unreachable",
        timeout=60,
    )
    assert cond["status"] == "False"
    assert team.get("nos3")["status"]["phase"] == "Failed"
    assert team.condition("nos3", "DatabaseReady")["reason"] == "Blocked"
    team.patch("nos3", {"storage": {"endpoint": s3.endpoint}})
    team.wait_ready("nos3")


def test_delete_policy_waits_for_an_unreachable_database_and_keeps_the_data(team_factory, s3, postgres):
    team = team_factory("delwait")
    team.apply(sample_manifest(s3, name="precious", deletionPolicy="Delete"))
    project: dict[str, Any] = team.wait_ready("precious")
    db = project["status"]["database"]
    _set_secret(team, "pg-admin", {"url": "postgresql://admin:pw@127.0.0.1:9/none"})
    team.delete("precious")
    eventually(
        lambda: any(e.reason == "DeletionRetrying" for e in team.events("precious")),
        "deletion retried, not forced",
        timeout=40,
    )
    assert not _gone(team, "precious"), "the finalizer holds the project while its data cannot be deleted"
    with psycopg.connect(postgres.admin_dsn) as conn:
        assert conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (db["schema"],)).fetchone()
    _set_secret(team, "pg-admin", {"url": postgres.url})
    eventually(lambda: _gone(team, "precious"), "deleted once the database is back", timeout=90)
    with psycopg.connect(postgres.admin_dsn) as conn:
        assert (
            conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (db["schema"],)).fetchone() is None
        )
