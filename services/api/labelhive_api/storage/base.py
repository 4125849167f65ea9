"""The storage interface every backend implements (one bucket per ObjectStore)."""

from __future__ import annotations

import abc
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO


class StorageError(RuntimeError):
    """The object store failed after its retries."""


class ObjectNotFound(StorageError):
    def __init__(self, bucket: str, key: str) -> None:
        super().__init__(f"no object {key!r} in {bucket!r}")
        self.bucket = bucket
        self.key = key


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    etag: str
    content_type: str | None = None
    last_modified: datetime | None = None


class ObjectReader(abc.ABC):
    """A streamed object body (the whole object or one byte range)."""

    info: ObjectInfo
    start: int
    end: int  # inclusive; for an empty object end == -1

    @abc.abstractmethod
    def iter_chunks(self, chunk_size: int = 256 * 1024) -> Iterator[bytes]: ...

    def read(self) -> bytes:
        return b"".join(self.iter_chunks())

    def close(self) -> None:  # noqa: B027 - optional hook
        pass

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class ObjectWriter(abc.ABC):
    """Streams bytes into one object; nothing becomes visible until `close` succeeds."""

    @abc.abstractmethod
    def write(self, data: bytes) -> int: ...

    @abc.abstractmethod
    def close(self) -> ObjectInfo: ...

    @abc.abstractmethod
    def abort(self) -> None: ...

    def writable(self) -> bool:
        return True

    def flush(self) -> None:  # noqa: B027 - nothing buffered outside write()
        pass

    def __enter__(self) -> ObjectWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class ObjectStore(abc.ABC):
    """One bucket (S3) or one folder (local)."""

    bucket: str

    @abc.abstractmethod
    def ensure_bucket(self) -> None: ...

    @abc.abstractmethod
    def put(self, key: str, data: bytes, content_type: str | None = None) -> ObjectInfo: ...

    @abc.abstractmethod
    def put_file(self, key: str, fileobj: BinaryIO, content_type: str | None = None) -> None:
        """Upload a readable file (multipart when large)."""

    @abc.abstractmethod
    def open_writer(self, key: str, content_type: str | None = None) -> ObjectWriter: ...

    @abc.abstractmethod
    def open(self, key: str, byte_range: tuple[int, int | None] | None = None) -> ObjectReader:
        """Stream an object or an inclusive byte range; raises ObjectNotFound."""

    def get(self, key: str) -> bytes:
        reader = self.open(key)
        try:
            return reader.read()
        finally:
            reader.close()

    def read_head(self, key: str, length: int) -> bytes:
        """The object's first `length` bytes (all of it when shorter): enough for an image's size."""
        reader = self.open(key, (0, length - 1))
        try:
            return reader.read()
        finally:
            reader.close()

    @abc.abstractmethod
    def head(self, key: str) -> ObjectInfo | None: ...

    def exists(self, key: str) -> bool:
        return self.head(key) is not None

    @abc.abstractmethod
    def delete(self, key: str) -> None: ...

    @abc.abstractmethod
    def list(self, prefix: str = "", start_after: str | None = None) -> Iterator[ObjectInfo]:
        """Objects under `prefix` in key order."""

    @abc.abstractmethod
    def presign_get(
        self,
        key: str,
        *,
        expires_in: int,
        public_endpoint: str | None = None,
        download_name: str | None = None,
    ) -> str | None:
        """A time-limited GET URL for browsers, or None when the backend cannot presign (local)."""
