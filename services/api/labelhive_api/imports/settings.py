"""How an import job runs (limits, parallelism, chunk sizes, outbound policy) and how it stops early."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from labelhive_outbound import OutboundPolicy

from labelhive_api.imports.safezip import ZipLimits
from labelhive_api.jobs.kinds import JobStopped


class ImportStopped(JobStopped):
    """The job lost its lease or was cancelled; what is committed stays, the rest waits for a re-run."""


@dataclass(frozen=True)
class ImportSettings:
    limits: ZipLimits = field(default_factory=ZipLimits)
    max_image_pixels: int = 100_000_000
    workers: int = 12
    chunk: int = 128
    # A chunk's files are in memory together: close it early when they add up to this many bytes.
    chunk_bytes: int = 128 * 1024 * 1024
    # URL imports and image URLs inside annotation files: public addresses only unless allow-listed.
    outbound: OutboundPolicy = field(default_factory=OutboundPolicy)
    # Tasks by reference (format `tasks`): tasks per write transaction.
    reference_chunk: int = 1000
    # ... and chunks written at once on PostgreSQL (each its own transaction; SQLite writes one at a time).
    reference_writers: int = 2
    # Imports by reference: ranged reads for image sizes in flight at once (small, latency-bound).
    probe_workers: int = 32

    def url_policy(self) -> OutboundPolicy:
        """The outbound policy for reading images from the web (URL imports, image sizes, export images):
        one file at most `limits.max_file_bytes`."""
        return dataclasses.replace(self.outbound, max_bytes=self.limits.max_file_bytes)
