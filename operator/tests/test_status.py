"""Conditions, phase and the status patch: nothing is written when nothing changed."""

from labelhive_operator import conditions as c
from labelhive_operator.status import build_status, status_changes, transitions

ALL_TRUE = [c.Condition(step, True, "Ok", "fine") for step in c.STEPS]


def test_all_steps_true_is_ready():
    status = build_status({}, ALL_TRUE, {"url": "http://x"}, 3, at="2026-01-01T00:00:00Z")
    assert status["phase"] == "Ready"
    assert status["observedGeneration"] == 3
    ready = next(x for x in status["conditions"] if x["type"] == "Ready")
    assert ready["status"] == "True"
    assert all(
        set(x) == {"type", "status", "observedGeneration", "lastTransitionTime", "reason", "message"}
        for x in status["conditions"]
    )


def test_same_outcome_twice_writes_nothing_and_keeps_transition_times():
    first = build_status({}, ALL_TRUE, {"url": "http://x"}, 1, at="2026-01-01T00:00:00Z")
    second = build_status(first, ALL_TRUE, {"url": "http://x"}, 1, at="2026-01-02T00:00:00Z")
    assert status_changes(first, second) == {}
    assert transitions(first, second) == []


def test_a_failing_step_fails_the_phase_and_names_the_step():
    steps = [
        *ALL_TRUE[:1],
        c.Condition(c.DATABASE_READY, False, "DatabaseAuthFailed", "password wrong", failed=True),
    ]
    status = build_status({}, steps, {}, 1)
    assert status["phase"] == "Failed"
    ready = next(x for x in status["conditions"] if x["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "DatabaseAuthFailed")
    assert ready["message"].startswith("DatabaseReady:")


def test_not_yet_is_provisioning_then_degraded_after_ready():
    waiting = [*ALL_TRUE[:3], c.Condition(c.MIGRATED, False, "MigrationRunning", "1 active")]
    assert build_status({}, waiting, {}, 1)["phase"] == "Provisioning"
    assert build_status({"phase": "Ready"}, waiting, {}, 1)["phase"] == "Degraded"


def test_transition_time_moves_only_on_status_change():
    first = build_status({}, ALL_TRUE, {}, 1, at="2026-01-01T00:00:00Z")
    broken = [
        c.Condition(step, step != c.API_READY, "Progressing" if step == c.API_READY else "Ok", "m")
        for step in c.STEPS
    ]
    second = build_status(first, broken, {}, 1, at="2026-01-02T00:00:00Z")
    times = {x["type"]: x["lastTransitionTime"] for x in second["conditions"]}
    assert times[c.API_READY] == "2026-01-02T00:00:00Z"
    assert times[c.STORAGE_READY] == "2026-01-01T00:00:00Z"
    changes = status_changes(first, second)
    assert set(changes) == {"conditions", "phase"}


def test_events_on_transitions_and_failures_only():
    start = build_status(
        {}, [c.Condition(c.STORAGE_READY, False, "S3Unreachable", "timeout", failed=True)], {}, 1
    )
    events = transitions({}, start)
    assert ("Warning", "S3Unreachable", "StorageReady: timeout") in events
    assert any(e[1] == "PhaseFailed" for e in events)
    again = build_status(
        start, [c.Condition(c.STORAGE_READY, False, "S3Unreachable", "timeout", failed=True)], {}, 1
    )
    assert transitions(start, again) == [], "the same failure again is no new Event"
    fixed = build_status(start, ALL_TRUE, {}, 1)
    kinds = {(e[0], e[1]) for e in transitions(start, fixed)}
    assert ("Normal", "Ok") in kinds and ("Normal", "PhaseReady") in kinds, "the recovery is told"


def test_first_provisioning_is_one_event_per_phase_not_per_step():
    provisioning = build_status(
        {},
        [
            c.Condition(c.STORAGE_READY, True, "Ok", "m"),
            c.Condition(c.MIGRATED, False, "MigrationRunning", ""),
        ],
        {},
        1,
    )
    assert transitions({}, provisioning) == [("Normal", "PhaseProvisioning", "phase - -> Provisioning")]
    ready = build_status(provisioning, ALL_TRUE, {}, 1)
    assert transitions(provisioning, ready) == [("Normal", "PhaseReady", "phase Provisioning -> Ready")]


def test_quiet_reasons_send_no_warning():
    status = build_status({}, [c.Condition(c.MIGRATED, False, "MigrationRunning", "1 active")], {}, 1)
    assert not [e for e in transitions({}, status) if e[0] == "Warning"]
