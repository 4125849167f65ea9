"""API benchmark at 1,000,000 tasks: next task, filtered list pages, count by state, annotation submit and
save, draft autosave, statistics.

Seeds with INSERT ... SELECT generate_series on the harness PostgreSQL, starts `labelhive-api serve`
(uvicorn, one process) on loopback, times real HTTP calls (keep-alive, bearer tokens) and prints p50/p95,
throughput and the server's CPU time per call (user + system, which other load inflates less than wall
time), with a `SELECT 1` round trip and `GET /healthz` measured in the same run as baselines.

`--profile DIR` runs the server under cProfile (profiled_serve.py) and writes DIR/<call>.prof per measured
call type (read with `python -m pstats`); its figures are inflated by the profiler.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from procstat import cpu_seconds

os.environ.setdefault("LABELHIVE_LOG_LEVEL", "WARNING")


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


SERVER_PID: list[int] = []
PROFILE_DIR: list[Path] = []  # --profile: the server writes one cProfile file per measured call type


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (Linux /proc), to show the server's own cost apart from contention."""
    try:
        return cpu_seconds(pid)
    except (OSError, IndexError, ValueError):
        return float("nan")


def report(name: str, samples: list[float], target_ms: float | None, cpu_s: float | None = None) -> None:
    total = sum(samples)
    cpu = f"  server CPU={cpu_s / len(samples) * 1000:6.2f} ms/call" if cpu_s is not None else ""
    target = f"  (target p95 <= {target_ms:.0f} ms)" if target_ms else ""
    print(
        f"{name:<34} n={len(samples):<4} p50={percentile(samples, 50) * 1000:7.2f} ms  "
        f"p95={percentile(samples, 95) * 1000:7.2f} ms  mean={statistics.mean(samples) * 1000:7.2f} ms  "
        f"throughput={len(samples) / total:8.1f}/s{cpu}{target}  "
        f"[load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}]",
        flush=True,
    )


def measure(name: str, fn: Callable[[int], object], n: int, target_ms: float | None) -> None:
    pid = SERVER_PID[0] if SERVER_PID else None
    if pid and PROFILE_DIR:
        _profile_phase(pid, name)
    before = _cpu_seconds(pid) if pid else None
    samples = timed(fn, n)
    cpu = _cpu_seconds(pid) - before if pid and before is not None else None
    report(name, samples, target_ms, cpu)


def _profile_phase(pid: int, name: str) -> None:
    """Tell the profiled server (profiled_serve.py) that what follows is `name`; it writes what came before."""
    slug = "-".join("".join(ch if ch.isalnum() else " " for ch in name.lower()).split())
    (PROFILE_DIR[0] / "phase").write_text(slug)
    os.kill(pid, signal.SIGUSR1)
    time.sleep(0.5)


