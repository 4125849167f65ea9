"""The KEDA ScaledObject that scales the workers when KEDA is served (the built-in rule: scaling/policy.py). Pure."""

from __future__ import annotations

from typing import Any

from labelhive_operator.project import Project
from labelhive_operator.render.common import metadata


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
