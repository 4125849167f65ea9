"""The HTTP side: a small client for the LabelHive API (bearer token), with upload and download progress."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urljoin

import httpx


class ApiError(RuntimeError):
    """The API said no: its machine-readable code and message."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status, self.code, self.detail = status, code, detail


class _CountingReader:
    """A file that reports how many bytes have been read from it (upload progress)."""

    def __init__(self, file: BinaryIO, on_read: Callable[[int], None]) -> None:
        self._file = file
        self._on_read = on_read

    def read(self, size: int = -1) -> bytes:
        data = self._file.read(size)
        self._on_read(len(data))
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


class Api:
    def __init__(
        self, url: str, token: str, *, timeout: float = 120.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.base = url.rstrip("/") + "/"
        self.http = httpx.Client(
            base_url=self.base,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "labelhive-cli/0.1"},
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self.http.close()

    def _check(self, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            try:
                body = response.json()
                code, detail = str(body.get("code", "error")), str(body.get("detail", response.text))
            except ValueError:
                code, detail = "error", response.text[:500]
            raise ApiError(response.status_code, code, detail)
        return response.json() if response.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self._check(self.http.get(f"api/v1/{path}", params=params))

    def post(self, path: str, json: Any = None) -> Any:
        return self._check(self.http.post(f"api/v1/{path}", json=json))

    def upload(
        self, project_id: int, files: list[Path], form: dict[str, str], on_bytes: Callable[[int], None]
    ) -> dict[str, Any]:
        handles = [path.open("rb") for path in files]
        try:
            parts = [
                ("files", (p.name, _CountingReader(h, on_bytes))) for p, h in zip(files, handles, strict=True)
            ]
            response = self.http.post(f"api/v1/projects/{project_id}/imports", files=parts, data=form)  # type: ignore[arg-type]
        finally:
            for handle in handles:
                handle.close()
        return self._check(response)

    def wait(
        self, path: str, on_progress: Callable[[dict[str, Any]], None], poll: float = 0.5
    ) -> dict[str, Any]:
        while True:
            job = self.get(path)
            on_progress(job)
            if job["state"] in ("finished", "failed", "cancelled"):
                return job
            time.sleep(poll)

    def download(self, url: str, out: Path, on_bytes: Callable[[int, int | None], None]) -> int:
        """`url` may be absolute (presigned S3) or relative to the API (signed proxy link)."""
        absolute = urljoin(self.base, url)
        # A presigned S3 link gets a plain client: the API token never goes to the object store.
        client = self.http if absolute.startswith(self.base) else httpx.Client(timeout=self.http.timeout)
        size = 0
        tmp = out.with_name(out.name + ".part")
        try:
            with client.stream("GET", absolute) as response:
                if response.status_code >= 400:
                    raise ApiError(
                        response.status_code,
                        "download_failed",
                        response.read().decode(errors="replace")[:300],
                    )
                total = (
                    int(response.headers["content-length"]) if "content-length" in response.headers else None
                )
                with tmp.open("wb") as file:
                    for chunk in response.iter_bytes(1024 * 1024):
                        file.write(chunk)
                        size += len(chunk)
                        on_bytes(size, total)
            tmp.replace(out)
        finally:
            tmp.unlink(missing_ok=True)
            if client is not self.http:
                client.close()
        return size
