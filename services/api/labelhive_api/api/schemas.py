"""Base classes for request and response bodies."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class RequestBody(BaseModel):
    """Unknown fields are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class ResponseBody(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(ResponseBody, Generic[T]):
    """Keyset page: pass `next_cursor` back as `cursor` for the next one (null: no more)."""

    items: list[T]
    next_cursor: str | None = None
