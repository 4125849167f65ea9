"""A test-only fault hook: pause a job at a named stage, so a test can kill the worker at a known point
instead of racing the CPU (a GPU worker would finish before a timed kill).

LABELHIVE_FAULT_PAUSE_AT=<stage>[,<stage>...] makes the worker log `fault pause at <stage> task=<id>` and
wait there until the file named by LABELHIVE_FAULT_RELEASE exists (forever when it is unset). Stages:
`embedding` (image fetched, before its embedding), `deliver` (result computed, before the results POST).
Unset in production: then `pause` is one dictionary lookup.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

log = logging.getLogger("labelhive_worker")

STAGES = ("embedding", "deliver")


def pause(stage: str, task_id: str | None) -> None:
    assert stage in STAGES, stage
    wanted = os.environ.get("LABELHIVE_FAULT_PAUSE_AT", "")
    if not wanted or stage not in wanted.split(","):
        return
    release = os.environ.get("LABELHIVE_FAULT_RELEASE", "")
    log.warning("fault pause at %s task=%s", stage, task_id)
    while not (release and Path(release).exists()):
        time.sleep(0.05)
    log.warning("fault released at %s task=%s", stage, task_id)
