"""labelhive-worker run | serve | probe | check."""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import sys
import threading
import urllib.request

from labelhive_worker.errors import ConfigError


def _setup_logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


def _check() -> int:
    """Settings and model (checksum, weights) are fine, or one line saying what is not."""
    from labelhive_worker import tasks

    try:
        tasks.configure(tasks.load_settings())
        rt = tasks.runtime()
    except ConfigError as exc:
        print(f"labelhive-worker: {exc}", file=sys.stderr)
        return 2
    print(
        f"labelhive-worker: ok, {rt.model.model_version} on {rt.model.device} ({rt.model.runtime}),"
        f" loaded in {rt.model.load_seconds:.1f}s"
    )
    return 0


def _run() -> int:
    from labelhive_worker import metrics, migrate, tasks

    try:
        settings = tasks.load_settings()
        tasks.configure(settings)
        server = metrics.serve_http(settings.metrics_port)
        tasks.runtime()  # load and verify the model before consuming: a bad checkpoint refuses to start
    except ConfigError as exc:
        print(f"labelhive-worker: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"labelhive-worker: LABELHIVE_METRICS_PORT={settings.metrics_port}: {exc}", file=sys.stderr)
        return 2
    try:
        migrate.ensure_quorum_queue(settings.amqp_url, settings.queue)  # before Celery declares it
    except ConfigError as exc:
        print(f"labelhive-worker: {exc}", file=sys.stderr)
        return 2
    metrics.watch_queues(
        settings.amqp_url, [settings.queue, settings.dead_letter_queue], tasks.runtime().model.device
    )
    logging.getLogger(__name__).info("metrics and health on :%d", server.server_port)
    # One model per process; the threads pool keeps the broker heartbeat going while the model works.
    # LABELHIVE_BATCH_SIZE job threads (1 by default) share the model, their images batched per forward
    # pass; scale out with more pods (one GPU each), not more processes per pod.
    tasks.app.worker_main(
        [
            "worker",
            "--pool=threads",
            f"--concurrency={settings.batch_size}",
            f"--queues={settings.queue}",
            f"--hostname=labelhive-worker@{socket.gethostname()}",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ]
    )
    return 0


def _serve() -> int:
    from labelhive_worker import tasks
    from labelhive_worker.interactive import serve
    from labelhive_worker.pipeline import Runtime

    try:
        settings = tasks.load_settings(need_broker=False)
        rt = Runtime.create(settings)
        server = serve(rt, settings.interactive_port)
    except ConfigError as exc:
        print(f"labelhive-worker: {exc}", file=sys.stderr)
        return 2
    logging.getLogger(__name__).info(
        "interactive click endpoint on :%d (%s on %s)",
        server.server_port,
        rt.model.model_version,
        rt.model.device,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.shutdown()
    return 0


def _probe(url: str, timeout: float) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - a local http URL
            ok = response.status == 200
            body = response.read().decode()
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        print(f"labelhive-worker probe: {url}: {exc}", file=sys.stderr)
        return 1
    print(body)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="labelhive-worker", description="LabelHive pre-label worker")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="consume the project's pre-label queue (LABELHIVE_PRELABEL_QUEUE)")
    sub.add_parser("serve", help="interactive click-to-segment endpoint (POST /v1/click)")
    sub.add_parser("check", help="check settings and load the model, then exit")
    probe = sub.add_parser("probe", help="exit 0 when the local worker is healthy (Kubernetes exec probe)")
    probe.add_argument("--port", type=int, default=None, help="default: LABELHIVE_METRICS_PORT or 9808")
    probe.add_argument(
        "--ready", action="store_true", help="readiness (consuming, not draining) instead of liveness"
    )
    probe.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args(argv)
    _setup_logging()
    if args.command == "run":
        return _run()
    if args.command == "serve":
        return _serve()
    if args.command == "check":
        return _check()
    import os

    port = args.port or int(os.environ.get("LABELHIVE_METRICS_PORT") or 9808)
    return _probe(f"http://127.0.0.1:{port}/{'readyz' if args.ready else 'healthz'}", args.timeout)


if __name__ == "__main__":
    sys.exit(main())
