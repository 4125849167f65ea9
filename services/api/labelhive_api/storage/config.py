"""Storage configuration from the API settings (LABELHIVE_STORAGE_BACKEND, LABELHIVE_S3_*, ...)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labelhive_api.storage.base import ObjectStore
from labelhive_api.storage.local import LocalStore
from labelhive_api.storage.s3 import S3Options, S3Store
from labelhive_api.storage.scope import ImportScope, ImportSource, parse_import_buckets

BACKENDS = ("local", "s3")
DELIVERY_MODES = ("presigned", "proxy")


def _csv(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part.strip().rstrip("/") for part in value.split(",") if part.strip())
    return tuple(str(part).strip().rstrip("/") for part in value if str(part).strip())


@dataclass(frozen=True)
class StorageConfig:
    backend: str = "local"
    data_dir: Path = Path(".labelhive")
    s3_endpoint: str | None = None
    s3_public_endpoints: tuple[str, ...] = field(default_factory=tuple)
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_region: str = "us-east-1"
    s3_source_bucket: str = "labelhive-source"
    s3_target_bucket: str = "labelhive-target"
    s3_sse: str = "none"
    s3_sse_kms_key_id: str | None = None
    image_delivery: str = "presigned"
    url_ttl_seconds: int = 900
    max_upload_bytes: int = 200 * 1024 * 1024
    max_image_pixels: int = 100_000_000
    # Allow-list for S3 imports (`bucket` or `bucket/prefix/`), from the LabelingProject manifest.
    s3_import_buckets: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"LABELHIVE_STORAGE_BACKEND must be local or s3, not {self.backend!r}")
        if self.image_delivery not in DELIVERY_MODES:
            raise ValueError(
                f"LABELHIVE_IMAGE_DELIVERY must be presigned or proxy, not {self.image_delivery!r}"
            )
        if self.backend == "s3" and not self.s3_endpoint:
            raise ValueError("LABELHIVE_S3_ENDPOINT is required when LABELHIVE_STORAGE_BACKEND=s3")
        self.import_sources()  # a bad allow-list entry stops startup

    def import_sources(self) -> tuple[ImportSource, ...]:
        return parse_import_buckets(self.s3_import_buckets, self.s3_source_bucket, self.s3_target_bucket)

    @classmethod
    def from_settings(cls, settings: Any) -> StorageConfig:
        """Reads the API Settings by the names fixed in contracts/README.md."""

        def get(name: str, default: Any) -> Any:
            value: Any = getattr(settings, name, None)
            if value is not None and hasattr(value, "get_secret_value"):
                value = value.get_secret_value()
            return default if value is None else value

        defaults = cls()
        return cls(
            backend=str(get("storage_backend", defaults.backend)),
            data_dir=Path(get("data_dir", defaults.data_dir)),
            s3_endpoint=get("s3_endpoint", None) or None,
            s3_public_endpoints=_csv(get("s3_public_endpoints", ())),
            s3_access_key=get("s3_access_key", None),
            s3_secret_key=get("s3_secret_key", None),
            s3_region=str(get("s3_region", defaults.s3_region)),
            s3_source_bucket=str(get("s3_source_bucket", defaults.s3_source_bucket)),
            s3_target_bucket=str(get("s3_target_bucket", defaults.s3_target_bucket)),
            s3_sse=str(get("s3_sse", defaults.s3_sse)),
            s3_sse_kms_key_id=get("s3_sse_kms_key_id", None) or None,
            image_delivery=str(get("image_delivery", defaults.image_delivery)),
            url_ttl_seconds=int(get("image_url_ttl_seconds", defaults.url_ttl_seconds)),
            max_upload_bytes=int(get("max_upload_bytes", defaults.max_upload_bytes)),
            max_image_pixels=int(get("max_image_pixels", defaults.max_image_pixels)),
            s3_import_buckets=_csv(get("s3_import_buckets", ())),
        )

    def s3_options(self) -> S3Options:
        return S3Options(
            endpoint=self.s3_endpoint,
            access_key=self.s3_access_key,
            secret_key=self.s3_secret_key,
            region=self.s3_region,
            sse=self.s3_sse,
            sse_kms_key_id=self.s3_sse_kms_key_id,
            public_endpoints=self.s3_public_endpoints,
        )


@dataclass
class Storage:
    """The two buckets of one deployment."""

    config: StorageConfig
    source: ObjectStore
    target: ObjectStore
    # What S3 imports (and s3:// URLs in annotation files) may read: the admin's allow-list only.
    imports: ImportScope = field(default_factory=lambda: ImportScope((), None))

    def ensure_buckets(self) -> None:
        self.source.ensure_bucket()
        self.target.ensure_bucket()


def build_storage(config: StorageConfig) -> Storage:
    if config.backend == "s3":
        options = config.s3_options()
        source = S3Store(options, config.s3_source_bucket)

        others: dict[str, ObjectStore] = {}
        lock = threading.Lock()

        def open_bucket(bucket: str) -> ObjectStore:
            """One store per bucket for the process (a boto3 client costs ~0.1 s of CPU to build)."""
            if bucket == source.bucket:
                return source
            with lock:
                if bucket not in others:
                    others[bucket] = S3Store(options, bucket)
                return others[bucket]

        return Storage(
            config,
            source,
            S3Store(options, config.s3_target_bucket),
            ImportScope(config.import_sources(), open_bucket),
        )
    root = config.data_dir / "objects"
    return Storage(config, LocalStore(root, "source"), LocalStore(root, "target"))
