"""The built-in scaler's decision (scaling/policy.py) and its claim on the replicas: pure, no cluster."""

import pytest
from labelhive_operator.kube import SCALER_FIELD_MANAGER
from labelhive_operator.scaling.policy import Decision, clamp, decide, desired_replicas, wanted_replicas
from labelhive_operator.scaling.scaler import owns_replicas
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


def test_decide_remembers_since_when_fewer_were_wanted_and_forgets_after_scaling():
    p = project()
    first = decide(p, 0, current=3, lower_since=None, now=100.0, scale_down_delay=60)
    assert first == Decision(3, 100.0)  # fewer wanted from now on, not yet long enough
    held = decide(p, 0, current=3, lower_since=first.lower_since, now=130.0, scale_down_delay=60)
    assert held == Decision(3, 100.0)
    down = decide(p, 0, current=3, lower_since=held.lower_since, now=160.0, scale_down_delay=60)
    assert down == Decision(0, None)


def test_decide_a_busy_moment_resets_the_wait():
    p = project()
    assert decide(p, 45, current=3, lower_since=100.0, now=130.0, scale_down_delay=60) == Decision(3, None)
    assert decide(p, 200, current=3, lower_since=100.0, now=130.0, scale_down_delay=60) == Decision(4, None)


def test_decide_without_a_depth_keeps_the_count_within_bounds():
    assert decide(project(), None, current=2, lower_since=5.0, now=9.0, scale_down_delay=60) == Decision(
        2, 5.0
    )
    assert decide(project(max_replicas=1), None, current=3, lower_since=None, now=0, scale_down_delay=60) == (
        Decision(1, None)
    )
    assert clamp(project(min_replicas=2), 0) == 2


def _deployment(*entries):
    return {"metadata": {"managedFields": list(entries)}}


def test_the_scaler_owns_the_replicas_only_through_its_own_field_manager():
    scale = {
        "manager": SCALER_FIELD_MANAGER,
        "subresource": "scale",
        "fieldsV1": {"f:spec": {"f:replicas": {}}},
    }
    operator = {"manager": "labelhive-operator", "fieldsV1": {"f:spec": {"f:replicas": {}, "f:template": {}}}}
    assert owns_replicas(_deployment(operator, scale))
    assert not owns_replicas(_deployment(operator))
    assert not owns_replicas(_deployment({"manager": SCALER_FIELD_MANAGER, "fieldsV1": {"f:metadata": {}}}))
    assert not owns_replicas({"metadata": {}})
