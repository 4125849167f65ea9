"""Imports by reference (`POST /imports/s3` or `/imports/urls` with `reference: true`): tasks point at the
objects (or URLs) where they are, nothing is copied. Per object: the listing, then one ranged read of its first bytes for the size
(EXIF orientation applied, as for uploads), a whole read only when the header lies further in; reads run in
parallel and the tasks go in through the bulk path a chunk at a time, with the ledger (`imports.by_reference`).

Objects imported before into the project (same bucket and key) are counted as duplicates without being read.
"""

from __future__ import annotations

import dataclasses
import io
import posixpath
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from labelhive_outbound import OutboundPolicy, OutboundRefused, fetch
from PIL import Image, UnidentifiedImageError

from labelhive_api.imports.by_reference import TaskFileImport, _Row
from labelhive_api.imports.images import (
    ACCEPTED,
    ImageRefused,
    accepted_type,
    displayed_size,
    exif_orientation,
)
from labelhive_api.imports.safezip import MemberRefused, Refusal
from labelhive_api.imports.sources import Entry as FileEntry
from labelhive_api.storage.scope import ScopedStore

if TYPE_CHECKING:
    from labelhive_api.imports.context import ImportContext

HEAD_BYTES = 64 * 1024
# Pillow finds a PNG's EXIF or XMP only by decoding the pixels to reach chunks after them; each such chunk is
# named by one of these in plain bytes, so without them there is no orientation to find (and no decoding).
_PNG_ORIENTATION_MARKS = (b"eXIf", b"exif", b"XML:com.adobe.xmp")


def may_carry_orientation(content_type: str, data: bytes) -> bool:
    return content_type != "image/png" or any(mark in data for mark in _PNG_ORIENTATION_MARKS)


