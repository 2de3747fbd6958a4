"""Auditors' questions over HTTP: every event of a record, and a record as it stood on a
business date or as it was known at a recording time (audit/history.py).

Who may read a record: a cell's record (the cell, its meetings, resolutions,
inspections, task assignments) whoever may read that cell (R80); the organisation's
record its leadership, committee, inspection commission and auditors; an escalation or
reminder its recipients and whoever reads its cell or every cell. Anything else (command
records, another organisation's records) answers 404 like an unknown id."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from api.deps import CallerDep, OrganisationDep, Services, ServicesDep, today
from api.guard import not_found, record
from api.pages import DEFAULT_LIMIT, Cursor, Limit, Page, page
from api.problems import ProblemError
from api.reading import RECORD_ERRORS, above
from audit import history as h
from domain.access import Caller, may_read
from domain.aggregate import Aggregate
from domain.cell import Cell
from domain.notices import Escalation, Reminder
from domain.organisation import Organisation

router = APIRouter(tags=["records"])


class HistoryItem(BaseModel):
    """One event of a record."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "event": "ProgressReported",
                    "version": 2,
                    "actor": "m12",
                    "command_id": "6f1c…",
                    "occurred_on": "2026-01-20",
                    "recorded_at": "2026-01-20T08:15:02.120000+00:00",
                    "data": {"by": "m12", "note": "Đã họp tổ"},
                }
            ]
        }
    }

    event: str
    version: int
    actor: str
    command_id: str
    occurred_on: date
    recorded_at: datetime
    data: dict[str, Any]


class RecordState(BaseModel):
    """A record as it stood (`on`) / as it was known (`as_of`); `state` null when it was
    not recorded yet then."""

    kind: str
    id: UUID = Field(description="The record's stream id.")
    key: str | None
    on: date | None
    as_of: datetime | None
    version: int
    state: dict[str, Any] | None


def _candidates(svc: Services, ref: str) -> list[tuple[type[Aggregate], UUID]]:
    try:
        return [h.resolve(svc.app, ref)]
    except h.AmbiguousRecordError as error:
        return [h.resolve(svc.app, candidate) for candidate in error.candidates]
    except h.HistoryError:
        return []


def _cell_of(svc: Services, found: Any) -> Cell | None:
    if isinstance(found, Cell):
        return found
    key = getattr(found, "cell", None)
    if isinstance(found, Escalation | Reminder):
        key = found.subject.get("cell")
    return record(svc, Cell, key) if isinstance(key, str) else None


def _may_read(svc: Services, org: Organisation, caller: Caller, found: Any, on: date) -> bool:
    if isinstance(found, Organisation):
        return found.key == org.key and above(org, caller)
    cell = _cell_of(svc, found)
    if isinstance(found, Escalation | Reminder):
        if found.organisation != org.key:
            return False
        if caller.member in found.recipients or above(org, caller):
            return True
        return cell is not None and may_read(org, cell, caller.member, on)
    if cell is None:
        return False  # command records and anything not tied to a cell of ours
    return may_read(org, cell, caller.member, on)


def readable_record(
    svc: Services, org: Organisation, caller: Caller, ref: str, path: str
) -> tuple[type[Aggregate], UUID]:
    """The record `ref` names, if the caller may read it; 404 as if unknown otherwise.
    A read of a cell's record from outside the cell goes into the access log."""
    day = today()
    readable = []
    for cls, agg_id in _candidates(svc, ref):
        found: Aggregate = svc.app.repository.get(agg_id)
        if _may_read(svc, org, caller, found, day):
            readable.append((cls, agg_id, found))
    if not readable:
        raise not_found("hồ sơ (record)", ref)
    if len(readable) > 1:
        names = ", ".join(f"{cls.KIND}:{ref}" for cls, _, _ in readable)
        raise ProblemError(
            422, f"mã {ref} chỉ nhiều hồ sơ, hãy ghi rõ loại (several records; prefix one): {names}"
        )
    cls, agg_id, found = readable[0]
    cell = _cell_of(svc, found)
    if cell is not None and not cell.is_member_on(caller.member, day):
        svc.accounts().log_read(caller, cell.key, str(getattr(found, "key", agg_id)), path)
    return cls, agg_id


@router.get(
    "/records/{record:path}/history", response_model=Page[HistoryItem], responses=RECORD_ERRORS
)
def record_history(
    record: str,
    request: Request,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[HistoryItem]:
    """Every event of the record, oldest first, with who recorded it, under which
    command, its business date and when it was recorded. `record` is a user id
    (`nq-c1-01`, `c1/2026`), `kind:key` (`meeting:c1-2026-01`) or a stream UUID."""
    _, agg_id = readable_record(svc, org, caller, record, request.url.path)
    items = [
        HistoryItem(
            event=entry.event,
            version=entry.version,
            actor=entry.actor,
            command_id=entry.command_id,
            occurred_on=entry.occurred_on,
            recorded_at=entry.recorded_at,
            data=entry.payload,
        )
        for entry in h.history(svc.app, agg_id)
    ]
    return page(items, limit, cursor)


@router.get("/records/{record:path}", response_model=RecordState, responses=RECORD_ERRORS)
def record_state(
    record: str,
    request: Request,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    on: Annotated[date | None, Query(description="as it stood on this business date")] = None,
    as_of: Annotated[
        datetime | None,
        Query(description="as known at this recording time (ISO, with offset)"),
    ] = None,
) -> RecordState:
    """The record now, on a business date, as known at a moment, or both combined."""
    cls, agg_id = readable_record(svc, org, caller, record, request.url.path)
    state: Aggregate | None
    if on is not None:
        state = h.state_on(svc.app, agg_id, on, as_of)
    elif as_of is not None:
        state = h.state_as_of(svc.app, agg_id, as_of)
    else:
        state = svc.app.repository.get(agg_id)
    dumped = state.model_dump(mode="json") if state is not None else None
    return RecordState(
        kind=cls.KIND,
        id=agg_id,
        key=dumped.get("key") if dumped else None,
        on=on,
        as_of=as_of,
        version=state.version if state is not None else 0,
        state=dumped,
    )
