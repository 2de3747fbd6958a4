"""Supervisors' pages: the inbox of escalations with their evidence, one escalation with
its history and the forms to acknowledge and resolve it, and the compliance board.

Every figure comes from the API's route functions, so a page shows exactly what the API
would answer the viewer (404 for an escalation or cell they may not read)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.commands import AcknowledgementBody, EscalationResolutionBody
from api.deps import today
from api.problems import ProblemError
from api.routes.actions import acknowledge_escalation, resolve_escalation
from api.routes.cells import get_cell, list_cells
from api.routes.compliance import get_compliance
from api.routes.meetings import minutes_book
from api.routes.notices import InboxItem, escalations, inbox
from api.routes.records import record_history, record_state
from api.routes.resolutions import resolution_board
from domain.access import may_handle_notice
from domain.periods import add_months
from projections.meetings import MeetingRecord
from projections.resolutions import ResolutionRow
from web.auth import CsrfDep, Viewer, ViewerDep
from web.forms import Form, Refusal, attempt, read_form
from web.render import render

router = APIRouter()


def every(fetch: Callable[[str | None], Any]) -> list[Any]:
    """All items of a paged route function, following `next_cursor` to the end."""
    found: list[Any] = []
    cursor: str | None = None
    while True:
        answer = fetch(cursor)
        found.extend(answer.items)
        cursor = answer.next_cursor
        if cursor is None:
            return found


def cell_names(viewer: Viewer) -> dict[str, str]:
    """The names of the cells the viewer may read (others are shown by their key)."""
    cells = every(lambda cur: list_cells(viewer.svc, viewer.caller, viewer.org, 200, cur))
    return {c.id: c.name for c in cells}


def member_names(viewer: Viewer) -> dict[str, str]:
    """Members of the viewer's organisation by id (their names as registered)."""
    return {key: m.name for key, m in viewer.org.members.items()}


def my_inbox(viewer: Viewer, everything: bool) -> list[InboxItem]:
    return every(
        lambda cur: inbox(
            viewer.svc, viewer.caller, viewer.org, all=everything, limit=200, cursor=cur
        )
    )


# --- the inbox -------------------------------------------------------------------------


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, viewer: ViewerDep, all: bool = False) -> Response:
    items = my_inbox(viewer, all)
    return render(
        request,
        "supervisor_inbox.html",
        escalations=[i.escalation for i in items if i.escalation is not None],
        reminders=[i.reminder for i in items if i.reminder is not None],
        everything=all,
        cells=cell_names(viewer),
        names=member_names(viewer),
    )


# --- one escalation ----------------------------------------------------------------------
# The POST routes come first: an escalation key holds slashes, and `{key:path}` would
# otherwise swallow the `/acknowledgement` and `/resolution` suffixes.


def _target(key: str) -> str:
    return "/escalations/" + quote(key, safe="/=")


