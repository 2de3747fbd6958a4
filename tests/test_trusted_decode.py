"""Reading the log trusts what was validated when written (domain/persistence.py): every
event class is rebuilt from its stored JSON without validating again, and the result is
exactly the event that was stored, and exactly what validating would have given."""

from __future__ import annotations

import types
from datetime import UTC, date, datetime
from typing import Any, Literal, Union, get_args, get_origin
from uuid import UUID

import orjson
import pytest
from eventsourcing.persistence import StoredEvent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, field_validator

import domain.application  # noqa: F401 - registers every event class
from domain.aggregate import AggregateSnapshot
from domain.events import TOPICS
from domain.persistence import OrjsonTranscoder, PydanticMapper, trusted_builder, upcast

CLASSES = sorted({*TOPICS.values(), AggregateSnapshot}, key=lambda cls: cls.TOPIC)  # type: ignore[attr-defined]

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def strategy(tp: Any) -> st.SearchStrategy[Any]:
    """Values of `tp` as an event would hold them (JSON-sized integers, aware times)."""
    scalars: dict[Any, st.SearchStrategy[Any]] = {
        str: st.text(max_size=12),
        int: st.integers(-(2**31), 2**31),
        bool: st.booleans(),
        date: st.dates(),
        datetime: st.datetimes(timezones=st.just(UTC)),
        UUID: st.uuids(),
        Any: JSON,
    }
    if tp in scalars:
        return scalars[tp]
    origin, args = get_origin(tp), get_args(tp)
    if origin is Literal:
        return st.sampled_from(args)
    if origin in (Union, types.UnionType):
        return st.one_of([st.none() if a is type(None) else strategy(a) for a in args])
    if origin is list:
        return st.lists(strategy(args[0]), max_size=3)
    if origin is tuple:
        return st.lists(strategy(args[0]), max_size=3).map(tuple)
    if origin is dict:
        return st.dictionaries(strategy(args[0]), strategy(args[1]), max_size=3)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        fields = {name: strategy(f.annotation) for name, f in tp.model_fields.items()}
        return st.fixed_dictionaries(fields).map(lambda values: tp(**values))
    raise AssertionError(f"no strategy for {tp!r}")


def test_every_event_class_is_read_back_without_validating() -> None:
    untrusted = [cls.TOPIC for cls in CLASSES if trusted_builder(cls) is None]  # type: ignore[attr-defined]
    assert untrusted == []


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.TOPIC)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_an_event_read_back_is_the_event_stored_and_what_validation_gives(
    cls: Any, data: st.DataObject
) -> None:
    event = data.draw(strategy(cls))
    mapper = PydanticMapper(transcoder=OrjsonTranscoder())
    stored = mapper.to_stored_event(event)
    read = mapper.to_domain_event(stored)
    assert type(read) is cls
    assert read == event
    for name in cls.model_fields:  # the same types, not just equal values (a date, not a str)
        assert type(getattr(read, name)) is type(getattr(event, name)), name
    state = orjson.loads(stored.state)
    upcast(cls, state)
    state |= {
        "originator_id": stored.originator_id,
        "originator_version": stored.originator_version,
    }
    assert read == cls.model_validate(state)
    assert read.model_dump(mode="json") == event.model_dump(mode="json")
    # SQLite's rows hold the id as text: the same event, its id a UUID.
    text = str(stored.originator_id)
    from_text = mapper.decode(text, stored.originator_version, stored.topic, stored.state)
    assert from_text == event
    assert type(from_text.originator_id) is UUID


class _Normalised(BaseModel):
    """A class whose validator changes values must still be validated on the way back."""

    model_config = ConfigDict(frozen=True)
    name: str

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class _EitherOf(BaseModel):
    either: _Normalised | AggregateSnapshot


def test_classes_that_need_validating_are_not_trusted() -> None:
    assert trusted_builder(_Normalised) is None
    assert trusted_builder(_EitherOf) is None


@settings(max_examples=10, deadline=None)
@given(event=strategy(TOPICS["chibo.Resolution.Completed"]))
def test_a_state_missing_a_later_field_gets_its_default(event: Any) -> None:
    mapper = PydanticMapper(transcoder=OrjsonTranscoder())
    stored = mapper.to_stored_event(event)
    state = orjson.loads(stored.state)
    del state["timestamp"]  # as if written before the field existed
    older = StoredEvent(
        stored.originator_id, stored.originator_version, stored.topic, orjson.dumps(state)
    )
    read = mapper.to_domain_event(older)
    assert isinstance(read.timestamp, datetime)
    assert read.model_dump(exclude={"timestamp"}) == event.model_dump(exclude={"timestamp"})
