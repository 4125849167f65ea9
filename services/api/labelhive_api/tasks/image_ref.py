"""How pre-label and exemplar messages name a task's image (the `image` object of prelabel-task.v1)."""

from __future__ import annotations

from typing import Any

from labelhive_api.tasks.models import Task


def image_ref(task: Task) -> dict[str, Any]:
    """Where the worker reads a task's image (prelabel-task.v1 image)."""
    image: dict[str, Any] = {"sha256": task.asset_sha256 or ""}
    if task.image.startswith(("http://", "https://")):
        image["url"] = task.image
    else:
        image["key"] = task.image
    if task.width:
        image["width"] = task.width
    if task.height:
        image["height"] = task.height
    return image
