"""The read store on SQLite: one file, WAL, `BEGIN IMMEDIATE` transactions."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from projections.store import Bulk, Cursor, ReadStore, Row, Writer, for_sqlite


class _SQLiteCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._cursor.execute(for_sqlite(sql), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        return self._cursor.executemany(for_sqlite(sql), rows)

    def fetchall(self) -> list[Row]:
        return self._cursor.fetchall()

    def fetchone(self) -> Row | None:
        row: Row | None = self._cursor.fetchone()
        return row


class SQLiteReadStore(ReadStore):
    backend = "sqlite"

    def __init__(self, path: str) -> None:
        # One user at a time, but not always the thread that opened it (activities,
        # asyncio.to_thread): the store itself is never shared concurrently.
        self._conn = sqlite3.connect(
            path, isolation_level=None, timeout=30, check_same_thread=False
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._bulk_pragmas = False

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        cursor = self._conn.cursor()
        # IMMEDIATE takes the write lock up front, so two writers never deadlock
        # upgrading their read locks.
        cursor.execute("BEGIN IMMEDIATE")
        try:
            yield _SQLiteCursor(cursor)
        except BaseException:
            self._conn.rollback()
            raise
        self._conn.commit()

    @contextmanager
    def reading(self) -> Iterator[Cursor]:
        # A deferred transaction that only reads takes no write lock in WAL mode: the
        # dispatcher's and the checks' reads no longer queue behind the projector's
        # writes (SQLite's busy handler sleeps 1, 2, 5, 10… ms between tries).
        cursor = self._conn.cursor()
        cursor.execute("BEGIN")
        try:
            yield _SQLiteCursor(cursor)
        finally:
            self._conn.rollback()

    @contextmanager
    def dropping(self) -> Iterator[Cursor]:
        # Zeroing a dropped meetings table's pages was a tenth of its rebuild (about
        # 200 MB for a province's decade): skipped for this transaction only.
        (secure,) = self._conn.execute("PRAGMA secure_delete").fetchone()
        self._conn.execute("PRAGMA secure_delete = OFF")
        try:
            with self.transaction() as cur:
                yield cur
        finally:
            self._conn.execute(f"PRAGMA secure_delete = {int(secure)}")

    @contextmanager
    def writing(self, *, durable: bool = True) -> Iterator[Writer]:
        if not durable and not self._bulk_pragmas:
            # Bulk writing: a page cache that holds the indexes being filled, and fewer
            # checkpoints, each copying many commits' pages (a page written by several
            # commits is copied once). Such a connection keeps both.
            self._conn.execute("PRAGMA cache_size = -65536")
            self._conn.execute("PRAGMA wal_autocheckpoint = 20000")
            self._bulk_pragmas = True
        with self.transaction() as cur:
            assert isinstance(cur, _SQLiteCursor)
            writer = _SQLiteWriter(cur._cursor)
            yield writer
            writer.flush()

    def close(self) -> None:
        self._conn.close()


class _SQLiteWriter(Writer):
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        super().__init__()
        self._cursor = cursor
        self._inserts_sql: dict[tuple[str, tuple[str, ...]], str] = {}

    def fetchall(self) -> list[Row]:
        return self._cursor.fetchall()

    def fetchone(self) -> Row | None:
        row: Row | None = self._cursor.fetchone()
        return row

    def _execute(self, sql: str, params: Sequence[Any]) -> Any:
        return self._cursor.execute(for_sqlite(sql), params)

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        return self._cursor.executemany(for_sqlite(sql), rows)

    def _send_rows(self, table: str, columns: tuple[str, ...], rows: list[Sequence[Any]]) -> None:
        sql = self._inserts_sql.get((table, columns))
        if sql is None:
            sql = self._inserts_sql[(table, columns)] = (
                f"INSERT INTO {table} ({', '.join(columns)})"
                f" VALUES ({', '.join('?' * len(columns))})"
            )
        self._cursor.executemany(sql, rows)

    def _send_bulk(self, bulk: Bulk, rows: list[Sequence[Any]]) -> None:
        self._cursor.executemany(bulk.sqlite, rows)
