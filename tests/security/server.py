"""The environment of the security suite's `labelhive-api serve` (production mode) on harness PostgreSQL +
SeaweedFS; `labelhive_harness.api_process.start_api` runs it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from labelhive_harness.common import free_port

ADMIN_EMAIL = "admin@security.example.com"
ADMIN_PASSWORD = "a-long-bootstrap-password-for-tests"


def server_env(workdir: Path, postgres: Any, s3: Any, schema: str, **extra: str) -> dict[str, str]:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(workdir)),
        "LABELHIVE_ENVIRONMENT": "production",
        "LABELHIVE_SECRET_KEY": "security-server-secret-0123456789",
        "LABELHIVE_DATABASE_URL": postgres.url,
        "LABELHIVE_DATABASE_SCHEMA": schema,
        "LABELHIVE_STORAGE_BACKEND": "s3",
        "LABELHIVE_S3_ENDPOINT": s3.endpoint,
        "LABELHIVE_S3_ACCESS_KEY": s3.access_key,
        "LABELHIVE_S3_SECRET_KEY": s3.secret_key,
        "LABELHIVE_S3_SOURCE_BUCKET": f"{schema.replace('_', '-')}-src",
        "LABELHIVE_S3_TARGET_BUCKET": f"{schema.replace('_', '-')}-tgt",
        "LABELHIVE_IMAGE_DELIVERY": "proxy",
        "LABELHIVE_HOST": "127.0.0.1",
        "LABELHIVE_PORT": str(port),
        "LABELHIVE_BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
        "LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "LABELHIVE_WEBHOOK_WORKER": "false",
        "LABELHIVE_LOG_FORMAT": "json",
    }
    return env | extra
