"""Image URLs signed for the network each request came from; proxy-mode signed API URLs; thumbnails."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from dataset_files import jpeg, png, s3_config
from labelhive_api.storage.assets import AssetStore
from labelhive_api.storage.config import build_storage
from labelhive_api.storage.delivery import ImageDelivery, RequestOrigin, pick_public_endpoint
from PIL import Image


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.status == 200
        return bytes(answer.read())


def test_endpoint_matches_the_request_network():
    endpoints = ("https://s3.factory-a.example.com", "http://10.0.0.5:8333")
    pick = lambda **h: pick_public_endpoint(endpoints, RequestOrigin.from_headers(h))  # noqa: E731
    assert pick(host="10.0.0.5:8080") == "http://10.0.0.5:8333"
    assert pick(host="10.0.0.7:8080") == "http://10.0.0.5:8333"  # same subnet
    assert pick(host="labeling.factory-a.example.com") == "https://s3.factory-a.example.com"
    assert pick(host="api:8080", **{"x-forwarded-host": "labeling.factory-a.example.com"}) == endpoints[0]
    assert pick(host="api:8080", origin="http://10.0.0.5:8080") == "http://10.0.0.5:8333"
    assert pick(host="unknown.test") == endpoints[0]  # no evidence: the first one
    assert pick_public_endpoint((), RequestOrigin.from_headers({"host": "x"})) is None


def test_two_host_names_get_urls_signed_for_two_endpoints_and_both_load(s3):
    port = urlsplit(s3.endpoint).port
    by_ip, by_name = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
    storage = build_storage(s3_config(s3, s3_public_endpoints=(by_ip, by_name)))
    storage.ensure_buckets()
    image = png(50, 40)
    stored = AssetStore(storage.source).store_bytes(image)
    delivery = ImageDelivery(storage, secret="test-secret")

    url_ip = delivery.image_url(stored.sha256, {"host": "127.0.0.1:8080"})
    url_name = delivery.image_url(stored.sha256, {"host": "localhost:8080"})
    assert url_ip.startswith(by_ip + "/") and url_name.startswith(by_name + "/")
    assert fetch(url_ip) == image
    assert fetch(url_name) == image
    # SigV4 signs the Host: a URL signed for one network's endpoint fails on the other's.
    with pytest.raises(urllib.error.HTTPError) as refused:
        fetch(url_ip.replace(by_ip, by_name))
    assert refused.value.code == 403


def test_proxy_mode_and_local_backend_give_signed_relative_api_urls(s3, local_storage):
    storage = build_storage(s3_config(s3, image_delivery="proxy"))
    for deployment in (storage, local_storage):
        deployment.ensure_buckets()
        stored = AssetStore(deployment.source).store_bytes(png())
        delivery = ImageDelivery(deployment, secret="k")
        url = delivery.image_url(stored.sha256, {"host": "10.0.0.5:8080"})
        assert url.startswith("/api/v1/media/source/assets/sha256/")
        query = dict(part.split("=", 1) for part in urlsplit(url).query.split("&"))
        key = urlsplit(url).path.removeprefix("/api/v1/media/source/")
        assert delivery.signer.verify("source", key, int(query["exp"]), query["sig"], None)
        assert not delivery.signer.verify("source", key + "x", int(query["exp"]), query["sig"], None)
        assert not delivery.signer.verify("source", key, int(query["exp"]) - 10_000, query["sig"], None)


def test_thumbnail_is_generated_once_and_cached_in_the_target_bucket(storage):
    stored = AssetStore(storage.source).store_bytes(jpeg(800, 600))
    delivery = ImageDelivery(storage, secret="k")
    delivery.thumbnail_url(stored.sha256, {"host": "127.0.0.1"})
    keys = [o.key for o in storage.target.list("thumbnails/")]
    assert keys == [f"thumbnails/256/{stored.sha256[:2]}/{stored.sha256}.jpg"]
    first = storage.target.head(keys[0])
    delivery.thumbnail_url(stored.sha256, {"host": "127.0.0.1"})
    assert storage.target.head(keys[0]) == first
    with Image.open(io.BytesIO(storage.target.get(keys[0]))) as thumb:
        assert max(thumb.size) == 256 and thumb.format == "JPEG"
