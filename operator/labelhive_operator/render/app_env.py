"""The app Secret and the environment of the API, migration Job and workers (contracts/README.md). Pure."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from labelhive_operator.project import Project
from labelhive_operator.render.common import metadata

API_PORT = 8000
UI_PORT = 8080
INTERACTIVE_PORT = 8090  # labelhive-worker serve: POST /v1/click, /healthz, /readyz
MODEL_DIR = "/models"
MAX_IMAGE_PIXELS = 100_000_000

# Keys of the app Secret. Everything secret lives here and reaches pods by secretKeyRef, never as a literal.
DATABASE_URL = "LABELHIVE_DATABASE_URL"
SECRET_KEY = "LABELHIVE_SECRET_KEY"
ADMIN_PASSWORD = "LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD"
S3_ACCESS_KEY = "LABELHIVE_S3_ACCESS_KEY"
S3_SECRET_KEY = "LABELHIVE_S3_SECRET_KEY"
AMQP_URL = "LABELHIVE_AMQP_URL"
API_TOKEN = "LABELHIVE_API_TOKEN"
SECRET_KEYS = (DATABASE_URL, SECRET_KEY, ADMIN_PASSWORD, S3_ACCESS_KEY, S3_SECRET_KEY, AMQP_URL, API_TOKEN)
API_SECRET_KEYS = (DATABASE_URL, SECRET_KEY, ADMIN_PASSWORD, S3_ACCESS_KEY, S3_SECRET_KEY, AMQP_URL)
# The API accepts the workers' results with the token the workers send (one value, two names).
WORKER_TOKEN = "LABELHIVE_WORKER_TOKEN"
WORKER_SECRET_KEYS = (S3_ACCESS_KEY, S3_SECRET_KEY, AMQP_URL, API_TOKEN)
# The interactive endpoint takes no queue messages: no broker credentials.
INTERACTIVE_SECRET_KEYS = (S3_ACCESS_KEY, S3_SECRET_KEY, API_TOKEN)


@dataclass(frozen=True)
class PoolPlan:
    """Connections per API process; (replicas + 1 surging during a rollout) x (size + overflow) < limit."""

    pool_size: int
    max_overflow: int

    @property
    def per_process(self) -> int:
        return self.pool_size + self.max_overflow


class ConnectionLimitTooLow(ValueError):
    pass


def plan_pool(connection_limit: int, api_replicas: int) -> PoolPlan:
    # One connection stays for the migration Job, one for an operator or admin session.
    usable = connection_limit - 2
    per_process = usable // (api_replicas + 1)
    if per_process < 1:
        raise ConnectionLimitTooLow(
            f"connectionLimit {connection_limit} leaves no connection per API process for "
            f"{api_replicas} replicas (+1 during a rollout, +2 reserved); raise it to at least {api_replicas + 3}"
        )
    pool_size = max(1, (per_process + 1) // 2)
    return PoolPlan(pool_size=pool_size, max_overflow=per_process - pool_size)


def _plain(name: str, value: object) -> dict[str, Any]:
    # The API server stores an empty value as no value at all: render it that way, or every comparison with
    # the live Deployment differs and each resync rewrites it (the container sees "" either way).
    text = str(value)
    return {"name": name, "value": text} if text else {"name": name}


def _secret(project: Project, key: str, name: str | None = None) -> dict[str, Any]:
    return {"name": name or key, "valueFrom": {"secretKeyRef": {"name": project.app_secret, "key": key}}}


def api_url(project: Project, cluster_domain: str) -> str:
    return f"http://{project.child('api')}.{project.namespace}.svc.{cluster_domain}:{API_PORT}"


def _s3_env(project: Project) -> list[dict[str, Any]]:
    storage = project.spec.storage
    env = [
        _plain("LABELHIVE_STORAGE_BACKEND", "s3"),
        _plain("LABELHIVE_S3_ENDPOINT", storage.endpoint),
        _plain("LABELHIVE_S3_PUBLIC_ENDPOINTS", ",".join(storage.public_endpoints or [storage.endpoint])),
        _plain("LABELHIVE_S3_REGION", storage.region),
        _plain("LABELHIVE_S3_SOURCE_BUCKET", project.source_bucket),
        _plain("LABELHIVE_S3_TARGET_BUCKET", project.target_bucket),
        _plain("LABELHIVE_S3_SSE", storage.server_side_encryption),
    ]
    if storage.server_side_encryption == "aws:kms" and storage.kms_key_id:
        env.append(_plain("LABELHIVE_S3_SSE_KMS_KEY_ID", storage.kms_key_id))
    return env


def interactive_url(project: Project, cluster_domain: str) -> str:
    return (
        f"http://{project.child('interactive')}.{project.namespace}.svc.{cluster_domain}:{INTERACTIVE_PORT}"
    )


def build_api_env(
    project: Project, pool: PoolPlan, cluster_domain: str = "cluster.local"
) -> list[dict[str, Any]]:
    """Environment of `labelhive-api serve` (and `migrate`), exactly the contract's variables."""
    spec = project.spec
    env = [
        _plain("LABELHIVE_ENVIRONMENT", "production"),
        _plain("LABELHIVE_DATABASE_SCHEMA", project.schema),
        _plain("LABELHIVE_DATABASE_POOL_SIZE", pool.pool_size),
        _plain("LABELHIVE_DATABASE_MAX_OVERFLOW", pool.max_overflow),
        _plain("LABELHIVE_PUBLIC_URLS", ",".join(project.public_urls)),
        _plain("LABELHIVE_TRUSTED_PROXIES", ",".join(spec.ingress.trusted_proxies)),
        _plain("LABELHIVE_S3_IMPORT_BUCKETS", ",".join(spec.storage.import_buckets)),
        _plain("LABELHIVE_OUTBOUND_ALLOW", ",".join(spec.outbound_allow)),
        *_s3_env(project),
        _plain("LABELHIVE_IMAGE_DELIVERY", spec.storage.image_delivery),
        _plain("LABELHIVE_PRELABEL_QUEUE", project.queue),
        _plain("LABELHIVE_HOST", "0.0.0.0"),
        _plain("LABELHIVE_PORT", API_PORT),
        _plain("LABELHIVE_DEFAULT_LOCALE", spec.locale),
        _plain("LABELHIVE_SIGNUP", spec.auth.signup),
    ]
    if spec.display_name:
        env.append(_plain("LABELHIVE_DISPLAY_NAME", spec.display_name))
    if spec.auth.admins:
        # Every admin named in the manifest; the first is also the classic single-admin variable.
        env.append(_plain("LABELHIVE_BOOTSTRAP_ADMIN_EMAIL", spec.auth.admins[0]))
        env.append(_plain("LABELHIVE_BOOTSTRAP_ADMIN_EMAILS", ",".join(spec.auth.admins)))
    if spec.prelabel.interactive.replicas > 0:
        env.append(_plain("LABELHIVE_INTERACTIVE_URL", interactive_url(project, cluster_domain)))
    env += [_secret(project, key) for key in API_SECRET_KEYS]
    env.append(_secret(project, API_TOKEN, WORKER_TOKEN))
    return env


