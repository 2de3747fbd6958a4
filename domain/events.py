"""The base of every domain event: pydantic, frozen, with an explicit topic.

Every event records who (actor), why (command id, correlation id), the business
date it refers to (occurred_on) and when it was recorded (timestamp).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

TOPICS: dict[str, type[BaseModel]] = {}
"""Explicit topic → event class; stored events name these, never module paths."""


class Meta(BaseModel):
    """Who asked, why, and for which business date: copied onto every event."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: str
    command_id: str
    correlation_id: str
    occurred_on: date


def utc_now() -> datetime:
    return datetime.now(UTC)


class DomainEvent(BaseModel):
    """An immutable fact about one aggregate.

    Subclasses set `TOPIC` (stable across renames) and, when their schema changes,
    bump `class_version` and add `upcast_vN_vN1(state)` static methods.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    TOPIC: ClassVar[str] = ""
    class_version: ClassVar[int] = 1
    PERSONAL: ClassVar[dict[str, str]] = {}
    """Personal fields → the field naming whose data it is (sealed when a cipher is set)."""
    PERSONAL_PATHS: ClassVar[tuple[str, ...]] = ()
    """Personal values inside dicts keyed by member id, as `domain.personal.locate`
    patterns (e.g. `session.excused.*`), each sealed under that member's key."""

    originator_id: UUID
    originator_version: int
    timestamp: datetime = Field(default_factory=utc_now)
    actor: str
    command_id: str
    correlation_id: str
    occurred_on: date

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        topic = cls.__dict__.get("TOPIC")
        if topic:
            register_topic(topic, cls)

    def mutate(self, aggregate: Any) -> Any:
        """Applies this event as the next one of `aggregate` (the library's protocol)."""
        if aggregate.id != self.originator_id:
            raise ValueError(f"event of {self.originator_id} applied to {aggregate.id}")
        if aggregate.version + 1 != self.originator_version:
            raise ValueError(f"event version {self.originator_version} after {aggregate.version}")
        self.apply(aggregate)
        aggregate.version = self.originator_version
        aggregate.modified_on = self.timestamp
        return aggregate

    def apply(self, aggregate: Any) -> None:
        """Evolves the aggregate's state; overridden by each event."""

    @property
    def meta(self) -> Meta:
        return Meta(
            actor=self.actor,
            command_id=self.command_id,
            correlation_id=self.correlation_id,
            occurred_on=self.occurred_on,
        )


def register_topic(topic: str, cls: type[BaseModel]) -> None:
    if topic in TOPICS and TOPICS[topic] is not cls:
        raise TypeError(f"topic {topic} already names {TOPICS[topic]}")
    TOPICS[topic] = cls


def resolve_event_class(topic: str) -> type[BaseModel]:
    try:
        return TOPICS[topic]
    except KeyError:
        raise LookupError(f"no event class for topic {topic!r}") from None


Upcaster = Callable[[dict[str, Any]], None]
