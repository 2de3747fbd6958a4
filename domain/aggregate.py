"""The base of every aggregate: a mutable pydantic model evolved only by its events.

Aggregates follow the `eventsourcing` library's protocol (id, version, events with
`mutate`, `collect_events`) so its Application, Repository and snapshot store work
unchanged, while state and events stay pydantic models that serialise themselves.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Self, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, PrivateAttr

from domain.events import DomainEvent, Meta, register_topic, utc_now

AGGREGATES: dict[str, type[Aggregate]] = {}

E = TypeVar("E", bound=DomainEvent)


class Aggregate(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    TOPIC: ClassVar[str] = ""
    KIND: ClassVar[str] = ""
    """The word users see for this kind of record (used in ids and messages)."""
    PERSONAL_PATHS: ClassVar[tuple[str, ...]] = ()
    """Personal values in the state (`domain.personal.locate` patterns): snapshots
    store them sealed, like the events they come from."""

    id: UUID
    version: int
    created_on: datetime
    modified_on: datetime
    _pending: list[DomainEvent] = PrivateAttr(default_factory=list)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        topic = cls.__dict__.get("TOPIC")
        if topic:
            AGGREGATES[topic] = cls

    @classmethod
    def start(cls, event: Created, **state: Any) -> Self:
        """Builds the first state of the aggregate from its creation event."""
        return cls(
            id=event.originator_id,
            version=event.originator_version,
            created_on=event.timestamp,
            modified_on=event.timestamp,
            **state,
        )

    def trigger(self, event_class: type[E], meta: Meta, **fields: Any) -> E:
        """Records a new event and applies it to this aggregate."""
        event = event_class(
            originator_id=self.id,
            originator_version=self.version + 1,
            **meta.model_dump(),
            **fields,
        )
        event.mutate(self)
        self._pending.append(event)
        return event

    def collect_events(self) -> list[DomainEvent]:
        collected, self._pending = self._pending, []
        return collected

    @property
    def pending_events(self) -> list[DomainEvent]:
        return list(self._pending)


A = TypeVar("A", bound=Aggregate)


class Created(DomainEvent):
    """The first event of a stream: it constructs the aggregate."""

    def mutate(self, aggregate: Any) -> Any:
        if aggregate is not None:
            raise ValueError(f"{type(self).__name__} applied to an existing aggregate")
        if self.originator_version != 1:
            raise ValueError("a creation event must be version 1")
        return self.create()

    def create(self) -> Aggregate:
        raise NotImplementedError


def create(created_class: type[Created], originator_id: UUID, meta: Meta, **fields: Any) -> Any:
    """Starts a new aggregate from its creation event (returned with it pending)."""
    event = created_class(
        originator_id=originator_id, originator_version=1, **meta.model_dump(), **fields
    )
    aggregate = event.mutate(None)
    aggregate._pending.append(event)
    return aggregate


class AggregateSnapshot(BaseModel):
    """A stored copy of an aggregate's state at a version (a shortcut, never the truth)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    TOPIC: ClassVar[str] = "chibo.Snapshot"
    class_version: ClassVar[int] = 1

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    topic: str
    state: dict[str, Any]

    @classmethod
    def take(cls, aggregate: Aggregate) -> AggregateSnapshot:
        return cls(
            originator_id=aggregate.id,
            originator_version=aggregate.version,
            timestamp=utc_now(),
            topic=type(aggregate).TOPIC,
            state=aggregate.model_dump(mode="json"),
        )

    def mutate(self, _: None) -> Aggregate:
        return AGGREGATES[self.topic].model_validate(self.state)


register_topic(AggregateSnapshot.TOPIC, AggregateSnapshot)
