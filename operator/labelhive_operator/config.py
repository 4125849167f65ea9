"""Operator configuration: environment variables LABELHIVE_OPERATOR_*, validated once at startup."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

PREFIX = "LABELHIVE_OPERATOR_"


class ConfigError(ValueError):
    """One line: which setting, what is wrong."""


class Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    api_image: str = Field("ghcr.io/labelhive/api:0.1.0", min_length=1)
    ui_image: str = Field("ghcr.io/labelhive/ui:0.1.0", min_length=1)
    worker_image: str = Field("ghcr.io/labelhive/worker:0.1.0", min_length=1)
    image_pull_policy: str = Field("IfNotPresent", pattern="^(Always|IfNotPresent|Never)$")
    # Comma-separated namespaces to watch; empty watches the whole cluster.
    namespaces: str = ""
    # Full reconcile of every project (drift of things Kubernetes does not tell us about: S3, PostgreSQL).
    resync_seconds: float = Field(300.0, gt=0)
    # How often a project that is not Ready yet is looked at again even without a change event.
    poll_seconds: float = Field(10.0, gt=0)
    scale_interval_seconds: float = Field(15.0, gt=0)
    # An empty queue must stay empty this long before workers go down to minReplicas.
    scale_down_delay_seconds: float = Field(60.0, ge=0)
    backoff_max_seconds: float = Field(300.0, gt=0)
    threads: int = Field(16, ge=1, le=256)
    # Prefer KEDA ScaledObjects when the keda.sh API is served ("auto"), or never ("off").
    keda: str = Field("auto", pattern="^(auto|off)$")
    keda_check_seconds: float = Field(60.0, gt=0)
    cluster_domain: str = Field("cluster.local", min_length=1)
    # The operator's own namespace: the admin Secrets a LabelingProject names (S3, PostgreSQL, RabbitMQ) are
    # read from here only, never from the tenant's namespace; the leader Lease lives here too.
    namespace: str = Field("labelhive-system", min_length=1, pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    # Replicas elect one leader through a Lease; the others stand by. Off only for a single local process.
    leader_election: bool = True
    leader_lease_seconds: float = Field(15.0, ge=2)
    # kopf's liveness endpoint; its JSON also carries the API call and write counters. Empty disables it.
    health_endpoint: str = "http://0.0.0.0:8080/healthz"

    @field_validator("namespaces")
    @classmethod
    def _namespaces(cls, value: str) -> str:
        return ",".join(n.strip() for n in value.split(",") if n.strip())

    @property
    def namespace_list(self) -> list[str]:
        return [n for n in self.namespaces.split(",") if n]


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    env = os.environ if environ is None else environ
    values = {
        key[len(PREFIX) :].lower(): value
        for key, value in env.items()
        if key.startswith(PREFIX) and key[len(PREFIX) :].lower() in Config.model_fields
    }
    unknown = sorted(
        key for key in env if key.startswith(PREFIX) and key[len(PREFIX) :].lower() not in Config.model_fields
    )
    if unknown:
        raise ConfigError(f"{unknown[0]}: unknown setting")
    try:
        return Config.model_validate(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ConfigError(f"{PREFIX}{str(err['loc'][0]).upper()}: {err['msg']}") from None
