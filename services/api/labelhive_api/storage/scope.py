"""Which S3 objects an import may read: only the buckets (and prefixes) the platform admin allow-listed.

The deployment's own buckets hold every project's images (`assets/`), staged uploads and exports, so an
import never lists them whole: the source bucket can be allow-listed only with a prefix outside those
areas, the target bucket not at all. Refusals never name objects outside the allowed scope.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from labelhive_api.storage.base import ObjectInfo, ObjectStore

# Key areas the app itself writes; no allow-list entry may reach into them.
RESERVED_PREFIXES = ("assets/", "imports/", "exports/", "thumbnails/", "embeddings/")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class ScopeRefused(ValueError):
    """An import asked for a bucket, prefix or key outside what the admin allowed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def unsafe_key(key: str) -> bool:
    """Keys with `.`/`..` segments, empty segments or control characters: some stores (SeaweedFS's filer)
    resolve them as paths, which would step outside a prefix."""
    if key.startswith("/") or "//" in key or "\\" in key:
        return True
    if any(ord(c) < 32 or ord(c) == 127 for c in key):
        return True
    return any(part in (".", "..") for part in key.split("/"))


@dataclass(frozen=True)
class ImportSource:
    """One allow-list entry: a bucket, optionally only under a prefix."""

    bucket: str
    prefix: str = ""

    def covers(self, key_or_prefix: str) -> bool:
        return key_or_prefix.startswith(self.prefix)


def parse_import_buckets(
    entries: Sequence[str], source_bucket: str, target_bucket: str
) -> tuple[ImportSource, ...]:
    """`bucket` or `bucket/prefix/` entries (LABELHIVE_S3_IMPORT_BUCKETS); a bad one stops startup."""
    out = []
    for raw in entries:
        entry = raw.strip()
        if not entry:
            continue
        bucket, _, prefix = entry.partition("/")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        what = f"LABELHIVE_S3_IMPORT_BUCKETS entry {entry!r}"
        if not _BUCKET.match(bucket):
            raise ValueError(f"{what}: not an S3 bucket name")
        if prefix and unsafe_key(prefix):
            raise ValueError(f"{what}: the prefix has '.', '..' or empty segments")
        if bucket == target_bucket:
            raise ValueError(f"{what}: the target bucket holds staged uploads and exports, never imported")
        if bucket == source_bucket and (
            not prefix or any(prefix.startswith(r) or r.startswith(prefix) for r in RESERVED_PREFIXES)
        ):
            raise ValueError(
                f"{what}: the source bucket holds every project's images; allow a prefix outside "
                + ", ".join(RESERVED_PREFIXES)
            )
        out.append(ImportSource(bucket, prefix))
    return tuple(out)


class ScopedStore:
    """Read-only view of one allow-listed bucket/prefix: every key is checked before the store is asked."""

    def __init__(self, store: ObjectStore, source: ImportSource) -> None:
        self._store = store
        self.source = source
        self.bucket = source.bucket

    def _check(self, key: str) -> None:
        if unsafe_key(key) or not self.source.covers(key):
            raise ScopeRefused("s3_key_not_allowed", "this object is outside the allowed import scope")

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        self._check(prefix or self.source.prefix)
        for info in self._store.list(prefix or self.source.prefix):
            if self.source.covers(info.key) and not unsafe_key(info.key):
                yield info

    def get(self, key: str) -> bytes:
        self._check(key)
        return self._store.get(key)

    def presign_get(self, key: str, *, expires_in: int, public_endpoint: str | None = None) -> str | None:
        """Tasks imported in place (`s3://bucket/key`): a browser URL for one allowed object."""
        self._check(key)
        return self._store.presign_get(key, expires_in=expires_in, public_endpoint=public_endpoint)

    def read_head(self, key: str, length: int) -> bytes:
        """The object's first `length` bytes (one ranged GET): enough for an image's size."""
        self._check(key)
        return self._store.read_head(key, length)


class ImportScope:
    """The S3 objects imports of this deployment may read (empty: S3 imports are not configured)."""

    def __init__(
        self, sources: tuple[ImportSource, ...], open_bucket: Callable[[str], ObjectStore] | None
    ) -> None:
        self.sources = sources
        self._open_bucket = open_bucket  # None: no S3 backend

    @property
    def buckets(self) -> list[str]:
        return sorted({s.bucket for s in self.sources})

    def _source(self, bucket: str, prefix: str) -> ImportSource:
        for source in self.sources:
            if source.bucket == bucket and (not prefix or source.covers(prefix)):
                return source
        raise ScopeRefused(
            "s3_bucket_not_allowed",
            "S3 imports may read only the buckets and prefixes the platform admin allowed "
            "(LabelingProject spec.storage.importBuckets)",
        )

    def prefix_store(self, bucket: str | None, prefix: str) -> tuple[ScopedStore, str]:
        """The store and prefix an S3 import lists; `bucket` None means the first allowed bucket."""
        if self._open_bucket is None:
            raise ScopeRefused("s3_backend_required", "S3 import needs LABELHIVE_STORAGE_BACKEND=s3")
        if not self.sources:
            raise ScopeRefused(
                "s3_import_not_configured",
                "no bucket is allowed for S3 imports (LabelingProject spec.storage.importBuckets)",
            )
        if prefix and unsafe_key(prefix):
            raise ScopeRefused("invalid_prefix", "the prefix has '.', '..' or empty segments")
        source = self._source(bucket or self.sources[0].bucket, prefix)
        store = ScopedStore(self._open_bucket(source.bucket), source)
        return store, prefix or source.prefix

    def object_store(self, url: str) -> tuple[ScopedStore, str]:
        """`s3://bucket/key` from an annotation file, confined like an S3 import."""
        bucket, _, key = url[len("s3://") :].partition("/")
        if self._open_bucket is None:
            raise ScopeRefused("s3_backend_required", "s3:// images need the s3 storage backend")
        if not key or unsafe_key(key):
            raise ScopeRefused("invalid_s3_url", "not an s3://bucket/key URL")
        source = self._source(bucket, key)
        if not source.covers(key):
            raise ScopeRefused("s3_bucket_not_allowed", "this object is outside the allowed import scope")
        return ScopedStore(self._open_bucket(source.bucket), source), key
