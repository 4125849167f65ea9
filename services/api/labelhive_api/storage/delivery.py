"""Image and download URLs for the network a request came from.

SigV4 signs the Host header, so a URL presigned for `http://10.0.0.5:8333` cannot be fetched
through `https://s3.example.com`. Each request therefore gets URLs signed for the public
endpoint that matches its origin. In `proxy` mode (or on the local backend) URLs point at the
API itself, relative, signed with the deployment's secret, so they work from every host name.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from labelhive_api.storage.config import Storage
from labelhive_api.storage.keys import asset_key
from labelhive_api.storage.thumbnails import ensure_thumbnail

MEDIA_PREFIX = "/api/v1/media"
STORES = ("source", "target")


@dataclass(frozen=True)
class RequestOrigin:
    """Where the browser reached us: host name (maybe with port) and scheme."""

    host: str
    scheme: str | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> list[RequestOrigin]:
        """Candidates in order of trust: X-Forwarded-Host (set by our ingress), Origin, Host."""
        lower = {k.lower(): v for k, v in headers.items()}
        proto = (lower.get("x-forwarded-proto") or "").split(",")[0].strip() or None
        found: list[RequestOrigin] = []
        if forwarded := lower.get("x-forwarded-host"):
            found.append(cls(forwarded.split(",")[0].strip(), proto))
        if (origin := lower.get("origin")) and origin != "null":
            parts = urlsplit(origin)
            if parts.netloc:
                found.append(cls(parts.netloc, parts.scheme))
        if host := lower.get("host"):
            found.append(cls(host.strip(), proto))
        return found


def _hostname(netloc: str) -> str:
    return (urlsplit(f"//{netloc}").hostname or "").lower()


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def _affinity(request_host: str, endpoint_host: str) -> int:
    """How surely an endpoint is on the request's network: 0 means no evidence."""
    if not request_host or not endpoint_host:
        return 0
    if request_host == endpoint_host:
        return 1000
    a, b = _ip(request_host), _ip(endpoint_host)
    if a is not None and b is not None:
        if a.version != b.version or a.is_loopback != b.is_loopback:
            return 0
        common = 0
        for x, y in zip(a.packed, b.packed, strict=True):
            if x != y:
                break
            common += 1
        return 10 * common if common >= 2 else 0
    if a is None and b is None:
        left, right = request_host.split(".")[::-1], endpoint_host.split(".")[::-1]
        common = 0
        for label_a, label_b in zip(left, right, strict=False):
            if label_a != label_b:
                break
            common += 1
        return 10 * common if common >= 2 else 0  # same registrable domain at least
    return 0


def pick_public_endpoint(endpoints: tuple[str, ...], origins: list[RequestOrigin]) -> str | None:
    """The public endpoint on the same network as the first origin that matches any; else the first."""
    if not endpoints:
        return None
    for origin in origins:
        host = _hostname(origin.host)
        best, best_score = None, 0
        for endpoint in endpoints:
            parts = urlsplit(endpoint)
            score = _affinity(host, (parts.hostname or "").lower())
            if score and origin.scheme and parts.scheme == origin.scheme:
                score += 1
            if score > best_score:
                best, best_score = endpoint, score
        if best is not None:
            return best
    return endpoints[0]


class MediaSigner:
    """HMAC-signed, expiring API URLs for objects (proxy mode, local backend, downloads)."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    def _mac(self, store: str, key: str, expires: int, download_name: str) -> str:
        message = f"{store}\n{key}\n{expires}\n{download_name}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def url(self, store: str, key: str, ttl: int, download_name: str | None = None) -> str:
        expires = int(time.time()) + ttl
        query = {"exp": str(expires), "sig": self._mac(store, key, expires, download_name or "")}
        if download_name:
            query["dl"] = download_name
        return f"{MEDIA_PREFIX}/{store}/{quote(key)}?{urlencode(query)}"

    def verify(self, store: str, key: str, expires: int, signature: str, download_name: str | None) -> bool:
        if expires < time.time():
            return False
        return hmac.compare_digest(self._mac(store, key, expires, download_name or ""), signature)


class ImageDelivery:
    def __init__(self, storage: Storage, secret: str) -> None:
        self.storage = storage
        self.signer = MediaSigner(secret)

    @property
    def proxied(self) -> bool:
        return self.storage.config.image_delivery == "proxy" or self.storage.config.backend == "local"

    def object_url(
        self,
        store: str,
        key: str,
        headers: Mapping[str, str],
        *,
        download_name: str | None = None,
        ttl: int | None = None,
        force_presign: bool = False,
    ) -> str:
        ttl = ttl or self.storage.config.url_ttl_seconds
        bucket = self.storage.source if store == "source" else self.storage.target
        if force_presign or not self.proxied:
            endpoint = pick_public_endpoint(
                self.storage.config.s3_public_endpoints, RequestOrigin.from_headers(headers)
            )
            url = bucket.presign_get(
                key, expires_in=ttl, public_endpoint=endpoint, download_name=download_name
            )
            if url is not None:
                return url
        return self.signer.url(store, key, ttl, download_name)

    def reference_url(self, image: str, headers: Mapping[str, str]) -> str:
        """A task imported by reference: an http(s) URL as it is; a key of the source bucket or an
        `s3://bucket/key` of an allowed import bucket signed like the project's own images."""
        if image.startswith(("http://", "https://")):
            return image
        if image.startswith("s3://"):
            try:
                store, key = self.storage.imports.object_store(image)
            except ValueError:
                return image
            endpoint = pick_public_endpoint(
                self.storage.config.s3_public_endpoints, RequestOrigin.from_headers(headers)
            )
            url = store.presign_get(
                key, expires_in=self.storage.config.url_ttl_seconds, public_endpoint=endpoint
            )
            return url or image
        return self.object_url("source", image, headers)

    def image_url(self, sha256: str, headers: Mapping[str, str]) -> str:
        return self.object_url("source", asset_key(sha256), headers)

    def thumbnail_url(self, sha256: str, headers: Mapping[str, str], size: int = 256) -> str:
        return self.object_url("target", ensure_thumbnail(self.storage, sha256, size), headers)

    def download_url(self, key: str, filename: str, headers: Mapping[str, str], ttl: int = 3600) -> str:
        """Exports: presigned for the requester's network whenever the backend can presign."""
        return self.object_url("target", key, headers, download_name=filename, ttl=ttl, force_presign=True)
