"""Where import files come from: staged uploads (files and zip archives), an S3 prefix, a list of URLs, and
the images a dataset file points at (http(s) or this deployment's s3:// objects).

Each source yields Entry (a named file whose bytes are read on demand) or Refusal (with a reason).
"""

from __future__ import annotations

import posixpath
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from labelhive_outbound import OutboundPolicy, OutboundRefused, fetch

from labelhive_api.imports.safezip import MemberRefused, Refusal, ZipLimits, members, read_member
from labelhive_api.imports.settings import ImportSettings
from labelhive_api.storage.base import ObjectStore
from labelhive_api.storage.config import Storage
from labelhive_api.storage.scope import ScopedStore, ScopeRefused
from labelhive_api.storage.sniff import sniff_content_type

ANNOTATION_EXTENSIONS = (".json", ".xml", ".yaml", ".yml", ".txt")


@dataclass
class Entry:
    name: str  # unique within the job: the ledger key
    read: Callable[[], bytes]
    source_ref: str | None = None  # None: the sha256 of the bytes
    size: int | None = None

    @property
    def path(self) -> str:
        """The path inside its archive or upload, used to match dataset file names."""
        return self.name.split("!/", 1)[-1]

    @property
    def is_annotation_file(self) -> bool:
        return posixpath.splitext(self.path)[1].lower() in ANNOTATION_EXTENSIONS


def staged_uploads(
    store: ObjectStore, prefix: str, limits: ZipLimits, stack: ExitStack
) -> Iterator[Entry | Refusal]:
    """Uploaded files waiting under `prefix` in the target bucket; zip archives are opened safely."""
    for info in store.list(prefix):
        upload_name = info.key[len(prefix) :].split("/", 1)[-1]
        head = _head(store, info.key) if info.size else b""
        if sniff_content_type(head) != "application/zip":
            if info.size > limits.max_file_bytes:
                yield Refusal(upload_name, "too_large", f"{info.size} bytes > limit {limits.max_file_bytes}")
                continue
            yield Entry(name=upload_name, read=lambda k=info.key: store.get(k), size=info.size)  # type: ignore[misc]
            continue
        # Archives are spooled to a local temporary file: zipfile needs to seek.
        spool = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 - closed by the stack
        reader = store.open(info.key)
        try:
            for chunk in reader.iter_chunks(1024 * 1024):
                spool.write(chunk)
        finally:
            reader.close()
        spool.seek(0)
        try:
            archive = stack.enter_context(zipfile.ZipFile(spool))
        except zipfile.BadZipFile as exc:
            yield Refusal(upload_name, "corrupt", f"not a readable zip archive: {exc}")
            continue
        for member in members(archive, limits):
            if isinstance(member, Refusal):
                yield Refusal(f"{upload_name}!/{member.name}", member.reason, member.detail)
                continue
            yield Entry(
                name=f"{upload_name}!/{member.name}",
                read=lambda a=archive, m=member: read_member(a, m, limits),  # type: ignore[misc]
                size=member.size,
            )


def _head(store: ObjectStore, key: str) -> bytes:
    reader = store.open(key, (0, 15))
    try:
        return reader.read()
    finally:
        reader.close()


def s3_prefix(store: ScopedStore, prefix: str, max_bytes: int) -> Iterator[Entry | Refusal]:
    for info in store.list(prefix):
        if info.key.endswith("/"):
            continue
        name = f"s3://{store.bucket}/{info.key}"
        if info.size > max_bytes:
            yield Refusal(name, "too_large", f"{info.size} bytes > limit {max_bytes}")
            continue
        yield Entry(
            name=name,
            read=lambda k=info.key: store.get(k),  # type: ignore[misc]
            source_ref=f"s3:{store.bucket}/{info.key}",
            size=info.size,
        )


def fetch_url(url: str, policy: OutboundPolicy) -> bytes:
    """An image from the web under the outbound policy; failures are this file's refusal, with a short
    reason and never the answer's body."""
    try:
        answer = fetch(url, policy, headers={"User-Agent": "LabelHive-import/1"})
    except OutboundRefused as refused:
        reason = "refused_address" if refused.code in ("address_refused", "unsupported_url") else "unreadable"
        if refused.code == "too_large":
            reason = "too_large"
        raise MemberRefused(Refusal(url, reason, refused.reason)) from None
    if answer.status != 200:
        raise MemberRefused(Refusal(url, "unreadable", f"HTTP {answer.status}"))
    return answer.body


def url_list(urls: list[str], policy: OutboundPolicy) -> Iterator[Entry | Refusal]:
    seen: set[str] = set()
    for url in urls:
        url = url.strip()
        if not url or url in seen:
            continue
        seen.add(url)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            yield Refusal(url, "unsupported_url", "only http and https URLs are imported")
            continue
        yield Entry(name=url, read=lambda u=url: fetch_url(u, policy), source_ref=f"url:{url}")  # type: ignore[misc]


def open_entries(
    kind: str, options: dict[str, Any], storage: Storage, settings: ImportSettings, stack: ExitStack
) -> Iterator[Entry | Refusal]:
    """The files of an import job of this kind (`upload`, `s3`, `urls`), read lazily."""
    limits = settings.limits
    if kind == "upload":
        staging = options.get("staging")
        if not isinstance(staging, str) or not staging.startswith("imports/"):
            raise ValueError("this upload has no staged files (upload them again)")
        return staged_uploads(storage.target, staging, limits, stack)
    if kind == "s3":
        # Checked again here: the allow-list may have shrunk since the job was queued.
        store, prefix = storage.imports.prefix_store(options.get("bucket"), str(options.get("prefix", "")))
        return s3_prefix(store, prefix, limits.max_file_bytes)
    if kind == "urls":
        return url_list(list(options.get("urls", [])), settings.url_policy())
    raise ValueError(f"unknown import kind {kind!r}")


def remote_entries(urls: list[str], storage: Storage, policy: OutboundPolicy) -> list[Entry | Refusal]:
    """Images a dataset file points at: http(s) fetched like a URL import, s3://bucket/key from this
    deployment's S3 (only the buckets its import scope allows)."""
    out: list[Entry | Refusal] = list(url_list([u for u in urls if not u.startswith("s3://")], policy))
    for url in (u for u in urls if u.startswith("s3://")):
        try:
            store, key = storage.imports.object_store(url)
        except ScopeRefused as refused:
            out.append(Refusal(url, refused.code, refused.message))
            continue
        out.append(Entry(name=url, read=partial(store.get, key), source_ref=f"s3:{store.bucket}/{key}"))
    return out
