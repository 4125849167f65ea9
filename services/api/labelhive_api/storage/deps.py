"""The app's storage and image delivery, as route dependencies (built by `background.py` at start-up)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from labelhive_api.storage.config import Storage
from labelhive_api.storage.delivery import ImageDelivery


def get_storage(request: Request) -> Storage:
    return request.app.state.storage


def get_delivery(request: Request) -> ImageDelivery:
    return request.app.state.delivery


DeliveryDep = Annotated[ImageDelivery, Depends(get_delivery)]
StorageDep = Annotated[Storage, Depends(get_storage)]
