"""The read-model database: one interface, a SQLite and a PostgreSQL implementation.

SQL is written once with `%s` placeholders and standard `ON CONFLICT` upserts, which
both backends accept; the SQLite cursor translates the placeholders.
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal, Protocol

import psycopg

Row = tuple[Any, ...]


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any: ...
    def fetchall(self) -> list[Row]: ...
    def fetchone(self) -> Row | None: ...


class ReadStore(ABC):
    backend: Literal["sqlite", "postgres"]

    @abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """A cursor whose work commits together, or not at all."""

    @abstractmethod
    def close(self) -> None: ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self.transaction() as cur:
            cur.execute(sql, params)
            return cur.fetchall()


class _SQLiteCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._cursor.execute(sql.replace("%s", "?"), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        return self._cursor.executemany(sql.replace("%s", "?"), rows)

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

    def close(self) -> None:
        self._conn.close()


class _PostgresCursor:
    """A fresh psycopg cursor per statement: in pipeline mode a reused cursor may hand
    back the result of an earlier queued statement instead of the last one."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn
        self._cursor: psycopg.Cursor[Any] | None = None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self._cursor = self._conn.cursor()
        return self._cursor.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        self._cursor = self._conn.cursor()
        return self._cursor.executemany(sql, rows)

    def fetchall(self) -> list[Row]:
        assert self._cursor is not None
        return self._cursor.fetchall()

    def fetchone(self) -> Row | None:
        assert self._cursor is not None
        row: Row | None = self._cursor.fetchone()
        return row


class PostgresReadStore(ReadStore):
    backend = "postgres"

    def __init__(self, conninfo: str) -> None:
        self._conn = psycopg.connect(conninfo, autocommit=True)

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        # Pipeline mode sends statements without waiting for each reply: a batch of
        # inserts costs a few round trips instead of one per statement.
        with self._conn.transaction(), self._conn.pipeline():
            yield _PostgresCursor(self._conn)

    def close(self) -> None:
        self._conn.close()


def open_read_store(database_url: str) -> ReadStore:
    if database_url.startswith("sqlite:///"):
        return SQLiteReadStore(database_url.removeprefix("sqlite:///"))
    return PostgresReadStore(database_url.replace("postgres://", "postgresql://", 1))
