"""One pre-label job item, start to result: image -> embedding (cached) -> masks -> shapes with project labels.

Domain logic only: no Celery here. The tasks module decides about retries, dead letters and acks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from labelhive_worker import faults
from labelhive_worker.batching import EmbeddingBatcher
from labelhive_worker.contract import PrelabelTask
from labelhive_worker.embedding_cache import EmbeddingCache
from labelhive_worker.errors import JobError
from labelhive_worker.exemplar import job as exemplar_job
from labelhive_worker.geometry import mask_shapes
from labelhive_worker.images import DecodedImage, decode, fetch_bytes, s3_client
from labelhive_worker.labels import LabelMapper
from labelhive_worker.model_interface import Embedding, Mask, SegmentationModel
from labelhive_worker.model_runtime import load_model
from labelhive_worker.outcome import EmbeddingAt, ImageSeen, PrelabelResult, Reason, Unmapped
from labelhive_worker.settings import WorkerSettings


@dataclass
class Runtime:
    """What one worker process loads once: settings, the model, the S3 client, the embedding cache."""

    settings: WorkerSettings
    model: SegmentationModel
    s3: Any
    cache: EmbeddingCache
    batcher: EmbeddingBatcher
    targets: exemplar_job.TargetMemo = field(default_factory=exemplar_job.TargetMemo)

    @classmethod
    def create(cls, settings: WorkerSettings) -> Runtime:
        model = load_model(settings)
        s3 = s3_client(
            settings.s3.endpoint, settings.s3.access_key, settings.s3.secret_key, settings.s3.region
        )
        bucket = settings.s3.target_bucket if settings.embedding_cache else None
        cache = EmbeddingCache(s3, bucket, settings.model, model.model_version)
        return cls(settings, model, s3, cache, EmbeddingBatcher(model, settings.batch_size))

    def load_image(self, task_image: Any) -> DecodedImage:
        data = fetch_bytes(
            task_image,
            s3=self.s3,
            default_bucket=self.settings.s3.source_bucket,
            timeout=self.settings.image_timeout_s,
            policy=self.settings.outbound,
        )
        return decode(data, expected_sha256=task_image.sha256, max_pixels=self.settings.max_image_pixels)

    def embedding_for(self, image: DecodedImage) -> tuple[Embedding, str]:
        cached, where = self.cache.get(image.sha256)
        if cached is not None and cached.original_size == (image.height, image.width):
            return cached, where
        embedding = self.batcher.embed(image.rgb)
        self.cache.put(image.sha256, embedding)
        return embedding, "computed"


def _clip_box(box: Any, width: int, height: int) -> tuple[float, float, float, float]:
    x0, y0 = max(0.0, box.x), max(0.0, box.y)
    x1, y1 = min(float(width), box.x + box.w), min(float(height), box.y + box.h)
    if x1 - x0 < 1 or y1 - y0 < 1:
        raise JobError(
            "invalid_prompt", f"box {box.x},{box.y},{box.w},{box.h} lies outside the {width}x{height} image"
        )
    return x0, y0, x1 - x0, y1 - y0


def _check_points(points: list[Any], width: int, height: int) -> list[tuple[float, float, int]]:
    for x, y, _ in points:
        if not (0 <= x <= width and 0 <= y <= height):
            raise JobError("invalid_prompt", f"point {x},{y} lies outside the {width}x{height} image")
    return [(float(x), float(y), int(v)) for x, y, v in points]


def predict_masks(
    task: PrelabelTask, rt: Runtime, image: DecodedImage, embedding: Embedding
) -> list[tuple[str, str, Mask]]:
    """(shape id, model class, mask) for each prompt, or for each automatic mask."""
    if task.mode == "auto":
        found = rt.model.automatic(image.rgb, embedding, task.auto)
        return [(f"auto-{n + 1}", task.auto.class_, m) for n, m in enumerate(found)]
    out = []
    for n, prompt in enumerate(task.prompts):
        box = _clip_box(prompt.box, image.width, image.height) if prompt.box else None
        points = _check_points(prompt.points, image.width, image.height) if prompt.points else None
        mask = rt.model.predict(embedding, points=points, box=box)
        out.append((prompt.id or f"prompt-{n + 1}", prompt.class_ or "object", mask))
    return out


def run(task: PrelabelTask, rt: Runtime, *, attempt: int = 1) -> tuple[PrelabelResult, str]:
    """The prelabel-result.v1 (status done) for one task and where its embedding came from
    ('computed', 'memory', 'bucket'); JobError on a failure, with its reason."""
    if task.model != rt.settings.model:
        raise JobError(
            "model_mismatch", f"this worker serves {rt.settings.model}; the message asks for {task.model}"
        )
    started = time.perf_counter()
    image = rt.load_image(task.image)
    fetched = time.perf_counter()
    faults.pause("embedding", task.task_id)
    embedding, source = rt.embedding_for(image)
    embedded = time.perf_counter()
    mapper = LabelMapper(task.label_mapping, task.label_parents)
    model_version = rt.model.model_version
    report: dict[str, Any] | None = None
    if task.mode == "exemplar":
        assert task.exemplar is not None
        # Exemplar labels already are project label values; the version names the sets that found them.
        masks, report = exemplar_job.find(task.exemplar, rt, embedding, image.rgb)
        model_version += "+ex." + exemplar_job.set_digest(model_version, task.exemplar.labels)[:8]
    else:
        masks = [
            (sid, mapper.label_for(cls), mask) for sid, cls, mask in predict_masks(task, rt, image, embedding)
        ]
    decoded = time.perf_counter()

    shapes: list[dict[str, Any]] = []
    for shape_id, label, mask in masks:
        if label is None:
            continue
        shapes += mask_shapes(
            mask.mask,
            shape_id=shape_id,
            label=label,
            score=mask.score,
            types=list(task.output.types),
            tolerance=task.output.simplify_tolerance,
            min_area=task.output.min_area,
        )
    result = PrelabelResult(
        job_id=task.job_id,
        project_id=task.project_id,
        task_id=task.task_id,
        model=task.model,
        model_version=model_version,
        status="done",
        shapes=shapes,
        unmapped=[Unmapped.model_validate(u) for u in mapper.unmapped_report()],
        image=ImageSeen(sha256=image.sha256, width=image.width, height=image.height),
        timings={
            "download": round(fetched - started, 4),
            "embedding": round(embedded - fetched, 4),
            "decode": round(decoded - embedded, 4),
            "total": round(time.perf_counter() - started, 4),
        },
        exemplar=report,
        embedding=EmbeddingAt(bucket=rt.cache.bucket, key=rt.cache.key(image.sha256))
        if rt.cache.bucket
        else None,
        attempts=attempt,
    )
    return result, source


def failed_result(
    ids: tuple[str | None, str | None, str | None],
    model: str,
    model_version: str,
    error: JobError,
    attempt: int,
) -> PrelabelResult | None:
    """The failed prelabel-result.v1, when the message names its job and task (else only the dead letter)."""
    job_id, project_id, task_id = ids
    if not (job_id and project_id and task_id):
        return None
    return PrelabelResult(
        job_id=job_id,
        project_id=project_id,
        task_id=task_id,
        model=model,
        model_version=model_version,
        status="failed",
        reason=Reason.of(error.code, error.message),
        attempts=attempt,
    )
