"""The replay check: rebuild read models from the log into a scratch store and compare
them, table by table, with the live ones; it never writes to the live store unless asked
to catch up first.

The scratch database comes from projections/scratch.py (the one throw-away-store helper,
shared with the simulator); creating its tables is the composition root's `init_db`, so
`replay_live` takes that step as a callable (`open_scratch`) instead of importing
`workers/`.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import psycopg
from eventsourcing.persistence import Notification

from domain.application import ChiboApplication
from projections.projection import Projection
from projections.projector import Projector
from projections.scratch import scratch_database
from projections.store import ReadStore, Row
from projections.tracking import get_position


class LaggingReadModelsError(Exception):
    """The live read models stand behind the log (the projector has not caught up)."""

    def __init__(self, behind: int, head: int) -> None:
        super().__init__(f"the live read models are at position {behind} of {head}")
        self.behind = behind
        self.head = head


class ReplayFailedError(Exception):
    """The scratch store could not be made or filled (the database's or the OS's error)."""


class _RecorderUpTo:
    """The live recorder seen only up to `stop`: the scratch rebuild stops where the live
    read models stand, even while the log grows."""

    def __init__(self, recorder: Any, stop: int) -> None:
        self._recorder = recorder
        self._stop = stop

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        bound = self._stop if stop is None else min(stop, self._stop)
        rows: Sequence[Notification] = self._recorder.select_notifications(
            start, limit, bound, topics, inclusive_of_start=inclusive_of_start
        )
        return rows

    def max_notification_id(self) -> int:
        return min(self._recorder.max_notification_id() or 0, self._stop)


class _LogUpTo:
    def __init__(self, app: ChiboApplication, stop: int) -> None:
        self.recorder = _RecorderUpTo(app.recorder, stop)
        self.mapper = app.mapper


@dataclass
class TableDiff:
    table: str
    live_rows: int
    replayed_rows: int
    missing: list[Row] = field(default_factory=list)
    """Rows the replay has and the live read model lacks."""
    extra: list[Row] = field(default_factory=list)
    """Rows the live read model has and the replay does not."""

    @property
    def differs(self) -> bool:
        return bool(self.missing or self.extra)


@dataclass
class ReplayReport:
    head: int
    positions: dict[str, int]
    tables: list[TableDiff]

    @property
    def differences(self) -> list[TableDiff]:
        return [t for t in self.tables if t.differs]

    def as_json(self) -> dict[str, Any]:
        return {
            "head": self.head,
            "positions": self.positions,
            "differences": len(self.differences),
            "tables": {
                t.table: {
                    "live_rows": t.live_rows,
                    "replayed_rows": t.replayed_rows,
                    "missing": [list(r) for r in t.missing],
                    "extra": [list(r) for r in t.extra],
                }
                for t in self.tables
            },
        }


def _key(value: Any) -> Any:
    """A hashable stand-in for a column value (JSON columns may come back as dicts)."""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _snapshot(
    store: ReadStore, projections: Sequence[Projection]
) -> tuple[dict[str, int], dict[str, list[Row]]]:
    """Positions and every row of `projections`, read in one consistent transaction."""
    with store.transaction() as cur:
        if store.backend == "postgres":
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        positions = {p.name: get_position(cur, p.name) for p in projections}
        rows = {}
        for projection in projections:
            for table in projection.tables:
                cur.execute(f"SELECT * FROM {table}")
                rows[table] = list(cur.fetchall())
    return positions, rows


def compare_rows(table: str, live: list[Row], replayed: list[Row]) -> TableDiff:
    """The two tables as multisets of rows."""
    live_keys = Counter(tuple(map(_key, r)) for r in live)
    replayed_keys = Counter(tuple(map(_key, r)) for r in replayed)
    return TableDiff(
        table=table,
        live_rows=len(live),
        replayed_rows=len(replayed),
        missing=sorted((replayed_keys - live_keys).elements(), key=repr),
        extra=sorted((live_keys - replayed_keys).elements(), key=repr),
    )


def rebuild_to(
    app: ChiboApplication,
    scratch: ReadStore,
    projections: Sequence[Projection],
    positions: dict[str, int],
    batch_size: int = 500,
) -> None:
    """Fills `scratch` with each projection rebuilt from the log up to its position in
    `positions` (a replay's, or the positions a document was drawn at)."""
    for position in sorted(set(positions.values())):
        chosen = [p for p in projections if positions.get(p.name) == position]
        log = cast(Any, _LogUpTo(app, position))
        Projector(log, scratch, chosen, batch_size).run_until_caught_up()


def replay_and_compare(
    app: ChiboApplication,
    live: ReadStore,
    scratch: ReadStore,
    projections: Sequence[Projection],
    batch_size: int = 500,
) -> ReplayReport:
    """Rebuilds `projections` into `scratch` from `app`'s log up to the positions the live
    read models stand at, then compares every table."""
    head = app.recorder.max_notification_id() or 0
    positions, live_rows = _snapshot(live, projections)
    rebuild_to(app, scratch, projections, positions, batch_size)
    _, replayed_rows = _snapshot(scratch, projections)
    tables = [compare_rows(t, live_rows[t], replayed_rows[t]) for t in live_rows]
    return ReplayReport(head=head, positions=positions, tables=tables)


def replay_live(
    app: ChiboApplication,
    live: ReadStore,
    projections: Sequence[Projection],
    open_scratch: Callable[[str], ReadStore],
    *,
    like: str,
    batch_size: int = 500,
    catch_up: bool = False,
    wait: float = 10.0,
) -> ReplayReport:
    """Replays into a scratch database of `like`'s kind and compares with the live store.

    The live read models must first reach the log's head (caught up here if `catch_up`,
    else waited for up to `wait` seconds: LaggingReadModelsError). `open_scratch(url)`
    creates the tables in the empty database at `url` and opens its read store."""
    projector = Projector(app, live, projections, batch_size)
    head = projector.head()
    if catch_up:
        projector.run_until_caught_up()
    try:
        projector.wait_for(head, timeout=wait)
    except TimeoutError:
        raise LaggingReadModelsError(min(projector.positions().values(), default=0), head) from None
    try:
        with scratch_database(like, "replay") as url:
            scratch = open_scratch(url)
            try:
                return replay_and_compare(app, live, scratch, projections, batch_size)
            finally:
                scratch.close()
    except (psycopg.Error, sqlite3.Error, OSError) as error:
        raise ReplayFailedError(str(error)) from error
