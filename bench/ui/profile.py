"""Where the editor's time goes, on the bench's page (bench.py's setup): a CPU profile of pan+zoom frames on
the heavy task (self time per function, and the browser's own work per trace event), and the network
requests of one "next task" step with their start and end relative to the key press.

    .venv/bin/python bench/ui/profile.py [--frames 120] [--what cpu,trace,next]
    (build the UI with `npx vite build --minify false` first for readable function names)
"""

from __future__ import annotations

import argparse
import collections
from typing import Any

from bench import FRAMES_JS, NEXT_JS, Session, load, session


def cpu_profile(s: Session, frames: int) -> None:
    cdp = s.page.context.new_cdp_session(s.page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 200})
    cdp.send("Profiler.start")
    s.page.evaluate(FRAMES_JS, frames)
    profile = cdp.send("Profiler.stop")["profile"]
    cdp.detach()
    nodes = {n["id"]: n for n in profile["nodes"]}
    deltas = profile["timeDeltas"]
    self_ms: collections.Counter[str] = collections.Counter()
    for node_id, dt in zip(profile["samples"], deltas, strict=False):
        frame = nodes[node_id]["callFrame"]
        url = frame["url"].rsplit("/", 1)[-1]
        self_ms[f"{frame['functionName'] or '(anonymous)'} {url}:{frame['lineNumber']}"] += dt / 1000
    total = sum(self_ms.values())
    print(f"CPU profile of {frames} frames: {total:.0f} ms sampled  [load average {load()}]")
    for name, ms in self_ms.most_common(45):
        print(f"  {ms:8.1f} ms {100 * ms / total:5.1f}%  {name}")


def trace(s: Session, frames: int) -> None:
    """Main-thread and raster work per trace event name while panning and zooming."""
    cdp = s.page.context.new_cdp_session(s.page)
    events: list[dict[str, Any]] = []
    cdp.on("Tracing.dataCollected", lambda e: events.extend(e["value"]))
    done: list[bool] = []
    cdp.on("Tracing.tracingComplete", lambda e: done.append(True))
    cdp.send(
        "Tracing.start",
        {
            "categories": "devtools.timeline,disabled-by-default-devtools.timeline,cc,blink",
            "transferMode": "ReportEvents",
        },
    )
    s.page.evaluate(FRAMES_JS, frames)
    cdp.send("Tracing.end")
    while not done:
        s.page.wait_for_timeout(100)
    cdp.detach()
    by_name: collections.Counter[str] = collections.Counter()
    for e in events:
        if e.get("ph") == "X" and "dur" in e:
            by_name[f"{e['name']} (tid {e['tid']})"] += e["dur"] / 1000
    print(f"trace of {frames} frames, complete events by total duration  [load average {load()}]")
    for name, ms in by_name.most_common(45):
        print(f"  {ms:8.1f} ms  {name}")


def next_requests(s: Session) -> None:
    """One "next task" step: each request's start and end (ms after the key press)."""
    s.api.call(
        "POST",
        f"/projects/{s.pid}/tasks/assign",
        json={"task_ids": s.row[:4], "assignee_id": s.api.call("GET", "/auth/me")["id"]},
    )
    s.open_task(s.row[0])
    s.page.evaluate(NEXT_JS)  # warm-up
    s.page.wait_for_timeout(500)
    seen: list[tuple[str, Any]] = []
    s.page.on("requestfinished", lambda r: seen.append((r.url, r.timing)))
    t0 = s.page.evaluate("() => performance.timeOrigin + performance.now()")
    ms = s.page.evaluate(NEXT_JS)
    s.page.wait_for_timeout(300)
    print(f"next -> editable {ms:.0f} ms; requests (ms after the key press)  [load average {load()}]")
    for url, timing in seen:
        start = timing["startTime"] - t0
        print(f"  {start:7.0f} .. {start + timing['responseEnd']:7.0f}  {url.split('/api/v1/')[-1][:90]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--what", default="cpu,trace,next")
    args = parser.parse_args()
    what = set(args.what.split(","))
    with session(6) as s:
        s.open_task(s.heavy_task)
        s.page.evaluate(FRAMES_JS, 20)
        if "cpu" in what:
            cpu_profile(s, args.frames)
        if "trace" in what:
            trace(s, args.frames)
        if "next" in what:
            next_requests(s)


if __name__ == "__main__":
    main()
