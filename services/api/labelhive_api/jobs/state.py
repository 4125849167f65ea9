"""The states of a job row (imports, exports); `ACTIVE` ones may still be claimed."""

from __future__ import annotations


class JobState:
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"
    ACTIVE = ("queued", "running")
