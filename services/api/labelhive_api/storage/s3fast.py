"""Whole-object GETs and small PUTs without boto3's per-request machinery: signed urllib3 requests
(botocore's SigV4).

An export reads hundreds of thousands of small images; boto3 spends most of each GET in Python (events,
parsing, checksums), which halves the read rate on a small machine. Retries keep the same policy:
exponential backoff with jitter on 5xx, throttling and connection errors.
"""

from __future__ import annotations

import random
import time
from urllib.parse import quote

import urllib3
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from labelhive_api.storage.base import ObjectNotFound, StorageError

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


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
        self._base = endpoint.rstrip("/")
        self._credentials = Credentials(access_key, secret_key)
        self._region = region
        self._max_attempts = max_attempts
        self._pool = urllib3.PoolManager(
            maxsize=pool_size, block=False, retries=False, timeout=urllib3.Timeout(connect=10.0, read=60.0)
        )

    def get(self, bucket: str, key: str) -> bytes:
        return self._request("GET", bucket, key, None, {})[1]

    def put(self, bucket: str, key: str, data: bytes, headers: dict[str, str]) -> str:
        """Returns the ETag."""
        answer_headers, _body = self._request("PUT", bucket, key, data, headers)
        return answer_headers.get("ETag", "").strip('"')

    def _request(
        self, method: str, bucket: str, key: str, data: bytes | None, headers: dict[str, str]
    ) -> tuple[dict[str, str], bytes]:
        url = f"{self._base}/{bucket}/{quote(key, safe='/~')}"
        problem = ""
        for attempt in range(self._max_attempts):
            if attempt:
                time.sleep(min(20.0, 0.1 * 2**attempt) * random.uniform(0.5, 1.0))
            request = AWSRequest(method=method, url=url, data=data, headers=dict(headers))
            S3SigV4Auth(self._credentials, "s3", self._region).add_auth(request)
            try:
                answer = self._pool.request(method, url, body=data, headers=dict(request.headers.items()))
            except urllib3.exceptions.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
                continue
            if answer.status == 200:
                return dict(answer.headers.items()), bytes(answer.data)
            if answer.status == 404 and method == "GET":
                raise ObjectNotFound(bucket, key)
            body = bytes(answer.data[:300])
            problem = f"HTTP {answer.status}: {body.decode(errors='replace')}"
            if answer.status not in RETRY_STATUS and b"SlowDown" not in body:
                break
        raise StorageError(f"S3 {method} {bucket}/{key}: {problem}")
