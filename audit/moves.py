"""Moves: the record, in both partitions' stores, of an organisation's history copied
from one partition's log to another's (`workers/moving.py`).

In the target a move is a range of its log, `first`…`last`, that is copied history:
the events were news in the source (its notices went out from there), so the target's
dispatcher only restarts the duties they steer (`workflows/dispatcher.py`). While a copy
is under way its row has no range yet and `after` is the target's head before it began:
the dispatcher goes no further than `after` until the range is known.

In the source the row says where the organisation went, from which head of its chain.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from projections.store import Cursor, ReadStore

DDL = (
    "CREATE TABLE IF NOT EXISTS chibo_moves ("
    " organisation TEXT NOT NULL, direction TEXT NOT NULL, partition TEXT NOT NULL,"
    " source_head BIGINT NOT NULL, source_hash TEXT NOT NULL, after BIGINT NOT NULL,"
    " first BIGINT, last BIGINT, events INTEGER NOT NULL DEFAULT 0, moved_at TEXT NOT NULL,"
    " PRIMARY KEY (organisation, direction, moved_at))",
)
"""Created by `chibo db init` with every other table, and by a move itself (a store made
before moves existed gets it then)."""


class Move(NamedTuple):
    organisation: str
    direction: str
    """"in" (this store received the history) or "out" (it gave it)."""
    partition: str
    """The other partition: where it came from, or where it went."""
    source_head: int
    source_hash: str
    after: int
    first: int | None
    last: int | None
    events: int
    moved_at: str


def ensure_table(cur: Cursor) -> None:
    for statement in DDL:
        cur.execute(statement)


def begin_move_in(
    cur: Cursor, organisation: str, source: str, head: int, chain_hash: str, after: int
) -> str:
    """A copy into this store is starting after position `after`; returns its moment."""
    ensure_table(cur)
    moved_at = datetime.now(UTC).isoformat()
    cur.execute(
        "INSERT INTO chibo_moves (organisation, direction, partition, source_head,"
        " source_hash, after, moved_at) VALUES (%s, 'in', %s, %s, %s, %s, %s)",
        (organisation, source, head, chain_hash, after, moved_at),
    )
    return moved_at


def finish_move_in(cur: Cursor, organisation: str, moved_at: str, first: int, last: int) -> None:
    cur.execute(
        "UPDATE chibo_moves SET first = %s, last = %s, events = %s"
        " WHERE organisation = %s AND direction = 'in' AND moved_at = %s",
        (first, last, last - first + 1, organisation, moved_at),
    )


def abandon_move_in(cur: Cursor, organisation: str, moved_at: str) -> None:
    """The copy did not happen (its transaction rolled back): nothing to mark."""
    cur.execute(
        "DELETE FROM chibo_moves WHERE organisation = %s AND direction = 'in'"
        " AND moved_at = %s AND first IS NULL",
        (organisation, moved_at),
    )


def clear_unfinished(cur: Cursor, organisation: str) -> None:
    """Forgets copies into this store that never finished (their transaction rolled
    back with the process that ran it)."""
    ensure_table(cur)
    cur.execute(
        "DELETE FROM chibo_moves WHERE organisation = %s AND direction = 'in' AND first IS NULL",
        (organisation,),
    )


def record_move_out(cur: Cursor, move: Move) -> None:
    ensure_table(cur)
    cur.execute(
        "INSERT INTO chibo_moves (organisation, direction, partition, source_head,"
        " source_hash, after, first, last, events, moved_at)"
        " VALUES (%s, 'out', %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            move.organisation,
            move.partition,
            move.source_head,
            move.source_hash,
            move.after,
            move.first,
            move.last,
            move.events,
            move.moved_at,
        ),
    )


def moves(store: ReadStore) -> list[Move]:
    """Every move this store took part in, oldest first (none if it never did)."""
    with store.transaction() as cur:
        return _moves(cur, store.backend)


def _moves(cur: Cursor, backend: str) -> list[Move]:
    if not _has_table(cur, backend):
        return []
    cur.execute(
        "SELECT organisation, direction, partition, source_head, source_hash, after,"
        " first, last, events, moved_at FROM chibo_moves ORDER BY moved_at"
    )
    return [Move(*row) for row in cur.fetchall()]


def _has_table(cur: Cursor, backend: str) -> bool:
    if backend == "sqlite":
        cur.execute("SELECT 1 FROM sqlite_master WHERE name = 'chibo_moves'")
    else:
        cur.execute("SELECT to_regclass('chibo_moves') IS NOT NULL")
        row = cur.fetchone()
        return bool(row and row[0])
    return cur.fetchone() is not None


class History(NamedTuple):
    """What a dispatcher needs to know of the moves into its store."""

    ranges: tuple[tuple[int, int], ...]
    """Positions of copied history (first, last), inclusive."""
    hold_after: int | None
    """A copy is under way after this position: go no further (None: none is)."""

    def copied(self, position: int) -> bool:
        return any(first <= position <= last for first, last in self.ranges)


def history(cur: Cursor, backend: str) -> History:
    """The moves into this store, read in the caller's transaction."""
    ranges: list[tuple[int, int]] = []
    hold: int | None = None
    for move in _moves(cur, backend):
        if move.direction != "in":
            continue
        if move.first is None or move.last is None:
            hold = move.after if hold is None else min(hold, move.after)
        else:
            ranges.append((move.first, move.last))
    return History(tuple(ranges), hold)
