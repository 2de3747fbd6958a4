"""What a projection is: its tables, and how each event changes them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from projections.store import Writer


class Projection(ABC):
    name: ClassVar[str]
    ddl: ClassVar[tuple[str, ...]]
    tables: ClassVar[tuple[str, ...]]
    """Tables (and views) this projection owns (dropped and refilled by a rebuild)."""
    handles: frozenset[type[Any]] | None = None
    """The event classes `apply` acts on (None: it may act on any); the projector does
    not even decode the others for it."""

    @abstractmethod
    def apply(self, w: Writer, event: Any, position: int) -> None:
        """Writes what `event` (at `position` in the log) changes; ignores the rest."""

    def apply_batch(self, w: Writer, events: Sequence[tuple[int, Any]]) -> None:
        """Applies `(position, event)` pairs in log order, all in `w`'s transaction."""
        for position, event in events:
            self.apply(w, event, position)

    def forget(self) -> None:  # noqa: B027 - most projections remember nothing
        """Drops whatever this instance remembers of its tables between batches (caches):
        called when a batch fails (its transaction rolled back), when another process
        moved this projection's position, and on reset. What it remembers must always
        equal what its tables say, or be reloadable from them."""


class Lookup:
    """Something a later event needs but only an earlier one carried (a stream's key,
    its cell): remembered from the events that write it, else read from the table once.

    `sql` selects the value's columns for one id (one placeholder); a value is a tuple
    of them. Nothing is remembered for an id the table does not have."""

    def __init__(self, sql: str) -> None:
        self.sql = sql
        self._known: dict[str, tuple[Any, ...]] = {}

    def put(self, id_: str, value: tuple[Any, ...]) -> None:
        self._known[id_] = value

    def get(self, w: Writer, id_: str) -> tuple[Any, ...] | None:
        value = self._known.get(id_)
        if value is None:
            rows = w.query(self.sql, (id_,))
            if rows:
                value = self._known[id_] = tuple(rows[0])
        return value

    def forget(self) -> None:
        self._known.clear()
