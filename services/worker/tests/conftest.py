"""Worker test fixtures: the harness's real RabbitMQ and S3, a results receiver, worker processes, a producer
that speaks the contract the way the API does (Celery protocol, the documented queue topology)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .receiver import TOKEN, Receiver, start_receiver

WORKER_BIN = Path(sys.executable).parent / "labelhive-worker"
CHECKPOINT = (
    Path(os.environ.get("LABELHIVE_CACHE", Path.home() / ".cache" / "labelhive")) / "models" / "mobile_sam.pt"
)
SOURCE, TARGET = "lh-test-source", "lh-test-target"
# contracts/README.md "Queue topology", as the API declares it (written out: the API is the other side).
QUEUE_ARGUMENTS = {
    "x-queue-type": "quorum",
    "x-delivery-limit": 10,
    "x-dead-letter-exchange": "labelhive.prelabel.dlx",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session", autouse=True)
def _checkpoint() -> None:
    if not CHECKPOINT.is_file():
        pytest.exit(
            f"MobileSAM checkpoint missing at {CHECKPOINT}: run scripts/bootstrap.d/worker.sh", returncode=3
        )


@pytest.fixture(scope="session")
def onnx_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MobileSAM exported to ONNX once per session (labelhive_worker.onnx_export, ~20 s of CPU), the files
    the onnx runtime (LABELHIVE_MODEL_RUNTIME=onnx) loads."""
    import warnings

    from labelhive_worker.onnx_export import export
    from labelhive_worker.settings import MOBILE_SAM_SHA256

    out = tmp_path_factory.mktemp("onnx") / "mobile_sam-onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes about Python control flow in the encoder
        export("mobile-sam", CHECKPOINT, out, MOBILE_SAM_SHA256)
    return out


def runtime_env(runtime: str, onnx_dir: Path | None) -> dict[str, str]:
    """The settings that choose a runtime: torch (the checkpoint) or onnx (the export directory)."""
    if runtime == "onnx":
        assert onnx_dir is not None
        return {"LABELHIVE_MODEL_RUNTIME": "onnx", "LABELHIVE_MODEL_CHECKPOINT": str(onnx_dir)}
    return {"LABELHIVE_MODEL_RUNTIME": "torch"}


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    rec = start_receiver()
    yield rec
    assert rec.server is not None
    rec.server.shutdown()


@pytest.fixture(scope="session")
def buckets(s3: Any) -> Any:
    client = s3.client()
    for bucket in (SOURCE, TARGET):
        with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
            client.create_bucket(Bucket=bucket)
    return client