@router.post(
    "/escalations/{key:path}/acknowledgement",
    response_class=HTMLResponse,
    dependencies=[CsrfDep],
)
async def acknowledge(request: Request, key: str, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    idem = form.get("idem") or None
    _, refusal = attempt(
        lambda: acknowledge_escalation(
            key,
            AcknowledgementBody(note=form.get("note").strip()),
            viewer.svc,
            viewer.caller,
            viewer.org,
            idempotency_key=idem,
        ),
        known_fields=["note"],
    )
    if refusal is not None:
        return _escalation_page(request, viewer, key, form, refusal, "acknowledge")
    return RedirectResponse(_target(key) + "?notice=saved", status_code=303)


@router.post(
    "/escalations/{key:path}/resolution",
    response_class=HTMLResponse,
    dependencies=[CsrfDep],
)
async def resolve(request: Request, key: str, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    idem = form.get("idem") or None
    _, refusal = attempt(
        lambda: resolve_escalation(
            key,
            EscalationResolutionBody(action=form.get("action").strip()),
            viewer.svc,
            viewer.caller,
            viewer.org,
            idempotency_key=idem,
        ),
        known_fields=["action"],
    )
    if refusal is not None:
        return _escalation_page(request, viewer, key, form, refusal, "resolve")
    return RedirectResponse(_target(key) + "?notice=saved", status_code=303)


@router.get("/escalations/{key:path}", response_class=HTMLResponse)
def escalation_page(request: Request, key: str, viewer: ViewerDep) -> Response:
    return _escalation_page(request, viewer, key, Form(), None, None)


def _escalation_page(
    request: Request,
    viewer: Viewer,
    key: str,
    form: Form,
    refusal: Refusal | None,
    failed: str | None,
) -> Response:
    """The page (also after a refusal: the failed form keeps what was typed)."""
    ref = f"escalation:{key}"
    svc, caller, org = viewer.svc, viewer.caller, viewer.org
    state = record_state(ref, request, svc, caller, org, on=None, as_of=None).state
    if state is None:  # pragma: no cover - a stored escalation always has a state
        raise ProblemError(404, key)
    history = every(lambda cur: record_history(ref, request, svc, caller, org, 200, cur))
    fresh = uuid.uuid4().hex
    return render(
        request,
        "supervisor_escalation.html",
        status=refusal.status if refusal else 200,
        esc=state,
        history=history,
        handles=may_handle_notice(org, caller.member, list(state["recipients"])),
        cells=cell_names(viewer),
        names=member_names(viewer),
        refusal=refusal,
        failed=failed,
        form=form,
        ack_idem=form.get("idem") if failed == "acknowledge" else fresh,
        res_idem=form.get("idem") if failed == "resolve" else uuid.uuid4().hex,
        target=_target(key),
    )


# --- the compliance board ----------------------------------------------------------------

YEAR = re.compile(r"\d{4}")


@dataclass
class Month:
    """One cell-month of the board: what was held, and what that means."""

    number: int
    state: str  # regular | late | missed | pending | future | before
    thematic: bool
    meetings: list[MeetingRecord]


@dataclass
class Quarter:
    number: int
    due: bool
    visitors: list[str]
    in_charge_visited: bool | None


@dataclass
class CellRow:
    key: str
    name: str
    in_charge: str | None
    months: list[Month]
    quarters: list[Quarter]
    attendance_rate: float | None
    target: float
    resolutions: Any
    overdue: list[ResolutionRow]
    inspections: int
    inspection_interval: int
    inspections_due: list[str] = field(default_factory=list)

    @property
    def held(self) -> int:
        return sum(m.state in ("regular", "late") for m in self.months)

    @property
    def missed(self) -> int:
        return sum(m.state == "missed" for m in self.months)


@router.get("/board", response_class=HTMLResponse)
def board(
    request: Request,
    viewer: ViewerDep,
    period: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    on = today()
    year = period or str(on.year)
    if YEAR.fullmatch(year) is None:
        raise ProblemError(422, "period: YYYY")
    svc, caller, org = viewer.svc, viewer.caller, viewer.org
    figures = {
        item.cell: item
        for item in every(
            lambda cur: get_compliance(svc, caller, org, None, year, limit=200, cursor=cur)
        )
    }
    names = cell_names(viewer)
    rows = [
        _cell_row(viewer, cell, names.get(cell, cell), int(year), on, figures[cell])
        for cell in figures
    ]
    return render(
        request,
        "supervisor_board.html",
        rows=rows,
        year=int(year),
        today=on,
        names=member_names(viewer),
        months=list(range(1, 13)),
    )


def _cell_row(viewer: Viewer, cell: str, name: str, year: int, on: date, figures: Any) -> CellRow:
    svc, caller, org = viewer.svc, viewer.caller, viewer.org
    register = get_cell(cell, svc, caller, org, on=None)
    book = every(lambda cur: minutes_book(cell, svc, caller, org, 200, cur))
    held = [m for m in book if m.status == "held" and m.held_on and m.held_on.year == year]
    months = []
    for number in range(1, 13):
        first = date(year, number, 1)
        last = add_months(first, 1) - timedelta(days=1)
        these = sorted((m for m in held if m.held_on and m.held_on.month == number), key=_held)
        regular = [m for m in these if "regular" in m.kinds]
        if regular:
            late = _held(regular[0]).day > org.policy_on(last).first_week_days  # R2
            state = "late" if late else "regular"
        elif last < register.founded_on:
            state = "before"
        elif last < on:
            state = "missed"  # its check day has come: R1
        elif first <= on:
            state = "pending"
        else:
            state = "future"
        thematic = any("thematic" in m.kinds for m in these)
        months.append(Month(number, state, thematic, these))
    in_charge = register.member_in_charge
    watchers = set(org.committee) | set(org.standing_committee)
    quarters = []
    for number in range(1, 5):
        first = date(year, 3 * number - 2, 1)
        last = add_months(first, 3) - timedelta(days=1)
        guests = {g for m in held if first <= _held(m) <= last for g in m.guests}
        quarters.append(
            Quarter(
                number,
                due=last < on,
                visitors=sorted(guests & watchers),
                in_charge_visited=(in_charge in guests) if in_charge else None,
            )
        )
    overdue = every(
        lambda cur: resolution_board(
            cell, svc, caller, org, status="overdue", limit=200, cursor=cur
        )
    )
    due = [
        row.key
        for row in every(
            lambda cur: escalations(
                svc, caller, org, cell=cell, status="open", limit=200, cursor=cur
            )
        )
        if row.kind == "inspection_overdue"
    ]
    policy = org.policy_on(on)
    return CellRow(
        key=cell,
        name=name,
        in_charge=in_charge,
        months=months,
        quarters=quarters,
        attendance_rate=figures.attendance_rate,
        target=policy.attendance_target,
        resolutions=figures.resolutions,
        overdue=overdue,
        inspections=figures.inspections,
        inspection_interval=policy.inspection_interval_months,
        inspections_due=due,
    )


def _held(meeting: MeetingRecord) -> date:
    return meeting.held_on or date.min
