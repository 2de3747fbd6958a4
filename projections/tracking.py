"""Positions in the global log, one per follower (each projection, the dispatcher)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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


def get_positions(cur: Cursor, names: Sequence[str], *, lock: bool = False) -> dict[str, int]:
    """`get_position` of each of `names` in one statement (0 for a missing row); `lock`
    takes the rows in name order, the same order for every follower."""
    if not names:
        return {}
    suffix = " FOR UPDATE" if lock else ""
    cur.execute(
        "SELECT name, position FROM chibo_tracking"
        f" WHERE name IN ({', '.join(['%s'] * len(names))}) ORDER BY name{suffix}",
        list(names),
    )
    found = {str(name): int(position) for name, position in cur.fetchall()}
    return {name: found.get(name, 0) for name in names}


def set_position(cur: Cursor, name: str, position: int) -> None:
    cur.execute(
        "INSERT INTO chibo_tracking (name, position) VALUES (%s, %s)"
        " ON CONFLICT (name) DO UPDATE SET position = excluded.position",
        (name, position),
    )


def set_positions(cur: Cursor, positions: Mapping[str, int]) -> None:
    """`set_position` of each name, in one statement."""
    if not positions:
        return
    cur.execute(
        "INSERT INTO chibo_tracking (name, position)"
        f" VALUES {', '.join(['(%s, %s)'] * len(positions))}"
        " ON CONFLICT (name) DO UPDATE SET position = excluded.position",
        [value for item in positions.items() for value in item],
    )


def ensure_row(cur: Cursor, name: str) -> None:
    """A row to lock from the start (a missing row cannot be locked)."""
    cur.execute(
        "INSERT INTO chibo_tracking (name, position) VALUES (%s, 0) ON CONFLICT (name) DO NOTHING",
        (name,),
    )
