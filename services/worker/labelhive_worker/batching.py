"""Batching image embeddings across the job items in flight: one encoder forward pass for several images.

With LABELHIVE_BATCH_SIZE=N the worker runs N job threads (prefetch 1 each, so at most N unacknowledged
messages); each thread hands its image to this batcher, which waits a few milliseconds for the others and
runs them through the encoder together (SAM pads every image to 1024 x 1024, so any sizes stack). On a GPU
that keeps the device busy while the threads download and post; on CPU the default N=1 skips all this.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future

import numpy as np

from labelhive_worker.model_interface import Embedding, SegmentationModel


class EmbeddingBatcher:
    def __init__(self, model: SegmentationModel, max_batch: int = 1, window_s: float = 0.05) -> None:
        self.model = model
        self.max_batch = max(1, max_batch)
        self.window_s = window_s
        self.batches: list[int] = []  # sizes of the forward passes run (recent ones), for tests and logs
        self._queue: queue.Queue[tuple[np.ndarray, Future[Embedding]]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def embed(self, rgb: np.ndarray) -> Embedding:
        if self.max_batch == 1:
            self.batches = [*self.batches[-99:], 1]
            return self.model.embed(rgb)
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="labelhive-embed-batcher", daemon=True
                )
                self._thread.start()
        future: Future[Embedding] = Future()
        self._queue.put((rgb, future))
        return future.result()

    def _loop(self) -> None:
        while True:
            items = [self._queue.get()]
            deadline = time.monotonic() + self.window_s
            while len(items) < self.max_batch:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    items.append(self._queue.get(timeout=remaining))
                except queue.Empty:
                    break
            try:
                embeddings = self.model.embed_batch([rgb for rgb, _ in items])
            except Exception as exc:  # noqa: BLE001 - handed to every waiting job, which fails with it
                for _, future in items:
                    future.set_exception(exc)
                continue
            self.batches = [*self.batches[-99:], len(items)]
            for (_, future), embedding in zip(items, embeddings, strict=True):
                future.set_result(embedding)
