"""Object storage: one interface (ObjectStore), an S3 backend and a local-folder backend.

Source bucket: images, content-addressed (`assets/sha256/<2 hex>/<64 hex>`).
Target bucket: exports, import staging, thumbnails and other caches.
"""

from labelhive_api.storage.base import (
    ObjectInfo,
    ObjectNotFound,
    ObjectReader,
    ObjectStore,
    ObjectWriter,
    StorageError,
)
from labelhive_api.storage.config import StorageConfig, build_storage
from labelhive_api.storage.keys import asset_key, is_sha256

__all__ = [
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectReader",
    "ObjectStore",
    "ObjectWriter",
    "StorageConfig",
    "StorageError",
    "asset_key",
    "build_storage",
    "is_sha256",
]
