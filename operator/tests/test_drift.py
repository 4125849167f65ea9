"""Drift detection: defaults the server adds are not drift; a changed or removed field is."""

from labelhive_operator.drift import CONFIG_HASH, is_subset, up_to_date, with_config_hash


def wanted():
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "a", "namespace": "n", "labels": {"x": "1"}},
        "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "c", "image": "i:1"}]}}},
    }


def live_of(obj):
    live = with_config_hash(obj)
    live["metadata"].update(uid="u", resourceVersion="7", generation=1)
    live["spec"]["strategy"] = {"type": "RollingUpdate"}
    live["spec"]["template"]["spec"]["containers"][0]["terminationMessagePath"] = "/dev/termination-log"
    live["status"] = {"readyReplicas": 2}
    return live


def test_server_defaults_are_not_drift():
    obj = with_config_hash(wanted())
    assert up_to_date(obj, live_of(wanted()))


def test_changed_field_is_drift():
    live = live_of(wanted())
    live["spec"]["replicas"] = 5
    assert not up_to_date(with_config_hash(wanted()), live)


def test_missing_object_is_drift():
    assert not up_to_date(with_config_hash(wanted()), None)


def test_a_field_we_stopped_setting_changes_the_hash():
    old = wanted()
    old["spec"]["paused"] = True
    new = with_config_hash(wanted())
    assert (
        new["metadata"]["annotations"][CONFIG_HASH]
        != with_config_hash(old)["metadata"]["annotations"][CONFIG_HASH]
    )
    assert not up_to_date(new, live_of(old)), "live still has paused: the hash tells"


def test_hash_is_stable_and_ignores_itself():
    once = with_config_hash(wanted())
    assert with_config_hash(once) == once


def test_lists_compare_by_position_and_length():
    assert is_subset([{"a": 1}], [{"a": 1, "b": 2}])
    assert not is_subset([{"a": 1}], [{"a": 1}, {"a": 2}])
    assert not is_subset([1, 2], [2, 1])
    assert not is_subset(True, 1)
