"""The built-in scaler's rule and the KEDA ScaledObject."""

import pytest
from labelhive_operator.render.scaling import build_scaled_object_spec, desired_replicas, wanted_replicas
from operator_samples import sample_project


def project(min_replicas=0, max_replicas=4, target=20):
    return sample_project(
        prelabel={"minReplicas": min_replicas, "maxReplicas": max_replicas, "targetQueueLength": target}
    )


@pytest.mark.parametrize(
    ("depth", "expected"), [(0, 0), (1, 1), (20, 1), (21, 2), (60, 3), (80, 4), (10_000, 4), (-5, 0)]
)
def test_wanted_is_depth_over_target_within_bounds(depth, expected):
    assert wanted_replicas(project(), depth) == expected


def test_min_replicas_holds_even_when_idle():
    assert wanted_replicas(project(min_replicas=1), 0) == 1


def test_scale_up_is_immediate():
    assert desired_replicas(project(), 45, current=0, lower_since=None, now=100.0, scale_down_delay=60) == 3


def test_scale_down_waits_for_the_delay():
    p = project()
    assert desired_replicas(p, 0, current=3, lower_since=None, now=100.0, scale_down_delay=60) == 3
    assert desired_replicas(p, 0, current=3, lower_since=90.0, now=100.0, scale_down_delay=60) == 3
    assert desired_replicas(p, 0, current=3, lower_since=30.0, now=100.0, scale_down_delay=60) == 0
    assert desired_replicas(p, 15, current=3, lower_since=30.0, now=100.0, scale_down_delay=60) == 1


def test_lowered_max_applies_at_once():
    assert (
        desired_replicas(
            project(max_replicas=2), 100, current=4, lower_since=None, now=0, scale_down_delay=60
        )
        == 2
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
