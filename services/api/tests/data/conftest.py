"""Fixtures for the data-in-and-out tests: real SeaweedFS S3 from the harness, or a local folder."""

from __future__ import annotations

import pytest
from datahelpers import s3_config
from labelhive_api.storage.config import Storage, StorageConfig, build_storage


@pytest.fixture
def s3_storage(s3) -> Storage:
    storage = build_storage(s3_config(s3))
    storage.ensure_buckets()
    return storage


@pytest.fixture
def local_storage(tmp_path) -> Storage:
    storage = build_storage(StorageConfig(backend="local", data_dir=tmp_path / "data"))
    storage.ensure_buckets()
    return storage


@pytest.fixture(params=["s3", "local"])
def storage(request) -> Storage:
    return request.getfixturevalue(f"{request.param}_storage")
