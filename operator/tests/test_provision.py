"""Provisioning against real services: PostgreSQL from the harness, and a SeaweedFS whose embedded IAM API
accepts writes (the harness's has a static, read-only identity file), to prove the scoped S3 identity."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

import boto3
import psycopg
import pytest
from botocore.exceptions import ClientError
from labelhive_operator.provision import database, storage


@pytest.fixture(scope="module")
def iam_s3() -> Iterator[tuple[str, storage.S3Identity]]:
    from labelhive_harness.s3 import start_s3_with_iam

    s3 = start_s3_with_iam()
    yield s3.endpoint, storage.S3Identity(s3.access_key, s3.secret_key)
    s3.stop()


def _s3(endpoint: str, who: storage.S3Identity):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=who.access_key,
        aws_secret_access_key=who.secret_key,
        region_name="us-east-1",
    )


def test_buckets_are_created_once(iam_s3):
    endpoint, admin = iam_s3
    buckets = ["lh-unit-a-source", "lh-unit-a-target"]
    assert storage.ensure_buckets(endpoint, "us-east-1", admin, buckets, "none", None) == buckets
    assert storage.ensure_buckets(endpoint, "us-east-1", admin, buckets, "none", None) == []


def test_scoped_identity_reaches_its_buckets_only_and_is_reused(iam_s3):
    endpoint, admin = iam_s3
    mine, other = ["lh-unit-b-source", "lh-unit-b-target"], ["lh-unit-c-source"]
    storage.ensure_buckets(endpoint, "us-east-1", admin, mine + other, "none", None)
    scoped = storage.ensure_scoped_identity(endpoint, "us-east-1", admin, "labelhive-unit-b", mine, None)
    assert scoped is not None and scoped.access_key != admin.access_key

    def can_write(bucket: str) -> bool:
        try:
            _s3(endpoint, scoped).put_object(Bucket=bucket, Key="probe", Body=b"x")
            return True
        except ClientError:
            return False

    deadline = time.monotonic() + 20  # the IAM change reaches the S3 gateway asynchronously
    while not can_write(mine[0]) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert can_write(mine[0]) and can_write(mine[1])
    assert not can_write(other[0])
    again = storage.ensure_scoped_identity(endpoint, "us-east-1", admin, "labelhive-unit-b", mine, scoped)
    assert again == scoped, "a known key is kept, not rotated on every reconcile"

    storage.delete_scoped_identity(endpoint, "us-east-1", admin, "labelhive-unit-b")
    storage.delete_buckets(endpoint, "us-east-1", admin, mine)
    names = {b["Name"] for b in _s3(endpoint, admin).list_buckets()["Buckets"]}
    assert not set(mine) & names and set(other) <= names


def test_storage_errors_have_reasons_and_no_secrets(iam_s3):
    endpoint, admin = iam_s3
    wrong = storage.S3Identity(admin.access_key, "wrong-secret-value")
    with pytest.raises(storage.StorageError) as err:
        storage.ensure_buckets(endpoint, "us-east-1", wrong, ["lh-unit-d-source"], "none", None)
    assert err.value.reason in ("S3AccessDenied", "S3Error") and "wrong-secret-value" not in str(err.value)
    with pytest.raises(storage.StorageError) as err:
        storage.ensure_buckets("http://127.0.0.1:9", "us-east-1", admin, ["lh-unit-d-source"], "none", None)
    assert err.value.reason == "S3Unreachable"


def test_role_and_schema_are_idempotent_and_limited(postgres):
    role = schema = "lh_unit_" + secrets.token_hex(3)
    assert database.ensure_role_and_schema(postgres.url, role, schema, "pw-one-123", False, 7) is True
    assert database.ensure_role_and_schema(postgres.url, role, schema, "pw-one-123", False, 9) is False
    with psycopg.connect(postgres.admin_dsn) as conn:
        assert conn.execute("SELECT rolconnlimit FROM pg_roles WHERE rolname = %s", (role,)).fetchone() == (
            9,
        )
    _, address = database.parse_admin_url(postgres.url)
    url = database.app_url(address, role, "pw-one-123").replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE t (id int)")
        assert conn.execute("SELECT current_schema()").fetchone() == (schema,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f'CREATE SCHEMA "{schema}_other"')
    database.drop_role_and_schema(postgres.url, role, schema)
    database.drop_role_and_schema(postgres.url, role, schema)  # again: nothing left, no error
    with psycopg.connect(postgres.admin_dsn) as conn:
        assert conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None


def test_database_errors_have_reasons_and_no_password(postgres):
    wrong = postgres.url.replace(f":{postgres.password}@", ":not-the-password@")
    with pytest.raises(database.DatabaseError) as err:
        database.ensure_role_and_schema(wrong, "lh_x", "lh_x", "pw", False, 5)
    assert err.value.reason == "DatabaseAuthFailed" and "not-the-password" not in str(err.value)
    with pytest.raises(database.DatabaseError) as err:
        database.ping("postgresql://a:b@127.0.0.1:9/none")
    assert err.value.reason == "DatabaseUnreachable"


def test_connection_budget_counts_every_limited_login_role(postgres):
    before = database.connection_budget(postgres.url)
    assert before.max_connections > before.reserved >= 0
    role = schema = "lh_budget_" + secrets.token_hex(3)
    database.ensure_role_and_schema(postgres.url, role, schema, "pw-one-123", False, 11)
    try:
        after = database.connection_budget(postgres.url)
        assert after.committed == before.committed + 11
        huge = "lh_budget_" + secrets.token_hex(3)
        database.ensure_role_and_schema(postgres.url, huge, huge, "pw-one-123", False, after.available + 1)
        try:
            over = database.connection_budget(postgres.url)
            assert not over.fits and str(over.available) in over.describe()
        finally:
            database.drop_role_and_schema(postgres.url, huge, huge)
    finally:
        database.drop_role_and_schema(postgres.url, role, schema)


def test_each_project_gets_its_own_broker_vhost_and_user(rabbitmq):
    import pika
    import pika.exceptions
    from labelhive_operator.provision import broker

    vhost = f"labelhive.unit-{secrets.token_hex(3)}.p"
    url = broker.project_url(rabbitmq.url, vhost, vhost, "pw-" + secrets.token_hex(8))
    assert rabbitmq.password not in url and url.endswith("/" + vhost)
    password = pika.URLParameters(url).credentials.password
    broker.ensure_project_broker(rabbitmq.management_url, vhost, vhost, password)
    broker.ensure_project_broker(rabbitmq.management_url, vhost, vhost, password)  # idempotent
    try:
        conn = pika.BlockingConnection(pika.URLParameters(url))
        try:
            conn.channel().queue_declare("labelhive.unit.prelabel", durable=True)
        finally:
            conn.close()
        # The same user has no rights on the broker's default vhost (where other tenants may live).
        default = url.rsplit("/", 1)[0] + "/%2F"
        with pytest.raises(pika.exceptions.AMQPError):
            pika.BlockingConnection(pika.URLParameters(default)).close()
    finally:
        broker.delete_project_broker(rabbitmq.management_url, vhost, vhost)
    with pytest.raises(pika.exceptions.AMQPError):
        pika.BlockingConnection(pika.URLParameters(url)).close()
