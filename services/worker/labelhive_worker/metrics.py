"""Prometheus metrics and the health endpoint (GET /metrics, /healthz, /readyz) of a worker process."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

log = logging.getLogger(__name__)

JOBS = Counter("labelhive_prelabel_jobs_total", "Pre-label job items finished", ["status"])
FAILURES = Counter("labelhive_prelabel_failures_total", "Job items failed for good, by reason", ["reason"])
RETRIES = Counter(
    "labelhive_prelabel_retries_total", "Job items sent back for a retry, by reason", ["reason"]
)
DEAD_LETTERS = Counter("labelhive_prelabel_dead_letters_total", "Messages published to the dead-letter queue")
LATENCY = Histogram(
    "labelhive_prelabel_job_seconds",
    "Wall time of one job item, download to result delivered",
    buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128),
)
STAGE = Histogram(
    "labelhive_prelabel_stage_seconds",
    "Time per stage: download, embedding (computed only), decode (prompts -> masks)",
    ["stage"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32),
)
EMBEDDINGS = Counter("labelhive_prelabel_embeddings_total", "Embeddings by source", ["source"])
QUEUE_DEPTH = Gauge("labelhive_prelabel_queue_depth", "Ready messages in the queue", ["queue"])
GPU_MEMORY = Gauge("labelhive_prelabel_gpu_memory_bytes", "CUDA memory held by the model process", ["kind"])
MODEL_LOAD = Gauge("labelhive_prelabel_model_load_seconds", "Model load time (checksum + weights)")
MODEL_INFO = Gauge("labelhive_prelabel_model_info", "The loaded model", ["model", "model_version", "device"])
CLICKS = Histogram(
    "labelhive_interactive_click_seconds",
    "Interactive click -> mask time",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8),
)


class Health:
    """What the probes look at: the model is loaded and the consumer is up."""

    def __init__(self) -> None:
        self.model_loaded = False
        self.consuming = False
        self.shutting_down = False
        self.started = time.time()

    def as_dict(self) -> dict[str, Any]:
        return {
            "model_loaded": self.model_loaded,
            "consuming": self.consuming,
            "shutting_down": self.shutting_down,
            "uptime_s": round(time.time() - self.started, 1),
        }


HEALTH = Health()


def _handler(
    extra: dict[str, Callable[[bytes, dict[str, str]], tuple[int, dict[str, Any]]]],
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            self._send(status, json.dumps(payload).encode(), "application/json")

        def do_GET(self) -> None:
            if self.path == "/metrics":
                self._send(200, generate_latest(), CONTENT_TYPE_LATEST)
            elif self.path == "/healthz":  # liveness: the process serves and its model is loaded
                self._json(200 if HEALTH.model_loaded else 503, HEALTH.as_dict())
            elif self.path == "/readyz":  # readiness: consuming, not draining
                ready = HEALTH.model_loaded and HEALTH.consuming and not HEALTH.shutting_down
                self._json(200 if ready else 503, HEALTH.as_dict())
            else:
                self._json(404, {"code": "not_found", "message": self.path})

        def do_POST(self) -> None:
            route = extra.get(self.path)
            if route is None:
                self._json(404, {"code": "not_found", "message": self.path})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > 1_000_000:
                self._json(413, {"code": "malformed_message", "message": "request body over 1 MB"})
                return
            status, payload = route(self.rfile.read(length), {k.lower(): v for k, v in self.headers.items()})
            self._json(status, payload)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("http %s", format % args)

    return Handler


def serve_http(
    port: int,
    host: str = "0.0.0.0",
    routes: dict[str, Callable[[bytes, dict[str, str]], tuple[int, dict[str, Any]]]] | None = None,
) -> ThreadingHTTPServer:
    """Start the HTTP server in a daemon thread (port 0 picks a free one: see server.server_port)."""
    server = ThreadingHTTPServer((host, port), _handler(routes or {}))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="labelhive-http", daemon=True).start()
    return server


def watch_queues(amqp_url: str, queues: list[str], device: str, interval: float = 15.0) -> threading.Thread:
    """Refresh queue depth (passive declare) and GPU memory every `interval` seconds, in a daemon thread."""

    def loop() -> None:
        from kombu import Connection

        while True:
            try:
                with Connection(amqp_url, connect_timeout=5) as conn:
                    for name in queues:
                        try:  # a missing queue closes the channel: one channel per queue
                            with conn.channel() as channel:
                                _, count, _ = channel.queue_declare(queue=name, passive=True)
                            QUEUE_DEPTH.labels(queue=name).set(count)
                        except conn.channel_errors as exc:
                            log.debug("queue depth of %s: %s", name, exc)
            except Exception as exc:  # noqa: BLE001 - metrics must never take the worker down
                log.debug("queue depth: %s", exc)
            if device == "cuda":
                import torch

                GPU_MEMORY.labels(kind="allocated").set(torch.cuda.memory_allocated())
                GPU_MEMORY.labels(kind="reserved").set(torch.cuda.memory_reserved())
            time.sleep(interval)

    thread = threading.Thread(target=loop, name="labelhive-queue-watch", daemon=True)
    thread.start()
    return thread
