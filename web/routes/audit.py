"""The auditor's pages: the desk (verification, bundle, access log, look-ups), a
record's timeline with its state on a date or as known at a moment, and a cell as it
stood on a date.

Every figure comes from the API's route functions, called with the viewer's identity,
so a page shows exactly what the API would answer and refuses what it would refuse."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from api.accounts import AccessRow
from api.deps import today
from api.pages import Page
from api.problems import ProblemError
from api.routes.audit import Verification, access_log, audit_bundle, verification
from api.routes.cells import CellSummary, get_cell, list_cells
from api.routes.meetings import minutes_book
from api.routes.records import HistoryItem, RecordState, record_history, record_state
from api.routes.resolutions import resolution_board
from web.auth import Viewer, ViewerDep
from web.catalogue import day, field_label, has, t
from web.render import render

router = APIRouter()

T = TypeVar("T", bound=BaseModel)
MAX_PAGE = 1000
WHY_FIELDS = ("reason", "note", "action")
"""Fields of an event's data that say why it was recorded."""
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}(T[\d:.]+([+-]\d{2}:\d{2}|Z)?)?$")


def every(fetch: Callable[[str | None], Page[T]]) -> list[T]:
    """All the items of an API list, following `next_cursor` to the last page."""
    items: list[T] = []
    cursor: str | None = None
    while True:
        found = fetch(cursor)
        items.extend(found.items)
        cursor = found.next_cursor
        if cursor is None:
            return items


def _day(text: str | None, name: str) -> date | None:
    """A date typed in a GET form (`YYYY-MM-DD`); empty means not given."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ProblemError(422, f"{name}: ngày không hợp lệ (not a date) {text!r}") from None


def _moment(text: str | None, name: str) -> datetime | None:
    """A timestamp typed in a `datetime-local` input (taken as UTC, as the pages show it)."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ProblemError(422, f"{name}: thời điểm không hợp lệ (not a time) {text!r}") from None


