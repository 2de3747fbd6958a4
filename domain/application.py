"""The command side: one Application, one global ordered log of every record's events."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Mapper
from eventsourcing.utils import Environment

from domain.access import require_read
from domain.aggregate import Aggregate, AggregateSnapshot, create
from domain.cell import Cell
from domain.command_log import CommandRecord, command_record_id
from domain.commands import Command
from domain.errors import CommandIdReusedError
from domain.handlers import HANDLERS, Result
from domain.organisation import Organisation
from domain.persistence import OrjsonTranscoder, PydanticMapper
from domain.personal import PersonalDataCipher
from domain.policy import Policy
from domain.unit_of_work import UnitOfWork

A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True)
class Outcome:
    result: Result
    stored: bool


class ChiboApplication(Application[UUID]):
    name = "chibo"
    snapshot_class = AggregateSnapshot
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Organisation: 20, Cell: 20}

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

    def construct_mapper(self) -> Mapper[UUID]:
        mapper = PydanticMapper(transcoder=OrjsonTranscoder())
        mapper.personal = self._personal
        return mapper

    def handle(self, command: Command) -> Result:
        """Applies `command` once: a repeat with the same command id returns the first result.

        A refused command raises `DomainError` and stores nothing.
        """
        return self.apply(command).result

    def apply(self, command: Command) -> Outcome:
        """Like `handle`, and says whether this call stored anything."""
        for attempt in range(2):
            previous = self._previous_result(command)
            if previous is not None:
                return Outcome(result=previous, stored=False)
            unit = UnitOfWork(self)
            result = HANDLERS[type(command)](unit, command)
            record: CommandRecord = create(
                CommandRecord.Accepted,
                command_record_id(command.command_id),
                command.meta,
                name=type(command).__name__,
                fingerprint=command.fingerprint(),
                result=result,
            )
            try:
                self.save(*unit.changed(), record)
            except IntegrityError:
                # Another process applied this command (or touched the same records)
                # first: look again, then redo the decision on fresh state once.
                if attempt:
                    raise
                continue
            return Outcome(result=result, stored=True)
        raise AssertionError("unreachable")

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

    def _previous_result(self, command: Command) -> Result | None:
        try:
            record: Any = self.repository.get(command_record_id(command.command_id))
        except AggregateNotFoundError:
            return None
        if record.fingerprint != command.fingerprint():
            raise CommandIdReusedError(command.command_id)
        result: Result = record.result
        return result
