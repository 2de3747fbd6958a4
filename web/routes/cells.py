"""The cell's pages for its secretary: the list of cells, one cell's overview, the
January page (the thematic plan, the members' tasks and pledges, R4, R30–R33) and the
party fees register kept month by month (R74).

Every page reads and acts through the API's route functions, so it shows exactly what
the API lets the viewer read and stores exactly what the API would store."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.commands import FeesBody, PledgeBody, TasksBody, ThematicPlanBody
from api.deps import today
from api.pages import MAX_LIMIT, Page
from api.problems import ProblemError
from api.routes.actions import KEY_PATTERN, YearPath, assign_tasks, set_thematic_plan
from api.routes.cells import CellRegister, get_cell, list_cells
from api.routes.meetings import minutes_book
from api.routes.records import record_history, record_state
from api.routes.resolutions import resolution_board
from api.routes.v2_records import fees_register, pay_fees, record_pledge
from domain.attendance import owes_tasks
from projections.meetings import MeetingRecord
from web.auth import CsrfDep, Viewer, ViewerDep
from web.forms import Form, Refusal, attempt, read_form
from web.render import render

router = APIRouter()

T = TypeVar("T")
LEADERS = {"organisation_secretary", "standing_committee"}
PLAN_ROWS = 3
"""Blank topic rows offered below the plan's topics (a plan has one per quarter or so)."""


def every(fetch: Callable[[str | None], Page[T]]) -> list[T]:
    """All items of a paged API answer, following `next_cursor` to the end."""
    items: list[T] = []
    cursor: str | None = None
    while True:
        found = fetch(cursor)
        items.extend(found.items)
        cursor = found.next_cursor
        if cursor is None:
            return items


def idem_key(form: Form) -> str | None:
    """The form's idempotency key (made when the form was rendered), if well formed."""
    key = form.optional("idem")
    return key if key is not None and re.fullmatch(KEY_PATTERN, key) else None


def name_of(viewer: Viewer, member: str | None) -> str:
    """The member's registered name (the id when the register does not know them)."""
    if member is None:
        return ""
    known = viewer.org.members.get(member)
    return known.name if known is not None else member


def manages(viewer: Viewer, register: CellRegister) -> bool:
    """Whether to offer the cell's business (plans, tasks, extensions): its leaders, the
    committee member in charge, the organisation's leaders. Only an offer: the API decides."""
    leaders = {register.secretary, register.deputy, *register.committee}
    return (
        bool(viewer.roles & LEADERS)
        or viewer.member in leaders
        or ("committee" in viewer.roles and register.member_in_charge == viewer.member)
    )


def keeps_fees(viewer: Viewer, register: CellRegister) -> bool:
    """Whether to offer the fees form: the cell's leaders and the organisation's leaders
    (R74). Only an offer: the API decides."""
    leaders = {register.secretary, register.deputy, *register.committee}
    return bool(viewer.roles & LEADERS) or viewer.member in leaders


def held_meetings(viewer: Viewer, cell: str) -> list[MeetingRecord]:
    """The cell's minutes book (held meetings, oldest first)."""
    return every(
        lambda cursor: minutes_book(
            cell, viewer.svc, viewer.caller, viewer.org, limit=MAX_LIMIT, cursor=cursor
        )
    )


def board_rows(viewer: Viewer, cell: str, status: Any) -> list[Any]:
    return every(
        lambda cursor: resolution_board(
            cell, viewer.svc, viewer.caller, viewer.org, status, limit=MAX_LIMIT, cursor=cursor
        )
    )


# --- the list and the overview ---------------------------------------------------------------


@router.get("/cells", response_class=HTMLResponse)
def cells_page(request: Request, viewer: ViewerDep) -> Response:
    cells = every(
        lambda cursor: list_cells(
            viewer.svc, viewer.caller, viewer.org, limit=MAX_LIMIT, cursor=cursor
        )
    )
    rows = [
        {
            "id": cell.id,
            "name": cell.name,
            "secretary": name_of(viewer, cell.secretary),
            "in_charge": name_of(viewer, cell.in_charge),
        }
        for cell in cells
    ]
    return render(request, "cells_list.html", cells=rows)