def timed(fn: Callable[[int], object], n: int) -> list[float]:
    out = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - start)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument(
        "--profile",
        type=Path,
        help="run the server under cProfile and write DIR/<call>.prof per measured call (inflates CPU figures)",
    )
    args = parser.parse_args()

    from labelhive_api.accounts import service as accounts
    from labelhive_api.db import migrate
    from labelhive_api.db.engine import Database, make_engine
    from labelhive_api.projects import service as projects
    from labelhive_api.projects.label_schema import Label, validate_labels
    from labelhive_api.projects.models import Membership
    from labelhive_api.settings import Settings
    from labelhive_api.stats.counters import recount_task_states
    from labelhive_harness.common import free_port
    from labelhive_harness.postgres import start_postgres

    pg = start_postgres()
    try:
        settings = Settings(
            environment="test",
            secret_key="bench-secret-key-0123456789",
            database_url=pg.url,
            database_schema="bench",
            webhook_worker=False,
            log_level="WARNING",
        )
        engine = make_engine(settings)
        migrate.upgrade(engine, "bench")
        db = Database.from_settings(settings)
        labels = validate_labels(
            [
                Label.model_validate({"value": v, "names": {"en": v}, "tools": ["bbox"]})
                for v in ("crack", "porosity", "undercut")
            ]
        )
        with db.session() as s:
            admin = accounts.create_user(
                s, email="bench@x.io", password="password123", display_name="b", is_admin=True
            )
            project = projects.create_project(s, admin, name="bench", labels=labels)
            annotators = []
            for i in range(args.samples):
                u = accounts.create_user(s, email=f"a{i}@x.io", password="password123", display_name=f"a{i}")
                s.add(Membership(project_id=project.id, user_id=u.id, role="annotator"))
                annotators.append(u)
            s.flush()
            tokens = [accounts.create_api_token(s, u, "bench")[1] for u in annotators]
            admin_token = accounts.create_api_token(s, admin, "bench")[1]
            pid = project.id
            ann_ids = [u.id for u in annotators]

        t0 = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(text("SET search_path TO bench"))
            conn.execute(
                text(
                    """
                INSERT INTO task (project_id, state, image, filename, width, height, meta, slots_taken,
                                  has_prediction, created_at, updated_at, assignee_id)
                SELECT :pid,
                       -- work goes in id order: the first 30 % is finished, the rest waits
                       CASE WHEN g > :n * 3 / 10 THEN 'new' WHEN g % 3 = 0 THEN 'submitted'
                            WHEN g % 3 = 1 THEN 'accepted' ELSE 'rejected' END,
                       'assets/sha256/' || md5(g::text), 'img_' || g || '.jpg', 1920, 1080, '{}'::jsonb,
                       CASE WHEN g > :n * 3 / 10 THEN 0 ELSE 1 END, g % 3 = 0,
                       now() - make_interval(secs => :n - g), now() - make_interval(secs => :n - g),
                       CASE WHEN g % 50 = 0 THEN :assignee ELSE NULL END
                FROM generate_series(1, :n) AS g
                """
                ),
                {"pid": pid, "n": args.tasks, "assignee": ann_ids[0]},
            )
            conn.execute(
                text(
                    """INSERT INTO task_label (task_id, label, project_id)
                       SELECT id, (ARRAY['crack','porosity','undercut'])[1 + id % 3], project_id
                       FROM task WHERE project_id = :pid AND state <> 'new'"""
                ),
                {"pid": pid},
            )
            conn.execute(text("ANALYZE"))
        with db.session() as s:
            recount_task_states(s, pid)
        seed_s = time.perf_counter() - t0
        print(f"seeded {args.tasks:,} tasks (+ label index) in {seed_s:.1f} s", flush=True)

        with engine.connect() as conn:
            baseline = timed(lambda _i: conn.execute(text("SELECT 1")).scalar(), 200)
        report("baseline: SELECT 1 round trip", baseline, None)

        port = free_port()
        env = dict(
            os.environ,
            LABELHIVE_ENVIRONMENT="test",
            LABELHIVE_SECRET_KEY=settings.secret_key,
            LABELHIVE_DATABASE_URL=pg.url,
            LABELHIVE_DATABASE_SCHEMA="bench",
            LABELHIVE_WEBHOOK_WORKER="false",
            LABELHIVE_LOG_LEVEL="WARNING",
            LABELHIVE_PORT=str(port),
        )
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
            PROFILE_DIR[:] = [args.profile]
            command = [sys.executable, str(Path(__file__).with_name("profiled_serve.py")), str(args.profile)]
        else:
            command = [str(Path(sys.executable).parent / "labelhive-api"), "serve"]
        server = subprocess.Popen(command, env=env)
        SERVER_PID[:] = [server.pid]
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as c:
                for _ in range(300):
                    try:
                        if c.get("/healthz").status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.1)
                measure("baseline: GET /healthz (HTTP)", lambda _i: c.get("/healthz"), 200, None)
                run_calls(c, pid, admin_token, tokens, ann_ids, args)
                if PROFILE_DIR:
                    _profile_phase(server.pid, "end")
        finally:
            server.terminate()
            server.wait(15)
        explain(engine, pid, ann_ids[0])
        db.dispose()
        engine.dispose()
    finally:
        pg.stop()
    return 0


