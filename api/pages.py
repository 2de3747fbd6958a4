"""Every list answer: `{"items": [...], "next_cursor": ...}`, `?limit=` (1–1000, default
100) and an opaque `?cursor=` (`next_cursor` is null on the last page)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from api.problems import ProblemError

T = TypeVar("T")

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

Limit = Annotated[
    int,
    Query(ge=1, le=MAX_LIMIT, description=f"items per page (1–{MAX_LIMIT})"),
]
Cursor = Annotated[
    str | None,
    Query(max_length=64, description="`next_cursor` of the previous page (opaque)"),
]


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `?cursor=` for the next page; null on the last page.",
        examples=[None, "bzoxMDA"],
    )


def encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode(cursor: str | None) -> int:
    """The offset a cursor stands for (422 naming `cursor` when it is not one of ours)."""
    if cursor is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    kind, _, number = text.partition(":")
    if kind != "o" or not number.isdigit():
        raise ProblemError(
            422,
            "trường không hợp lệ (invalid field) cursor: không phải con trỏ trang (not a cursor)",
        )
    return int(number)


def window(total: int, limit: int, cursor: str | None) -> tuple[int, int, str | None]:
    """(start, stop, next_cursor) of the page of `total` items the cursor asks for."""
    start = min(decode(cursor), total)
    stop = min(start + limit, total)
    return start, stop, encode(stop) if stop < total else None


def page(items: Sequence[T], limit: int, cursor: str | None) -> Page[T]:
    start, stop, following = window(len(items), limit, cursor)
    return Page[T](items=list(items[start:stop]), next_cursor=following)