@router.get("/cells/{cell}", response_class=HTMLResponse)
def cell_page(request: Request, cell: str, viewer: ViewerDep) -> Response:
    register = get_cell(cell, viewer.svc, viewer.caller, viewer.org)
    day = today()
    this_month = [
        m
        for m in held_meetings(viewer, cell)
        if m.held_on is not None and (m.held_on.year, m.held_on.month) == (day.year, day.month)
    ]
    return render(
        request,
        "cells_overview.html",
        cell=register,
        today=day,
        secretary=name_of(viewer, register.secretary),
        in_charge=name_of(viewer, register.member_in_charge),
        this_month=this_month,
        open_count=len(board_rows(viewer, cell, "open")),
        overdue_count=len(board_rows(viewer, cell, "overdue")),
        manages=manages(viewer, register),
    )


# --- January: the thematic plan and the tasks --------------------------------------------------


@router.get("/cells/{cell}/year")
def this_year(cell: str, viewer: ViewerDep) -> Response:
    return RedirectResponse(f"/cells/{cell}/year/{today().year}", status_code=303)


@router.get("/cells/{cell}/year/{year}", response_class=HTMLResponse)
def year_page(request: Request, cell: str, year: YearPath, viewer: ViewerDep) -> Response:
    return _year(request, viewer, cell, year)


