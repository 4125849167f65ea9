"""Storage layer on real SeaweedFS S3 and on the local folder backend."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from dataset_files import png, s3_config
from labelhive_api.storage import ObjectNotFound, asset_key
from labelhive_api.storage.assets import AssetStore
from labelhive_api.storage.config import build_storage
from labelhive_api.storage.s3 import S3Options


def test_put_get_head_range_list_delete(storage):
    store = storage.source
    store.put("a/1.bin", b"0123456789", "application/octet-stream")
    store.put("a/2.bin", b"two")
    store.put("b/3.bin", b"three")
    assert store.get("a/1.bin") == b"0123456789"
    info = store.head("a/1.bin")
    assert info is not None and info.size == 10 and info.etag
    reader = store.open("a/1.bin", (2, 5))
    assert (reader.start, reader.end, reader.info.size) == (2, 5, 10)
    assert reader.read() == b"2345"
    assert [o.key for o in store.list("a/")] == ["a/1.bin", "a/2.bin"]
    assert [o.key for o in store.list("a/", start_after="a/1.bin")] == ["a/2.bin"]
    store.delete("a/1.bin")
    assert store.head("a/1.bin") is None
    with pytest.raises(ObjectNotFound):
        store.get("a/1.bin")


def test_same_bytes_stored_once_under_their_sha256(storage):
    assets = AssetStore(storage.source)
    data = png(40, 30)
    first = assets.store_bytes(data)
    second = assets.store_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    assert first.key == second.key == f"assets/sha256/{sha[:2]}/{sha}" == asset_key(sha)
    assert (first.created, second.created) == (True, False)
    assert [o.key for o in storage.source.list("assets/")] == [first.key]
    assert storage.source.get(first.key) == data
    third = assets.store_file(io.BytesIO(data))
    assert third.key == first.key and not third.created


def test_streaming_writer_makes_a_multipart_object_and_abort_leaves_nothing(storage):
    chunk = os.urandom(1024 * 1024)
    digest = hashlib.sha256()
    with storage.target.open_writer("exports/big.bin", "application/zip") as writer:
        for _ in range(18):  # 18 MiB: three 8 MiB parts on S3
            writer.write(chunk)
            digest.update(chunk)
    body = storage.target.get("exports/big.bin")
    assert len(body) == 18 * 1024 * 1024 and hashlib.sha256(body).digest() == digest.digest()

    writer = storage.target.open_writer("exports/aborted.bin")
    writer.write(chunk * 9)
    writer.abort()
    assert storage.target.head("exports/aborted.bin") is None


def test_s3_multipart_really_uses_parts(s3_storage):
    client = s3_storage.target.client
    with s3_storage.target.open_writer("exports/parts.bin") as writer:
        writer.write(b"x" * (17 * 1024 * 1024))
    etag = client.head_object(Bucket=s3_storage.target.bucket, Key="exports/parts.bin")["ETag"]
    assert etag.strip('"').endswith("-3")


@contextlib.contextmanager
def _recording(s3, **overrides):
    """A storage whose requests pass through a proxy that records them (and forwards to SeaweedFS)."""
    handler = type(
        "Recorder", (_FlakyProxy,), {"upstream": s3.endpoint, "failures": 0, "seen": 0, "requests": []}
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        direct = build_storage(s3_config(s3, **overrides))
        direct.ensure_buckets()
        proxied = build_storage(
            s3_config(
                s3,
                **overrides,
                s3_endpoint=f"http://127.0.0.1:{server.server_address[1]}",
                s3_source_bucket=direct.source.bucket,
                s3_target_bucket=direct.target.bucket,
            )
        )
        yield proxied, handler.requests
    finally:
        server.shutdown()


def _writes(requests):
    return [h for method, h in requests if method in ("PUT", "POST")]


def test_sse_none_sends_no_encryption_header_and_works_without_kms(s3):
    with _recording(s3, s3_sse="none") as (storage, requests):
        stored = AssetStore(storage.source).store_bytes(png())  # the fast single PUT
        assert storage.source.get(stored.key) == png()
        with storage.target.open_writer(
            "exports/x.zip"
        ) as writer:  # multipart (boto3): create, 2 parts, complete
            writer.write(b"y" * (9 * 1024 * 1024))
        assert storage.target.head("exports/x.zip") is not None
        storage.target.put_file("exports/y.bin", io.BytesIO(b"z" * 100))  # boto3 upload_fileobj
    writes = _writes(requests)
    assert len(writes) >= 6
    assert all("x-amz-server-side-encryption" not in h for h in writes)


def test_sse_aes256_is_sent_on_every_write_when_asked(s3):
    with _recording(s3, s3_sse="AES256") as (storage, requests):
        with contextlib.suppress(Exception):  # a server without SSE may refuse; the header is what we check
            storage.source.put("k", b"v")
        with contextlib.suppress(Exception), storage.target.open_writer("exports/x.zip") as writer:
            writer.write(b"y" * 10)
    writes = _writes(requests)
    assert writes and all(h.get("x-amz-server-side-encryption") == "AES256" for h in writes)


def test_sse_settings_are_validated():
    with pytest.raises(ValueError, match="SSE_KMS_KEY_ID"):
        S3Options(endpoint="http://s3", access_key="a", secret_key="b", sse="aws:kms")
    with pytest.raises(ValueError, match="LABELHIVE_S3_SSE"):
        S3Options(endpoint="http://s3", access_key="a", secret_key="b", sse="on")
    kms = S3Options(
        endpoint="http://s3", access_key="a", secret_key="b", sse="aws:kms", sse_kms_key_id="key-1"
    )
    from labelhive_api.storage.s3 import sse_args

    assert sse_args(kms) == {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "key-1"}


class _FlakyProxy(BaseHTTPRequestHandler):
    """Answers 503 SlowDown to the first `failures` requests, then forwards to the real S3."""

    upstream = ""
    failures = 0
    seen = 0
    lock = threading.Lock()

    requests: ClassVar[list[tuple[str, dict[str, str]]]] = []

    def _handle(self) -> None:
        type(self).requests.append((self.command, {k.lower(): v for k, v in self.headers.items()}))
        with self.lock:
            type(self).seen += 1
            fail = type(self).seen <= type(self).failures
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if fail:
            payload = b"<Error><Code>SlowDown</Code><Message>slow down</Message></Error>"
            self.send_response(503)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        request = urllib.request.Request(self.upstream + self.path, data=body, method=self.command)
        for name, value in self.headers.items():
            if name.lower() not in {"connection", "content-length"}:
                request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status, headers, data = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as exc:
            status, headers, data = exc.code, exc.headers, exc.read()
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() not in {"transfer-encoding", "connection", "content-length"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _handle

    def log_message(self, *args: object) -> None:
        pass


def test_retries_with_backoff_on_throttling(s3):
    storage = build_storage(s3_config(s3))
    storage.ensure_buckets()
    handler = type("Flaky", (_FlakyProxy,), {"upstream": s3.endpoint, "failures": 3, "seen": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        # The Host header is signed, so the proxy forwards it unchanged and S3 verifies it.
        via_proxy = build_storage(
            s3_config(
                s3,
                s3_endpoint=f"http://127.0.0.1:{port}",
                s3_source_bucket=storage.source.bucket,
                s3_target_bucket=storage.target.bucket,
            )
        )
        via_proxy.source.put("retried.bin", b"made it")
        assert handler.seen >= 4
        assert storage.source.get("retried.bin") == b"made it"
        handler.seen = 0  # the fast whole-object GET path retries too
        assert via_proxy.source.get("retried.bin") == b"made it"
        assert handler.seen == 4
    finally:
        server.shutdown()


def test_local_keys_cannot_escape_the_bucket_folder(local_storage):
    for bad in ["../x", "a/../../x", "/etc/passwd", "a//b", "a\\b"]:
        with pytest.raises(ValueError):
            local_storage.source.put(bad, b"nope")