def shown(value: Any) -> Any:
    """An event's data as people read it: ISO dates as dd/mm/yyyy, nested as it is."""
    if isinstance(value, dict):
        return {label(str(k)): shown(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [shown(v) for v in value]
    if isinstance(value, str) and ISO_DAY.match(value):
        return day(value)
    if isinstance(value, bool):
        return t("word.yes") if value else t("word.no")
    return value


def label(name: str) -> str:
    """A field of a record's data in Vietnamese (its code name when none is known)."""
    return t(f"audit.field.{name}") if has(f"audit.field.{name}") else field_label(name)


def member_name(viewer: Viewer, member: str) -> str:
    """The member's name as the organisation records it (empty for `chibo` and others)."""
    found = viewer.org.members.get(member)
    return found.name if found is not None else ""


def _cell_names(viewer: Viewer) -> list[CellSummary]:
    return every(lambda cursor: list_cells(viewer.svc, viewer.caller, viewer.org, MAX_PAGE, cursor))


@router.get("/audit", response_class=HTMLResponse)
def desk(request: Request, viewer: ViewerDep) -> Response:
    """The auditor's desk: each section is what the API lets this viewer see."""
    if not viewer.audits:
        raise ProblemError(403, "chỉ kiểm toán viên (auditors only)")
    check: Verification | None = None
    check_refused: str | None = None
    try:
        check = verification(viewer.svc, viewer.caller, viewer.org)
    except ProblemError as error:
        check_refused = t("audit.verify_refused") if error.status == 403 else error.detail
    reads: list[AccessRow] | None
    try:
        reads = every(
            lambda cursor: access_log(viewer.svc, viewer.caller, viewer.org, MAX_PAGE, cursor)
        )
    except ProblemError as error:
        if error.status != 403:
            raise
        reads = None
    return render(
        request,
        "audit_desk.html",
        check=check,
        check_refused=check_refused,
        reads=reads,
        cells=_cell_names(viewer),
        today=today(),
        name_of=lambda member: member_name(viewer, member),
    )


@router.get("/audit/records", response_class=HTMLResponse)
def find_record(request: Request, viewer: ViewerDep, ref: str = "") -> Response:
    """The look-up form's answer: the timeline of the record typed."""
    ref = ref.strip()
    if not ref:
        return RedirectResponse("/audit", status_code=303)
    return RedirectResponse(f"/audit/records/{quote(ref, safe=':/')}", status_code=303)


@router.get("/audit/records/{ref:path}", response_class=HTMLResponse)
def timeline(
    request: Request,
    ref: str,
    viewer: ViewerDep,
    on: str | None = None,
    as_of: str | None = None,
) -> Response:
    """Every event of a record (who, what, when, why) beside its state on a business
    date, as known at a recording time, or now."""
    day, moment = _day(on, "on"), _moment(as_of, "as_of")
    events: list[HistoryItem] = every(
        lambda cursor: record_history(
            ref, request, viewer.svc, viewer.caller, viewer.org, MAX_PAGE, cursor
        )
    )
    state: RecordState = record_state(
        ref, request, viewer.svc, viewer.caller, viewer.org, on=day, as_of=moment
    )
    rows = [
        {
            "item": item,
            "name": member_name(viewer, item.actor),
            "why": {k: item.data[k] for k in WHY_FIELDS if item.data.get(k)},
            "data": shown(item.data),
        }
        for item in events
    ]
    return render(
        request,
        "audit_record.html",
        ref=ref,
        rows=rows,
        state=state,
        shown_state=shown(state.state) if state.state is not None else None,
        on=on or "",
        as_of=as_of or "",
    )


@router.get("/audit/cells", response_class=HTMLResponse)
def find_cell(request: Request, viewer: ViewerDep, cell: str = "", on: str = "") -> Response:
    """The desk's "cell as it stood on" form: to that cell's page."""
    cell = cell.strip()
    if not cell:
        return RedirectResponse("/audit", status_code=303)
    query = f"?{urlencode({'on': on})}" if on else ""
    return RedirectResponse(f"/audit/cells/{quote(cell, safe='')}{query}", status_code=303)


@router.get("/audit/cells/{cell}", response_class=HTMLResponse)
def cell_on(request: Request, cell: str, viewer: ViewerDep, on: str | None = None) -> Response:
    """The cell as it stood on a date: its register, the meetings held by then, and
    each resolution adopted by then as it stood that day."""
    day = _day(on, "on") or today()
    svc, caller, org = viewer.svc, viewer.caller, viewer.org
    register = get_cell(cell, svc, caller, org, on=day)
    meetings = [
        m
        for m in every(lambda cursor: minutes_book(cell, svc, caller, org, MAX_PAGE, cursor))
        if m.held_on is not None and m.held_on <= day
    ]
    meetings.sort(key=lambda m: (m.held_on or day, m.meeting))
    board = every(lambda cursor: resolution_board(cell, svc, caller, org, None, MAX_PAGE, cursor))
    resolutions = []
    for row in sorted(board, key=lambda r: (r.adopted_on, r.resolution)):
        if row.adopted_on > day:
            continue
        then = record_state(f"resolution:{row.resolution}", request, svc, caller, org, on=day)
        if then.state is not None:
            resolutions.append({"row": row, "then": then.state})
    return render(
        request,
        "audit_cell.html",
        register=register,
        meetings=meetings,
        resolutions=resolutions,
        on=day,
        name_of=lambda member: member_name(viewer, member),
    )


@router.get("/audit/bundle")
def bundle(viewer: ViewerDep, from_date: str | None = None, to_date: str | None = None) -> Response:
    """The audit bundle as the API gives it (auditors only), to save and verify offline."""
    return audit_bundle(
        viewer.svc,
        viewer.caller,
        viewer.org,
        _day(from_date, "from_date"),
        _day(to_date, "to_date"),
    )