@router.post("/cells/{cell}/year/{year}", response_class=HTMLResponse, dependencies=[CsrfDep])
async def year_post(request: Request, cell: str, year: YearPath, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    which = form.get("form") if form.get("form") in ("plan", "pledge") else "tasks"
    key = idem_key(form)
    action: Callable[[], Any]
    if which == "pledge":
        member = form.get("member").strip() or viewer.member

        def action() -> Any:
            body = PledgeBody(pledge=form.get("pledge").strip())
            return record_pledge(
                cell, year, member, body, viewer.svc, viewer.caller, viewer.org, idempotency_key=key
            )

        known = ["pledge", "member"]
    elif which == "plan":
        topics = [t.strip() for t in form.all("topic")]
        chosen = form.all("preparer")
        preparers = {
            topic: member
            for topic, member in zip(topics, chosen + [""] * len(topics), strict=False)
            if topic and member
        }

        def action() -> Any:
            body = ThematicPlanBody(topics=[t for t in topics if t], preparers=preparers)
            return set_thematic_plan(
                cell, year, body, viewer.svc, viewer.caller, viewer.org, idempotency_key=key
            )

        known = ["topics", "preparers"]
    else:
        prefix = "task_"
        names = list(form.data.keys()) if form.data is not None else []
        tasks = {
            name[len(prefix) :]: form.get(name).strip()
            for name in names
            if name.startswith(prefix) and form.get(name).strip()
        }

        def action() -> Any:
            body = TasksBody(tasks=tasks, meeting=form.optional("meeting"))
            return assign_tasks(
                cell, year, body, viewer.svc, viewer.caller, viewer.org, idempotency_key=key
            )

        known = ["tasks", "meeting", *(f"{prefix}{m}" for m in tasks)]
    _, refusal = attempt(action, known_fields=known)
    if refusal is not None:
        return _year(request, viewer, cell, year, which=which, form=form, refusal=refusal)
    return RedirectResponse(f"/cells/{cell}/year/{year}?notice=saved", status_code=303)


def _year(
    request: Request,
    viewer: Viewer,
    cell: str,
    year: int,
    which: str = "",
    form: Form | None = None,
    refusal: Refusal | None = None,
) -> Response:
    register = get_cell(cell, viewer.svc, viewer.caller, viewer.org)
    topics, preparers = _plan(request, viewer, cell, year)
    assignment = _assignment(request, viewer, cell, year)
    tasks: dict[str, str] = dict(assignment.get("tasks") or {})
    working = [m for m in register.members if owes_tasks(m.status, m.working)]
    plan_rows = [{"topic": t, "preparer": preparers.get(t, "")} for t in topics]
    plan_rows += [{"topic": "", "preparer": ""}] * PLAN_ROWS
    if which == "plan" and form is not None:
        typed = form.all("preparer")
        plan_rows = [
            {"topic": topic, "preparer": typed[i] if i < len(typed) else ""}
            for i, topic in enumerate(form.all("topic"))
        ]
    fresh = uuid.uuid4().hex
    leads = manages(viewer, register)
    pledgers = [m for m in register.members if leads or m.member == viewer.member]
    return render(
        request,
        "year_page.html",
        status=refusal.status if refusal is not None else 200,
        cell=register,
        year=year,
        topics=topics,
        preparers=preparers,
        plan_rows=plan_rows,
        working=working,
        tasks=tasks,
        pledges=dict(assignment.get("pledges") or {}),
        adopted_at=assignment.get("adopted_at"),
        missing=[m for m in working if not tasks.get(m.member)],
        meetings=held_meetings(viewer, cell),
        names={m: name_of(viewer, m) for m in viewer.org.members},
        manages=leads,
        pledgers=pledgers,
        which=which,
        form=form or Form(),
        refusal=refusal,
        idem_plan=form.get("idem") if which == "plan" and form else fresh,
        idem_tasks=form.get("idem") if which == "tasks" and form else uuid.uuid4().hex,
        idem_pledge=form.get("idem") if which == "pledge" and form else uuid.uuid4().hex,
    )


def _plan(
    request: Request, viewer: Viewer, cell: str, year: int
) -> tuple[list[str], dict[str, str]]:
    """The year's thematic plan as last set (topics and preparers), from the cell's record
    history: the cell's state keeps the topics only."""
    events = every(
        lambda cursor: record_history(
            f"cell:{cell}",
            request,
            viewer.svc,
            viewer.caller,
            viewer.org,
            limit=MAX_LIMIT,
            cursor=cursor,
        )
    )
    topics: list[str] = []
    preparers: dict[str, str] = {}
    for event in events:
        if event.event.endswith("ThematicPlanSet") and event.data.get("year") == year:
            topics = [str(t) for t in event.data.get("topics") or []]
            preparers = {str(k): str(v) for k, v in (event.data.get("preparers") or {}).items()}
    return topics, preparers


def _assignment(request: Request, viewer: Viewer, cell: str, year: int) -> dict[str, Any]:
    """The year's task assignment (tasks, pledges, the meeting that adopted it); empty
    when none is recorded yet."""
    try:
        found = record_state(
            f"task_assignment:{cell}/{year}", request, viewer.svc, viewer.caller, viewer.org
        )
    except ProblemError as error:
        if error.status == 404:
            return {}
        raise
    return found.state or {}


# --- the party fees register (R74) ------------------------------------------------------------


@router.get("/cells/{cell}/fees")
def fees_this_year(cell: str, viewer: ViewerDep) -> Response:
    return RedirectResponse(f"/cells/{cell}/fees/{today().year}", status_code=303)


@router.get("/cells/{cell}/fees/{year}", response_class=HTMLResponse)
def fees_page(request: Request, cell: str, year: YearPath, viewer: ViewerDep) -> Response:
    return _fees(request, viewer, cell, year)


@router.post("/cells/{cell}/fees/{year}", response_class=HTMLResponse, dependencies=[CsrfDep])
async def fees_post(request: Request, cell: str, year: YearPath, viewer: ViewerDep) -> Response:
    """A payment recorded through the API's `pay_fees`: the months ticked, and another
    month typed (`YYYY-MM`) for one of another year."""
    form = await read_form(request)
    member = form.get("member").strip()
    months = [m for m in form.all("months") if m.strip()]
    other = form.optional("month")
    key = idem_key(form)

    def action() -> Any:
        body = FeesBody.model_validate(
            {"date": form.optional("date"), "months": [*months, *([other] if other else [])]}
        )
        return pay_fees(member, body, viewer.svc, viewer.caller, viewer.org, idempotency_key=key)

    _, refusal = attempt(action, known_fields=["member", "months", "month", "date"])
    if refusal is not None:
        return _fees(request, viewer, cell, year, form=form, refusal=refusal)
    return RedirectResponse(f"/cells/{cell}/fees/{year}?notice=saved", status_code=303)


def _fees(
    request: Request,
    viewer: Viewer,
    cell: str,
    year: int,
    form: Form | None = None,
    refusal: Refusal | None = None,
) -> Response:
    register = get_cell(cell, viewer.svc, viewer.caller, viewer.org)
    found = fees_register(cell, year, viewer.svc, viewer.caller, viewer.org)
    return render(
        request,
        "fees_register.html",
        status=refusal.status if refusal is not None else 200,
        cell=register,
        year=year,
        fees=found,
        keeps=keeps_fees(viewer, register),
        today=today(),
        form=form or Form(),
        refusal=refusal,
        idem=form.get("idem") if form is not None else uuid.uuid4().hex,
    )