def explain(engine: Any, pid: int, user_id: int) -> None:
    """The plans behind the figures: each must be an index walk, not a scan of the million tasks."""
    queries = {
        "next task (unassigned candidate)": "SELECT id FROM task WHERE project_id = :pid AND assignee_id IS NULL "
        "AND state IN ('new') AND slots_taken < 1 ORDER BY assignee_id, id LIMIT 1 FOR UPDATE SKIP LOCKED",
        "list (state + label, newest first)": "SELECT * FROM task WHERE project_id = :pid AND state IN ('submitted') "
        "AND EXISTS (SELECT 1 FROM task_label WHERE task_label.task_id = task.id AND task_label.label = 'crack' "
        "AND task_label.project_id = :pid) ORDER BY id DESC LIMIT 51",
        "list (assignee + state)": "SELECT * FROM task WHERE project_id = :pid AND state IN ('new') "
        "AND assignee_id = :uid ORDER BY id LIMIT 51",
    }
    with engine.connect() as conn:
        conn.execute(text("SET search_path TO bench"))
        for name, sql in queries.items():
            plan = (
                conn.execute(text("EXPLAIN (ANALYZE, COSTS OFF) " + sql), {"pid": pid, "uid": user_id})
                .scalars()
                .all()
            )
            conn.rollback()
            print(f"plan: {name}")
            for line in plan:
                print(f"    {line}")


def run_calls(
    c: httpx.Client,
    pid: int,
    admin_token: str,
    tokens: list[str],
    ann_ids: list[int],
    args: argparse.Namespace,
) -> None:
    base = f"/api/v1/projects/{pid}"
    admin_h = {"Authorization": f"Bearer {admin_token}"}
    c.get(f"{base}/tasks/counts", headers=admin_h)
    heads = [{"Authorization": f"Bearer {t}"} for t in tokens]
    leased: list[int] = []

    def next_task(i: int) -> None:
        r = c.post(f"{base}/tasks/next", headers=heads[i])
        assert r.status_code == 200, r.text
        leased.append(r.json()["task"]["id"])

    measure("next task (lease, SKIP LOCKED)", next_task, len(heads), 10)
    assert len(set(leased)) == len(leased)

    cursors: list[str | None] = [None]

    def list_page(i: int) -> None:
        params = {"state": "submitted", "label": "crack", "limit": 50, "sort": "-id"}
        if cursors[-1] and i % 5:
            params["cursor"] = cursors[-1]
        r = c.get(f"{base}/tasks", params=params, headers=admin_h)
        assert r.status_code == 200 and len(r.json()["items"]) == 50
        cursors.append(r.json()["next_cursor"])

    measure("list page (state+label filter, 50)", list_page, args.samples, 10)

    def list_assignee(_i: int) -> None:
        r = c.get(
            f"{base}/tasks",
            params={"assignee": str(ann_ids[0]), "state": "new", "limit": 50},
            headers=admin_h,
        )
        assert r.status_code == 200

    measure("list page (assignee+state filter)", list_assignee, args.samples, 10)

    def counts(_i: int) -> None:
        r = c.get(f"{base}/tasks/counts", headers=admin_h)
        assert r.json()["total"] == args.tasks

    measure("count by state", counts, args.samples, 10)

    box = {"id": "s1", "type": "bbox", "label": "crack", "x": 10, "y": 10, "w": 50, "h": 20}
    created: list[tuple[int, int]] = []

    def submit(i: int) -> None:
        r = c.post(
            f"{base}/tasks/{leased[i]}/annotations",
            json={"result": [box], "lead_time_ms": 1000 + i},
            headers=heads[i],
        )
        assert r.status_code == 201, r.text
        created.append((i, r.json()["id"]))

    measure("annotation submit (first save)", submit, len(heads), 10)

    def save(i: int) -> None:
        who, ann_id = created[i]
        r = c.put(
            f"{base}/annotations/{ann_id}",
            json={"version": 1, "result": [{**box, "x": 11}], "lead_time_ms": 10},
            headers=heads[who],
        )
        assert r.status_code == 200, r.text

    measure("annotation save (versioned update)", save, len(created), 10)

    def draft(i: int, version: int) -> None:
        r = c.put(
            f"{base}/tasks/{leased[i]}/draft",
            json={"version": version, "result": [{**box, "x": 12 + version}], "lead_time_ms": 10},
            headers=heads[i],
        )
        assert r.status_code == 200, r.text

    measure("draft save (first autosave)", lambda i: draft(i, 0), len(leased), 10)
    measure("draft save (autosave)", lambda i: draft(i, 1), len(leased), 10)

    def stats(_i: int) -> None:
        r = c.get(f"{base}/stats", headers=admin_h)
        assert r.json()["tasks"]["total"] == args.tasks

    measure("project statistics", stats, args.samples, 10)


if __name__ == "__main__":
    sys.exit(main())
