"""Positions in the global log, one per follower (each projection, the dispatcher)."""

from __future__ import annotations

from projections.store import Cursor

DDL = [
    "CREATE TABLE IF NOT EXISTS chibo_tracking ( name TEXT PRIMARY KEY, position BIGINT NOT NULL)",
]


def get_position(cur: Cursor, name: str) -> int:
    cur.execute("SELECT position FROM chibo_tracking WHERE name = %s", (name,))
    row = cur.fetchone()
    return int(row[0]) if row else 0


def set_position(cur: Cursor, name: str, position: int) -> None:
    cur.execute(
        "INSERT INTO chibo_tracking (name, position) VALUES (%s, %s)"
        " ON CONFLICT (name) DO UPDATE SET position = excluded.position",
        (name, position),
    )