def image_size(data: bytes, max_pixels: int) -> tuple[int, int, int] | None:
    """(displayed width, height, EXIF orientation) from the start of an image file; None when the bytes end
    before the header does. Refuses what is not an image, or is too many pixels."""
    content_type = accepted_type(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[ACCEPTED[content_type]]) as image:
                width, height = image.size
                orientation = exif_orientation(image) if may_carry_orientation(content_type, data) else 1
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRefused("decompression_bomb", str(exc)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    if width <= 0 or height <= 0:
        raise ImageRefused("corrupt_image", "zero-sized image")
    if width * height > max_pixels:
        raise ImageRefused("decompression_bomb", f"{width}x{height} is over the limit of {max_pixels} pixels")
    width, height = displayed_size(width, height, orientation)
    return width, height, orientation


def size_from(head: bytes, whole: Callable[[], bytes], max_pixels: int) -> tuple[int, int, int] | None:
    """`image_size` of an image's first bytes, or of the whole image (`whole()`, read only then) when the
    header lies further in (a large EXIF block, a progressive JPEG's tables) or the head is empty."""
    size = image_size(head, max_pixels) if head else None
    return size if size is not None else image_size(whole(), max_pixels)


def url_head(url: str, head_policy: OutboundPolicy, user_agent: str) -> bytes:
    """The first `head_policy.max_bytes` of an image on the web (one ranged GET under the outbound policy);
    b"" when the server ignored the range and sent more (read the whole image under the full cap then).
    Raises OutboundRefused, or LookupError for an answer other than 200/206."""
    headers = {"User-Agent": user_agent, "Range": f"bytes=0-{head_policy.max_bytes - 1}"}
    try:
        answer = fetch(url, head_policy, headers=headers)
    except OutboundRefused as refused:
        if refused.code == "too_large":
            return b""
        raise
    if answer.status not in (200, 206):
        raise LookupError(f"HTTP {answer.status}")
    return answer.body


class ObjectImport(TaskFileImport):
    """Objects of an allowed S3 bucket/prefix, imported in place."""

    def __init__(self, ctx: ImportContext, store: ScopedStore, source_bucket: str) -> None:
        super().__init__(ctx)
        self.store = store
        # Objects of the deployment's source bucket are named by key, like uploaded images; others by URL.
        self.in_source = store.bucket == source_bucket

    def import_objects(self, entries: list[FileEntry | Refusal]) -> None:
        """Reads the sizes of a chunk of objects (in parallel) while the chunks before are written."""
        ctx = self.ctx
        ctx.total = max(ctx.total, len(entries))
        todo = [e for e in entries if e.name not in ctx.done_names]
        with (
            ThreadPoolExecutor(ctx.settings.probe_workers, thread_name_prefix="import-size") as pool,
            self.writers() as writers,
        ):
            for start in range(0, len(todo), self.chunk_size):
                ctx.check_continue()
                chunk = todo[start : start + self.chunk_size]
                known = self._known(
                    [e.source_ref for e in chunk if isinstance(e, FileEntry) and e.source_ref]
                )
                fresh = [e for e in chunk if not (isinstance(e, FileEntry) and e.source_ref in known)]
                # A re-sync counts the objects imported before as duplicates, without reading or listing them;
                # none of the rows written is one of those (known={}: not looked up a second time).
                self._submit(writers, self._rows(pool, fresh), skipped=len(chunk) - len(fresh), known={})

    def _rows(self, pool: ThreadPoolExecutor, entries: list[FileEntry | Refusal]) -> list[_Row]:
        """`_row` of each entry, in order: a few slices per thread (a future per object costs more than its
        ranged read's own Python)."""
        size = -(-len(entries) // (2 * self.ctx.settings.probe_workers)) or 1
        parts = [entries[i : i + size] for i in range(0, len(entries), size)]
        return [row for part in pool.map(lambda p: [self._row(e) for e in p], parts) for row in part]

    def _known(self, refs: list[str]) -> set[str]:
        if not refs:
            return set()
        with self.ctx.db.sessions() as session:
            return set(self.ctx.known_refs(session, refs))

    def _row(self, entry: FileEntry | Refusal) -> _Row:
        if isinstance(entry, Refusal):
            return _Row(entry.name, reason=entry.reason, detail=entry.detail)
        try:
            size = self._size(entry)
        except ImageRefused as refused:
            return _Row(entry.name, reason=refused.reason, detail=refused.detail, source_ref=entry.source_ref)
        except MemberRefused as refused:
            reason, detail = refused.refusal.reason, refused.refusal.detail
            return _Row(entry.name, reason=reason, detail=detail, source_ref=entry.source_ref)
        except Exception as exc:  # noqa: BLE001 - this object's problem only
            detail = f"{type(exc).__name__}: {exc}"[:500]
            return _Row(entry.name, reason="unreadable", detail=detail, source_ref=entry.source_ref)
        width, height, orientation = size
        image, filename = self._where(entry)
        return _Row(
            entry.name,
            new_task={
                "image": image,
                "filename": filename,
                "width": width,
                "height": height,
                "orientation": orientation,
                "meta": {"import_job": self.ctx.job_id},
            },
            source_ref=entry.source_ref,
        )

    def _size(self, entry: FileEntry) -> tuple[int, int, int]:
        head = self._head(entry)
        # An object no longer than its head was read whole already.
        whole = (lambda: head) if entry.size is not None and entry.size <= len(head) else entry.read
        size = size_from(head, whole, self.ctx.settings.max_image_pixels)
        if size is None:
            raise ImageRefused("corrupt_image", "no readable image header")
        return size

    def _where(self, entry: FileEntry) -> tuple[str, str]:
        """The task's image reference and file name."""
        key = entry.name.split("/", 3)[-1]  # s3://bucket/key
        return (key if self.in_source else f"s3://{self.store.bucket}/{key}"), key

    def _head(self, entry: FileEntry) -> bytes:
        return self.store.read_head(entry.name.split("/", 3)[-1], HEAD_BYTES)


class UrlImport(ObjectImport):
    """A list of image URLs imported by reference: the task is the URL; a ranged GET (under the outbound
    policy) for the size, the whole image only from servers that ignore ranges or put the header further."""

    def __init__(self, ctx: ImportContext, policy: OutboundPolicy) -> None:
        TaskFileImport.__init__(self, ctx)
        self.head_policy = dataclasses.replace(policy, max_bytes=HEAD_BYTES)

    def _where(self, entry: FileEntry) -> tuple[str, str]:
        return entry.name, posixpath.basename(urlsplit(entry.name).path) or entry.name

    def _head(self, entry: FileEntry) -> bytes:
        try:
            return url_head(entry.name, self.head_policy, "LabelHive-import/1")
        except OutboundRefused as refused:
            raise MemberRefused(Refusal(entry.name, _reason(refused), refused.reason)) from None
        except LookupError as exc:
            raise MemberRefused(Refusal(entry.name, "unreadable", str(exc))) from None


def _reason(refused: OutboundRefused) -> str:
    return "refused_address" if refused.code in ("address_refused", "unsupported_url") else "unreadable"
