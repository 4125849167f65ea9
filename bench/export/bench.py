"""Export benchmark: seed N small generated PNGs into SeaweedFS and N tasks with B boxes each into PostgreSQL,
then time, each in a fresh process: a raw parallel S3 read of every image (the baseline), a COCO export
(annotations only) and a YOLO export with the images inside. Prints figures; never passes or fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import struct
import subprocess
import sys
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from procstat import tree_cpu_seconds

os.environ.setdefault("LABELHIVE_LOG_LEVEL", "WARNING")
SCHEMA = "bench_export"
LABELS = [
    {"value": v, "names": {"en": v}, "color": c, "tools": ["bbox", "polygon"]}
    for v, c in (("crack", "#ff0000"), ("dent", "#00ff00"), ("scratch", "#0000ff"), ("rust", "#ffaa00"))
]


def tiny_png(i: int, size: int = 24) -> bytes:
    """A distinct small RGB PNG (noise seeded by i): about 1.7 KB, built without Pillow for speed."""
    seed = hashlib.sha256(i.to_bytes(8, "big")).digest()
    noise = (seed * ((size * size * 3) // len(seed) + 1))[: size * 3]
    rows = b"".join(b"\x00" + bytes((b + r * 7) & 0xFF for b in noise) for r in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows, 1))
        + chunk(b"IEND", b"")
    )


def settings_from_env():  # type: ignore[no-untyped-def]
    from labelhive_api.settings import Settings

    return Settings(environment="test", secret_key="bench-secret-0123456789", webhook_worker=False)


def child(mode: str, job_id: int, workers: int) -> None:
    """Runs in a fresh process: prints one JSON line with seconds and peak RSS."""
    from labelhive_api.db.engine import Database
    from labelhive_api.storage.config import StorageConfig, build_storage

    settings = settings_from_env()
    storage = build_storage(StorageConfig.from_settings(settings))
    db = Database.from_settings(settings)
    start = time.perf_counter()
    cpu0 = time.process_time()
    extra: dict[str, float] = {}
    if mode == "raw":
        from labelhive_api.tasks.models import Task
        from sqlalchemy import select

        with db.sessions() as session:
            keys = list(
                session.scalars(select(Task.image).where(Task.project_id == job_id).order_by(Task.id))
            )
        start = time.perf_counter()
        cpu0 = time.process_time()
        with ThreadPoolExecutor(workers) as pool:
            total = sum(len(b) for b in pool.map(storage.source.get, keys, chunksize=64))
        extra = {"objects": len(keys), "bytes": total}
    else:
        from labelhive_api.exports.jobs import run_export
        from labelhive_api.exports.models import ExportJob

        if os.environ.get("BENCH_PROFILE"):  # where the export's own time goes (stats to this file)
            import cProfile

            cProfile.runctx(
                "run_export(db, storage, job_id, fetch_workers=workers)",
                globals(),
                {
                    "run_export": run_export,
                    "db": db,
                    "storage": storage,
                    "job_id": job_id,
                    "workers": workers,
                },
                f"{os.environ['BENCH_PROFILE']}.{job_id}",
            )
        else:
            run_export(db, storage, job_id, fetch_workers=workers)
        with db.sessions() as session:
            job = session.get(ExportJob, job_id)
            assert job is not None
            extra = {"objects": job.done, "bytes": job.size_bytes or 0, "shapes": job.shapes}
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rss_mib": peak_rss_mib(), **extra}), flush=True)


def peak_rss_mib() -> float:
    """VmHWM: this process's own peak (ru_maxrss would carry the parent's peak across fork + exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


SERVERS: dict[str, int | None] = {}  # harness servers whose CPU each run reports (name -> root pid)