def build_migration_env(project: Project, cluster_domain: str = "cluster.local") -> list[dict[str, Any]]:
    """The API's own environment (migrate also ensures the bootstrap admin), with one connection."""
    return build_api_env(project, PoolPlan(pool_size=1, max_overflow=0), cluster_domain)


def _model_env(project: Project, device: str) -> list[dict[str, Any]]:
    prelabel = project.spec.prelabel
    env = [
        _plain("LABELHIVE_MODEL", prelabel.model),
        _plain("LABELHIVE_DEVICE", device),
        _plain("LABELHIVE_MAX_IMAGE_PIXELS", MAX_IMAGE_PIXELS),
        # The worker and the interactive endpoint download images: the same outbound policy as the API.
        _plain("LABELHIVE_OUTBOUND_ALLOW", ",".join(project.spec.outbound_allow)),
    ]
    if prelabel.runtime is not None:
        env.append(_plain("LABELHIVE_MODEL_RUNTIME", prelabel.runtime))
    if prelabel.checkpoint is not None:
        env.append(
            _plain("LABELHIVE_MODEL_CHECKPOINT", f"{MODEL_DIR}/{prelabel.checkpoint.path.lstrip('/')}")
        )
    return env


def build_interactive_env(project: Project, cluster_domain: str) -> list[dict[str, Any]]:
    """Environment of `labelhive-worker serve`; the API presents LABELHIVE_API_TOKEN to it."""
    env = [
        *_s3_env(project),
        *_model_env(project, "cuda" if project.spec.prelabel.interactive.gpu else "cpu"),
        _plain("LABELHIVE_API_URL", api_url(project, cluster_domain)),
        _plain("LABELHIVE_INTERACTIVE_PORT", INTERACTIVE_PORT),
    ]
    env += [_secret(project, key) for key in INTERACTIVE_SECRET_KEYS]
    return env


def build_worker_env(project: Project, cluster_domain: str) -> list[dict[str, Any]]:
    env = [
        _plain("LABELHIVE_PRELABEL_QUEUE", project.queue),
        *_s3_env(project),
        *_model_env(project, "cuda" if project.spec.prelabel.gpu.count > 0 else "cpu"),
        _plain("LABELHIVE_API_URL", api_url(project, cluster_domain)),
    ]
    env += [_secret(project, key) for key in WORKER_SECRET_KEYS]
    return env


def build_app_secret(project: Project, values: dict[str, str]) -> dict[str, Any]:
    """The app Secret; `values` maps every key of SECRET_KEYS to its plain-text value."""
    missing = [key for key in SECRET_KEYS if not values.get(key)]
    if missing:
        raise ValueError(f"app secret values missing: {', '.join(missing)}")
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(project, project.app_secret, "app"),
        "type": "Opaque",
        "data": {key: base64.b64encode(values[key].encode()).decode() for key in SECRET_KEYS},
    }


def secret_checksum(values: dict[str, str]) -> str:
    """A pod-template annotation that rolls the pods when a secret value changes (never the values)."""
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]
