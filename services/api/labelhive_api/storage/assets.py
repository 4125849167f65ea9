"""Content-addressed images: the same bytes are stored once, however many tasks reference them."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from typing import BinaryIO

from labelhive_api.storage.base import ObjectStore
from labelhive_api.storage.keys import asset_key
from labelhive_api.storage.sniff import sniff_content_type


@dataclass(frozen=True)
class StoredAsset:
    sha256: str
    key: str
    size: int
    content_type: str | None
    created: bool  # False: the bytes were already there (deduplicated)


class AssetStore:
    def __init__(self, source: ObjectStore) -> None:
        self.source = source

    def store_bytes(
        self,
        data: bytes,
        content_type: str | None = None,
        *,
        sha256: str | None = None,
        known_absent: bool = False,
    ) -> StoredAsset:
        """`known_absent`: the caller knows no task references these bytes yet, so the existence check
        (one request) is skipped; a PUT of bytes that are there after all rewrites the same content."""
        sha = sha256 or hashlib.sha256(data).hexdigest()
        key = asset_key(sha)
        content_type = content_type or sniff_content_type(data[:16])
        if not known_absent and self.source.head(key) is not None:
            return StoredAsset(sha, key, len(data), content_type, created=False)
        self.source.put(key, data, content_type)
        return StoredAsset(sha, key, len(data), content_type, created=True)

    def store_file(self, fileobj: BinaryIO, content_type: str | None = None) -> StoredAsset:
        """Hashes while spooling to a temporary file, then uploads (multipart when large)."""
        digest = hashlib.sha256()
        size = 0
        head = b""
        with tempfile.TemporaryFile() as spool:
            while chunk := fileobj.read(1024 * 1024):
                if not head:
                    head = chunk[:16]
                digest.update(chunk)
                size += len(chunk)
                spool.write(chunk)
            sha = digest.hexdigest()
            key = asset_key(sha)
            content_type = content_type or sniff_content_type(head)
            if self.source.head(key) is not None:
                return StoredAsset(sha, key, size, content_type, created=False)
            spool.seek(0, os.SEEK_SET)
            self.source.put_file(key, spool, content_type)
        return StoredAsset(sha, key, size, content_type, created=True)
