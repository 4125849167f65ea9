"""S3 backend (boto3): any endpoint (AWS, MinIO, SeaweedFS, Ceph RGW).

Retries: botocore's standard mode (exponential backoff with jitter on 5xx, throttling and
connection errors). Server-side encryption is sent only when configured: MinIO without KMS
rejects requests that carry it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, BinaryIO
from urllib.parse import quote

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from labelhive_api.storage.base import (
    ObjectInfo,
    ObjectNotFound,
    ObjectReader,
    ObjectStore,
    ObjectWriter,
    StorageError,
)
from labelhive_api.storage.s3fast import FastGetter

SSE_MODES = ("none", "AES256", "aws:kms")
MIN_PART_SIZE = 5 * 1024 * 1024
_SSE_HEADERS = {
    "ServerSideEncryption": "x-amz-server-side-encryption",
    "SSEKMSKeyId": "x-amz-server-side-encryption-aws-kms-key-id",
}
_NOT_FOUND = {"404", "NoSuchKey", "NotFound", "NoSuchBucket"}


@dataclass(frozen=True)
class S3Options:
    endpoint: str | None
    access_key: str | None
    secret_key: str | None
    region: str = "us-east-1"
    sse: str = "none"
    sse_kms_key_id: str | None = None
    max_attempts: int = 6
    max_pool_connections: int = 64
    part_size: int = 8 * 1024 * 1024
    public_endpoints: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.sse not in SSE_MODES:
            raise ValueError(f"LABELHIVE_S3_SSE must be one of {', '.join(SSE_MODES)}, not {self.sse!r}")
        if self.sse == "aws:kms" and not self.sse_kms_key_id:
            raise ValueError("LABELHIVE_S3_SSE=aws:kms needs LABELHIVE_S3_SSE_KMS_KEY_ID")
        if self.part_size < MIN_PART_SIZE:
            raise ValueError("S3 multipart parts must be at least 5 MiB")


def make_client(options: S3Options, endpoint: str | None = None) -> Any:
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        retries={"mode": "standard", "max_attempts": options.max_attempts},
        max_pool_connections=options.max_pool_connections,
        connect_timeout=10,
        read_timeout=60,
        # Older MinIO, Ceph RGW and SeaweedFS releases reject the newer default checksum headers.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint or options.endpoint,
        aws_access_key_id=options.access_key,
        aws_secret_access_key=options.secret_key,
        region_name=options.region,
        config=config,
    )


def sse_args(options: S3Options) -> dict[str, str]:
    """Extra request arguments for writes; empty for `none` so no SSE header is ever sent."""
    if options.sse == "AES256":
        return {"ServerSideEncryption": "AES256"}
    if options.sse == "aws:kms":
        assert options.sse_kms_key_id
        return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": options.sse_kms_key_id}
    return {}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class _S3Reader(ObjectReader):
    def __init__(self, info: ObjectInfo, body: Any, start: int, end: int) -> None:
        self.info = info
        self._body = body
        self.start = start
        self.end = end

    def iter_chunks(self, chunk_size: int = 256 * 1024) -> Iterator[bytes]:
        try:
            yield from self._body.iter_chunks(chunk_size)
        finally:
            self._body.close()

    def read(self) -> bytes:
        try:
            return bytes(self._body.read())
        finally:
            self._body.close()

    def close(self) -> None:
        self._body.close()


class S3MultipartWriter(ObjectWriter):
    """Streams into a multipart upload: parts go up in background threads while the caller
    keeps writing; memory stays at (max_inflight + 1) parts. Small objects use one PUT."""

    def __init__(self, store: S3Store, key: str, content_type: str | None, max_inflight: int = 4) -> None:
        self._store = store
        self._key = key
        self._content_type = content_type
        self._part_size = store.options.part_size
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[Future[dict[str, Any]]] = []
        self._pool: ThreadPoolExecutor | None = None
        self._slots = threading.BoundedSemaphore(max_inflight)
        self._size = 0
        self._closed = False

    def write(self, data: bytes) -> int:
        if self._closed:
            raise ValueError("write to a closed object writer")
        self._buffer += data
        self._size += len(data)
        while len(self._buffer) >= self._part_size:
            chunk = bytes(self._buffer[: self._part_size])
            del self._buffer[: self._part_size]
            self._send_part(chunk)
        return len(data)

    def tell(self) -> int:
        return self._size

    def _start(self) -> str:
        if self._upload_id is None:
            extra: dict[str, Any] = dict(sse_args(self._store.options))
            if self._content_type:
                extra["ContentType"] = self._content_type
            created = self._store.call(
                "create_multipart_upload", Bucket=self._store.bucket, Key=self._key, **extra
            )
            self._upload_id = str(created["UploadId"])
            self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="s3-part")
        return self._upload_id

    def _send_part(self, chunk: bytes) -> None:
        upload_id = self._start()
        number = len(self._parts) + 1
        for done in [f for f in self._parts if f.done()]:
            done.result()  # surface a failed part early
        self._slots.acquire()
        assert self._pool is not None

        def send() -> dict[str, Any]:
            try:
                answer = self._store.call(
                    "upload_part",
                    Bucket=self._store.bucket,
                    Key=self._key,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=chunk,
                )
                return {"PartNumber": number, "ETag": answer["ETag"]}
            finally:
                self._slots.release()

        self._parts.append(self._pool.submit(send))

    def close(self) -> ObjectInfo:
        if self._closed:
            raise ValueError("object writer already closed")
        try:
            if self._upload_id is None:
                info = self._store.put(self._key, bytes(self._buffer), self._content_type)
                self._buffer.clear()
                self._closed = True
                return info
            if self._buffer:
                self._send_part(bytes(self._buffer))
                self._buffer.clear()
            parts = [f.result() for f in self._parts]
            answer = self._store.call(
                "complete_multipart_upload",
                Bucket=self._store.bucket,
                Key=self._key,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": parts},
            )
            self._closed = True
            return ObjectInfo(key=self._key, size=self._size, etag=str(answer.get("ETag", "")).strip('"'))
        except BaseException:
            self.abort()
            raise
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)

    def abort(self) -> None:
        self._closed = True
        self._buffer.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._upload_id is not None:
            # if the abort fails too, the bucket's lifecycle rule cleans up the parts
            with contextlib.suppress(ClientError, BotoCoreError):
                self._store.client.abort_multipart_upload(
                    Bucket=self._store.bucket, Key=self._key, UploadId=self._upload_id
                )


class S3Store(ObjectStore):
    def __init__(self, options: S3Options, bucket: str) -> None:
        self.options = options
        self.bucket = bucket
        self.client = make_client(options)
        self._public_clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._fast = (
            FastGetter(
                options.endpoint,
                options.access_key,
                options.secret_key,
                options.region,
                max_attempts=options.max_attempts,
                pool_size=options.max_pool_connections,
            )
            if options.endpoint and options.access_key and options.secret_key
            else None
        )
        self._transfer = TransferConfig(
            multipart_threshold=options.part_size,
            multipart_chunksize=options.part_size,
            max_concurrency=4,
        )

    def call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, operation)(**kwargs)
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND:
                raise ObjectNotFound(self.bucket, str(kwargs.get("Key", ""))) from exc
            raise StorageError(f"S3 {operation} on {self.bucket}: {_code(exc)}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 {operation} on {self.bucket}: {exc}") from exc

    def ensure_bucket(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if _code(exc) not in _NOT_FOUND:
                raise StorageError(f"S3 bucket {self.bucket}: {_code(exc)}") from exc
            try:
                self.client.create_bucket(Bucket=self.bucket)
            except ClientError as created:
                if _code(created) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                    raise StorageError(f"S3 create bucket {self.bucket}: {_code(created)}") from created

    def put(self, key: str, data: bytes, content_type: str | None = None) -> ObjectInfo:
        if self._fast is not None and len(data) <= self.options.part_size:
            headers = {_SSE_HEADERS[name]: value for name, value in sse_args(self.options).items()}
            if content_type:
                headers["Content-Type"] = content_type
            etag = self._fast.put(self.bucket, key, data, headers)
            return ObjectInfo(key=key, size=len(data), etag=etag, content_type=content_type)
        extra: dict[str, Any] = dict(sse_args(self.options))
        if content_type:
            extra["ContentType"] = content_type
        answer = self.call("put_object", Bucket=self.bucket, Key=key, Body=data, **extra)
        return ObjectInfo(
            key=key, size=len(data), etag=str(answer.get("ETag", "")).strip('"'), content_type=content_type
        )

    def put_file(self, key: str, fileobj: BinaryIO, content_type: str | None = None) -> None:
        extra: dict[str, Any] = dict(sse_args(self.options))
        if content_type:
            extra["ContentType"] = content_type
        try:
            self.client.upload_fileobj(fileobj, self.bucket, key, ExtraArgs=extra, Config=self._transfer)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"S3 upload {self.bucket}/{key}: {exc}") from exc

    def open_writer(self, key: str, content_type: str | None = None) -> ObjectWriter:
        return S3MultipartWriter(self, key, content_type)

    def open(self, key: str, byte_range: tuple[int, int | None] | None = None) -> ObjectReader:
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if byte_range is not None:
            start, end = byte_range
            kwargs["Range"] = f"bytes={start}-{'' if end is None else end}"
        answer = self.call("get_object", **kwargs)
        length = int(answer["ContentLength"])
        total = length
        start = 0
        if "ContentRange" in answer:  # "bytes 0-99/1234"
            span, _, whole = str(answer["ContentRange"]).removeprefix("bytes ").partition("/")
            start = int(span.split("-")[0])
            total = int(whole) if whole.isdigit() else length
        info = ObjectInfo(
            key=key,
            size=total,
            etag=str(answer.get("ETag", "")).strip('"'),
            content_type=answer.get("ContentType"),
            last_modified=answer.get("LastModified"),
        )
        return _S3Reader(info, answer["Body"], start, start + length - 1)

    def get(self, key: str) -> bytes:
        if self._fast is not None:
            return self._fast.get(self.bucket, key)
        answer = self.call("get_object", Bucket=self.bucket, Key=key)
        try:
            return bytes(answer["Body"].read())
        finally:
            answer["Body"].close()

    def read_head(self, key: str, length: int) -> bytes:
        if self._fast is not None:
            return self._fast.get_head(self.bucket, key, length)
        try:
            return super().read_head(key, length)
        except StorageError as exc:
            if "InvalidRange" in str(exc):  # an empty object has no first bytes
                return b""
            raise

    def head(self, key: str) -> ObjectInfo | None:
        try:
            answer = self.call("head_object", Bucket=self.bucket, Key=key)
        except ObjectNotFound:
            return None
        return ObjectInfo(
            key=key,
            size=int(answer["ContentLength"]),
            etag=str(answer.get("ETag", "")).strip('"'),
            content_type=answer.get("ContentType"),
            last_modified=answer.get("LastModified"),
        )

    def delete(self, key: str) -> None:
        self.call("delete_object", Bucket=self.bucket, Key=key)

    def list(self, prefix: str = "", start_after: str | None = None) -> Iterator[ObjectInfo]:
        if self._fast is not None:
            token: str | None = None
            while True:
                page, token = self._fast.list_page(self.bucket, prefix, token=token, start_after=start_after)
                yield from page
                if token is None:
                    return
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix, "MaxKeys": 1000}
        if start_after:
            kwargs["StartAfter"] = start_after
        while True:
            page = self.call("list_objects_v2", **kwargs)
            for item in page.get("Contents", []):
                yield ObjectInfo(
                    key=item["Key"],
                    size=int(item["Size"]),
                    etag=str(item.get("ETag", "")).strip('"'),
                    last_modified=item.get("LastModified"),
                )
            if not page.get("IsTruncated"):
                return
            kwargs.pop("StartAfter", None)
            kwargs["ContinuationToken"] = page["NextContinuationToken"]

    def _client_for(self, public_endpoint: str | None) -> Any:
        if not public_endpoint:
            return self.client
        with self._lock:
            client = self._public_clients.get(public_endpoint)
            if client is None:
                client = make_client(self.options, endpoint=public_endpoint)
                self._public_clients[public_endpoint] = client
            return client

    def presign_get(
        self,
        key: str,
        *,
        expires_in: int,
        public_endpoint: str | None = None,
        download_name: str | None = None,
    ) -> str:
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if download_name:
            params["ResponseContentDisposition"] = f"attachment; filename*=UTF-8''{quote(download_name)}"
        url = self._client_for(public_endpoint).generate_presigned_url(
            "get_object", Params=params, ExpiresIn=expires_in
        )
        return str(url)
