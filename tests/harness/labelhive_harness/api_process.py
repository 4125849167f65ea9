"""A real `labelhive-api serve` process (uvicorn, as deployed) for the suites that test over HTTP: the
browser suites, the security suite, the benches. Migrated first; ready when /healthz answers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from labelhive_harness.common import free_port, stop_process

API_BIN = Path(sys.executable).parent / "labelhive-api"


@dataclass
class ApiProcess:
    base: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def rss_kib(self, field: str = "VmRSS") -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise RuntimeError(f"no {field} for {self.process.pid}")

    def stop(self) -> None:
        stop_process(self.process)


def sqlite_env(workdir: Path, admin_email: str, admin_password: str, **extra: str) -> dict[str, str]:
    """The environment of an embedded API (SQLite and local files under `workdir`, as `make dev` runs it)
    on a free loopback port, with a bootstrap admin; `extra` adds or overrides LABELHIVE_* settings."""
    return {
        **os.environ,
        "LABELHIVE_ENVIRONMENT": "test",
        "LABELHIVE_SECRET_KEY": "embedded-test-secret-key-0123456789",
        "LABELHIVE_DATABASE_URL": f"sqlite:///{workdir / 'labelhive.db'}",
        "LABELHIVE_DATA_DIR": str(workdir / "data"),
        "LABELHIVE_HOST": "127.0.0.1",
        "LABELHIVE_PORT": str(free_port()),
        "LABELHIVE_BOOTSTRAP_ADMIN_EMAIL": admin_email,
        "LABELHIVE_BOOTSTRAP_ADMIN_PASSWORD": admin_password,
        "LABELHIVE_WEBHOOK_WORKER": "false",
        **extra,
    }


def start_api(
    workdir: Path, env: dict[str, str], *, timeout: float = 90, api_bin: Path = API_BIN
) -> ApiProcess:
    """Migrates the database `env` names, starts the server on `LABELHIVE_PORT` and waits for /healthz.
    A failed migration or a server that exits or stays silent raises with the tail of its output."""
    migrated = subprocess.run(
        [str(api_bin), "migrate"], env=env, capture_output=True, cwd=workdir, check=False
    )
    if migrated.returncode != 0:
        raise RuntimeError(f"migrate failed: {migrated.stderr.decode(errors='replace')[-2000:]}")
    port = int(env["LABELHIVE_PORT"])
    log = workdir / f"api-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(api_bin), "serve"], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=workdir
        )
    api = ApiProcess(f"http://127.0.0.1:{port}", port, process, log, env)
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{api.base}/healthz", timeout=2).status_code == 200:
                return api
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            api.stop()
            raise RuntimeError(f"the API did not start: {api.log_text()[-3000:]}")
        time.sleep(0.3)


@contextmanager
def running_api(workdir: Path, env: dict[str, str], *, timeout: float = 90) -> Iterator[ApiProcess]:
    api = start_api(workdir, env, timeout=timeout)
    try:
        yield api
    finally:
        api.stop()
