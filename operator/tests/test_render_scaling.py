"""The KEDA ScaledObject (the built-in rule: test_scaling_policy.py)."""

from labelhive_operator.render.scaling import build_scaled_object_spec
from operator_samples import sample_project


def project(min_replicas=0, max_replicas=4, target=20):
    return sample_project(
        prelabel={"minReplicas": min_replicas, "maxReplicas": max_replicas, "targetQueueLength": target}
    )


def test_scaled_object():
    so = build_scaled_object_spec(project(min_replicas=0, max_replicas=6, target=10))
    assert so["apiVersion"] == "keda.sh/v1alpha1"
    assert so["spec"]["scaleTargetRef"] == {"name": "weld-defects-worker"}
    assert (so["spec"]["minReplicaCount"], so["spec"]["maxReplicaCount"]) == (0, 6)
    trigger = so["spec"]["triggers"][0]
    assert trigger["type"] == "rabbitmq"
    assert trigger["metadata"]["queueName"] == "labelhive.factory-a.weld-defects.prelabel"
    assert trigger["metadata"]["value"] == "10"
    assert trigger["metadata"]["hostFromEnv"] == "LABELHIVE_AMQP_URL"
