"""The event store's recorders, extended to chain every event as it is stored.

Each recorder writes `chibo_chain` rows in the same transaction as the events, after the
library has serialised writers (PostgreSQL's table lock; SQLite's single writer), so the
chain follows the log's order exactly. `chibo_checkpoints` holds signed checkpoints.

Settings name these classes in APPLICATION_RECORDER_TOPIC (`audit.recorders:…`); the
library stores event topics, never the recorder's, so no stored data names this module.
`log_positions` is the one other piece of backend SQL on the events table (history's
positions), kept here beside the recorders it queries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, Notification, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow, tuple_row

from audit.chain import GENESIS, chain_hash, record_hash
from domain.persistence import Row, uuid_of

CHAIN_DDL = (
    "CREATE TABLE IF NOT EXISTS chibo_chain ("
    " position BIGINT PRIMARY KEY, originator_id TEXT NOT NULL,"
    " originator_version BIGINT NOT NULL, record_hash {blob} NOT NULL,"
    " chain_hash {blob} NOT NULL)",
    "CREATE UNIQUE INDEX IF NOT EXISTS chibo_chain_record"
    " ON chibo_chain (originator_id, originator_version)",
    "CREATE TABLE IF NOT EXISTS chibo_checkpoints ("
    " position BIGINT PRIMARY KEY, chain_hash {blob} NOT NULL, signature {blob} NOT NULL,"
    " public_key {blob} NOT NULL, signed_at TEXT NOT NULL)",
)
INSERT_CHAIN = (
    "INSERT INTO chibo_chain (position, originator_id, originator_version, record_hash,"
    " chain_hash) VALUES ({p}, {p}, {p}, {p}, {p})"
)
LAST_CHAIN = "SELECT chain_hash FROM chibo_chain ORDER BY position DESC LIMIT 1"
RECORD_HASH = (
    "SELECT record_hash FROM chibo_chain WHERE originator_id = {p} AND originator_version = {p}"
)


def chain_id(originator_id: UUID | str) -> str:
    """An originator id as the chain holds it: the UUID's hex (SQLite's rows hold it so
    already)."""
    return originator_id.hex if isinstance(originator_id, UUID) else str(originator_id)


def chain_rows(
    stored_events: Sequence[StoredEvent],
    positions: Sequence[int],
    last_chain: bytes,
    stored_record_hash: Callable[[str, int], bytes],
) -> list[tuple[int, str, int, bytes, bytes]]:
    """The chain rows of a batch just inserted at `positions`."""
    rows = []
    in_batch: dict[tuple[str, int], bytes] = {}
    chain = last_chain
    for event, position in zip(stored_events, positions, strict=True):
        originator = chain_id(event.originator_id)
        version = event.originator_version
        previous = GENESIS
        if version > 1:
            previous = in_batch.get((originator, version - 1)) or stored_record_hash(
                originator, version - 1
            )
        record = record_hash(previous, originator, version, event.topic, event.state)
        in_batch[(originator, version)] = record
        chain = chain_hash(chain, position, record)
        rows.append((position, originator, version, record, chain))
    return rows


def _window(
    start: int | None,
    stop: int | None,
    topics: Sequence[str],
    inclusive: bool,
    p: str,
    excluding: Sequence[str] = (),
) -> tuple[str, list[Any]]:
    """The WHERE clause (with `p` placeholders) and parameters of a notifications page,
    as the library's `select_notifications` reads them, and without the topics
    `excluding`."""
    where: list[str] = []
    params: list[Any] = []
    if start is not None:
        where.append(f"{{position}} {'>=' if inclusive else '>'} {p}")
        params.append(start)
    if stop is not None:
        where.append(f"{{position}} <= {p}")
        params.append(stop)
    if topics:
        where.append(f"topic IN ({', '.join([p] * len(topics))})")
        params += list(topics)
    if excluding:
        where.append(f"topic NOT IN ({', '.join([p] * len(excluding))})")
        params += list(excluding)
    return (" WHERE " + " AND ".join(where) if where else ""), params


_new_notification = Notification.__new__
_set = object.__setattr__


def _notification(id: int, originator_id: UUID, version: int, topic: str, state: bytes) -> Any:
    """A `Notification`, as its frozen dataclass `__init__` would make it at a third of
    the cost (five guarded assignments): a log is read a page of thousands at a time."""
    made = _new_notification(Notification)
    _set(
        made,
        "__dict__",
        {
            "id": id,
            "originator_id": originator_id,
            "originator_version": version,
            "topic": topic,
            "state": state,
        },
    )
    return made


class _ReadsRows:
    """Both chained recorders read the log as rows (`select_rows`); the library's
    notifications are made from them."""

    def select_rows(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
        excluding: Sequence[str] = (),
    ) -> list[Row]:
        raise NotImplementedError

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        """The library's page of notifications (`select_rows`, as notifications)."""
        rows = self.select_rows(start, limit, stop, topics, inclusive_of_start=inclusive_of_start)
        return [_notification(p, uuid_of(o), v, t, s) for p, o, v, t, s in rows]


