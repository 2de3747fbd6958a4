"""The command side: one Application, one global ordered log of every record's events."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.utils import Environment

from domain.access import require_read
from domain.aggregate import Aggregate, AggregateSnapshot
from domain.cell import Cell
from domain.handlers import CommandBus
from domain.organisation import Organisation
from domain.persistence import OrjsonTranscoder, PydanticMapper
from domain.personal import PersonalDataCipher
from domain.policy import Policy
from domain.unit_of_work import UnitOfWork

A = TypeVar("A", bound=Aggregate)


class ChiboApplication(Application[UUID], CommandBus):
    """The event store's application: persistence, snapshots, cached views. Commands
    reach it through `handle` (`CommandBus`, beside the handlers it dispatches to)."""

    name = "chibo"
    snapshot_class = AggregateSnapshot
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Organisation: 20, Cell: 20}
    mapper: PydanticMapper

    def construct_env(self, name: str, env: Mapping[str, str] | None = None) -> Environment:
        # Only the settings given here configure persistence: never os.environ.
        _env = dict(type(self).env)
        if self.snapshotting_intervals:
            _env["IS_SNAPSHOTTING_ENABLED"] = "y"
        _env.update(env or {})
        return Environment(name, _env)

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        personal: PersonalDataCipher | None = None,
    ) -> None:
        self._personal = personal
        self._views = threading.local()
        super().__init__(env)

    @property
    def personal(self) -> PersonalDataCipher | None:
        """The members' keys, when personal data is sealed: also for the personal data
        kept outside the log (contacts), sealed the same way."""
        return self._personal

    def construct_mapper(self) -> PydanticMapper:
        mapper = PydanticMapper(transcoder=OrjsonTranscoder())
        mapper.personal = self._personal
        return mapper

    def read(self, cls: type[A], key: str, reader: str, on: date) -> A:
        """A cell's record (meeting, resolution, inspection, task assignment) for `reader`,
        who must belong to the cell or a body above it (R80)."""
        unit = UnitOfWork(self)
        record = unit.get(cls, key)
        cell = unit.get(Cell, str(getattr(record, "cell")))  # noqa: B009 - every cell record has it
        require_read(unit.get(Organisation, cell.organisation), cell, reader, on)
        return record

    def policy_on(self, organisation: str, day: date) -> Policy:
        """The organisation's policy in force on `day` (the defaults for an unknown one)."""
        org: Organisation | None = self.view(Organisation.id_for(organisation))
        return Policy() if org is None else org.policy_on(day)

    def view(self, agg_id: UUID) -> Any:
        """A read-only copy of the latest state, kept per thread and brought up to date
        with any newer events: for the records that rules read on every command (the
        organisation and its policy), which are costly to rebuild each time.
        Never change it: commands change what `UnitOfWork.get` loads."""
        views: dict[UUID, Any] = getattr(self._views, "cache", None) or {}
        self._views.cache = views
        cached = views.get(agg_id)
        if cached is None:
            try:
                cached = self.repository.get(agg_id)
            except AggregateNotFoundError:
                return None
        else:
            newer: list[Any] = list(self.events.get(agg_id, gt=cached.version))
            for event in newer:
                cached = event.mutate(cached)
        if len(views) > 1024:
            views.clear()
        views[agg_id] = cached
        return cached
