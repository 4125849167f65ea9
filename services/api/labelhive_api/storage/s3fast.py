"""Whole-object GETs, ranged reads of an object's first bytes, listings and small PUTs without boto3's
per-request machinery: requests signed by `sigv4` (the signature botocore computes) on `http1` connections.

An export reads hundreds of thousands of small images, an import by reference the first bytes of as many;
boto3 spends most of each GET in Python (events, parsing, checksums), which halves the read rate on a small
machine. Retries keep the same policy:
exponential backoff with jitter on 5xx, throttling and connection errors.
"""

from __future__ import annotations

import hashlib
import random
import time
from datetime import datetime
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree

from labelhive_api.storage.base import ObjectInfo, ObjectNotFound, StorageError
from labelhive_api.storage.http1 import ConnectionPool
from labelhive_api.storage.sigv4 import EMPTY_SHA256, Signer, host_header

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


class FastGetter:
    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        region: str,
        *,
        max_attempts: int = 6,
        pool_size: int = 64,
    ) -> None:
        self._path = urlsplit(endpoint).path.rstrip("/")  # an endpoint may sit under a path
        self._signer = Signer(access_key, secret_key, region, host_header(endpoint))
        self._max_attempts = max_attempts
        self._pool = ConnectionPool(endpoint, maxsize=pool_size, connect_timeout=10.0, read_timeout=60.0)

    def get(self, bucket: str, key: str) -> bytes:
        return self._request("GET", bucket, key, None, {})[1]

    def get_head(self, bucket: str, key: str, length: int) -> bytes:
        """The object's first `length` bytes (fewer when it is shorter; b"" when it is empty)."""
        return self._request("GET", bucket, key, None, {"Range": f"bytes=0-{length - 1}"})[1]

    def list_page(
        self, bucket: str, prefix: str, *, token: str | None = None, start_after: str | None = None
    ) -> tuple[list[ObjectInfo], str | None]:
        """One page (up to 1,000 keys in key order) of ListObjectsV2; the continuation token of the next page,
        None after the last one. ElementTree reads the XML in C, where botocore's parser spends ~0.1 ms of
        Python per key (mostly on LastModified)."""
        query = {"list-type": "2", "max-keys": "1000", "prefix": prefix}
        if token:
            query["continuation-token"] = token
        elif start_after:
            query["start-after"] = start_after
        # SigV4 signs the query string as sent: keys sorted, values encoded as AWS does (RFC 3986).
        encoded = "&".join(f"{k}={quote(v, safe='-_.~')}" for k, v in sorted(query.items()))
        body = self._request("GET", bucket, "", None, {}, encoded)[1]
        if b"<!DOCTYPE" in body or b"<!ENTITY" in body:  # a listing never has them: no entity expansion
            raise StorageError(f"S3 list {bucket}/{prefix}: the answer is not a listing")
        root = ElementTree.fromstring(body)  # noqa: S314 - no DTD (above); the C parser: ~10x defusedxml's
        page: list[ObjectInfo] = []
        for item in root.iter(f"{_NS}Contents"):
            modified = item.findtext(f"{_NS}LastModified")
            page.append(
                ObjectInfo(
                    key=item.findtext(f"{_NS}Key") or "",
                    size=int(item.findtext(f"{_NS}Size") or 0),
                    etag=(item.findtext(f"{_NS}ETag") or "").strip('"'),
                    last_modified=datetime.fromisoformat(modified) if modified else None,
                )
            )
        truncated = root.findtext(f"{_NS}IsTruncated") == "true"
        return page, (root.findtext(f"{_NS}NextContinuationToken") if truncated else None)

    def put(self, bucket: str, key: str, data: bytes, headers: dict[str, str]) -> str:
        """Returns the ETag."""
        answer_headers, _body = self._request("PUT", bucket, key, data, headers)
        return answer_headers.get("etag", "").strip('"')

    def _request(
        self,
        method: str,
        bucket: str,
        key: str,
        data: bytes | None,
        headers: dict[str, str],
        query: str = "",
    ) -> tuple[dict[str, str], bytes]:
        path = f"{self._path}/{bucket}/{quote(key, safe='/~')}" if key else f"{self._path}/{bucket}"
        payload = hashlib.sha256(data).hexdigest() if data is not None else EMPTY_SHA256
        problem = ""
        for attempt in range(self._max_attempts):
            if attempt:
                time.sleep(min(20.0, 0.1 * 2**attempt) * random.uniform(0.5, 1.0))
            signed = self._signer.headers(method, path, query, headers, payload)
            try:
                answer = self._pool.request(method, f"{path}?{query}" if query else path, signed, data)
            except OSError as exc:
                problem = f"{type(exc).__name__}: {exc}"
                continue
            if answer.status == 200 or (answer.status == 206 and "Range" in headers):
                return answer.headers, answer.body
            if answer.status == 404 and method == "GET":
                raise ObjectNotFound(bucket, key)
            if answer.status == 416 and "Range" in headers:  # an empty object has no first bytes
                return answer.headers, b""
            body = answer.body[:300]
            problem = f"HTTP {answer.status}: {body.decode(errors='replace')}"
            if answer.status not in RETRY_STATUS and b"SlowDown" not in body:
                break
        raise StorageError(f"S3 {method} {bucket}/{key}: {problem}")
