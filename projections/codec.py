"""Column values shared by every read model: JSON text, ISO dates, 0/1 booleans.

Both backends store these the same way, so queries and comparisons match exactly.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson


def to_json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def list_json(values: list[str]) -> str:
    """`to_json` of a list of strings, sooner (no keys to sort; often empty)."""
    return orjson.dumps(values).decode() if values else "[]"


def from_json(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


def iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def as_date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)
