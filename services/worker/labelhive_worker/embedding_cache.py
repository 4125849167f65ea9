"""Image embeddings cached per model and image: in memory (a few, LRU) and in the target bucket (compressed).

Key: embeddings/<model>/<sha256> in LABELHIVE_S3_TARGET_BUCKET; body: a compressed .npz with float16
features (~1.5 MB instead of 4 MB) and the sizes; a different checkpoint (model_version) is a miss.
"""

from __future__ import annotations

import io
import logging
import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from labelhive_worker.model_interface import Embedding

log = logging.getLogger(__name__)


def cache_key(model: str, sha256: str) -> str:
    return f"embeddings/{model}/{sha256}"


def dumps(embedding: Embedding) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        features=embedding.features.astype(np.float16),
        original_size=np.array(embedding.original_size, dtype=np.int64),
        input_size=np.array(embedding.input_size, dtype=np.int64),
        model_version=np.array(embedding.model_version),
    )
    return buf.getvalue()


def loads(data: bytes) -> Embedding:
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        original = npz["original_size"].tolist()
        inp = npz["input_size"].tolist()
        return Embedding(
            features=npz["features"].astype(np.float32),
            original_size=(int(original[0]), int(original[1])),
            input_size=(int(inp[0]), int(inp[1])),
            model_version=str(npz["model_version"]),
        )


class EmbeddingCache:
    def __init__(
        self, s3: Any | None, bucket: str | None, model: str, model_version: str, memory_items: int = 16
    ) -> None:
        self._s3 = s3 if bucket else None
        self.bucket = bucket
        self._model = model
        self._model_version = model_version
        self._memory: OrderedDict[str, Embedding] = OrderedDict()
        self._memory_items = memory_items
        self._lock = threading.Lock()

    def key(self, sha256: str) -> str:
        return cache_key(self._model, sha256)

    def get(self, sha256: str) -> tuple[Embedding | None, str]:
        """The cached embedding and where it came from: 'memory', 'bucket' or 'miss'."""
        with self._lock:
            if (hit := self._memory.get(sha256)) is not None:
                self._memory.move_to_end(sha256)
                return hit, "memory"
        if self._s3 is None:
            return None, "miss"
        try:
            body = self._s3.get_object(Bucket=self.bucket, Key=self.key(sha256))["Body"].read()
            embedding = loads(body)
        except Exception as exc:  # noqa: BLE001 - a missing or unreadable cache entry is a miss
            if "NoSuchKey" not in repr(exc) and "404" not in repr(exc):
                log.warning("embedding cache read s3://%s/%s failed: %s", self.bucket, self.key(sha256), exc)
            return None, "miss"
        if embedding.model_version != self._model_version:
            return None, "miss"
        self._remember(sha256, embedding)
        return embedding, "bucket"

    def put(self, sha256: str, embedding: Embedding) -> bool:
        self._remember(sha256, embedding)
        if self._s3 is None:
            return False
        try:
            self._s3.put_object(
                Bucket=self.bucket,
                Key=self.key(sha256),
                Body=dumps(embedding),
                ContentType="application/x-npz",
            )
        except Exception as exc:  # noqa: BLE001 - the cache is an optimisation: the job goes on without it
            log.warning("embedding cache write s3://%s/%s failed: %s", self.bucket, self.key(sha256), exc)
            return False
        return True

    def _remember(self, sha256: str, embedding: Embedding) -> None:
        with self._lock:
            self._memory[sha256] = embedding
            self._memory.move_to_end(sha256)
            while len(self._memory) > self._memory_items:
                self._memory.popitem(last=False)
