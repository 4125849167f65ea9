"""How many pre-label workers: the built-in scaler's whole decision, pure (no clock, no cluster, no queue).

Up at once; down only after the queue has wanted fewer workers for `scale_down_delay` seconds, so a brief
gap between messages does not stop GPU workers that would be needed again a second later; always within
minReplicas..maxReplicas (a lowered max or a raised min applies at once)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from labelhive_operator.project import Project


def clamp(project: Project, replicas: int) -> int:
    prelabel = project.spec.prelabel
    return min(max(replicas, prelabel.min_replicas), prelabel.max_replicas)


def wanted_replicas(project: Project, depth: int) -> int:
    """ceil(depth / targetQueueLength), clamped to minReplicas..maxReplicas."""
    return clamp(project, math.ceil(max(depth, 0) / project.spec.prelabel.target_queue_length))


def desired_replicas(
    project: Project, depth: int, current: int, lower_since: float | None, now: float, scale_down_delay: float
) -> int:
    """`lower_since` is when the wanted count was first seen below `current` (None otherwise)."""
    wanted = wanted_replicas(project, depth)
    if wanted >= current or current > project.spec.prelabel.max_replicas:
        return wanted
    if lower_since is not None and now - lower_since >= scale_down_delay:
        return wanted
    return current


@dataclass(frozen=True)
class Decision:
    replicas: int
    lower_since: float | None  # carried to the next look


def decide(
    project: Project,
    depth: int | None,
    current: int,
    lower_since: float | None,
    now: float,
    scale_down_delay: float,
) -> Decision:
    """The next replica count from the queue depth (None: unknown, then only the bounds apply)."""
    if depth is None:
        return Decision(clamp(project, current), lower_since)
    if wanted_replicas(project, depth) < current:
        lower = lower_since if lower_since is not None else now
    else:
        lower = None
    replicas = desired_replicas(project, depth, current, lower, now, scale_down_delay)
    return Decision(replicas, None if replicas != current else lower)
