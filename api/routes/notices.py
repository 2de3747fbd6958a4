"""The caller's inbox (escalations and reminders addressed to them) and the supervisors'
view of escalations."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import CallerDep, OrganisationDep, ServicesDep, today
from api.pages import DEFAULT_LIMIT, Cursor, Limit, Page, page
from api.reading import READ_ERRORS, above, readable_cells
from domain.notices import EscalationStatus
from projections import escalations as notices
from projections import reminders as sent
from projections.escalations import EscalationRow
from projections.reminders import ReminderRow

router = APIRouter(tags=["notices"])


class InboxItem(BaseModel):
    """An escalation or a reminder addressed to the caller."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "type": "escalation",
                    "key": "meeting_missed/cell=c2/2026-02/1",
                    "kind": "meeting_missed",
                    "rule": "R1",
                    "on": "2026-03-01",
                    "status": "open",
                    "subject": {"cell": "c2"},
                    "period": "2026-02",
                    "escalation": None,
                    "reminder": None,
                }
            ]
        }
    }

    type: Literal["escalation", "reminder"]
    key: str
    kind: str
    rule: str
    on: date = Field(description="Raised on (escalation) or sent on (reminder).")
    status: str = Field(description="An escalation's status; `sent` for a reminder.")
    subject: dict[str, str]
    period: str | None
    escalation: EscalationRow | None = None
    reminder: ReminderRow | None = None


@router.get("/inbox", response_model=Page[InboxItem], responses=READ_ERRORS)
def inbox(
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    all: Annotated[
        bool, Query(description="include acknowledged and resolved escalations")
    ] = False,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[InboxItem]:
    """The caller's open escalations and their reminders, newest first."""
    store = svc.store()
    items = [
        InboxItem(
            type="escalation",
            key=row.key,
            kind=row.kind,
            rule=row.rule,
            on=row.raised_on,
            status=row.status,
            subject=row.subject,
            period=row.period,
            escalation=row,
        )
        for row in notices.inbox(store, caller.member, None if all else "open")
        if row.organisation == org.key
    ]
    items += [
        InboxItem(
            type="reminder",
            key=row.key,
            kind=row.kind,
            rule=row.rule,
            on=row.sent_on,
            status="sent",
            subject=row.subject,
            period=row.period,
            reminder=row,
        )
        for row in sent.reminders(store, org.key)
        if caller.member in row.recipients
    ]
    items.sort(key=lambda item: (item.on, item.key), reverse=True)
    return page(items, limit, cursor)


@router.get("/escalations", response_model=Page[EscalationRow], responses=READ_ERRORS)
def escalations(
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    cell: Annotated[str | None, Query(max_length=100, description="about this cell")] = None,
    status: EscalationStatus | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[EscalationRow]:
    """Escalations the caller may read, oldest first: those about a cell they may read
    (every one for the organisation's leaders, committee, inspectors and auditors), and
    those addressed to them."""
    cells = {c.key for c in readable_cells(svc, org, caller, today())}
    everything = above(org, caller)
    rows = [
        row
        for row in notices.escalations(svc.store(), organisation=org.key, cell=cell)
        if (status is None or row.status == status)
        and (
            everything
            or caller.member in row.recipients
            or (row.cell is not None and row.cell in cells)
        )
    ]
    return page(rows, limit, cursor)
