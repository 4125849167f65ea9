"""A real `labelhive-api serve` process (uvicorn, as deployed) on harness PostgreSQL + SeaweedFS."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

API_BIN = Path(sys.executable).parent / "labelhive-api"
ADMIN_EMAIL = "admin@security.example.com"
ADMIN_PASSWORD = "a-long-bootstrap-password-for-tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]

    def rss_kib(self, field: str = "VmRSS") -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise RuntimeError(f"no {field} for {self.process.pid}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def server_env(workdir: Path, postgres: Any, s3: Any, schema: str, **extra: str) -> dict[str, str]:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(workdir)),
        "LABELHIVE_ENVIRONMENT": "production",
        "LABELHIVE_SECRET_KEY": "security-server-secret-0123456789",
        "LABELHIVE_DATABASE_URL": postgres.url,
        "LABELHIVE_DATABASE_SCHEMA": schema,
        "LABELHIVE_STORAGE_BACKEND": "s3",
        "LABELHIVE_S3_ENDPOINT": s3.endpoint,
        "LABELHIVE_S3_ACCESS_KEY": s3.access_key,
        "LABELHIVE_S3_SECRET_KEY": s3.secret_key,
        "LABELHIVE_S3_SOURCE_BUCKET": f"{schema.replace('_', '-')}-src",
        "LABELHIVE_S3_TARGET_BUCKET": f"{schema.replace('_', '-')}-tgt",
        "LABELHIVE_IMAGE_DELIVERY": "proxy",
        "LABELHIVE_HOST": "127.0.0.1",
        "LABELHIVE_PORT": str(port),
        "LABELHIVE_BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
        "LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "LABELHIVE_WEBHOOK_WORKER": "false",
        "LABELHIVE_LOG_FORMAT": "json",
    }
    return env | extra


def start_server(workdir: Path, env: dict[str, str]) -> Server:
    migrated = subprocess.run(
        [str(API_BIN), "migrate"], env=env, capture_output=True, cwd=workdir, check=False
    )
    if migrated.returncode != 0:
        raise RuntimeError(f"migrate failed: {migrated.stderr.decode()[-2000:]}")
    log = workdir / f"api-{env['LABELHIVE_PORT']}.log"
    out = log.open("wb")
    process = subprocess.Popen(
        [str(API_BIN), "serve"], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=workdir
    )
    base = f"http://127.0.0.1:{env['LABELHIVE_PORT']}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"API did not start: {log.read_text()[-2000:]}")
        time.sleep(0.3)
    return Server(base, int(env["LABELHIVE_PORT"]), process, log, env)
