"""Pod-level reasons for the status, and the lease rule leader election relies on."""

import datetime

from labelhive_operator import conditions as c
from labelhive_operator.leader import expired
from labelhive_operator.pods import last_failure, pod_problem
from labelhive_operator.status import build_status, transitions


def _pod(name, waiting=None, last=None, scheduled=None):
    status = {}
    if waiting:
        cs = {"name": "api", "state": {"waiting": waiting}}
        if last:
            cs["lastState"] = {"terminated": last}
        status["containerStatuses"] = [cs]
    if scheduled:
        status["conditions"] = [{"type": "PodScheduled", "status": "False", **scheduled}]
    return {"metadata": {"name": name}, "status": status}


def test_image_pull_and_crash_loop_are_named_like_kubectl_does():
    pulling = _pod("p1", {"reason": "ImagePullBackOff", "message": 'Back-off pulling image "x:1"'})
    assert pod_problem([_pod("ok"), pulling]) == (
        "ImagePullBackOff",
        'pod p1, container api: ImagePullBackOff: Back-off pulling image "x:1"',
    )
    crashing = _pod("p2", {"reason": "CrashLoopBackOff"}, {"exitCode": 3, "reason": "Error"})
    reason, message = pod_problem([crashing])
    assert reason == "CrashLoopBackOff" and "last exit code 3" in message


def test_unschedulable_and_merely_starting():
    pending = _pod("p3", scheduled={"reason": "Unschedulable", "message": "0/3 nodes have nvidia.com/gpu"})
    assert pod_problem([pending]) == ("Unschedulable", "pod p3: 0/3 nodes have nvidia.com/gpu")
    assert pod_problem([_pod("p4", {"reason": "ContainerCreating"})]) is None
    assert pod_problem([]) is None


def _terminated(name: str, code: int, at: str, message: str) -> dict:
    done = {"exitCode": code, "finishedAt": at, "message": message}
    return {"metadata": {"name": name}, "status": {"containerStatuses": [{"state": {"terminated": done}}]}}


def test_a_failed_jobs_reason_is_the_last_line_its_last_failed_pod_wrote():
    tail = "Traceback (most recent call last):\n  ...\nCommandError: Can't locate revision '0000dead'\n"
    pods = [
        _terminated("m-1", 1, "2026-01-01T10:00:00Z", "first: boom"),
        _terminated("m-2", 1, "2026-01-01T10:00:30Z", tail),
        _terminated("m-3", 0, "2026-01-01T10:01:00Z", "fine"),
    ]
    assert last_failure(pods) == "CommandError: Can't locate revision '0000dead'"
    assert last_failure([_terminated("m", 1, "t", "")]) is None
    assert last_failure([{"metadata": {"name": "starting"}, "status": {}}]) is None


def test_a_lease_is_free_once_its_holder_stopped_renewing():
    now = datetime.datetime(2026, 1, 1, 12, 0, 0, tzinfo=datetime.UTC)
    spec = {"holderIdentity": "a", "leaseDurationSeconds": 15, "renewTime": "2026-01-01T11:59:50.000000Z"}
    assert not expired(spec, now)
    assert expired({**spec, "renewTime": "2026-01-01T11:59:40.000000Z"}, now)
    assert expired({"holderIdentity": "a"}, now)


def test_an_advisory_condition_is_reported_and_told_but_does_not_hold_ready_back():
    steps = [c.Condition(s, True, "Ok", "fine") for s in c.STEPS]
    over = c.Condition(c.CONNECTION_BUDGET, False, "Overcommitted", "190 of 97")
    wanted = build_status({}, steps, {}, 1, at="t", advisories=[over])
    assert wanted["phase"] == "Ready"
    assert {"type": "ConnectionBudget", "status": "False", "reason": "Overcommitted"}.items() <= next(
        x for x in wanted["conditions"] if x["type"] == "ConnectionBudget"
    ).items()
    assert ("Warning", "Overcommitted", "ConnectionBudget: 190 of 97") in transitions({}, wanted)
