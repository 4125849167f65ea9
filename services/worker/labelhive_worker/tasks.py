"""The Celery app and the `labelhive.prelabel` task: the thin outer ring around pipeline.run.

Each message is processed idempotently, then acknowledged (acks_late): a killed worker's message goes back
to the queue and the redelivered copy produces the same result under the same idempotency key. The quorum
queue counts the redeliveries (the `x-delivery-count` header); past LABELHIVE_MAX_REDELIVERIES the message
fails with `worker_lost` (result + dead letter), and past the queue's x-delivery-limit RabbitMQ dead-letters
it itself.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from celery import Celery, signals

from labelhive_worker import faults, metrics
from labelhive_worker.contract import ids_of, parse_task
from labelhive_worker.errors import JobError
from labelhive_worker.outcome import DeadLetter, Reason
from labelhive_worker.pipeline import Runtime, failed_result, run
from labelhive_worker.queues import DEAD_LETTER_EXCHANGE, TASK_NAME, dead_letter_queue, prelabel_queue
from labelhive_worker.results import callback_url, deliver
from labelhive_worker.settings import WorkerSettings, load_settings

log = logging.getLogger("labelhive_worker")

app = Celery("labelhive_worker", set_as_current=False)
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    task_acks_late=True,
    # A task that raises anyway (its dead-letter publish failed, wrong arguments) is rejected without
    # requeue, so the queue's x-dead-letter-exchange keeps it, instead of being acknowledged away.
    task_acks_on_failure_or_timeout=False,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    task_default_delivery_mode="persistent",
    task_create_missing_queues=False,
    broker_connection_retry_on_startup=True,
    broker_connection_max_retries=None,  # a broker restart is waited out, never fatal
    broker_transport_options={"confirm_publish": True},  # retries and dead letters are on disk before the ack
    worker_enable_remote_control=False,
    worker_send_task_events=False,
    worker_hijack_root_logger=False,
    worker_cancel_long_running_tasks_on_connection_loss=False,
    worker_consumer="labelhive_worker.consumer:DeadLetteringConsumer",
    # Quorum queues have no global QoS (RabbitMQ answers 540 NOT_IMPLEMENTED): Celery sees the queue's
    # x-queue-type and sets the prefetch per consumer. Retries (task.retry with a countdown) then wait on
    # the worker that took them, holding its one prefetch slot for the backoff (2-300 s); see README.
    worker_detect_quorum_queues=True,
)

_settings: WorkerSettings | None = None
_runtime: Runtime | None = None
_runtime_lock = threading.Lock()


def configure(settings: WorkerSettings) -> None:
    global _settings
    _settings = settings
    app.conf.update(
        broker_url=settings.amqp_url,
        task_queues=[prelabel_queue(settings.queue)],
        task_default_queue=settings.queue,
    )


def settings() -> WorkerSettings:
    global _settings
    if _settings is None:
        configure(load_settings())
    assert _settings is not None
    return _settings


def runtime() -> Runtime:
    """The process's model and clients, loaded once (lazily, never at import)."""
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            _runtime = Runtime.create(settings())
            metrics.MODEL_LOAD.set(_runtime.model.load_seconds)
            metrics.MODEL_INFO.labels(
                model=_runtime.model.name,
                model_version=_runtime.model.model_version,
                device=_runtime.model.device,
            ).set(1)
            metrics.HEALTH.model_loaded = True
        return _runtime


@signals.worker_process_init.connect
def _load_in_child(**_: Any) -> None:
    runtime()  # prefork children load their own model after the fork


@signals.worker_ready.connect
def _ready(sender: Any = None, **_: Any) -> None:
    with app.connection_for_write() as conn:
        dead_letter_queue(settings().queue)(conn.default_channel).declare()
    metrics.HEALTH.consuming = True
    log.info("labelhive-worker ready: queue %s, model %s", settings().queue, runtime().model.model_version)


@signals.worker_shutting_down.connect
def _draining(**_: Any) -> None:
    metrics.HEALTH.shutting_down = True
    log.info("labelhive-worker shutting down: finishing the job in hand, taking no new one")


def backoff(retries: int, base: float) -> float:
    return float(min(base * (2**retries), 300.0))