class ChainedSQLiteApplicationRecorder(_ReadsRows, SQLiteApplicationRecorder):
    """SQLite's events table with `INTEGER PRIMARY KEY AUTOINCREMENT` positions.

    The library's table uses the plain rowid, which SQLite reuses once the last rows are
    deleted: new events would take the positions of deleted ones, and the projector
    (already past them) would skip them. AUTOINCREMENT never hands out a position twice.
    The column is named `rowid` so that the library's `SELECT rowid, *` still finds it.
    """

    def __init__(self, datastore: Any, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name)
        self.insert_events_statement = (
            f"INSERT INTO {self.events_table_name}"
            " (originator_id, originator_version, topic, state) VALUES (?,?,?,?)"
        )

    def select_rows(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
        excluding: Sequence[str] = (),
    ) -> list[Row]:
        """A page of the log as SQLite's own tuples (the id as its hex text), not made again
        row by row: reading the log is what a rebuild and a verify mostly do."""
        where, params = _window(start, stop, topics, inclusive_of_start, "?", excluding)
        statement = (
            "SELECT rowid, originator_id, originator_version, topic, state"
            f" FROM {self.events_table_name}{where.format(position='rowid')}"
            " ORDER BY rowid LIMIT ?"
        )
        with self.datastore.transaction(commit=False) as c:
            cursor = c.sqlite_cursor
            cursor.row_factory = None  # tuples, not sqlite3.Row
            cursor.execute(statement, [*params, limit])
            rows: list[Row] = cursor.fetchall()
            return rows

    def construct_create_table_statements(self) -> list[str]:
        events = (
            f"CREATE TABLE IF NOT EXISTS {self.events_table_name} ("
            "rowid INTEGER PRIMARY KEY AUTOINCREMENT, "
            "originator_id TEXT NOT NULL, "
            "originator_version INTEGER NOT NULL, "
            "topic TEXT, "
            "state BLOB, "
            "UNIQUE (originator_id, originator_version))"
        )
        return [events, *(s.format(blob="BLOB") for s in CHAIN_DDL)]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        assert positions is not None
        c.execute(LAST_CHAIN)
        row = c.fetchone()
        last = bytes(row[0]) if row else GENESIS

        def stored(originator: str, version: int) -> bytes:
            c.execute(RECORD_HASH.format(p="?"), (originator, version))
            found = c.fetchone()
            return bytes(found[0]) if found else GENESIS

        for chained in chain_rows(stored_events, positions, last, stored):
            c.execute(INSERT_CHAIN.format(p="?"), chained)
        return positions


class ChainedPostgresApplicationRecorder(_ReadsRows, PostgresApplicationRecorder):
    def create_table(self) -> None:
        super().create_table()
        with self.datastore.transaction(commit=True) as curs:
            for statement in CHAIN_DDL:
                curs.execute(statement.format(blob="BYTEA"))

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """The library's insert (table lock, events, their ids, then their chain rows in
        the same pipelined transaction), except that any error rolls it all back. The
        library keeps an error raised while fetching the ids until its transaction has
        closed; one the database had not seen (raised in Python, while chaining) left
        that transaction healthy, so it committed the events without their chain rows:
        a log that no longer verifies."""
        if not stored_events:
            return None
        with (
            self.datastore.get_connection() as conn,
            conn.pipeline() as pipeline,
            conn.transaction(),
        ):
            with conn.cursor() as curs:
                self._insert_events(curs, stored_events, **kwargs)
            with conn.cursor() as curs:
                self._insert_stored_events(curs, stored_events, **kwargs)
                pipeline.sync()  # a duplicate version raises here, not at the commit
                return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_rows(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
        excluding: Sequence[str] = (),
    ) -> list[Row]:
        """A page of the log as tuples (not dicts), only the columns a notification
        holds: reading the log is what a rebuild and a verify mostly do."""
        where, params = _window(start, stop, topics, inclusive_of_start, "%s", excluding)
        statement = (
            "SELECT notification_id, originator_id, originator_version, topic, state"
            f' FROM "{self.datastore.schema}"."{self.events_table_name}"'
            f"{where.format(position='notification_id')} ORDER BY notification_id LIMIT %s"
        )
        connection = self.datastore.get_connection()
        # Binary results: the states come as their bytes, not as hex text the server
        # writes and psycopg parses back (reading the log took half the time).
        with connection as conn, conn.cursor(row_factory=tuple_row, binary=True) as curs:
            curs.execute(statement, [*params, limit], prepare=True)
            rows: list[Row] = curs.fetchall()  # psycopg's tuples: a UUID and bytes already
            return rows

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        assert positions is not None
        conn = curs.connection
        # Still inside the insert's transaction, after its table lock: no writer in between.
        with conn.cursor() as c:
            c.execute(LAST_CHAIN)
            row = c.fetchone()
            last = bytes(row["chain_hash"]) if row else GENESIS

            def stored(originator: str, version: int) -> bytes:
                c.execute(RECORD_HASH.format(p="%s"), (originator, version))
                found = c.fetchone()
                return bytes(found["record_hash"]) if found else GENESIS

            rows = chain_rows(stored_events, positions, last, stored)
            c.executemany(INSERT_CHAIN.format(p="%s"), rows)
        return positions


def log_positions(recorder: Any, originator_id: UUID) -> dict[int, int]:
    """Version → position in the global log of the stream's events ({} if not known).

    One indexed query on the two stores the library ships; a convenience, never needed
    to answer an audit question, so any failure just leaves the positions out.
    """
    try:
        if isinstance(recorder, SQLiteApplicationRecorder):
            sql = (
                f"SELECT originator_version, rowid FROM {recorder.events_table_name}"
                " WHERE originator_id = ?"
            )
            with recorder.datastore.transaction(commit=False) as cur:
                cur.execute(sql, [originator_id.hex])
                return {int(row[0]): int(row[1]) for row in cur.fetchall()}
        if isinstance(recorder, PostgresApplicationRecorder):
            sql = (
                f'SELECT originator_version, notification_id FROM "{recorder.datastore.schema}".'
                f'"{recorder.events_table_name}" WHERE originator_id = %s'
            )
            with recorder.datastore.transaction(commit=False) as cur:
                cur.execute(sql, [originator_id])
                return {
                    int(row["originator_version"]): int(row["notification_id"])
                    for row in cur.fetchall()
                }
    except Exception:  # positions are optional, see above
        return {}
    return {}
