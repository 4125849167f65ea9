"""How many pre-label workers: the built-in scaler's rule, and the KEDA ScaledObject used instead. Pure."""

from __future__ import annotations

import math
from typing import Any

from labelhive_operator.project import Project
from labelhive_operator.render.common import metadata


def wanted_replicas(project: Project, depth: int) -> int:
    """ceil(depth / targetQueueLength), clamped to minReplicas..maxReplicas."""
    prelabel = project.spec.prelabel
    wanted = math.ceil(max(depth, 0) / prelabel.target_queue_length)
    return min(max(wanted, prelabel.min_replicas), prelabel.max_replicas)


def desired_replicas(
    project: Project, depth: int, current: int, lower_since: float | None, now: float, scale_down_delay: float
) -> int:
    """Up at once; down only after the queue has wanted fewer workers for scale_down_delay seconds.

    `lower_since` is when the wanted count was first seen below `current` (None otherwise), so a brief gap
    between messages does not stop GPU workers that would be needed again a second later.
    """
    wanted = wanted_replicas(project, depth)
    if wanted >= current or current > project.spec.prelabel.max_replicas:
        return wanted
    if lower_since is not None and now - lower_since >= scale_down_delay:
        return wanted
    return current


def build_scaled_object_spec(project: Project, host_from_env: str = "LABELHIVE_AMQP_URL") -> dict[str, Any]:
    prelabel = project.spec.prelabel
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": metadata(project, project.child("worker"), "worker"),
        "spec": {
            "scaleTargetRef": {"name": project.child("worker")},
            "minReplicaCount": prelabel.min_replicas,
            "maxReplicaCount": prelabel.max_replicas,
            "pollingInterval": 15,
            "cooldownPeriod": 60,
            "triggers": [
                {
                    "type": "rabbitmq",
                    "metadata": {
                        "queueName": project.queue,
                        "mode": "QueueLength",
                        "value": str(prelabel.target_queue_length),
                        # KEDA reads the AMQP URL from the worker container's environment (the app Secret).
                        "hostFromEnv": host_from_env,
                    },
                }
            ],
        },
    }
