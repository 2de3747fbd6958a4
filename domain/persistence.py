"""How events become stored rows and back: pydantic dumps, orjson bytes, explicit topics.

The library's own mapper expects dataclass events; this one lets pydantic do all the
(de)serialising and keeps the library's upcasting convention (`class_version`,
`upcast_vN_vN1`), so old stored events load as today's classes.
"""

from __future__ import annotations

from typing import Any

import orjson
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder

from domain.aggregate import AGGREGATES, AggregateSnapshot
from domain.events import resolve_event_class
from domain.personal import ERASED, PersonalDataCipher, locate

_IDENTITY = ("originator_id", "originator_version")


class OrjsonTranscoder(Transcoder):
    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)


class PydanticMapper(Mapper[Any]):
    personal: PersonalDataCipher | None = None
    """Seals events' personal fields when set (see domain/personal.py)."""

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        cls = type(domain_event)
        state = domain_event.model_dump(mode="json", exclude=set(_IDENTITY))
        if cls.class_version > 1:
            state["class_version"] = cls.class_version
        if self.personal is not None:
            for field, subject in getattr(cls, "PERSONAL", {}).items():
                context = f"{cls.TOPIC}:{field}"
                sealed = self.personal.seal(state[subject], context, state[field])
                state[field] = {"sealed": sealed}
            for pattern in _personal_paths(cls, state):
                for container, key, subject, path in list(locate(state, pattern)):
                    value = container[key]
                    if isinstance(value, str):
                        context = f"{cls.TOPIC}:{path}"
                        container[key] = {"sealed": self.personal.seal(subject, context, value)}
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=cls.TOPIC,
            state=self.transcoder.encode(state),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        cls: Any = resolve_event_class(stored_event.topic)
        state: dict[str, Any] = self.transcoder.decode(stored_event.state)
        upcast(cls, state)
        for field, subject in getattr(cls, "PERSONAL", {}).items():
            value = state.get(field)
            if isinstance(value, dict) and "sealed" in value:
                opened = None
                if self.personal is not None:
                    context = f"{cls.TOPIC}:{field}"
                    opened = self.personal.open(state[subject], context, value["sealed"])
                state[field] = ERASED if opened is None else opened
        for pattern in _personal_paths(cls, state):
            for container, key, subject, path in list(locate(state, pattern)):
                value = container[key]
                if isinstance(value, dict) and "sealed" in value:
                    opened = None
                    if self.personal is not None:
                        context = f"{cls.TOPIC}:{path}"
                        opened = self.personal.open(subject, context, value["sealed"])
                    container[key] = ERASED if opened is None else opened
        state["originator_id"] = stored_event.originator_id
        state["originator_version"] = stored_event.originator_version
        return cls.model_validate(state)


def _personal_paths(cls: Any, state: dict[str, Any]) -> tuple[str, ...]:
    """Where an event's personal values are; for a snapshot, those of its aggregate."""
    if cls is AggregateSnapshot:
        aggregate = AGGREGATES.get(state.get("topic", ""))
        return tuple(f"state.{p}" for p in getattr(aggregate, "PERSONAL_PATHS", ()))
    paths: tuple[str, ...] = getattr(cls, "PERSONAL_PATHS", ())
    return paths


def upcast(cls: Any, state: dict[str, Any]) -> None:
    """Brings a stored state written by an older class version up to date, in place."""
    version = state.pop("class_version", 1)
    while version < cls.class_version:
        getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
        version += 1
