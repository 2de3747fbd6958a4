"""Positions in the global log, one per follower (each projection, the dispatcher), and
the failures of projections that could not apply an event (`chibo projections status`
names them)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from projections.store import Cursor

FAILURES_DDL = (
    "CREATE TABLE IF NOT EXISTS chibo_projection_failures ("
    " name TEXT PRIMARY KEY, position BIGINT NOT NULL, reason TEXT NOT NULL,"
    " failed_at TEXT NOT NULL)"
)
DDL = [
    "CREATE TABLE IF NOT EXISTS chibo_tracking ( name TEXT PRIMARY KEY, position BIGINT NOT NULL)",
    FAILURES_DDL,
]
REASON_MAX = 2_000


@dataclass(frozen=True)
class Failure:
    """A projection stopped before the event at `position`, which it could not apply."""

    name: str
    position: int
    reason: str
    failed_at: str = ""

    def message(self) -> str:
        return (
            f"projection {self.name} cannot apply the event at position {self.position}:"
            f" {self.reason}"
        )


def record_failure(cur: Cursor, failure: Failure) -> None:
    cur.execute(FAILURES_DDL)
    cur.execute(
        "INSERT INTO chibo_projection_failures (name, position, reason, failed_at)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET position ="
        " excluded.position, reason = excluded.reason, failed_at = excluded.failed_at",
        (
            failure.name,
            failure.position,
            failure.reason[:REASON_MAX],
            datetime.now(UTC).isoformat(timespec="seconds"),
        ),
    )


def get_failures(cur: Cursor, names: Sequence[str] | None = None) -> dict[str, Failure]:
    """The recorded failures (of `names`, if given)."""
    cur.execute(FAILURES_DDL)  # a store initialised before failures were recorded
    cur.execute(
        "SELECT name, position, reason, failed_at FROM chibo_projection_failures ORDER BY name"
    )
    found = {
        str(name): Failure(str(name), int(position), str(reason), str(at))
        for name, position, reason, at in cur.fetchall()
    }
    return {n: f for n, f in found.items() if names is None or n in names}


def clear_failures(cur: Cursor, names: Sequence[str]) -> None:
    if names:
        cur.execute(FAILURES_DDL)
        cur.execute(
            "DELETE FROM chibo_projection_failures"
            f" WHERE name IN ({', '.join(['%s'] * len(names))})",
            list(names),
        )


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


SCHEMAS_DDL = (
    "CREATE TABLE IF NOT EXISTS chibo_projection_schemas ("
    " name TEXT PRIMARY KEY, digest TEXT NOT NULL)"
)
"""Each projection's table layout as last created: a read model whose layout changed is
dropped and rebuilt from the log (`chibo db init`), never left half old."""


def schema_digest(ddl: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(ddl).encode()).hexdigest()


def get_schema(cur: Cursor, name: str) -> str | None:
    cur.execute(SCHEMAS_DDL)
    cur.execute("SELECT digest FROM chibo_projection_schemas WHERE name = %s", (name,))
    row = cur.fetchone()
    return None if row is None else str(row[0])


def set_schema(cur: Cursor, name: str, digest: str) -> None:
    cur.execute(SCHEMAS_DDL)
    cur.execute(
        "INSERT INTO chibo_projection_schemas (name, digest) VALUES (%s, %s)"
        " ON CONFLICT (name) DO UPDATE SET digest = excluded.digest",
        (name, digest),
    )
