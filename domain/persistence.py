"""How events become stored rows and back: pydantic dumps, orjson bytes, explicit topics.

The library's own mapper expects dataclass events; this one lets pydantic do the
serialising and keeps the library's upcasting convention (`class_version`,
`upcast_vN_vN1`), so old stored events load as today's classes.

On the way back events are trusted: each was validated when it was written, so a stored
state is only converted to its fields' types (`trusted_builder`), not validated again,
which is most of what reading the log costs. A class whose fields we cannot convert
that way (a union of models, a validator that changes values) is validated as before.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from uuid import UUID, SafeUUID

import orjson
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from pydantic import BaseModel

from domain.aggregate import AGGREGATES, AggregateSnapshot
from domain.events import resolve_event_class
from domain.personal import ERASED, PersonalDataCipher, locate

_IDENTITY = ("originator_id", "originator_version")
_SEALED = b'"sealed":'
"""How a sealed value starts in the stored JSON (orjson writes no spaces)."""


class OrjsonTranscoder(Transcoder):
    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    # orjson's own function, not a method calling it: one frame less on every event read.
    decode = staticmethod(orjson.loads)  # type: ignore[assignment]


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
        return self.decode(
            stored_event.originator_id,
            stored_event.originator_version,
            stored_event.topic,
            stored_event.state,
        )

    def decode(self, originator_id: UUID | str, version: int, topic: str, data: bytes) -> Any:
        """A stored event's domain event, from its columns (a page of the log is read as
        rows: `read_rows`). Reading the log is mostly this method: one
        lookup per topic, nothing repeated."""
        try:
            cls, build, versioned, personal = _PLANS[topic]
        except KeyError:
            cls, build, versioned, personal = _plan(topic)
        if isinstance(originator_id, str):  # SQLite's text (see `Row`)
            originator_id = _parse_uuid(originator_id)
        state: dict[str, Any] = self.transcoder.decode(data)
        if versioned or "class_version" in state:
            upcast(cls, state)
        if personal and _SEALED in data:  # only then is there anything to open
            self._open(cls, state)
        state["originator_id"] = originator_id
        state["originator_version"] = version
        return build(state)

    def _open(self, cls: Any, state: dict[str, Any]) -> None:
        """Opens the sealed personal values in place (ERASED where the key is gone)."""
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


Row = tuple[int, UUID | str, int, str, bytes]
"""A stored event as the log is read: position, originator id and version, topic, state.
The id as the database gives it: a UUID from PostgreSQL, its hex text from SQLite (made a
UUID only where an event is built: `PydanticMapper.decode`, or `uuid_of`)."""


_new_uuid = UUID.__new__
_set_int, _set_safe = UUID.__dict__["int"].__set__, UUID.__dict__["is_safe"].__set__
_from_bytes, _from_hex = int.from_bytes, bytes.fromhex
_SAFE = SafeUUID.unknown


def _parse_uuid(text: str) -> UUID:
    """`UUID(text)` for an id as stored (the library writes `uuid.hex`; dashes, as
    `str(uuid)` has them, are dropped), at a third of the cost: its checks are for any
    form a caller may give. Parsed each time: most of a log's streams are read for one
    or two events, and a cache of them cost more than it saved."""
    made = _new_uuid(UUID)
    _set_int(made, _from_bytes(_from_hex(text.replace("-", "")), "big"))
    _set_safe(made, _SAFE)
    return made


def uuid_of(originator_id: UUID | str) -> UUID:
    """A row's originator id as a UUID."""
    return _parse_uuid(originator_id) if isinstance(originator_id, str) else originator_id


def read_rows(
    recorder: Any, start: int, limit: int, stop: int | None = None, excluding: Sequence[str] = ()
) -> Sequence[Row]:
    """The next page of the log from `start` (to `stop`), as rows, leaving out the
    topics `excluding`: the chained recorders read them so directly; any other (the
    library's own, in tests) through its notifications."""
    select_rows = getattr(recorder, "select_rows", None)
    if select_rows is not None:
        rows: list[Row] = select_rows(start, limit, stop, excluding=excluding)
        return rows
    skipped = frozenset(excluding)
    page: list[Row] = []
    while len(page) < limit:  # the library's page counts the left-out ones too
        found = recorder.select_notifications(start, limit, stop)
        page += [
            (n.id, n.originator_id, n.originator_version, n.topic, n.state)
            for n in found
            if n.topic not in skipped
        ]
        if len(found) < limit:
            break
        start = found[-1].id + 1
    return page[:limit]


Build = Callable[[dict[str, Any]], Any]
_PLANS: dict[str, tuple[Any, Build, bool, bool]] = {}


def _plan(topic: str) -> tuple[Any, Build, bool, bool]:
    """A topic's class, how to build it from a stored state (trusted, or validated),
    whether its states may need upcasting, and whether they may hold sealed personal
    values (searching every state's bytes for one was a tenth of reading the log)."""
    cls: Any = resolve_event_class(topic)
    personal = cls is AggregateSnapshot or bool(
        getattr(cls, "PERSONAL", None) or getattr(cls, "PERSONAL_PATHS", None)
    )
    build = trusted_builder(cls) or cls.model_validate
    _PLANS[topic] = (cls, build, cls.class_version > 1, personal)
    return _PLANS[topic]


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


