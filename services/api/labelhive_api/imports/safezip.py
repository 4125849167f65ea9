"""Reading archives that may be hostile: zip-slip paths, zip bombs, symlinks, lying headers.

Every member is either yielded (safe name, bounded size) or refused with a machine-readable reason;
one bad member never stops the rest of the archive.
"""

from __future__ import annotations

import io
import os
import posixpath
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

SKIPPED_PREFIXES = ("__MACOSX/",)
SKIPPED_NAMES = (".DS_Store", "Thumbs.db", "desktop.ini")


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = 200_000
    max_file_bytes: int = 200 * 1024 * 1024
    max_total_bytes: int = 50 * 1024 * 1024 * 1024
    # Above this compression ratio a member is a bomb (checked once it is bigger than ratio_floor).
    max_ratio: int = 100
    ratio_floor: int = 1024 * 1024


@dataclass(frozen=True)
class Refusal:
    name: str
    reason: str  # unsafe_path | symlink | encrypted | too_large | zip_bomb | archive_too_large | too_many_entries | corrupt
    detail: str = ""


@dataclass(frozen=True)
class Member:
    name: str  # normalised, relative, '/'-separated
    size: int
    info: zipfile.ZipInfo


class MemberRefused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(f"{refusal.name}: {refusal.reason} {refusal.detail}".strip())
        self.refusal = refusal


def safe_name(raw: str) -> str | None:
    """The member's path if it stays inside the extraction folder, else None."""
    if "\x00" in raw:
        return None
    name = raw.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        return None
    return "/".join(parts)


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def members(archive: zipfile.ZipFile, limits: ZipLimits) -> Iterator[Member | Refusal]:
    """Files of the archive in order, each checked from its headers; directories and OS litter skipped."""
    infos = archive.infolist()
    total = 0
    for index, info in enumerate(infos):
        if info.is_dir():
            continue
        raw = info.filename
        if raw.startswith(SKIPPED_PREFIXES) or posixpath.basename(raw.replace("\\", "/")) in SKIPPED_NAMES:
            continue
        if index >= limits.max_entries:
            yield Refusal(raw, "too_many_entries", f"the archive has over {limits.max_entries} entries")
            continue
        name = safe_name(raw)
        if name is None:
            yield Refusal(raw, "unsafe_path", "absolute path or '..' would escape the import folder")
            continue
        if _is_symlink(info):
            yield Refusal(name, "symlink", "links are not imported")
            continue
        if info.flag_bits & 0x1:
            yield Refusal(name, "encrypted", "password-protected entries are not supported")
            continue
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            yield Refusal(
                name, "zip_bomb", f"compression ratio {info.file_size // max(info.compress_size, 1)}:1"
            )
            continue
        if info.file_size > limits.max_file_bytes:
            yield Refusal(name, "too_large", f"{info.file_size} bytes > limit {limits.max_file_bytes}")
            continue
        if total + info.file_size > limits.max_total_bytes:
            yield Refusal(name, "archive_too_large", f"total uncompressed size over {limits.max_total_bytes}")
            continue
        total += info.file_size
        yield Member(name, info.file_size, info)


def copy_member(archive: zipfile.ZipFile, member: Member, out: IO[bytes], limits: ZipLimits) -> int:
    """Copies at most the declared size (a header that lies about it is a bomb); returns bytes written."""
    cap = min(member.size, limits.max_file_bytes)
    written = 0
    try:
        with archive.open(member.info) as source:
            while chunk := source.read(1024 * 1024):
                written += len(chunk)
                if written > cap:
                    raise MemberRefused(
                        Refusal(member.name, "zip_bomb", "more data than its header declares")
                    )
                out.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise MemberRefused(Refusal(member.name, "corrupt", str(exc))) from exc
    return written


def read_member(archive: zipfile.ZipFile, member: Member, limits: ZipLimits) -> bytes:
    buffer = io.BytesIO()
    copy_member(archive, member, buffer, limits)
    return buffer.getvalue()


@dataclass
class ExtractReport:
    extracted: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def extract(zip_path: str | Path | IO[bytes], dest: Path, limits: ZipLimits | None = None) -> ExtractReport:
    """Extracts what is safe into `dest`; nothing is ever written outside it."""
    limits = limits or ZipLimits()
    root = dest.resolve()
    root.mkdir(parents=True, exist_ok=True)
    report = ExtractReport()
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        report.refused.append(Refusal(str(zip_path), "corrupt", f"not a zip archive: {exc}"))
        return report
    with archive:
        for entry in members(archive, limits):
            if isinstance(entry, Refusal):
                report.refused.append(entry)
                continue
            target = (root / entry.name).resolve()
            if not target.is_relative_to(root) or target == root:
                report.refused.append(
                    Refusal(entry.name, "unsafe_path", "resolves outside the import folder")
                )
                continue
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                if not target.parent.resolve().is_relative_to(root):
                    raise MemberRefused(Refusal(entry.name, "unsafe_path", "parent folder escapes"))
                flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
                fd = os.open(target, flags, 0o644)
                with os.fdopen(fd, "wb") as out:
                    copy_member(archive, entry, out, limits)
                report.extracted.append(entry.name)
            except MemberRefused as refused:
                target.unlink(missing_ok=True)
                report.refused.append(refused.refusal)
            except OSError as exc:
                report.refused.append(Refusal(entry.name, "unsafe_path", str(exc)))
    return report