def publish_dead_letter(
    message: Any, error: JobError, attempts: int, result_delivered: bool, worker: str = ""
) -> None:
    letter = DeadLetter(
        reason=Reason.of(error.code, error.message),
        attempts=attempts,
        result_delivered=result_delivered,
        message=message,
        **({"worker": worker} if worker else {}),
    )
    queue = dead_letter_queue(settings().queue)
    with app.producer_or_acquire() as producer:
        producer.publish(
            letter.payload(),
            exchange=DEAD_LETTER_EXCHANGE,
            routing_key=queue.routing_key,
            declare=[queue],
            serializer="json",
            delivery_mode=2,
            headers={"x-labelhive-reason-code": error.code, "x-labelhive-attempts": attempts},
            retry=True,
            retry_policy={"max_retries": 10, "interval_start": 1, "interval_step": 2, "interval_max": 10},
        )
    metrics.DEAD_LETTERS.inc()


def deliveries(request: Any) -> int:
    """How many times the broker has handed out this message, this time included (quorum queues count
    returns in `x-delivery-count`, absent on the first delivery)."""
    try:
        return int(request.get("x-delivery-count") or 0) + 1
    except (TypeError, ValueError):
        return 1


def _fail(task: Any, message: Any, error: JobError, attempt: int) -> None:
    s = settings()
    if error.retryable and task.request.retries < s.max_retries:
        delay = backoff(task.request.retries, s.retry_backoff_s)
        metrics.RETRIES.labels(reason=error.code).inc()
        log.warning("prelabel retry %d/%d in %.1fs: %s", attempt, s.max_retries, delay, error)
        raise task.retry(countdown=delay, max_retries=None)
    model_version = _runtime.model.model_version if _runtime else f"{s.model}@{'0' * 12}"
    requested = (
        message.get("model")
        if isinstance(message, dict) and isinstance(message.get("model"), str)
        else s.model
    )
    failed = failed_result(ids_of(message), requested, model_version, error, attempt)
    delivered = False
    if failed is not None:
        try:
            url = s.results_url
            if isinstance(message, dict) and isinstance(message.get("callback"), dict):
                url = callback_url(message["callback"].get("url"), s.api_url, s.results_url)
            deliver(failed, url=url, token=s.api_token)
            delivered = True
        except JobError as exc:
            log.warning("failed result of %s not delivered: %s", failed.task_id, exc)
    publish_dead_letter(message, error, attempt, delivered, task.request.hostname or "")
    metrics.JOBS.labels(status="failed").inc()
    metrics.FAILURES.labels(reason=error.code).inc()
    log.error("prelabel failed for good after %d attempt(s), dead-lettered: %s", attempt, error)


@app.task(bind=True, name=TASK_NAME, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def prelabel(self: Any, message: Any) -> None:
    attempt = self.request.retries + 1
    started = time.perf_counter()
    _, _, task_id = ids_of(message)
    redelivered = bool(self.request.delivery_info.get("redelivered"))
    times = deliveries(self.request)
    try:
        rt = runtime()
        log.info("prelabel start task=%s attempt=%d redelivered=%s", task_id, attempt, redelivered)
        if times > rt.settings.max_redeliveries + 1:
            raise JobError(
                "worker_lost",
                f"delivered {times} times without finishing: each worker died on it (out of memory? a crash?)",
            )
        task = parse_task(message)
        result, source = run(task, rt, attempt=attempt)
        url = callback_url(
            task.callback.url if task.callback else None, rt.settings.api_url, rt.settings.results_url
        )
        faults.pause("deliver", task.task_id)
        status = deliver(result, url=url, token=rt.settings.api_token)
    except JobError as error:
        _fail(self, message, error, attempt)
        return
    except Exception as exc:  # an unexpected error fails this item, never the worker
        log.exception("prelabel internal error")
        _fail(
            self, message, JobError("internal_error", f"{type(exc).__name__}: {exc}", retryable=True), attempt
        )
        return
    metrics.EMBEDDINGS.labels(source=source).inc()
    for stage in ("download", "decode"):
        metrics.STAGE.labels(stage=stage).observe((result.timings or {})[stage])
    if source == "computed":
        metrics.STAGE.labels(stage="embedding").observe((result.timings or {})["embedding"])
    metrics.LATENCY.observe(time.perf_counter() - started)
    metrics.JOBS.labels(status="done").inc()
    log.info(
        "prelabel done task=%s shapes=%d unmapped=%d embedding=%s api=%d in %.2fs",
        task.task_id,
        len(result.shapes),
        len(result.unmapped),
        source,
        status,
        time.perf_counter() - started,
    )
