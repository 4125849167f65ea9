"""A zip written front to back into an ObjectWriter (S3 multipart upload or a local file).

zipfile handles a non-seekable sink by writing data descriptors after each member; the central
directory at the end carries the sizes, so every reader opens it. Nothing but the member being
written (and the writer's in-flight parts) is held in memory.
"""

from __future__ import annotations

import shutil
import time
import zipfile
import zlib
from typing import IO

from labelhive_api.storage.base import ObjectInfo, ObjectWriter


class _Sink:
    """What zipfile needs from a stream: write, flush and tell (no seek)."""

    def __init__(self, writer: ObjectWriter) -> None:
        self._writer = writer
        self.position = 0

    def write(self, data: bytes) -> int:
        self._writer.write(data if type(data) is bytes else bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass


class ZipStream:
    def __init__(self, writer: ObjectWriter) -> None:
        self._writer = writer
        self._sink = _Sink(writer)
        self._zip = zipfile.ZipFile(self._sink, mode="w", allowZip64=True)  # type: ignore[call-overload]
        self._date = time.localtime()[:6]
        self.names: set[str] = set()

    def _info(self, name: str, compress: bool) -> zipfile.ZipInfo:
        if name in self.names:
            raise ValueError(f"duplicate zip member {name!r}")
        self.names.add(name)
        info = zipfile.ZipInfo(name, date_time=self._date)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        return info

    def add_bytes(self, name: str, data: bytes, *, compress: bool = False) -> None:
        """Images are already compressed: stored as they are (fast, and what YOLO readers expect).
        Small texts are stored too: deflating a 100-byte label file costs more than it saves."""
        info = self._info(name, compress and len(data) > 2048)
        info.file_size = len(data)
        if info.compress_type == zipfile.ZIP_STORED:
            self._add_stored(info, data)
            return
        with self._zip.open(info, "w") as member:
            member.write(data)

    def _add_stored(self, info: zipfile.ZipInfo, data: bytes) -> None:
        """A stored member whose bytes are all here: its CRC and size go into the local header (no data
        descriptor after it), written in one piece. An export adds two per image (image and labels), and
        zipfile's streaming member costs several writes and objects each. The entry joins zipfile's own
        list, so `close()` writes the central directory (zip64 records included) as for any other."""
        info.compress_size = len(data)
        info.CRC = zlib.crc32(data)
        info.flag_bits = 0
        info.header_offset = self._sink.position
        self._sink.write(info.FileHeader() + data if len(data) < 65536 else info.FileHeader())
        if len(data) >= 65536:
            self._sink.write(data)
        self._zip.filelist.append(info)
        self._zip.NameToInfo[info.filename] = info
        self._zip.start_dir = self._sink.position
        self._zip._didModify = True  # zipfile writes the central directory on close

    def add_stream(self, name: str, source: IO[bytes], *, compress: bool = True) -> None:
        with self.member(name, compress=compress) as member:
            shutil.copyfileobj(source, member, 1024 * 1024)

    def member(self, name: str, *, compress: bool = True) -> IO[bytes]:
        """A member to write into as it is made (no spool file first); close it before the next one."""
        return self._zip.open(self._info(name, compress), "w", force_zip64=True)

    @property
    def bytes_written(self) -> int:
        return self._sink.position

    def close(self) -> ObjectInfo:
        self._zip.close()
        return self._writer.close()

    def abort(self) -> None:
        self._writer.abort()
        self._zip.fp = None  # closing would write a central directory into the aborted upload
