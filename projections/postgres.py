"""The read store on PostgreSQL through psycopg 3: pipelined transactions, COPY for bulk inserts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg

from projections.store import Bulk, Cursor, ReadStore, Row, Writer


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

    @contextmanager
    def writing(self, *, durable: bool = True) -> Iterator[Writer]:
        # No pipeline mode here: COPY cannot run in it, and the writer's few statements
        # are batches already (executemany pipelines by itself).
        with self._conn.transaction():
            writer = _PostgresWriter(self._conn.cursor())
            if not durable:
                writer.execute("SET LOCAL synchronous_commit TO OFF")
            yield writer
            writer.flush()

    def close(self) -> None:
        self._conn.close()


class _PostgresWriter(Writer):
    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        super().__init__()
        self._cursor = cursor

    def fetchall(self) -> list[Row]:
        return self._cursor.fetchall()

    def fetchone(self) -> Row | None:
        row: Row | None = self._cursor.fetchone()
        return row

    def _execute(self, sql: str, params: Sequence[Any]) -> Any:
        return self._cursor.execute(sql, params)

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        return self._cursor.executemany(sql, rows)

    def _send_rows(self, table: str, columns: tuple[str, ...], rows: list[Sequence[Any]]) -> None:
        with self._cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def _send_bulk(self, bulk: Bulk, rows: list[Sequence[Any]]) -> None:
        self._cursor.execute(bulk.postgres, [list(column) for column in zip(*rows, strict=True)])
