"""Per-project S3 identities (on a SeaweedFS with a writable IAM API, as the operator provisions them):
project A's identity may do everything on A's buckets, only list and read A's import bucket, and nothing on
project B's buckets, so even an allow-list that wrongly names B's bucket reads nothing of B's.

What SeaweedFS allows here: IAM users with inline policies (s3:* or s3:GetObject/s3:ListBucket) per bucket,
applied to the S3 gateway asynchronously (a few seconds)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import png
from labelhive_operator.provision import storage as provision


@pytest.fixture(scope="module")
def iam_s3() -> Iterator[Any]:
    from labelhive_harness.s3 import start_s3_with_iam

    s3 = start_s3_with_iam()
    yield s3
    s3.stop()


def _client(endpoint: str, who: provision.S3Identity) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=who.access_key,
        aws_secret_access_key=who.secret_key,
        region_name="us-east-1",
    )


def _allowed(call: Any) -> bool:
    try:
        call()
        return True
    except ClientError:
        return False


def test_a_projects_identity_reads_its_import_bucket_and_nothing_of_another_project(iam_s3, make_app):
    admin = provision.S3Identity(iam_s3.access_key, iam_s3.secret_key)
    tag = secrets.token_hex(3)
    a_src, a_tgt, a_cams, b_src = (f"a-src-{tag}", f"a-tgt-{tag}", f"a-cams-{tag}", f"b-src-{tag}")
    provision.ensure_buckets(iam_s3.endpoint, "us-east-1", admin, [a_src, a_tgt, a_cams, b_src], "none", None)
    root = _client(iam_s3.endpoint, admin)
    root.put_object(Bucket=a_cams, Key="line-1/ok.png", Body=png(20, 20))
    root.put_object(Bucket=b_src, Key="line-1/theirs.png", Body=png(30, 30))
    ident = provision.ensure_scoped_identity(
        iam_s3.endpoint, "us-east-1", admin, f"lh-a-{tag}", [a_src, a_tgt], None, read_only=[a_cams]
    )
    assert ident is not None and ident.access_key != admin.access_key
    mine = _client(iam_s3.endpoint, ident)
    deadline = time.monotonic() + 30  # the IAM change reaches the gateway asynchronously
    while (
        not _allowed(lambda: mine.get_object(Bucket=a_cams, Key="line-1/ok.png"))
        and time.monotonic() < deadline
    ):
        time.sleep(0.5)
    assert _allowed(lambda: mine.put_object(Bucket=a_src, Key="probe", Body=b"x"))
    assert _allowed(lambda: mine.list_objects_v2(Bucket=a_cams))
    assert not _allowed(lambda: mine.put_object(Bucket=a_cams, Key="probe", Body=b"x")), (
        "import buckets are read-only"
    )
    assert not _allowed(lambda: mine.get_object(Bucket=b_src, Key="line-1/theirs.png"))
    assert not _allowed(lambda: mine.list_objects_v2(Bucket=b_src))

    # The app running as A, with an allow-list that (wrongly) also names B's bucket.
    api = make_app(
        s3_endpoint=iam_s3.endpoint,
        s3_access_key=ident.access_key,
        s3_secret_key=ident.secret_key,
        s3_source_bucket=a_src,
        s3_target_bucket=a_tgt,
        s3_import_buckets=[a_cams, b_src],
    )
    manager = api.user()
    project = api.project(manager)
    h = api.token(manager)
    url = f"/api/v1/projects/{project.id}/imports/s3"
    ours = api.client.post(url, headers=h, json={"bucket": a_cams, "prefix": "line-1/"})
    theirs = api.client.post(url, headers=h, json={"bucket": b_src, "prefix": "line-1/"})
    assert ours.status_code == theirs.status_code == 202
    api.run_jobs()
    assert api.job(project.id, ours.json()["id"], h)["imported"] == 1
    refused = api.job(project.id, theirs.json()["id"], h)
    assert refused["imported"] == 0 and refused["state"] == "failed"
    assert "theirs.png" not in str(refused)
