"""Settings from the environment, prefix LABELHIVE_; a bad value stops startup with one line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from labelhive_outbound import OutboundPolicy
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from labelhive_api.security.networks import parse_networks
from labelhive_api.security.password_policy import password_problem

PLACEHOLDER_SECRET = "change-me-development-only"

CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LABELHIVE_", extra="ignore")

    # Fail closed: an image started without it is production; `make dev` asks for development explicitly.
    environment: Literal["development", "production", "test"] = "production"
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"

    database_url: str = "sqlite:///./.labelhive/labelhive.db"
    database_schema: str | None = Field(None, pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    database_pool_size: int = Field(5, ge=1, le=200)
    database_max_overflow: int = Field(5, ge=0, le=200)
    # PostgreSQL over TCP: a request sent to a server that vanished without closing the connection (its node
    # lost, a network partition) fails after this long instead of the ~15 minutes of TCP retransmissions, and
    # an idle pooled connection to it is found dead within about twice this long (TCP keepalives).
    database_tcp_timeout_seconds: int = Field(30, ge=1, le=3600)

    secret_key: str = PLACEHOLDER_SECRET
    public_urls: CommaList = []
    bootstrap_admin_email: str | None = None
    bootstrap_admin_password: str | None = None
    # Every admin a LabelingProject names (spec.auth.admins); each gets the bootstrap password.
    bootstrap_admin_emails: CommaList = []
    # What the operator renders from the manifest: the instance's name, new accounts' language, signup mode.
    display_name: str | None = Field(None, max_length=200)
    default_locale: Literal["zh-CN", "en"] = "zh-CN"
    signup: Literal["invite-only", "open"] = "invite-only"

    data_dir: Path = Path(".labelhive")
    storage_backend: Literal["local", "s3"] = "local"
    s3_endpoint: str | None = None
    s3_public_endpoints: CommaList = []
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_region: str = "us-east-1"
    s3_source_bucket: str = "labelhive-source"
    s3_target_bucket: str = "labelhive-target"
    s3_sse: Literal["none", "AES256", "aws:kms"] = "none"
    s3_sse_kms_key_id: str | None = None
    image_delivery: Literal["presigned", "proxy"] = "presigned"
    # Buckets (`bucket` or `bucket/prefix/`) S3 imports may read; empty: S3 imports are refused.
    s3_import_buckets: CommaList = []

    amqp_url: str | None = None
    prelabel_queue: str = "labelhive.prelabel"
    # Bearer token the pre-label worker presents when it posts results (the worker's LABELHIVE_API_TOKEN);
    # the API presents the same token to the worker's interactive endpoint.
    worker_token: str | None = None
    # Base URL of `labelhive-worker serve` (click-to-segment), e.g. http://labelhive-worker:8090.
    interactive_url: str | None = None
    interactive_timeout_seconds: float = Field(30.0, gt=0)

    ui_dir: Path | None = None
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)

    session_hours: int = Field(24 * 14, ge=1)
    task_lease_seconds: int = Field(1800, ge=5)
    max_json_body_bytes: int = Field(2 * 1024 * 1024, ge=1024)
    # One uploaded file (an image, a zip, a dataset file): a larger one is refused as `too_large` and the
    # others of its upload go on.
    max_upload_bytes: int = Field(200 * 1024 * 1024, ge=1024)
    # One import upload request (all its files); only managers of the project may start sending one.
    max_upload_request_bytes: int = Field(8 * 1024**3, ge=1024)
    # POST /projects/{id}/tasks: tasks by reference with their predictions/annotations (managers only).
    max_tasks_body_bytes: int = Field(32 * 1024 * 1024, ge=1024)
    # Addresses/CIDR networks of the proxies (the ingress) whose X-Forwarded-* headers are believed.
    trusted_proxies: CommaList = []
    login_max_failures_per_account: int = Field(5, ge=1)
    login_max_failures_per_address: int = Field(20, ge=1)
    login_window_seconds: int = Field(900, ge=1)
    webhook_worker: bool = True
    webhook_max_attempts: int = Field(8, ge=1)
    webhook_backoff_seconds: float = Field(5.0, gt=0)
    webhook_timeout_seconds: float = Field(10.0, gt=0)
    # Private/loopback networks (CIDR) or host names that webhooks and URL imports may reach anyway.
    outbound_allow: CommaList = []
    # False: webhooks, URL imports and export downloads reach only `outbound_allow` (no public internet).
    outbound_public: bool = True

    @field_validator(
        "public_urls",
        "s3_public_endpoints",
        "s3_import_buckets",
        "outbound_allow",
        "trusted_proxies",
        "bootstrap_admin_emails",
        mode="before",
    )
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        return value

    @property
    def bootstrap_admins(self) -> list[str]:
        """The single-admin variable and the list together, each once, in order."""
        emails = [self.bootstrap_admin_email, *self.bootstrap_admin_emails]
        return list(dict.fromkeys(e for e in emails if e))

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.environment != "development" and self.secret_key == PLACEHOLDER_SECRET:
            raise ValueError("secret_key: set LABELHIVE_SECRET_KEY (the placeholder is for development only)")
        if self.environment != "development" and len(self.secret_key) < 16:
            raise ValueError("secret_key: LABELHIVE_SECRET_KEY must be at least 16 characters")
        if self.environment != "development" and self.bootstrap_admin_password:
            problem = password_problem(self.bootstrap_admin_password, self.bootstrap_admin_email)
            if problem:
                raise ValueError(
                    f"bootstrap_admin_password: LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD is weak: {problem}"
                )
        return self

    @field_validator("outbound_allow")
    @classmethod
    def _valid_allow_list(cls, value: list[str]) -> list[str]:
        OutboundPolicy.parse(value)  # a bad entry stops startup with its name
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_proxies(cls, value: list[str]) -> list[str]:
        parse_networks(value)
        return value

    def outbound_policy(self, *, max_bytes: int, timeout: float) -> OutboundPolicy:
        return OutboundPolicy.parse(
            self.outbound_allow, allow_public=self.outbound_public, max_bytes=max_bytes, timeout=timeout
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings() -> Settings:
    return Settings()
