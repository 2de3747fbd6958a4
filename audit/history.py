"""Auditors' view of the log: every event of a record, and any record as it stood then.

Reads only the Application's event store (the one piece of SQL, the log positions of a
stream's events, is the recorders' business: audit/recorders.py). Moved out of `domain/`
whole: every question here reads the store, and `fold_as_of`, the only pure piece, is
used by nothing else.

"As of" a moment means as *known* at that moment: the events recorded (their
`timestamp`) up to it, folded in order. "On" a business date means as it stood on that
date: only the events whose business date (`occurred_on`) is that date or earlier, folded
in log order (a correction recorded later but dated earlier counts; an event dated later
does not, even if recorded first). The two cuts combine: on a date, as known at a moment.
Records are named as users know them (`nq-c1-01`, `c1/2026`,
`meeting:c1-2026-01`) or by their stream UUID.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any, cast
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from audit.recorders import log_positions
from domain.aggregate import AGGREGATES, Aggregate
from domain.application import ChiboApplication
from domain.cell import Cell
from domain.command_log import CommandRecord
from domain.events import DomainEvent
from domain.fees import FeeLedger
from domain.ids import aggregate_id
from domain.inspection import Inspection
from domain.meeting import Meeting
from domain.notices import Escalation, Reminder
from domain.organisation import Organisation
from domain.resolution import Resolution
from domain.tasks import TaskAssignment

RECORD_KINDS: tuple[type[Aggregate], ...] = (
    Organisation,
    Cell,
    Meeting,
    Resolution,
    Inspection,
    TaskAssignment,
    FeeLedger,
    Escalation,
    Reminder,
)
"""Kinds a bare user id is looked up in, in this order (command records need `command:`)."""

_ALL_KINDS: tuple[type[Aggregate], ...] = (*RECORD_KINDS, CommandRecord)
KINDS: dict[str, type[Aggregate]] = {
    **{cls.KIND: cls for cls in _ALL_KINDS},
    "org": Organisation,
    "task": TaskAssignment,
    "tasks": TaskAssignment,
    "recommendation": Resolution,
}
"""`kind:key` prefixes: each aggregate's KIND and a few aliases."""

METADATA = frozenset(
    {
        "originator_id",
        "originator_version",
        "timestamp",
        "actor",
        "command_id",
        "correlation_id",
        "occurred_on",
    }
)
SCAN_BATCH = 1000


class HistoryError(LookupError):
    """An audit question that cannot be answered as asked (says why in plain words)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownRecordError(HistoryError):
    """No record has this id."""


class AmbiguousRecordError(HistoryError):
    """Several kinds of record have this id; `candidates` are the `kind:key` forms."""

    def __init__(self, ref: str, candidates: list[str]) -> None:
        super().__init__(
            f"{ref} names several records ({', '.join(candidates)}): "
            "prefix it with its kind, e.g. " + candidates[0]
        )
        self.candidates = candidates


class HistoryEntry(BaseModel):
    """One event of a record, with who, why, the business date and when it was recorded."""

    model_config = ConfigDict(frozen=True)

    position: int | None
    """The event's position in the global log (None when the store cannot say cheaply)."""
    record_id: UUID
    kind: str
    version: int
    topic: str
    event: str
    actor: str
    command_id: str
    correlation_id: str
    occurred_on: date
    recorded_at: datetime
    payload: dict[str, Any]


class RosterEntry(BaseModel):
    member: str
    status: str | None
    working: bool | None


class HeldMeetingView(BaseModel):
    meeting: str
    held_on: date
    kinds: list[str]


class OpenResolution(BaseModel):
    key: str
    origin: str
    source: str
    kind: str
    content: str
    adopted_on: date
    deadline: date
    executors: list[str]
    inspector: str


class OpenEscalation(BaseModel):
    key: str
    kind: str
    rule: str
    period: str | None
    level: int
    status: str
    raised_on: date
    recipients: list[str]


class CellView(BaseModel):
    """A cell as known at `at`: roster on `on`, open items, meetings held, escalations."""

    cell: str
    name: str
    organisation: str
    at: datetime
    on: date
    version: int
    secretary: str
    deputy: str | None
    in_charge: str | None
    roster: list[RosterEntry]
    open_resolutions: list[OpenResolution]
    meetings_held: list[HeldMeetingView]
    open_escalations: list[OpenEscalation]
    """Escalations about this cell not resolved yet (open or acknowledged)."""


# --- finding records ---------------------------------------------------------------------


def _stored_class(app: ChiboApplication, agg_id: UUID) -> type[Aggregate] | None:
    """The aggregate class of stream `agg_id`, from its first stored event (None: no stream)."""
    rows = app.recorder.select_events(agg_id, limit=1)
    if not rows:
        return None
    return AGGREGATES.get(rows[0].topic.rsplit(".", 1)[0])


