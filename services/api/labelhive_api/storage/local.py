"""Local-folder backend for the embedded default: `<data_dir>/<bucket>/<key>`.

Writes go to a temporary file first and are renamed into place, so readers never see half an
object. It cannot presign: browsers get signed API URLs instead (see delivery).
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from labelhive_api.storage.base import ObjectInfo, ObjectNotFound, ObjectReader, ObjectStore, ObjectWriter
from labelhive_api.storage.sniff import sniff_content_type


class _FileReader(ObjectReader):
    def __init__(self, info: ObjectInfo, path: Path, start: int, end: int) -> None:
        self.info = info
        self.start = start
        self.end = end
        self._file = path.open("rb")
        self._file.seek(start)

    def iter_chunks(self, chunk_size: int = 256 * 1024) -> Iterator[bytes]:
        remaining = self.length
        try:
            while remaining > 0:
                chunk = self._file.read(min(chunk_size, remaining))
                if not chunk:
                    return
                remaining -= len(chunk)
                yield chunk
        finally:
            self._file.close()

    def close(self) -> None:
        self._file.close()


class _FileWriter(ObjectWriter):
    def __init__(self, store: LocalStore, key: str) -> None:
        self._store = store
        self._key = key
        self._target = store.path(key)
        self._target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self._target.parent, prefix=".part-")
        self._tmp = Path(name)
        self._file = os.fdopen(fd, "wb")
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._size = 0

    def write(self, data: bytes) -> int:
        self._file.write(data)
        self._md5.update(data)
        self._size += len(data)
        return len(data)

    def tell(self) -> int:
        return self._size

    def close(self) -> ObjectInfo:
        self._file.close()
        os.replace(self._tmp, self._target)
        return ObjectInfo(key=self._key, size=self._size, etag=self._md5.hexdigest())

    def abort(self) -> None:
        self._file.close()
        self._tmp.unlink(missing_ok=True)


class LocalStore(ObjectStore):
    def __init__(self, root: Path, bucket: str) -> None:
        self.bucket = bucket
        self.root = (Path(root) / bucket).resolve()

    def path(self, key: str) -> Path:
        if not key or key.startswith("/") or "\\" in key or any(p in {"", ".", ".."} for p in key.split("/")):
            raise ValueError(f"invalid object key {key!r}")
        return self.root / key

    def ensure_bucket(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def put(self, key: str, data: bytes, content_type: str | None = None) -> ObjectInfo:
        with self.open_writer(key, content_type) as writer:
            writer.write(data)
        info = self.head(key)
        assert info is not None
        return info

    def put_file(self, key: str, fileobj: BinaryIO, content_type: str | None = None) -> None:
        writer = self.open_writer(key, content_type)
        try:
            shutil.copyfileobj(fileobj, writer, 1024 * 1024)
        except BaseException:
            writer.abort()
            raise
        writer.close()

    def open_writer(self, key: str, content_type: str | None = None) -> ObjectWriter:
        return _FileWriter(self, key)

    def _info(self, key: str, path: Path) -> ObjectInfo:
        stat = path.stat()
        etag = hashlib.md5(f"{stat.st_size}:{stat.st_mtime_ns}".encode(), usedforsecurity=False).hexdigest()
        if key.startswith("assets/sha256/"):
            etag = key.rsplit("/", 1)[-1]  # content-addressed: the name is the content
        content_type = mimetypes.guess_type(key)[0]
        if content_type is None:
            with path.open("rb") as head:
                content_type = sniff_content_type(head.read(16))
        return ObjectInfo(
            key=key,
            size=stat.st_size,
            etag=etag,
            content_type=content_type,
            last_modified=datetime.fromtimestamp(stat.st_mtime, UTC),
        )

    def open(self, key: str, byte_range: tuple[int, int | None] | None = None) -> ObjectReader:
        path = self.path(key)
        if not path.is_file():
            raise ObjectNotFound(self.bucket, key)
        info = self._info(key, path)
        start, end = 0, info.size - 1
        if byte_range is not None:
            start = byte_range[0]
            end = min(info.size - 1, byte_range[1] if byte_range[1] is not None else info.size - 1)
        return _FileReader(info, path, start, end)

    def head(self, key: str) -> ObjectInfo | None:
        path = self.path(key)
        return self._info(key, path) if path.is_file() else None

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def list(self, prefix: str = "", start_after: str | None = None) -> Iterator[ObjectInfo]:
        if not self.root.is_dir():
            return
        keys = []
        for dirpath, _dirs, files in os.walk(self.root):
            for name in files:
                if name.startswith(".part-"):
                    continue
                key = Path(dirpath, name).relative_to(self.root).as_posix()
                if key.startswith(prefix) and (start_after is None or key > start_after):
                    keys.append(key)
        for key in sorted(keys):
            info = self.head(key)
            if info is not None:
                yield info

    def presign_get(
        self,
        key: str,
        *,
        expires_in: int,
        public_endpoint: str | None = None,
        download_name: str | None = None,
    ) -> str | None:
        return None
