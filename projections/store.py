"""The read-model database: one interface; `projections.sqlite` and `projections.postgres`
implement it, `projections.backends` picks one by URL.

SQL is written once with `%s` placeholders and standard `ON CONFLICT` upserts, which
both backends accept; the SQLite cursor translates the placeholders. The few statements
that cannot be written once (JSON functions in views) are `Dialect` strings.

The projector writes through a `Writer` (`ReadStore.writing()`): one transaction whose
plain inserts are buffered per table and sent in bulk (COPY on PostgreSQL, executemany
on SQLite) and whose other statements run in their order after them.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal, Protocol

Row = tuple[Any, ...]


class Dialect(str):
    """A statement whose text differs by backend: the string itself is the PostgreSQL
    form; SQLite cursors run `sqlite` instead."""

    sqlite: str

    def __new__(cls, postgres: str, sqlite: str) -> Dialect:
        statement = super().__new__(cls, postgres)
        statement.sqlite = sqlite
        return statement


def for_sqlite(sql: str) -> str:
    return (sql.sqlite if isinstance(sql, Dialect) else sql).replace("%s", "?")


@dataclass(frozen=True)
class Bulk:
    """An UPDATE of the row of `table` whose `key` column equals the first value, which
    PostgreSQL runs for many rows in one statement (one array per value, unnested).

    `values` names each value and gives its SQL type, the key's first; `assign` is the
    SET list, where `t.` is the row and `v.` the values (cast where a NULL needs a
    type)."""

    table: str
    key: str
    values: tuple[tuple[str, str], ...]
    assign: str

    @cached_property
    def sqlite(self) -> str:
        """The statement for one row (numbered placeholders)."""
        number = {name: i for i, (name, _) in enumerate(self.values, start=1)}
        assign = re.sub(r"\bv\.(\w+)", lambda m: f"?{number[m.group(1)]}", self.assign)
        return f"UPDATE {self.table} AS t SET {assign} WHERE t.{self.key} = ?1"

    @cached_property
    def postgres(self) -> str:
        """The statement for many rows: one `%s` array per value."""
        arrays = ", ".join(f"%s::{kind}[]" for _, kind in self.values)
        names = ", ".join(name for name, _ in self.values)
        return (
            f"UPDATE {self.table} AS t SET {self.assign} FROM unnest({arrays}) AS v({names})"
            f" WHERE t.{self.key} = v.{self.values[0][0]}"
        )


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

    @abstractmethod
    @contextmanager
    def writing(self, *, durable: bool = True) -> Iterator[Writer]:
        """A `Writer` whose work (flushed at the end) commits together, or not at all.

        `durable=False` is for work that can be redone from the log: its commit does not
        wait for the disk, so a crash of the database server or the machine (not of this
        process) may lose the last few commits, each whole: PostgreSQL's asynchronous
        commit; SQLite in WAL mode with synchronous=NORMAL is like that already, and
        there it also checkpoints less often."""

    @contextmanager
    def reading(self) -> Iterator[Cursor]:
        """A cursor that only reads, on one consistent snapshot. Unlike `transaction`,
        it never waits for (or holds up) a writer where the database tells them apart."""
        with self.transaction() as cur:
            yield cur

    @contextmanager
    def dropping(self) -> Iterator[Cursor]:
        """A `transaction` that drops read models about to be refilled from the log.
        SQLite overwrites freed pages (Debian builds it so); here it need not: the
        tables' content comes back from the log, and what they held was only the log's
        current content (erased data was already blanked in place, pages overwritten)."""
        with self.transaction() as cur:
            yield cur

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self.reading() as cur:
            cur.execute(sql, params)
            return cur.fetchall()


def drop_relation(cur: Cursor, backend: str, name: str) -> None:
    """Drops the table or view `name`, whichever it is (a layout change may turn one into
    the other), if it exists."""
    if backend == "sqlite":
        cur.execute("SELECT type FROM sqlite_master WHERE name = %s", (name,))
    else:
        cur.execute(
            "SELECT CASE c.relkind WHEN 'v' THEN 'view' ELSE 'table' END FROM pg_class c"
            " WHERE c.oid = to_regclass(%s)",
            (name,),
        )
    row = cur.fetchone()
    if row is not None:
        cur.execute(f"DROP {'VIEW' if row[0] == 'view' else 'TABLE'} IF EXISTS {name}")


class Writer(ABC):
    """One transaction's writes, in bulk, with the effect of running them one by one.

    `insert` queues a plain INSERT: rows of one table and column list are sent together.
    `update` queues any other statement that writes only the tables it names (no
    views): statements of the same text are sent together, in their order, as one
    executemany, or as one statement for a `Bulk` update. `execute`, `executemany` and
    `query` run at once, after everything queued.

    What is queued runs, when flushed, as: the updates, group by group in the order the
    groups began, then the inserts. That is the order they were issued in, up to
    statements that commute:
    - an update naming a table with queued inserts first flushes the updates, then those
      inserts, so a queued insert never comes before a queued update of its table;
    - an update joins its earlier group, jumping ahead of the later groups, only when it
      and every statement of those groups carry a `key` (the one row they touch, in
      the same terms for every statement of a table) and its key is not among theirs;
      otherwise it starts a group of its own at the end, flushing first if its text
      already has a group;
    - a `Bulk` update (its key is its first value) whose key is already in its group
      flushes first: one statement updates a row once.

    Also a `Cursor`, for the statements written for one (tracking).
    """

    def __init__(self) -> None:
        self._inserts: dict[tuple[str, tuple[str, ...]], list[Sequence[Any]]] = {}
        self._keyed: dict[str, dict[Hashable, list[Any]]] = {}
        self._groups: dict[str | Bulk, list[Sequence[Any]]] = {}
        self._group_keys: dict[str | Bulk, set[Hashable] | None] = {}
        """Each group's keys; None once it holds a statement without one."""

    # --- queued --------------------------------------------------------------------------

    def insert(
        self,
        table: str,
        columns: tuple[str, ...],
        row: Sequence[Any],
        key: Hashable | None = None,
    ) -> None:
        """Queues `INSERT INTO table (columns) VALUES row`. With a `key`, the row (a list)
        can be found again by `pending` and changed in place until it is sent."""
        rows = self._inserts.get((table, columns))
        if rows is None:
            rows = self._inserts[(table, columns)] = []
        rows.append(row)
        if key is not None:
            assert isinstance(row, list), "a keyed row is changed in place: pass a list"
            self._keyed.setdefault(table, {})[key] = row

    def pending(self, table: str, key: Hashable) -> list[Any] | None:
        """The row queued by `insert(table, ..., key=key)` if it is not sent yet: changing
        it is the same as inserting it and updating it after."""
        keyed = self._keyed.get(table)
        return None if keyed is None else keyed.get(key)

    def update(self, sql: str | Bulk, params: Sequence[Any], key: Hashable | None = None) -> None:
        """Queues a statement that writes only the tables it names (no views), touching
        only the row `key` names (if given; a `Bulk` update's key is its first value)."""
        text = sql.sqlite if isinstance(sql, Bulk) else sql
        named = [queued for queued in self._inserts if queued[0] in text]
        if named:
            self._flush_updates()
            for table, columns in named:
                self._flush_inserts(table, columns)
        if isinstance(sql, Bulk):
            key = params[0]
        group = self._groups.get(sql)
        if group is not None and not self._may_join(sql, key):
            self._flush_updates()
            group = None
        if group is None:
            group = self._groups[sql] = []
            self._group_keys[sql] = set()
        group.append(params)
        keys = self._group_keys[sql]
        if keys is not None:
            if key is None:
                self._group_keys[sql] = None
            else:
                keys.add(key)

    def _may_join(self, sql: str | Bulk, key: Hashable | None) -> bool:
        """Whether a statement may run with the group of `sql`, ahead of later groups."""
        if isinstance(sql, Bulk):
            keys = self._group_keys[sql]
            if keys is not None and key in keys:
                return False
        later = list(self._groups)
        later = later[later.index(sql) + 1 :]
        if not later:
            return True
        if key is None:
            return False
        for other in later:
            keys = self._group_keys[other]
            if keys is None or key in keys:
                return False
        return True

    def flush(self) -> None:
        """Sends everything queued."""
        self._flush_updates()
        for table, columns in list(self._inserts):
            self._flush_inserts(table, columns)

    def _flush_inserts(self, table: str, columns: tuple[str, ...]) -> None:
        rows = self._inserts.pop((table, columns))
        # Forgets every keyed row of the table, sent or not: `pending` may then miss a
        # row still queued, and its caller updates it in SQL after a flush.
        self._keyed.pop(table, None)
        self._send_rows(table, columns, rows)

    def _flush_updates(self) -> None:
        groups = self._groups
        self._groups, self._group_keys = {}, {}
        for sql, rows in groups.items():
            if isinstance(sql, Bulk):
                self._send_bulk(sql, rows)
            elif len(rows) == 1:
                self._execute(sql, rows[0])
            else:
                self._executemany(sql, rows)

    # --- at once (a Cursor) --------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self.flush()
        return self._execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        self.flush()
        return self._executemany(sql, rows)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self.execute(sql, params)
        return self.fetchall()

    @abstractmethod
    def fetchall(self) -> list[Row]: ...

    @abstractmethod
    def fetchone(self) -> Row | None: ...

    @abstractmethod
    def _execute(self, sql: str, params: Sequence[Any]) -> Any: ...

    @abstractmethod
    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any: ...

    @abstractmethod
    def _send_rows(self, table: str, columns: tuple[str, ...], rows: list[Sequence[Any]]) -> None:
        """Inserts `rows` in one go."""

    @abstractmethod
    def _send_bulk(self, bulk: Bulk, rows: list[Sequence[Any]]) -> None:
        """Runs `bulk` for `rows` (their keys all differ)."""