def resolve(app: ChiboApplication, ref: str | UUID) -> tuple[type[Aggregate], UUID]:
    """The kind and stream id of the record `ref` names.

    `ref` is a stream UUID, a user id tried in every kind of RECORD_KINDS (e.g.
    `nq-c1-01`, task assignments `c1/2026`, escalations `meeting_missed/cell=c2/2026-02/1`),
    or `kind:key` (e.g. `meeting:c1-2026-01`, `command:ID`) when a bare id is ambiguous.
    """
    if isinstance(ref, UUID):
        return _resolve_uuid(app, ref, str(ref))
    text = ref.strip()
    if not text:
        raise UnknownRecordError("no record id given")
    try:
        as_uuid = UUID(text)
    except ValueError:
        pass
    else:
        return _resolve_uuid(app, as_uuid, text)
    prefix, sep, key = text.partition(":")
    if sep and prefix.lower() in KINDS:
        cls = KINDS[prefix.lower()]
        agg_id = aggregate_id(cls.KIND, key)
        if _stored_class(app, agg_id) is not cls:
            raise UnknownRecordError(f"unknown {cls.KIND} {key}")
        return cls, agg_id
    found = [
        (cls, agg_id)
        for cls in RECORD_KINDS
        if _stored_class(app, agg_id := aggregate_id(cls.KIND, text)) is cls
    ]
    if not found:
        kinds = ", ".join(cls.KIND for cls in RECORD_KINDS)
        raise UnknownRecordError(f"unknown record {text} (no {kinds} has this id)")
    if len(found) > 1:
        raise AmbiguousRecordError(text, [f"{cls.KIND}:{text}" for cls, _ in found])
    return found[0]


def _resolve_uuid(app: ChiboApplication, agg_id: UUID, text: str) -> tuple[type[Aggregate], UUID]:
    cls = _stored_class(app, agg_id)
    if cls is None:
        raise UnknownRecordError(f"unknown record {text} (no stream has this UUID)")
    return cls, agg_id


def label(cls: type[Aggregate], record: Aggregate | None, agg_id: UUID) -> str:
    """`kind key` for messages (the UUID when the record has no user key)."""
    key = getattr(record, "key", None)
    return f"{cls.KIND} {key if key is not None else agg_id}"


# --- history -------------------------------------------------------------------------------


def _events(app: ChiboApplication, agg_id: UUID) -> Iterator[DomainEvent]:
    for event in app.events.get(agg_id):
        yield cast(DomainEvent, event)


def history(app: ChiboApplication, ref: str | UUID) -> list[HistoryEntry]:
    """Every event of the record, oldest first."""
    cls, agg_id = resolve(app, ref)
    positions = log_positions(app.recorder, agg_id)
    return [
        HistoryEntry(
            position=positions.get(event.originator_version),
            record_id=agg_id,
            kind=cls.KIND,
            version=event.originator_version,
            topic=type(event).TOPIC,
            event=type(event).__name__,
            actor=event.actor,
            command_id=event.command_id,
            correlation_id=event.correlation_id,
            occurred_on=event.occurred_on,
            recorded_at=event.timestamp,
            payload=event.model_dump(mode="json", exclude=set(METADATA)),
        )
        for event in _events(app, agg_id)
    ]


# --- state at a moment or a version ----------------------------------------------------------


