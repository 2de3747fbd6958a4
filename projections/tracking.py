"""Positions in the global log, one per follower (each projection, the dispatcher)."""

from __future__ import annotations

from projections.store import Cursor

DDL = [
    "CREATE TABLE IF NOT EXISTS chibo_tracking ( name TEXT PRIMARY KEY, position BIGINT NOT NULL)",
]


def get_position(cur: Cursor, name: str, *, lock: bool = False) -> int:
    """`lock` (PostgreSQL) holds the row until commit, so two followers of the same name
    never apply one batch twice; SQLite's write lock already serialises them."""
    suffix = " FOR UPDATE" if lock else ""
    cur.execute("SELECT position FROM chibo_tracking WHERE name = %s" + suffix, (name,))
    row = cur.fetchone()
    return int(row[0]) if row else 0


def set_position(cur: Cursor, name: str, position: int) -> None:
    cur.execute(
        "INSERT INTO chibo_tracking (name, position) VALUES (%s, %s)"
        " ON CONFLICT (name) DO UPDATE SET position = excluded.position",
        (name, position),
    )


def ensure_row(cur: Cursor, name: str) -> None:
    """A row to lock from the start (a missing row cannot be locked)."""
    cur.execute(
        "INSERT INTO chibo_tracking (name, position) VALUES (%s, 0) ON CONFLICT (name) DO NOTHING",
        (name,),
    )
