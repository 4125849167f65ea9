"""A small real results receiver standing in for the API: records every POST, stores one prediction per
Idempotency-Key (task_id:model_version) like the API does, checks the bearer token."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "test-token-" + "7" * 20


@dataclass
class Receiver:
    url: str
    posts: list[dict[str, Any]] = field(default_factory=list)
    predictions: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_next: int = 0  # answer 503 to this many POSTs (an API that is down)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def results_url(self) -> str:
        return self.url + "/api/v1/prelabel/results"

    def posts_for(self, task_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [p for p in self.posts if p["body"].get("task_id") == task_id]

    def stored_for(self, task_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [p for key, p in self.predictions.items() if key.split(":")[0] == task_id]

    def wait_for(self, task_id: str, timeout: float = 120.0, status: str | None = None) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            stored = self.stored_for(task_id)
            if stored and (status is None or stored[0]["status"] == status):
                return stored[0]
            time.sleep(0.1)
        raise AssertionError(
            f"no result for task {task_id} within {timeout:.0f}s; posts: {self.posts_for(task_id)}"
        )


def start_receiver() -> Receiver:
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with receiver.lock:
                receiver.posts.append(
                    {"path": self.path, "headers": headers, "body": body, "at": time.time()}
                )
                if headers.get("authorization") != f"Bearer {TOKEN}":
                    status = 401
                elif self.path != "/api/v1/prelabel/results":
                    status = 404
                elif receiver.fail_next > 0:
                    receiver.fail_next -= 1
                    status = 503
                else:
                    key = headers.get("idempotency-key", "")
                    status = 200 if key in receiver.predictions else 201
                    receiver.predictions.setdefault(key, body)
            payload = json.dumps({"ok": status < 300}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    receiver.server = server
    receiver.url = f"http://127.0.0.1:{server.server_port}"
    return receiver
