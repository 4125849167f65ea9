"""Import benchmark: tasks/s through the real API server (`labelhive-api serve`, its own job runner), on
PostgreSQL and on SQLite, with a raw-insert baseline of the same task rows measured in the same run (COPY into a
scratch table on PostgreSQL, executemany on SQLite), and the p95 latency of status polls made during each import.

Scenarios (each a fresh project): (a) N tasks by reference without shapes, (b) with one box each as predictions,
(c) as annotations (JSON Lines files through POST /imports, format `tasks`), (d) N objects from an S3 prefix
(`POST /imports/s3`, by reference: one listing plus a ranged read per object for its size; against the plain
listing + ranged reads of the same objects, measured right after it); `--million` adds a
1,000,000-task import with predictions on PostgreSQL. Prints figures; never passes or fails.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "export"))
from procstat import cpu_seconds, tree_cpu_seconds

from bench import tiny_png

os.environ.setdefault("LABELHIVE_LOG_LEVEL", "WARNING")
SCHEMA = "bench_import"
LABELS = [{"value": v, "names": {"en": v}, "tools": ["bbox"]} for v in ("crack", "porosity", "undercut")]


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def task_lines(n: int, scenario: str, offset: int = 0) -> bytes:
    out = []
    for i in range(offset, offset + n):
        task: dict[str, Any] = {
            "image": f"https://images.example.com/line-{i % 7}/{i:07d}.jpg",
            "width": 1920,
            "height": 1080,
        }
        shapes = [
            {
                "id": "b1",
                "type": "bbox",
                "label": LABELS[i % 3]["value"],
                "x": 10 + i % 500,
                "y": 20,
                "w": 64,
                "h": 48,
            }
        ]
        if scenario == "b":
            task["predictions"] = [{"model_version": "detector-7", "score": 0.9, "result": shapes}]
        elif scenario == "c":
            task["annotations"] = [{"result": shapes}]
        out.append(json.dumps(task, separators=(",", ":")))
    return ("\n".join(out) + "\n").encode()


def raw_rows(n: int) -> list[tuple[Any, ...]]:
    return [
        (f"https://images.example.com/line-{i % 7}/{i:07d}.jpg", 1920, 1080, "{}", "new", 0, False)
        for i in range(n)
    ]


def raw_baseline(backend: str, url: str, n: int) -> float:
    """Seconds to insert the same N task rows into a scratch table, the fastest plain way for the backend."""
    rows = raw_rows(n)
    if backend == "postgresql":
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            conn.execute(f'SET search_path TO "{SCHEMA}"')
            conn.execute("DROP TABLE IF EXISTS raw_task")
            conn.execute("CREATE TABLE raw_task (LIKE task INCLUDING DEFAULTS INCLUDING INDEXES)")
            conn.commit()
            start = time.perf_counter()
            with conn.cursor().copy(
                "COPY raw_task (image, width, height, meta, state, slots_taken, has_prediction, project_id,"
                " filename, created_at, updated_at) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row((*row, 1, "", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"))
            conn.commit()
            seconds = time.perf_counter() - start
            conn.execute("DROP TABLE raw_task")
            conn.commit()
            return seconds
    import sqlite3

    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    conn.execute("DROP TABLE IF EXISTS raw_task")
    ddl = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'task'").fetchone()[0]
    conn.execute(ddl.replace("CREATE TABLE task", "CREATE TABLE raw_task", 1))
    conn.commit()
    start = time.perf_counter()
    conn.executemany(
        "INSERT INTO raw_task (image, width, height, meta, state, slots_taken, has_prediction, project_id,"
        " filename, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, '', '2026-01-01', '2026-01-01')",
        rows,
    )
    conn.commit()
    seconds = time.perf_counter() - start
    conn.execute("DROP TABLE raw_task")
    conn.commit()
    conn.close()
    return seconds


class Server:
    def __init__(self, env: dict[str, str], db_pid: int | None = None) -> None:
        from labelhive_harness.common import free_port

        self.db_pid = db_pid  # PostgreSQL's postmaster, to count its CPU

        self.port = free_port()
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "labelhive-api"), "serve"],
            env={**env, "LABELHIVE_PORT": str(self.port)},
        )
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=120)
        for _ in range(600):
            try:
                if self.client.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise SystemExit("the server did not start")

    def stop(self) -> None:
        self.client.close()
        self.proc.terminate()
        self.proc.wait(30)


def run_import(
    server: Server, headers: dict[str, str], pid: int, start: Any
) -> tuple[dict[str, Any], float, list[float]]:
    """Starts an import with `start()`, polls its status until it ends; returns the job, wall seconds, polls
    (the job also carries `server_cpu` and `db_cpu`: CPU seconds of the server process and of PostgreSQL
    meanwhile)."""
    cpu0 = cpu_seconds(server.proc.pid)
    db0 = tree_cpu_seconds(server.db_pid)
    t0 = time.perf_counter()
    created = start()
    assert created.status_code == 202, created.text
    job_id = created.json()["id"]
    polls: list[float] = []
    while True:
        p0 = time.perf_counter()
        answer = server.client.get(f"/api/v1/projects/{pid}/imports/{job_id}", headers=headers)
        polls.append(time.perf_counter() - p0)
        body = answer.json()
        if answer.status_code != 200 or body["state"] in ("finished", "failed", "cancelled"):
            body["server_cpu"] = cpu_seconds(server.proc.pid) - cpu0
            body["db_cpu"] = tree_cpu_seconds(server.db_pid) - db0
            return body, time.perf_counter() - t0, polls
        time.sleep(0.05)


def idle_polls(server: Server, headers: dict[str, str], pid: int, n: int = 100) -> list[float]:
    """The same status call as during the imports, on a finished empty import, with nothing running: what the
    machine and the server cost without an import beside them."""
    created = server.client.post(
        f"/api/v1/projects/{pid}/imports",
        headers=headers,
        files=[("files", ("empty.jsonl", b"", "application/x-ndjson"))],
        data={"format": "tasks"},
    )
    assert created.status_code == 202, created.text
    job_id = created.json()["id"]
    while server.client.get(f"/api/v1/projects/{pid}/imports/{job_id}", headers=headers).json()["state"] in (
        "queued",
        "running",
    ):
        time.sleep(0.05)
    samples = []
    for _ in range(n):
        p0 = time.perf_counter()
        server.client.get(f"/api/v1/projects/{pid}/imports/{job_id}", headers=headers)
        samples.append(time.perf_counter() - p0)
        time.sleep(0.02)
    return samples


def report(
    name: str, job: dict[str, Any], wall: float, polls: list[float], raw_rate: float, of: str = "of raw"
) -> None:
    from datetime import datetime

    ran = (
        (
            datetime.fromisoformat(job["finished_at"]) - datetime.fromisoformat(job["started_at"])
        ).total_seconds()
        if job.get("started_at") and job.get("finished_at")
        else wall
    )
    rate = job["imported"] / ran if ran else 0.0
    print(
        f"  {name:<38} {job['state']:<8} imported={job['imported']:>8,} refused={job['refused']:>4} "
        f"shapes={job['shapes']:>8,}  job {ran:6.1f} s = {rate:8,.0f} tasks/s ({100 * rate / raw_rate:4.1f}% {of})"
        f"  wall {wall:6.1f} s  polls n={len(polls)} p50={percentile(polls, 50) * 1000:.1f} ms "
        f"p95={percentile(polls, 95) * 1000:.1f} ms max={max(polls) * 1000:.1f} ms  "
        f"server CPU {1000 * job['server_cpu'] / max(job['imported'], 1):.3f} ms/task"
        + (f", database {1000 * job['db_cpu'] / max(job['imported'], 1):.3f}" if job["db_cpu"] else "")
        + f"  [{load()}]",
        flush=True,
    )
    if job.get("error"):
        print(f"    error: {job['error'][:300]}")


def run_backend(
    backend: str, url: str, env: dict[str, str], args: argparse.Namespace, s3: Any, db_pid: int | None
) -> None:
    from labelhive_api.accounts import service as accounts
    from labelhive_api.db import migrate
    from labelhive_api.db.engine import Database, make_engine
    from labelhive_api.projects import service as projects
    from labelhive_api.projects.label_schema import Label, validate_labels
    from labelhive_api.settings import Settings
    from sqlalchemy import text

    settings = Settings(
        environment="test",
        secret_key="bench-secret-0123456789",
        webhook_worker=False,
        database_url=url,
        database_schema=SCHEMA if backend == "postgresql" else None,
    )
    engine = make_engine(settings)
    if backend == "postgresql":
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        migrate.upgrade(engine, SCHEMA)
    else:
        migrate.upgrade(engine)
    db = Database.from_settings(settings)
    labels = validate_labels([Label.model_validate(x) for x in LABELS])
    with db.session() as s:
        admin = accounts.create_user(
            s, email="bench@x.io", password="password123", display_name="b", is_admin=True
        )
        token = accounts.create_api_token(s, admin, "bench")[1]
    headers = {"Authorization": f"Bearer {token}"}

    def new_project(name: str) -> int:
        with db.session() as s:
            return projects.create_project(s, s.merge(admin), name=name, labels=labels).id

    raw_s = raw_baseline(backend, url, args.tasks)
    print(
        f"\n{backend}: raw insert of {args.tasks:,} task rows into a scratch table "
        f"({'COPY' if backend == 'postgresql' else 'executemany'}): {raw_s:.2f} s = "
        f"{args.tasks / raw_s:,.0f} rows/s  [{load()}]",
        flush=True,
    )
    server = Server(
        {
            **env,
            "LABELHIVE_DATABASE_URL": url,
            **({"LABELHIVE_DATABASE_SCHEMA": SCHEMA} if backend == "postgresql" else {}),
        },
        db_pid if backend == "postgresql" else None,
    )
    try:
        idle = idle_polls(server, headers, new_project("bench-idle"))
        print(
            f"  baseline: status poll with no import running   n={len(idle)} p50={percentile(idle, 50) * 1000:.1f} ms "
            f"p95={percentile(idle, 95) * 1000:.1f} ms  [{load()}]",
            flush=True,
        )
        names = {
            "a": "(a) tasks, no shapes",
            "b": "(b) + 1 box as predictions",
            "c": "(c) + 1 box as annotations",
        }
        for scenario in [s for s in args.scenarios if s in names]:
            pid = new_project(f"bench-{scenario}")
            body = task_lines(args.tasks, scenario)

            def start(body: bytes = body, pid: int = pid) -> httpx.Response:
                return server.client.post(
                    f"/api/v1/projects/{pid}/imports",
                    headers=headers,
                    files=[("files", ("tasks.jsonl", body, "application/x-ndjson"))],
                    data={"format": "tasks"},
                )

            job, wall, polls = run_import(server, headers, pid, start)
            report(f"{names[scenario]} ({len(body) / 1e6:.0f} MB)", job, wall, polls, args.tasks / raw_s)
        if "d" in args.scenarios and s3 is not None:
            pid = new_project("bench-d")
            prefix = "camera/"

            def start_s3() -> httpx.Response:
                return server.client.post(
                    f"/api/v1/projects/{pid}/imports/s3",
                    headers=headers,
                    json={"prefix": prefix, "bucket": "bench-objects", "reference": True},
                )

            job, wall, polls = run_import(server, headers, pid, start_s3)
            raw_d = raw_reads(s3, args.objects, prefix)
            report(f"(d) {args.objects:,} S3 objects by reference", job, wall, polls, raw_d, "of raw S3")
        if args.million and backend == "postgresql":
            pid = new_project("bench-million")
            files = []
            for part in range(10):
                files.append(
                    (
                        "files",
                        (
                            f"part{part}.jsonl",
                            task_lines(100_000, "b", part * 100_000),
                            "application/x-ndjson",
                        ),
                    )
                )

            def start_million() -> httpx.Response:
                return server.client.post(
                    f"/api/v1/projects/{pid}/imports", headers=headers, files=files, data={"format": "tasks"}
                )

            job, wall, polls = run_import(server, headers, pid, start_million)
            report("1,000,000 tasks + 1 box as predictions", job, wall, polls, args.tasks / raw_s)
    finally:
        server.stop()
        db.dispose()
        engine.dispose()


def raw_reads(s3: Any, n: int, prefix: str) -> float:
    """Objects/s of the plain S3 work (d) needs, in the same run: list the prefix, then read the first 64 KiB of
    every object from 32 threads (the store's own signed GETs, nothing else done with the bytes)."""
    from labelhive_api.storage.s3 import S3Options, S3Store

    store = S3Store(S3Options(s3.endpoint, s3.access_key, s3.secret_key), "bench-objects")
    start = time.perf_counter()
    keys = [info.key for info in store.list(prefix)]
    with ThreadPoolExecutor(32) as pool:
        list(pool.map(lambda key: store.read_head(key, 64 * 1024), keys, chunksize=64))
    seconds = time.perf_counter() - start
    assert len(keys) == n, (len(keys), n)
    print(
        f"raw S3: list + ranged read of {n:,} objects (32 threads): {seconds:.2f} s = {n / seconds:,.0f} objects/s"
        f"  [{load()}]",
        flush=True,
    )
    return n / seconds


def seed_objects(s3: Any, n: int, prefixes: list[str]) -> None:
    client = s3.client()
    with contextlib.suppress(
        client.exceptions.BucketAlreadyOwnedByYou, client.exceptions.BucketAlreadyExists
    ):
        client.create_bucket(Bucket="bench-objects")
    images = [tiny_png(2_000_000 + i) for i in range(64)]
    start = time.perf_counter()
    for prefix in prefixes:
        with ThreadPoolExecutor(32) as pool:
            list(
                pool.map(
                    lambda i, p=prefix: client.put_object(
                        Bucket="bench-objects", Key=f"{p}{i % 10}/{i:07d}.png", Body=images[i % 64]
                    ),
                    range(n),
                    chunksize=256,
                )
            )
    print(f"seeded {n:,} objects under {prefixes} in {time.perf_counter() - start:.1f} s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--scenarios", default="abcd")
    parser.add_argument("--objects", type=int, default=0, help="objects for (d); default: --tasks")
    parser.add_argument("--million", action="store_true", help="add a 1,000,000-task import on PostgreSQL")
    args = parser.parse_args()
    backends = args.backends.split(",")

    from labelhive_harness.postgres import start_postgres
    from labelhive_harness.s3 import start_s3

    print(
        f"machine: {os.cpu_count()} CPUs; tasks={args.tasks:,} scenarios={args.scenarios}  [{load()}]",
        flush=True,
    )
    pg = start_postgres() if "postgresql" in backends else None
    s3 = start_s3()
    tmp = tempfile.TemporaryDirectory()
    try:
        env = dict(
            os.environ,
            LABELHIVE_ENVIRONMENT="test",
            LABELHIVE_SECRET_KEY="bench-secret-0123456789",
            LABELHIVE_WEBHOOK_WORKER="false",
            LABELHIVE_LOG_LEVEL="WARNING",
            LABELHIVE_STORAGE_BACKEND="s3",
            LABELHIVE_S3_ENDPOINT=s3.endpoint,
            LABELHIVE_S3_ACCESS_KEY=s3.access_key,
            LABELHIVE_S3_SECRET_KEY=s3.secret_key,
            LABELHIVE_S3_SOURCE_BUCKET="bench-import-source",
            LABELHIVE_S3_TARGET_BUCKET="bench-import-target",
            LABELHIVE_OUTBOUND_ALLOW="127.0.0.1/32",
            LABELHIVE_S3_IMPORT_BUCKETS="bench-objects",
        )
        args.objects = args.objects or args.tasks
        if "d" in args.scenarios:  # one prefix, imported by reference by a project on each backend
            seed_objects(s3, args.objects, ["camera/"])
        for backend in backends:
            url = pg.url if backend == "postgresql" and pg else f"sqlite:///{tmp.name}/bench.db"
            postmaster = pg._process.pid if pg is not None and pg._process is not None else None
            run_backend(backend, url, env, args, s3, postmaster)
        return 0
    finally:
        tmp.cleanup()
        for service in (s3, pg):
            if service is not None:
                service.stop()
                if (
                    service.log is not None
                ):  # started by the harness: its data (GBs after 100k tasks) goes too
                    shutil.rmtree(service.log.parent, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