class Broker:
    """The producer side, as the API does it: Celery send_task on the contract's queue topology."""

    def __init__(self, url: str) -> None:
        from celery import Celery

        self.url = url
        self.app = Celery("labelhive-api-standin", broker=url, set_as_current=False)
        self.app.conf.update(task_serializer="json", broker_transport_options={"confirm_publish": True})

    @staticmethod
    def topology(name: str) -> Any:
        from kombu import Exchange, Queue

        return Queue(
            name,
            Exchange(name, type="direct", durable=True),
            routing_key=name,
            durable=True,
            queue_arguments=QUEUE_ARGUMENTS | {"x-dead-letter-routing-key": f"{name}.dead"},
        )

    def send(self, queue: str, message: Any) -> None:
        task_id = f"{message.get('job_id')}:{message.get('task_id')}" if isinstance(message, dict) else None
        self.app.send_task(
            "labelhive.prelabel",
            args=[message],
            queue=self.topology(queue),
            task_id=task_id or str(uuid.uuid4()),
        )

    def ready_count(self, queue: str) -> int:
        from kombu import Connection

        with Connection(self.url) as conn:
            _, count, _ = conn.default_channel.queue_declare(queue=queue, passive=True)
            return int(count)

    def wait_ready_count(self, queue: str, expected: int, timeout: float = 60.0) -> None:
        """Quorum queues count asynchronously (a requeue, a restart): wait for the count, or fail with it."""
        deadline = time.monotonic() + timeout
        while (count := self.ready_count(queue)) != expected:
            assert time.monotonic() < deadline, f"{queue}: {count} ready, expected {expected}"
            time.sleep(0.1)

    def dead_letter_for(
        self, queue: str, task_id: str, timeout: float = 60.0
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Take messages off '<queue>.dead' until the one for `task_id` (prelabel-dead-letter.v1 body, headers)."""
        from kombu import Connection

        deadline = time.monotonic() + timeout
        seen: list[Any] = []
        with Connection(self.url) as conn:
            channel = conn.channel()
            while time.monotonic() < deadline:
                msg = channel.basic_get(f"{queue}.dead", no_ack=True)
                if msg is None:
                    time.sleep(0.2)
                    continue
                body = json.loads(msg.body)
                seen.append(body)
                inner = body.get("message") if isinstance(body, dict) else None
                if (isinstance(inner, dict) and inner.get("task_id") == task_id) or inner == task_id:
                    return body, dict(msg.headers or {})
        raise AssertionError(f"no dead letter for {task_id} within {timeout:.0f}s; saw {seen}")

    def raw_dead_letter(self, queue: str, timeout: float = 30.0) -> tuple[bytes, dict[str, Any]]:
        from kombu import Connection

        deadline = time.monotonic() + timeout
        with Connection(self.url) as conn:
            channel = conn.channel()
            while time.monotonic() < deadline:
                msg = channel.basic_get(f"{queue}.dead", no_ack=True)
                if msg is not None:
                    return msg.body, dict(msg.headers or {})
                time.sleep(0.2)
        raise AssertionError(f"nothing in {queue}.dead within {timeout:.0f}s")


@pytest.fixture(scope="session")
def broker(rabbitmq: Any) -> Broker:
    return Broker(rabbitmq.url)


class WorkerProcess:
    """`labelhive-worker run` in its own process group, with its log and its metrics port."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.port = int(env["LABELHIVE_METRICS_PORT"])
        self.process: subprocess.Popen[bytes] | None = None
        self.release = log.parent / "release"
        self.pause_at: str | None = None

    def start(self, timeout: float = 180.0, pause_at: str | None = None) -> WorkerProcess:
        """Start it; with `pause_at` every job waits at that stage (faults.py) until `release_paused()`."""
        out = self.log.open("ab")
        mark = len(self.text()) if self.log.exists() else 0
        self.release.unlink(missing_ok=True)
        env = self.env | {"LABELHIVE_FAULT_RELEASE": str(self.release)}
        if pause_at:
            env["LABELHIVE_FAULT_PAUSE_AT"] = pause_at
        self.pause_at = pause_at
        self.process = subprocess.Popen(
            [str(WORKER_BIN), "run"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_log("labelhive-worker ready", timeout, after=mark)  # this start's, not an earlier one's
        return self

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_log(self, needle: str, timeout: float = 120.0, after: int = 0) -> int:
        """Wait until `needle` appears in the log past offset `after`; returns the log length then."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text()
            if needle in text[after:]:
                return len(text)
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(
                    f"worker exited ({self.process.returncode}) before {needle!r}:\n{text[-3000:]}"
                )
            time.sleep(0.05)
        raise AssertionError(
            f"{needle!r} not in the worker log within {timeout:.0f}s:\n{self.text()[-3000:]}"
        )

    def release_paused(self) -> None:
        self.release.touch()

    def restart(self, pause_at: str | None = None) -> WorkerProcess:
        self.release_paused()  # a job waiting at a pause point finishes, then the worker exits
        assert self.stop() == 0
        return self.start(pause_at=pause_at)

    def signal(self, sig: int) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, sig)

    def stop(self, timeout: float = 60.0) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            return self.process.wait(10)


def worker_env(rabbitmq: Any, s3: Any, receiver: Receiver, queue: str, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABELHIVE_") or k == "LABELHIVE_CACHE"}
    env.update(
        LABELHIVE_AMQP_URL=rabbitmq.url,
        LABELHIVE_PRELABEL_QUEUE=queue,
        LABELHIVE_S3_ENDPOINT=s3.endpoint,
        LABELHIVE_S3_ACCESS_KEY=s3.access_key,
        LABELHIVE_S3_SECRET_KEY=s3.secret_key,
        LABELHIVE_S3_SOURCE_BUCKET=SOURCE,
        LABELHIVE_S3_TARGET_BUCKET=TARGET,
        LABELHIVE_MODEL="mobile-sam",
        LABELHIVE_DEVICE="cpu",
        LABELHIVE_API_URL=receiver.url,
        LABELHIVE_API_TOKEN=TOKEN,
        LABELHIVE_MAX_RETRIES="2",
        LABELHIVE_MAX_REDELIVERIES="1",
        LABELHIVE_RETRY_BACKOFF_S="0.2",
        LABELHIVE_MAX_IMAGE_PIXELS="1000000",
        LABELHIVE_METRICS_PORT=str(free_port()),
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


@pytest.fixture(scope="session")
def worker(
    rabbitmq: Any, s3: Any, buckets: Any, receiver: Receiver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerProcess]:
    """The main worker on its own queue; tests that kill or stop it start it again."""
    queue = "prelabel.test-" + uuid.uuid4().hex[:6]
    proc = WorkerProcess(
        worker_env(rabbitmq, s3, receiver, queue), tmp_path_factory.mktemp("worker") / "worker.log"
    )
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def live_worker(worker: WorkerProcess) -> WorkerProcess:
    """The main worker, (re)started if a previous test stopped or killed it."""
    if worker.process is None or worker.process.poll() is not None:
        worker.start()
    elif worker.pause_at:
        worker.restart()  # a previous test left it pausing at a fault point
    return worker


@pytest.fixture(scope="session")
def onnx_worker(
    rabbitmq: Any,
    s3: Any,
    buckets: Any,
    receiver: Receiver,
    onnx_export: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[WorkerProcess]:
    """A worker on the onnx runtime (no torch on its path), on its own queue."""
    queue = "prelabel.onnx-" + uuid.uuid4().hex[:6]
    env = worker_env(rabbitmq, s3, receiver, queue, **runtime_env("onnx", onnx_export))
    proc = WorkerProcess(env, tmp_path_factory.mktemp("onnx-worker") / "worker.log")
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(params=["torch", "onnx"])
def any_worker(request: pytest.FixtureRequest) -> WorkerProcess:
    """The test runs once on each runtime: the torch worker (live_worker) and the onnx worker."""
    if request.param == "onnx":
        proc: WorkerProcess = request.getfixturevalue("onnx_worker")
        if proc.process is None or proc.process.poll() is not None:
            proc.start()
        return proc
    return request.getfixturevalue("live_worker")