def run_child(env: dict[str, str], mode: str, job_id: int, workers: int) -> dict[str, float]:
    """Runs `child` in a fresh process; its figures, with the CPU seconds the harness's servers spent
    meanwhile (`<name>_cpu`)."""
    before = {name: tree_cpu_seconds(pid) for name, pid in SERVERS.items()}
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--job", str(job_id), "--workers", str(workers)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{out.stderr[-3000:]}")
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    for name, pid in SERVERS.items():
        figures[f"{name}_cpu"] = tree_cpu_seconds(pid) - before[name]
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--boxes", type=int, default=10, help="boxes per image")
    parser.add_argument("--workers", type=int, default=12, help="parallel S3 reads (raw baseline and export)")
    parser.add_argument("--child", choices=["raw", "export"])
    parser.add_argument("--job", type=int, default=0)
    parser.add_argument(
        "--coco-only", action="store_true", help="only the COCO export (no images seeded, no S3 figures)"
    )
    args = parser.parse_args()
    if args.child:
        child(args.child, args.job, args.workers)
        return 0

    import psycopg
    from labelhive_api.accounts import service as accounts
    from labelhive_api.db import migrate
    from labelhive_api.db.engine import Database, make_engine
    from labelhive_api.exports.models import ExportJob
    from labelhive_api.exports.options import ExportOptions
    from labelhive_api.projects import service as projects
    from labelhive_api.projects.label_schema import Label, validate_labels
    from labelhive_api.storage.config import StorageConfig, build_storage
    from labelhive_api.storage.keys import asset_key
    from labelhive_harness.postgres import start_postgres
    from labelhive_harness.s3 import start_s3
    from sqlalchemy import text

    print(
        f"machine: {os.cpu_count()} CPUs; images={args.images} boxes/image={args.boxes} workers={args.workers}",
        flush=True,
    )
    pg, s3 = start_postgres(), start_s3()
    SERVERS.update(
        {
            "S3": s3._process.pid if s3._process else None,
            "PostgreSQL": pg._process.pid if pg._process else None,
        }
    )
    try:
        env = {
            **os.environ,
            "LABELHIVE_DATABASE_URL": pg.url,
            "LABELHIVE_DATABASE_SCHEMA": SCHEMA,
            "LABELHIVE_STORAGE_BACKEND": "s3",
            "LABELHIVE_S3_ENDPOINT": s3.endpoint,
            "LABELHIVE_S3_ACCESS_KEY": s3.access_key,
            "LABELHIVE_S3_SECRET_KEY": s3.secret_key,
            "LABELHIVE_S3_SOURCE_BUCKET": "bench-source",
            "LABELHIVE_S3_TARGET_BUCKET": "bench-target",
        }
        os.environ.update(env)
        settings = settings_from_env()
        engine = make_engine(settings)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        migrate.upgrade(engine, SCHEMA)
        db = Database.from_settings(settings)
        storage = build_storage(StorageConfig.from_settings(settings))
        storage.ensure_buckets()

        # -- seed the images (threads; SeaweedFS on loopback) --
        t0 = time.perf_counter()
        client = storage.source.client  # type: ignore[attr-defined]
        shas: list[str] = [""] * args.images

        def put(i: int) -> int:
            data = tiny_png(i)
            sha = hashlib.sha256(data).hexdigest()
            shas[i] = sha
            if not args.coco_only:
                client.put_object(
                    Bucket=storage.source.bucket, Key=asset_key(sha), Body=data, ContentType="image/png"
                )
            return len(data)

        with ThreadPoolExecutor(32) as pool:
            seeded_bytes = sum(pool.map(put, range(args.images), chunksize=256))
        print(
            f"seeded {args.images} images ({seeded_bytes / 1e6:.1f} MB) into S3 in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )

        # -- seed tasks and annotations (COPY, then INSERT ... SELECT) --
        t0 = time.perf_counter()
        with db.session() as session:
            admin = accounts.create_user(
                session, email="bench@example.com", password="password123", display_name="B", is_admin=True
            )
            labels = validate_labels([Label.model_validate(x) for x in LABELS])
            project = projects.create_project(session, admin, name="bench", overlap=1, labels=labels)
            project_id, user_id = project.id, admin.id
        with psycopg.connect(pg.admin_dsn, autocommit=False) as conn:
            conn.execute(f'SET search_path TO "{SCHEMA}"')
            with conn.cursor().copy(
                "COPY task (project_id, state, image, asset_sha256, filename, width, height, meta, slots_taken,"
                " has_prediction, created_at, updated_at) FROM STDIN"
            ) as copy:
                for i, sha in enumerate(shas):
                    copy.write_row(
                        (
                            project_id,
                            "submitted",
                            asset_key(sha),
                            sha,
                            f"line-{i % 7}/img{i:06d}.png",
                            24,
                            24,
                            "{}",
                            1,
                            False,
                            "now",
                            "now",
                        )
                    )
            conn.execute(
                """
                INSERT INTO annotation (project_id, task_id, user_id, status, version, result, lead_time_ms,
                                        schema_version, updated_by, created_at, updated_at)
                SELECT t.project_id, t.id, %(user)s, 'submitted', 1,
                       (SELECT jsonb_agg(jsonb_build_object(
                           'id', 's' || k, 'type', 'bbox',
                           'label', (ARRAY['crack','dent','scratch','rust'])[1 + (t.id + k) %% 4],
                           'x', (k * 2) %% 20, 'y', (k * 3) %% 20, 'w', 3.5, 'h', 2.25))
                        FROM generate_series(0, %(boxes)s - 1) AS k),
                       1000, 1, %(user)s, now(), now()
                FROM task t WHERE t.project_id = %(project)s
                """,
                {"user": user_id, "boxes": args.boxes, "project": project_id},
            )
            conn.execute("ANALYZE")
            conn.commit()
        print(
            f"seeded {args.images} tasks and {args.images * args.boxes} boxes in PostgreSQL in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )

        def job(fmt: str, with_images: bool) -> int:
            with db.session() as session:
                created = ExportJob(
                    project_id=project_id,
                    format=fmt,
                    with_images=with_images,
                    options=ExportOptions(format=fmt, with_images=with_images).to_dict(),
                    state="running",
                    report={},
                )
                session.add(created)
                session.flush()
                return created.id

        def line(name: str, r: dict[str, float], note: str = "") -> None:
            n = max(r["objects"], 1)
            servers = "".join(f", {s} {1000 * r[f'{s}_cpu'] / n:.2f}" for s, pid in SERVERS.items() if pid)
            print(
                f"{name:<32} {r['seconds']:7.1f} s {r['objects'] / r['seconds']:7.0f} images/s "
                f"{r['bytes'] / r['seconds'] / 1e6:6.2f} MB/s  cpu {1000 * r['cpu'] / n:.2f} ms/image{servers}  "
                f"peak RSS {r['rss_mib']:.0f} MiB{note}  [load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}]",
                flush=True,
            )

        if args.coco_only:
            coco = run_child(env, "export", job("coco", False), args.workers)
            line("COCO export (no images)", coco, f"  {coco['shapes']:.0f} boxes")
            return 0
        # The machine is shared: the raw baseline is read before and after the exports, and averaged.
        raw1 = run_child(env, "raw", project_id, args.workers)
        line(f"raw S3 read ({args.workers} threads)", raw1)
        coco = run_child(env, "export", job("coco", False), args.workers)
        line(
            "COCO export (no images)",
            coco,
            f"  {coco['shapes']:.0f} boxes  (target <= 30 s at 100k images / 1M boxes)",
        )
        yolo = run_child(env, "export", job("yolo", True), args.workers)
        line(
            "YOLO export with images", yolo, f"  {yolo['shapes']:.0f} boxes  zip {yolo['bytes'] / 1e6:.0f} MB"
        )
        raw2 = run_child(env, "raw", project_id, args.workers)
        line(f"raw S3 read again ({args.workers} threads)", raw2)
        raw_rate = (raw1["objects"] + raw2["objects"]) / (raw1["seconds"] + raw2["seconds"])
        yolo_rate = yolo["objects"] / yolo["seconds"]
        print(
            f"COCO export time: {coco['seconds']:.1f} s for {coco['objects']:.0f} images / {coco['shapes']:.0f} boxes"
        )
        print(
            f"YOLO-with-images throughput: {yolo_rate:.0f} images/s = {100 * yolo_rate / raw_rate:.0f}% of the raw S3 read "
            f"throughput ({raw_rate:.0f} images/s, mean of both raw runs)  (target >= 90%)"
        )
        print(
            f"peak RSS of the exports: {max(coco['rss_mib'], yolo['rss_mib']):.0f} MiB  (target <= 512 MiB)"
        )
        return 0
    finally:
        s3.stop()
        pg.stop()


if __name__ == "__main__":
    sys.exit(main())
