"""The log as it stood at a position: what every document is drawn from.

A document names one log position. Records (a meeting, a resolution, the organisation's
register) are folded from their events up to that position: the chain table
(`chibo_chain`, written in the same transaction as the events) says which version of a
record stood there. The read models only say *which* records to look at (a cell's
meetings, a meeting's resolutions); they are read in the same transaction as their own
position, and the position chosen is never past them, so a later reading finds the same
records and nothing newer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from domain.aggregate import Aggregate
from domain.application import ChiboApplication
from projections.store import Cursor, ReadStore, Row, Writer
from projections.tracking import get_positions

A = TypeVar("A", bound=Aggregate)


class Snapshot(ReadStore):
    """One read transaction seen as a store: every query sees the same moment (REPEATABLE
    READ on PostgreSQL; SQLite's transaction holds its snapshot already)."""

    def __init__(self, cursor: Cursor, backend: Any) -> None:
        self._cursor = cursor
        self.backend = backend

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        yield self._cursor

    def close(self) -> None:
        """The owner of the transaction closes it."""

    @contextmanager
    def writing(self, *, durable: bool = True) -> Iterator[Writer]:
        raise TypeError("a snapshot only reads")
        yield  # pragma: no cover


@contextmanager
def snapshot(store: ReadStore) -> Iterator[Snapshot]:
    with store.transaction() as cur:
        if store.backend == "postgres":
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield Snapshot(cur, store.backend)


def positions(view: ReadStore, names: Sequence[str]) -> dict[str, int]:
    with view.transaction() as cur:
        return get_positions(cur, list(names))


def chain_hash_at(view: ReadStore, position: int) -> str | None:
    rows = view.query("SELECT chain_hash FROM chibo_chain WHERE position = %s", (position,))
    return bytes(rows[0][0]).hex() if rows else None


def version_at(view: ReadStore, record: Any, position: int) -> tuple[int, int] | None:
    """(version, position of its first event) of the record as it stood at `position`;
    None when it did not exist yet."""
    rows: list[Row] = view.query(
        "SELECT MAX(originator_version), MIN(position) FROM chibo_chain"
        " WHERE originator_id = %s AND position <= %s",
        (record.hex, position),
    )
    if not rows or rows[0][0] is None:
        return None
    return int(rows[0][0]), int(rows[0][1])


def record_at(
    app: ChiboApplication, view: ReadStore, cls: type[A], key: str, position: int
) -> A | None:
    """The record `key` of `cls` as it stood at log `position` (None if not yet made)."""
    agg_id = cls.id_for(key)  # type: ignore[attr-defined]
    found = version_at(view, agg_id, position)
    if found is None:
        return None
    record: A = app.repository.get(agg_id, version=found[0])
    return record


def created_at(view: ReadStore, cls: type[Aggregate], key: str) -> int:
    """The log position of the record's first event (orders records made the same day)."""
    agg_id = cls.id_for(key)  # type: ignore[attr-defined]
    rows = view.query(
        "SELECT position FROM chibo_chain WHERE originator_id = %s AND originator_version = 1",
        (agg_id.hex,),
    )
    return int(rows[0][0]) if rows else 0
