"""Import benchmark: a zip of N small generated images is staged like a browser upload, then one import job
runs it (safe unzip, image checks, sha256, content-addressed PUTs, tasks in PostgreSQL). Prints images/s,
with a raw parallel S3 PUT of the same images measured in the same run as the baseline."""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "export"))
from bench import tiny_png

os.environ.setdefault("LABELHIVE_LOG_LEVEL", "WARNING")
SCHEMA = "bench_import"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--chunk", type=int, default=256)
    args = parser.parse_args()

    from labelhive_api.accounts import service as accounts
    from labelhive_api.db import migrate
    from labelhive_api.db.engine import Database, make_engine
    from labelhive_api.imports.models import ImportJob
    from labelhive_api.imports.service import ImportRun, ImportSettings
    from labelhive_api.imports.staging import new_staging_prefix
    from labelhive_api.projects import service as projects
    from labelhive_api.settings import Settings
    from labelhive_api.storage.config import StorageConfig, build_storage
    from labelhive_harness.postgres import start_postgres
    from labelhive_harness.s3 import start_s3
    from sqlalchemy import text

    print(f"machine: {os.cpu_count()} CPUs; images={args.images} workers={args.workers}", flush=True)
    pg, s3 = start_postgres(), start_s3()
    try:
        settings = Settings(
            environment="test",
            secret_key="bench-secret-0123456789",
            webhook_worker=False,
            database_url=pg.url,
            database_schema=SCHEMA,
            storage_backend="s3",
            s3_endpoint=s3.endpoint,
            s3_access_key=s3.access_key,
            s3_secret_key=s3.secret_key,
            s3_source_bucket="bench-import-source",
            s3_target_bucket="bench-import-target",
        )
        engine = make_engine(settings)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        migrate.upgrade(engine, SCHEMA)
        db = Database.from_settings(settings)
        storage = build_storage(StorageConfig.from_settings(settings))
        storage.ensure_buckets()

        images = [tiny_png(1_000_000 + i) for i in range(args.images)]
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:
            for i, data in enumerate(images):
                z.writestr(f"camera-{i % 4}/img{i:05d}.png", data)
        size = archive.tell()
        print(f"zip: {args.images} images, {size / 1e6:.1f} MB", flush=True)

        # Baseline: the same images PUT straight into S3 with the same parallelism (no checks, no database).
        client = storage.target.client  # type: ignore[attr-defined]
        start = time.perf_counter()

        def put(i: int) -> None:
            client.put_object(
                Bucket=storage.target.bucket,
                Key=f"baseline/{hashlib.sha256(images[i]).hexdigest()}",
                Body=images[i],
            )

        with ThreadPoolExecutor(args.workers) as pool:
            list(pool.map(put, range(args.images)))
        raw = time.perf_counter() - start
        print(
            f"raw S3 PUT ({args.workers} threads):  {raw:6.1f} s  {args.images / raw:7.0f} images/s",
            flush=True,
        )

        with db.session() as session:
            admin = accounts.create_user(
                session, email="bench@example.com", password="password123", display_name="B", is_admin=True
            )
            project = projects.create_project(session, admin, name="bench", overlap=1, labels=[])
            staging = new_staging_prefix()
            job = ImportJob(
                project_id=project.id,
                created_by=admin.id,
                kind="upload",
                format="images",
                options={"staging": staging},
                state="running",
                report={},
            )
            session.add(job)
            session.flush()
            job_id = job.id
        archive.seek(0)
        storage.target.put_file(f"{staging}000000/images.zip", archive, "application/zip")

        start = time.perf_counter()
        cpu0 = time.process_time()
        ImportRun(db, storage, job_id, ImportSettings(workers=args.workers, chunk=args.chunk)).run()
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu0
        with db.sessions() as session:
            done = session.get(ImportJob, job_id)
            assert done is not None
            imported, refused = done.imported, done.refused
        print(
            f"import job (zip -> tasks):   {seconds:6.1f} s  {imported / seconds:7.0f} images/s  "
            f"cpu {1000 * cpu / max(imported, 1):.2f} ms/image  imported={imported} refused={refused}",
            flush=True,
        )
        print(
            f"import throughput: {imported / seconds:.0f} images/s = {100 * raw / seconds:.0f}% of raw S3 PUT throughput"
        )
        return 0
    finally:
        s3.stop()
        pg.stop()


if __name__ == "__main__":
    sys.exit(main())
