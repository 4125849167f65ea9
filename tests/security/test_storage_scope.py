"""A manager cannot make the app read S3 objects outside what the platform admin allowed for imports:
not another team's bucket, not the app's own `assets/` (every project's images), not via `..` keys,
not through s3:// URLs inside a Label Studio file; refusals never name out-of-scope objects."""

from __future__ import annotations

import contextlib
import json

import pytest
from conftest import png
from labelhive_api.storage.config import StorageConfig
from labelhive_api.tasks.models import Task
from sqlalchemy import select


def _seed(s3, buckets, **objects: bytes) -> None:
    client = s3.client()
    for bucket in (buckets["source"], buckets["other"]):
        with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
            client.create_bucket(Bucket=bucket)
    for where, data in objects.items():
        bucket, key = where.split(":", 1)
        client.put_object(Bucket=buckets[bucket], Key=key, Body=data)


def _tasks(api, project_id: int) -> list[str]:
    with api.db.sessions() as s:
        return sorted(s.scalars(select(Task.filename).where(Task.project_id == project_id)))


def test_s3_import_reads_only_allow_listed_buckets_and_prefixes(api, s3, buckets):
    secret_key = "payroll/2026/secret-file-name.png"
    _seed(s3, buckets, **{"other:" + secret_key: png(), "source:incoming/a.png": png(20, 20)})
    admin = api.user(admin=True)
    victim = api.project(admin)
    # Another project of this deployment already has an image in the shared assets/ area.
    api.client.post(
        f"/api/v1/projects/{victim.id}/imports",
        headers=api.token(admin),
        files=[("files", ("v.png", png(9, 9)))],
    )
    api.run_jobs()
    manager = api.user()
    mine = api.project(manager)
    headers = api.token(manager)
    url = f"/api/v1/projects/{mine.id}/imports/s3"

    other = api.client.post(url, headers=headers, json={"bucket": buckets["other"], "prefix": ""})
    assert other.status_code == 403, other.text
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["code"] == "s3_bucket_not_allowed"
    assert "payroll" not in other.text and buckets["other"] not in other.text

    for prefix in ("assets/", "imports/", "exports/"):
        refused = api.client.post(url, headers=headers, json={"bucket": buckets["source"], "prefix": prefix})
        assert (refused.status_code, refused.json()["code"]) == (403, "s3_bucket_not_allowed"), prefix
    dotted = api.client.post(url, headers=headers, json={"prefix": "incoming/../assets/"})
    assert (dotted.status_code, dotted.json()["code"]) == (422, "invalid_prefix")

    # An empty prefix means the allowed prefix, never the whole bucket.
    allowed = api.client.post(url, headers=headers, json={"prefix": ""})
    assert allowed.status_code == 202, allowed.text
    api.run_jobs()
    done = api.job(mine.id, allowed.json()["id"], headers)
    assert (done["state"], done["imported"], done["refused"]) == ("finished", 1, 0)
    assert _tasks(api, mine.id) == ["incoming/a.png"]
    listed = api.client.get(f"/api/v1/projects/{mine.id}/imports/s3/buckets", headers=headers).json()
    assert listed == {"sources": [{"bucket": buckets["source"], "prefix": "incoming/"}]}


def test_s3_import_is_refused_when_the_admin_allowed_no_bucket(make_app):
    api = make_app(s3_import_buckets=[])
    manager = api.user()
    project = api.project(manager)
    response = api.client.post(
        f"/api/v1/projects/{project.id}/imports/s3", headers=api.token(manager), json={}
    )
    assert (response.status_code, response.json()["code"]) == (422, "s3_import_not_configured")


def test_s3_urls_in_a_label_studio_file_are_confined_like_an_s3_import(api, s3, buckets):
    _seed(s3, buckets, **{"other:team/x.png": png(), "source:incoming/ok.png": png(30, 20)})
    manager = api.user()
    project = api.project(manager)
    headers = api.token(manager)
    # The victim's image exists in the shared assets/ area; its URL must not be readable either.
    with api.db.sessions() as s:
        victim_key = s.scalar(select(Task.image).limit(1))
    urls = {
        "other": f"s3://{buckets['other']}/team/x.png",
        "missing": f"s3://{buckets['other']}/team/does-not-exist.png",
        "assets": f"s3://{buckets['source']}/{victim_key or 'assets/sha256/00/' + '0' * 64}",
        "dotdot": f"s3://{buckets['source']}/incoming/../{victim_key or 'assets/x'}",
        "ok": f"s3://{buckets['source']}/incoming/ok.png",
    }
    tasks = [{"data": {"image": url}, "annotations": []} for url in urls.values()]
    response = api.client.post(
        f"/api/v1/projects/{project.id}/imports",
        headers=headers,
        data={"format": "labelstudio"},
        files=[("files", ("tasks.json", json.dumps(tasks).encode(), "application/json"))],
    )
    assert response.status_code == 202, response.text
    api.run_jobs()
    refused = {
        r["name"]: (r["reason"], r["detail"]) for r in api.items(project.id, response.json()["id"], headers)
    }
    assert refused[urls["other"]][0] == "s3_bucket_not_allowed"
    assert refused[urls["assets"]][0] == "s3_bucket_not_allowed"
    assert refused[urls["dotdot"]][0] == "invalid_s3_url"
    # Whether an out-of-scope object exists is not revealed: the same answer for one that does not.
    assert refused[urls["missing"]] == refused[urls["other"]]
    assert _tasks(api, project.id) == ["incoming/ok.png"]


@pytest.mark.parametrize(
    ("entry", "wrong"),
    [("src", "every project's images"), ("src/assets/", "every project's images"), ("tgt", "target bucket")],
)
def test_an_allow_list_that_would_expose_the_apps_own_areas_stops_startup(entry, wrong):
    with pytest.raises(ValueError, match=wrong):
        StorageConfig(
            backend="s3",
            s3_endpoint="http://127.0.0.1:1",
            s3_source_bucket="src",
            s3_target_bucket="tgt",
            s3_import_buckets=(entry,),
        )