def as_utc(at: datetime) -> datetime:
    """`at` in UTC (a naive datetime is taken to be UTC already)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def fold_as_of(events: Iterable[DomainEvent], at: datetime) -> Aggregate | None:
    """Folds `events` (in version order) while they were recorded by `at`."""
    cut = as_utc(at)
    aggregate: Any = None
    for event in events:
        if event.timestamp > cut:
            break  # a stream is recorded in version order: later ones are later still
        aggregate = event.mutate(aggregate)
    return cast(Aggregate | None, aggregate)


def fold_on(
    events: Iterable[DomainEvent], day: date, at: datetime | None = None
) -> Aggregate | None:
    """Folds, in version order, the events of business date `day` or earlier (recorded
    by `at` if given). None when the record's first event is not among them. The state's
    `version` is the last event folded (earlier versions may have been left out)."""
    cut = as_utc(at) if at is not None else None
    aggregate: Any = None
    folded = 0
    last = 0
    for event in events:
        if cut is not None and event.timestamp > cut:
            break
        if event.occurred_on > day:
            if event.originator_version == 1:
                return None  # the record did not exist yet on that date
            continue
        folded += 1
        aggregate = event.model_copy(update={"originator_version": folded}).mutate(aggregate)
        last = event.originator_version
    if aggregate is not None:
        aggregate.version = last
    return cast(Aggregate | None, aggregate)


def state_on(
    app: ChiboApplication, ref: str | UUID, day: date, at: datetime | None = None
) -> Aggregate | None:
    """The record as it stood on business date `day` (as known at `at`, if given)."""
    _, agg_id = resolve(app, ref)
    return fold_on(_events(app, agg_id), day, at)


def state_as_of(app: ChiboApplication, ref: str | UUID, at: datetime) -> Aggregate | None:
    """The record as known at `at` (None: it had not been recorded yet)."""
    _, agg_id = resolve(app, ref)
    return fold_as_of(_events(app, agg_id), at)


def state_at_version(app: ChiboApplication, ref: str | UUID, version: int) -> Aggregate:
    """The record as it stood after its `version`-th event."""
    cls, agg_id = resolve(app, ref)
    latest: Aggregate = app.repository.get(agg_id)
    if not 1 <= version <= latest.version:
        raise HistoryError(
            f"{label(cls, latest, agg_id)} has versions 1 to {latest.version}, not {version}"
        )
    state: Aggregate = app.repository.get(agg_id, version=version)
    return state


# --- a cell at a moment ------------------------------------------------------------------------


def created(app: ChiboApplication, topic: str, batch: int = SCAN_BATCH) -> Iterator[DomainEvent]:
    """Every event of `topic` in the log, in log order, read in batches."""
    start = 1
    while True:
        rows = app.recorder.select_notifications(start=start, limit=batch, topics=[topic])
        for row in rows:
            yield cast(DomainEvent, app.mapper.to_domain_event(row))
        if len(rows) < batch:
            return
        start = rows[-1].id + 1


def cell_as_of(
    app: ChiboApplication, cell_key: str, at: datetime, on: date | None = None
) -> CellView | None:
    """Cell `cell_key` as known at `at` (None: not founded yet).

    With business date `on`, every section stands on that date: the cell, its roster and
    in-charge, meetings held, open resolutions and recommendations and unresolved
    escalations are folded from the events dated `on` or earlier (and recorded by `at`).
    Without it, everything recorded by `at` counts, and the roster is that of `at`'s UTC
    date.
    """
    key = cell_key.removeprefix(f"{Cell.KIND}:")
    cell_id = Cell.id_for(key)
    if _stored_class(app, cell_id) is not Cell:
        raise UnknownRecordError(f"unknown cell {key}")
    cut = as_utc(at)

    cell = cast(Cell | None, _fold_either(app, cell_id, cut, on))
    if cell is None:
        return None
    day = on or cut.date()
    org = cast(
        Organisation | None, _fold_either(app, Organisation.id_for(cell.organisation), cut, on)
    )
    roster = []
    for member in cell.members_on(day):
        record = org.members.get(member) if org else None
        span = record.on(day) if record else None
        roster.append(
            RosterEntry(
                member=member,
                status=span.status if span else None,
                working=span.working if span else None,
            )
        )
    return CellView(
        cell=cell.key,
        name=cell.name,
        organisation=cell.organisation,
        at=cut,
        on=day,
        version=cell.version,
        secretary=cell.secretary,
        deputy=cell.deputy,
        in_charge=cell.in_charge_on(day),
        roster=roster,
        open_resolutions=_open_resolutions(app, cell.key, cut, on),
        meetings_held=sorted(
            (
                HeldMeetingView(meeting=m, held_on=held.held_on, kinds=held.kinds)
                for m, held in cell.meetings.items()
            ),
            key=lambda v: (v.held_on, v.meeting),
        ),
        open_escalations=_open_escalations(app, cell.key, cut, on),
    )


def _fold_either(
    app: ChiboApplication, agg_id: UUID, cut: datetime, on: date | None
) -> Aggregate | None:
    events = _events(app, agg_id)
    return fold_as_of(events, cut) if on is None else fold_on(events, on, cut)


def _open_resolutions(
    app: ChiboApplication, cell: str, cut: datetime, on: date | None
) -> list[OpenResolution]:
    found = []
    for adopted in created(app, Resolution.Adopted.TOPIC):
        if getattr(adopted, "cell", None) != cell or adopted.timestamp > cut:
            continue
        res = cast(Resolution | None, _fold_either(app, adopted.originator_id, cut, on))
        if res is not None and res.status == "open":
            found.append(
                OpenResolution(
                    key=res.key,
                    origin=res.origin,
                    source=res.source,
                    kind=res.kind,
                    content=res.content,
                    adopted_on=res.adopted_on,
                    deadline=res.deadline,
                    executors=res.executors,
                    inspector=res.inspector,
                )
            )
    return sorted(found, key=lambda r: (r.deadline, r.key))


def _open_escalations(
    app: ChiboApplication, cell: str, cut: datetime, on: date | None
) -> list[OpenEscalation]:
    found = []
    for raised in created(app, Escalation.Raised.TOPIC):
        subject: dict[str, str] = getattr(raised, "subject", {})
        if subject.get("cell") != cell or raised.timestamp > cut:
            continue
        esc = cast(Escalation | None, _fold_either(app, raised.originator_id, cut, on))
        if esc is not None and esc.status != "resolved":
            found.append(
                OpenEscalation(
                    key=esc.key,
                    kind=esc.kind,
                    rule=esc.rule,
                    period=esc.period,
                    level=esc.level,
                    status=esc.status,
                    raised_on=esc.raised_on,
                    recipients=esc.recipients,
                )
            )
    return sorted(found, key=lambda e: (e.raised_on, e.key))
