"""Running one import job: its source's files, then the path its format and options call for.

| job | path |
| --- | --- |
| images uploaded, from an S3 prefix or URLs | `ingest.Ingest`: checked, hashed, uploaded once, tasks + ledger |
| images by reference (S3 prefix, URLs) | `objects`: tasks point at the objects; sizes from a ranged read |
| `tasks` files (JSON/JSONL, with pre-labels) | `by_reference.TaskFileImport`: the set-based bulk path |
| a dataset (COCO, VOC, YOLO, ...) | `datasets.DatasetImport`: parse, ingest its images, attach shapes |

Every path writes its ledger rows and progress through `context.ImportContext`, which also writes the
finished job's report.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack

from labelhive_api.db.engine import Database
from labelhive_api.imports.by_reference import TaskFileImport
from labelhive_api.imports.context import ImportContext
from labelhive_api.imports.datasets import DatasetImport
from labelhive_api.imports.ingest import Ingest
from labelhive_api.imports.objects import ObjectImport, UrlImport
from labelhive_api.imports.settings import ImportSettings
from labelhive_api.imports.sources import open_entries
from labelhive_api.imports.staging import remove_staging
from labelhive_api.storage.config import Storage


class ImportRun:
    def __init__(
        self,
        db: Database,
        storage: Storage,
        job_id: int,
        settings: ImportSettings | None = None,
        *,
        should_continue: Callable[[], bool] = lambda: True,
    ) -> None:
        self.storage = storage
        self.ctx = ImportContext(db, job_id, settings or ImportSettings(), should_continue)

    def run(self) -> None:
        ctx, storage = self.ctx, self.storage
        by_reference = bool(ctx.options.get("reference")) and ctx.format == "images"
        with ExitStack() as stack:
            entries = open_entries(ctx.kind, ctx.options, storage, ctx.settings, stack)
            if by_reference and ctx.kind == "s3":
                store, _prefix = storage.imports.prefix_store(
                    ctx.options.get("bucket"), str(ctx.options.get("prefix", ""))
                )
                ObjectImport(ctx, store, storage.source.bucket).import_objects(list(entries))
            elif by_reference and ctx.kind == "urls":
                UrlImport(ctx, ctx.settings.url_policy()).import_objects(list(entries))
            elif ctx.format == "images":
                Ingest(ctx, storage).import_images(entries, streaming=ctx.kind == "s3")
            elif ctx.format == "tasks":
                TaskFileImport(ctx).import_files(list(entries))
            else:
                DatasetImport(ctx, storage).run(list(entries))
        ctx.finish()
        if ctx.kind == "upload":
            remove_staging(storage.target, ctx.options.get("staging"))
