"""Base classes for request and response bodies."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from fastapi import Response
from pydantic import BaseModel, ConfigDict
from pydantic_core import to_json

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


def json_response(body: BaseModel, status_code: int = 200) -> Response:
    """A body already built from trusted data, serialised once. Returning a model instead makes FastAPI
    validate it again in a worker thread; routes that do this declare `response_model` for the docs."""
    return Response(body.model_dump_json(), status_code=status_code, media_type="application/json")


def json_document(body: dict[str, Any], status_code: int = 200) -> Response:
    """`json_response` for a plain document (routes declaring `response_model=dict[str, Any]`)."""
    return Response(to_json(body), status_code=status_code, media_type="application/json")
