"""A unit of work: the aggregates one command reads and changes, saved together.

It reads through `Records`, which the application satisfies, so it needs nothing
from the application module (which uses it).
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.aggregate import Aggregate
from domain.errors import UnknownReferenceError
from domain.ids import aggregate_id

A = TypeVar("A", bound=Aggregate)


class Repository(Protocol):
    def get(self, aggregate_id: UUID) -> Any:
        """The aggregate's latest state; raises `AggregateNotFoundError`."""


class Records(Protocol):
    """Where a unit of work loads aggregates: a repository to load records to change,
    and a cached read-only `view` (None when there is no such record)."""

    @property
    def repository(self) -> Repository: ...

    def view(self, agg_id: UUID) -> Any: ...


class UnitOfWork:
    def __init__(self, app: Records) -> None:
        self.app = app
        self._loaded: dict[UUID, Aggregate] = {}
        self._viewed: list[Aggregate] = []

    def find(self, cls: type[A], key: str) -> A | None:
        """The aggregate of kind `cls` known to users as `key`, or None."""
        agg_id = aggregate_id(cls.KIND, key)
        if agg_id in self._loaded:
            return self._loaded[agg_id]  # type: ignore[return-value]
        try:
            agg: Any = self.app.repository.get(agg_id)
        except AggregateNotFoundError:
            return None
        if not isinstance(agg, cls):
            return None
        self._loaded[agg_id] = agg
        return agg

    def get(self, cls: type[A], key: str) -> A:
        agg = self.find(cls, key)
        if agg is None:
            raise UnknownReferenceError(f"unknown {cls.KIND} {key}")
        return agg

    def view(self, cls: type[A], key: str) -> A:
        """The aggregate to read only (see `Records.view`); `get` to change it."""
        agg_id = aggregate_id(cls.KIND, key)
        if agg_id in self._loaded:
            return self._loaded[agg_id]  # type: ignore[return-value]
        agg = self.app.view(agg_id)
        if not isinstance(agg, cls):
            raise UnknownReferenceError(f"unknown {cls.KIND} {key}")
        self._viewed.append(agg)
        return agg

    def add(self, agg: Aggregate) -> None:
        self._loaded[agg.id] = agg

    def changed(self) -> list[Aggregate]:
        if any(agg.pending_events for agg in self._viewed):
            raise RuntimeError("a record read with UnitOfWork.view was changed: load it with get")
        return [agg for agg in self._loaded.values() if agg.pending_events]
