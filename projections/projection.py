"""What a projection is: its tables, and how each event changes them."""

from __future__ import annotations

from abc import ABC
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar, cast

from projections.store import Writer

Reaction = Callable[[Any, Writer, Any, int], None]
"""A projection method `(self, w, event, position)`: writes what the event changes."""

_R = TypeVar("_R", bound=Callable[..., None])


def handles(*event_classes: type[Any]) -> Callable[[_R], _R]:
    """Marks a projection method as the one that applies `event_classes`; the class
    collects the marks into its `reactions` table."""

    def mark(method: _R) -> _R:
        marked = cast(Any, method)
        marked.handled_events = (*getattr(method, "handled_events", ()), *event_classes)
        return method

    return mark


class Projection(ABC):
    name: ClassVar[str]
    ddl: ClassVar[tuple[str, ...]]
    tables: ClassVar[tuple[str, ...]]
    """Tables (and views) this projection owns (dropped and refilled by a rebuild)."""
    reactions: ClassVar[Mapping[type[Any], Reaction]] = {}
    """Event class → the method that writes what it changes, collected from the class's
    `@handles` marks: readable without an instance (`chibo reactions` prints it). The
    projector does not even decode other events for this projection."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own: dict[type[Any], Reaction] = {}
        for method in vars(cls).values():
            for event_class in getattr(method, "handled_events", ()):
                if own.setdefault(event_class, method) is not method:
                    raise TypeError(f"{cls.__name__}: two methods handle {event_class}")
        cls.reactions = {**cls.reactions, **own}  # a base's, overridden by its own

    def apply(self, w: Writer, event: Any, position: int) -> None:
        """Writes what `event` (at `position` in the log) changes; ignores the rest.
        Exact-class lookup: event classes are never subclassed, and a dict hit is cheaper
        than a chain of isinstance checks over a million events."""
        reaction = self.reactions.get(type(event))
        if reaction is not None:
            reaction(self, w, event, position)

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