Convert = Callable[[Any], Any]


class _UntrustedError(Exception):
    """A type `_converter` cannot rebuild from JSON without validating."""


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)


class _Days(dict[str, date]):
    """ISO days → dates, each parsed once: a log's events fall on a few thousand days,
    and a dict finds one in a third of the time `date.fromisoformat` takes (dates are
    immutable: one shared by many events is as good as one each)."""

    def __missing__(self, key: str) -> date:
        if len(self) > 100_000:
            self.clear()
        found = self[key] = date.fromisoformat(key)
        return found


_DAYS = _Days()

_SCALARS: dict[Any, Convert | None] = {
    str: None,
    int: None,
    bool: None,
    float: None,
    type(None): None,
    Any: None,
    date: _DAYS.__getitem__,
    datetime: datetime.fromisoformat,
    UUID: _uuid,
}


def _converter(tp: Any) -> Convert | None:
    """A function turning `tp`'s JSON form (as pydantic dumped it) back into `tp`; None
    where the JSON value already is one."""
    if tp in _SCALARS:
        return _SCALARS[tp]
    origin, args = get_origin(tp), get_args(tp)
    if origin is Annotated:
        return _converter(args[0])  # constraints were checked when the event was written
    if origin is Literal:
        return None
    if origin in (Union, types.UnionType):
        present = [a for a in args if a is not type(None)]
        if len(present) != 1:
            raise _UntrustedError(tp)
        inner = _converter(present[0])
        return None if inner is None else _optional(inner)
    if origin is list:
        item = _converter(args[0])
        return None if item is None else _list_of(item)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _converter(args[0])
        return tuple if item is None else _tuple_of(item)
    if origin is dict:
        if _converter(args[0]) is not None:
            raise _UntrustedError(tp)
        value = _converter(args[1])
        return None if value is None else _dict_of(value)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        build = trusted_builder(tp)
        if build is None:
            raise _UntrustedError(tp)
        return build
    raise _UntrustedError(tp)


def _optional(inner: Convert) -> Convert:
    return lambda v: None if v is None else inner(v)


def _list_of(item: Convert) -> Convert:
    return lambda v: [item(x) for x in v]


def _tuple_of(item: Convert) -> Convert:
    return lambda v: tuple(item(x) for x in v)


def _dict_of(value: Convert) -> Convert:
    return lambda v: {k: value(x) for k, x in v.items()}


_SLOT_SETTERS: dict[str, Callable[[Any, Any], None]] = {
    name: BaseModel.__dict__[slot].__set__
    for name, slot in (
        ("set_dict", "__dict__"),
        ("set_fields", "__pydantic_fields_set__"),
        ("set_extra", "__pydantic_extra__"),
        ("set_private", "__pydantic_private__"),
    )
}
"""The setters of a model's four slots (`BaseModel.__slots__`), as the builders name them."""


@cache
def trusted_builder(cls: type[BaseModel]) -> Build | None:
    """Builds `cls` from a stored state without validating it again, or None when `cls`
    needs its validators (see the module's docstring)."""
    decorators = cls.__pydantic_decorators__
    if decorators.field_validators or decorators.model_validators or decorators.validators:
        return None
    try:
        converters = [
            (name, convert)
            for name, field in cls.model_fields.items()
            if name not in _IDENTITY and (convert := _converter(field.annotation)) is not None
        ]
    except _UntrustedError:
        return None
    names = frozenset(cls.model_fields)
    # The keys of a state as stored today, in their order: the fields but the identity as
    # dumped, the identity as `decode` adds it. Comparing tuples of them costs less than
    # half what comparing sets did; a state in another order takes the slow way, as one
    # missing a field does.
    order = tuple(n for n in cls.model_fields if n not in _IDENTITY) + tuple(
        n for n in _IDENTITY if n in names
    )
    # Every event read this way has every field set: one set shared by all of them
    # (pydantic only reads it, or copies it first; frozen events take no assignment).
    every_field = set(names)

    def slow(state: dict[str, Any]) -> Any:
        # Written before a field existed (its default), or by a class since upcast.
        for name, convert in converters:
            if name in state:
                state[name] = convert(state[name])
        return cls.model_construct(**state)

    # What `model_construct` does, without its per-field loop: every field is here. The
    # body is written out per class (one line a converted field, no loop, no lookups
    # of the converters): reading the log is mostly this function. The slots are set
    # through their descriptors, not `object.__setattr__` (which looks each one up).
    lines = [f"    state[{n!r}] = c{i}(state[{n!r}])" for i, (n, _) in enumerate(converters)]
    source = "\n".join(
        [
            "def build(state):",
            "    if tuple(state) != order:",
            "        return slow(state)",
            *lines,
            "    event = new(cls)",
            "    set_dict(event, state)",
            "    set_fields(event, every_field)",
            "    set_extra(event, None)",
            "    set_private(event, None)",
            "    return event",
        ]
    )
    scope: dict[str, Any] = {
        "order": order,
        "slow": slow,
        "new": cls.__new__,
        "cls": cls,
        **_SLOT_SETTERS,
        "every_field": every_field,
        **{f"c{i}": convert for i, (_, convert) in enumerate(converters)},
    }
    exec(compile(source, f"<trusted builder of {cls.__qualname__}>", "exec"), scope)
    built: Build = scope["build"]
    return built
