"""The cell secretary's meeting pages: the minutes book, announcing this month's meeting,
recording a meeting held (attendance, roles, speakers, resolutions), and one meeting with
its minutes (record, seal, amend) and the resolutions decided at it.

Every read and every change goes through the API's route functions, so the access table
and the rules are exactly the API's: a page shows nothing the API would not answer and
stores nothing the API would refuse."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.commands import (
    AmendmentBody,
    AnnouncementBody,
    MeetingBody,
    MinutesBody,
    ResolutionBody,
    SealBody,
)
from api.deps import today
from api.pages import Page
from api.routes.actions import (
    adopt_resolution,
    amend_minutes,
    announce_meeting,
    hold_meeting,
    record_minutes,
    seal_minutes,
)
from api.routes.cells import CellRegister, get_cell
from api.routes.meetings import get_meeting, minutes_book
from api.routes.records import record_state
from api.routes.resolutions import resolution_board
from projections.meetings import MeetingRecord
from projections.resolutions import ResolutionRow
from web.auth import CsrfDep, Viewer, ViewerDep
from web.catalogue import t
from web.forms import Form, Refusal, attempt, read_form
from web.render import render

router = APIRouter()

T = TypeVar("T")
KINDS = ("regular", "thematic", "forum", "party_group")
ATTENDANCE = ("present", "excused", "absent")
RESOLUTION_FIELDS = (
    "id",
    "content",
    "requirements",
    "measures",
    "deadline",
    "executors",
    "inspector",
    "votes_for",
    "votes_against",
    "votes_abstain",
    "minority_opinions",
)
DRAFT_FIELDS = [f for f in RESOLUTION_FIELDS if not f.startswith("votes_")] + ["votes"]
BLOCK = re.compile(r"^res-(\d+)-")
WHICH_RESOLUTION = re.compile(r"resolutions(?:\[|\.)(\d+)")
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class Marks:
    """The inputs a refusal points at, shaped like a `Refusal` for `macros.input`."""

    fields: set[str] = field(default_factory=set)


def everything(fetch: Callable[[str | None], Page[T]]) -> list[T]:
    """Every item of a paged API answer, following `next_cursor` to the end."""
    items: list[T] = []
    cursor: str | None = None
    while True:
        answer = fetch(cursor)
        items.extend(answer.items)
        cursor = answer.next_cursor
        if cursor is None:
            return items


def fresh_key() -> str:
    """The idempotency key a form carries: a double submit stores once."""
    return uuid.uuid4().hex


def names(viewer: Viewer) -> dict[str, str]:
    """Member id → name, from the organisation's register."""
    return {key: member.name for key, member in viewer.org.members.items()}


def marks_of(refusal: Refusal | None, form: Form, single: bool = False) -> Marks:
    """Which inputs to highlight: the fields the refusal names, mapped onto the form's
    names (a resolution's field inside `res-N-…`, a member's attendance row)."""
    if refusal is None:
        return Marks()
    marks = Marks(set(refusal.fields))
    words = set(WORD.findall(refusal.detail))
    indices = ["0"] if single else WHICH_RESOLUTION.findall(refusal.detail)
    for index in indices:
        for name in RESOLUTION_FIELDS:
            if name in words or name.split("_")[0] in words:
                marks.fields.add(f"res-{index}-{name}")
    for member in words:
        if form.get(f"att-{member}"):
            marks.fields.add(f"att-{member}")
            if form.get(f"att-{member}") == "excused":
                marks.fields.add(f"reason-{member}")
    return marks


# --- the minutes book ------------------------------------------------------------------------


@router.get("/cells/{cell}/meetings", response_class=HTMLResponse)
def book(request: Request, cell: str, viewer: ViewerDep) -> Response:
    meetings = everything(
        lambda cursor: minutes_book(
            cell, viewer.svc, viewer.caller, viewer.org, limit=200, cursor=cursor
        )
    )
    years = sorted({m.held_on.year for m in meetings if m.held_on is not None}, reverse=True)
    return render(
        request,
        "meetings_book.html",
        cell=cell,
        meetings=list(reversed(meetings)),
        names=names(viewer),
        years=years,
    )


# --- announcing a meeting --------------------------------------------------------------------


def _members(viewer: Viewer, cell: str, on: date) -> CellRegister:
    return get_cell(cell, viewer.svc, viewer.caller, viewer.org, on=on)


def _announce_page(
    request: Request,
    viewer: Viewer,
    cell: str,
    form: Form,
    idem: str,
    refusal: Refusal | None = None,
) -> Response:
    day = today()
    register = _members(viewer, cell, day)
    typed = form.data is not None
    return render(
        request,
        "meetings_announce.html",
        status=refusal.status if refusal else 200,
        cell=cell,
        register=register,
        form=form,
        typed=typed,
        idem=idem,
        refusal=refusal,
        marks=marks_of(refusal, form),
        kinds=KINDS,
        kind_labels={kind: t(f"meeting_kind.{kind}") for kind in KINDS},
        names=names(viewer),
        suggested_id=f"{cell}-{day:%Y-%m}",
        today=day.isoformat(),
    )


@router.get("/cells/{cell}/meetings/announce", response_class=HTMLResponse)
def announce_form(request: Request, cell: str, viewer: ViewerDep) -> Response:
    return _announce_page(request, viewer, cell, Form(), fresh_key())


@router.post("/cells/{cell}/meetings/announce", response_class=HTMLResponse, dependencies=[CsrfDep])
async def announce(request: Request, cell: str, viewer: ViewerDep) -> Response:
    form = await read_form(request)

    def act() -> dict[str, Any]:
        body = AnnouncementBody.model_validate(
            {
                "date": form.get("date") or None,
                "id": form.get("id").strip(),
                "kind": form.all("kind"),
                "scheduled_on": form.get("scheduled_on") or None,
                "place": form.get("place").strip(),
                "content": form.get("content").strip(),
                "documents": form.lines("documents"),
                "preparers": form.all("preparers"),
            }
        )
        return announce_meeting(
            cell,
            body,
            viewer.svc,
            viewer.caller,
            viewer.org,
            idempotency_key=form.get("idem") or None,
        )

    fields = ["id", "date", "kind", "scheduled_on", "place", "content", "documents", "preparers"]
    result, refusal = attempt(act, known_fields=fields)
    if refusal is not None or result is None:
        return _announce_page(request, viewer, cell, form, form.get("idem"), refusal)
    return RedirectResponse(f"/meetings/{result['id']}?notice=saved", status_code=303)


# --- recording a meeting held -----------------------------------------------------------------


@dataclass
class Block:
    """One resolution block of the meeting form, as typed."""

    index: int
    values: dict[str, str]
    executors: list[str]

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    @property
    def blank(self) -> bool:
        return not self.executors and not any(v.strip() for v in self.values.values())


def blocks_of(form: Form) -> list[Block]:
    """The resolution blocks posted (`res-N-…`) that are not blank, in order and numbered
    from 0 as the API numbers them; one empty block when none."""
    indices = sorted({int(m.group(1)) for key in (form.data or {}) if (m := BLOCK.match(str(key)))})
    found = [
        Block(
            index=n,
            values={
                name: form.get(f"res-{n}-{name}")
                for name in RESOLUTION_FIELDS
                if name != "executors"
            },
            executors=form.all(f"res-{n}-executors"),
        )
        for n in indices
    ]
    kept = [b for b in found if not b.blank]  # numbered as the API numbers `resolutions`
    for position, block in enumerate(kept):
        block.index = position
    return kept or [Block(index=0, values={}, executors=[])]


def draft_of(block: Block) -> dict[str, Any]:
    """A resolution block as the API's resolution fields; the rules judge what is missing."""
    votes = [block.get(f"votes_{part}").strip() for part in ("for", "against", "abstain")]
    draft: dict[str, Any] = {
        "id": block.get("id").strip(),
        "content": block.get("content").strip() or None,
        "requirements": block.get("requirements").strip() or None,
        "measures": block.get("measures").strip() or None,
        "deadline": block.get("deadline") or None,
        "executors": block.executors,
        "inspector": block.get("inspector") or None,
        "minority_opinions": [
            line.strip() for line in block.get("minority_opinions").splitlines() if line.strip()
        ],
    }
    if any(votes):
        draft["votes"] = {
            "for": votes[0] or 0,
            "against": votes[1] or 0,
            "abstain": votes[2] or 0,
        }
    return draft


def _day(text: str, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        return default


def _guest_candidates(viewer: Viewer, roster: Iterable[str], in_charge: str | None) -> list[str]:
    """Who usually attends as a guest: the member in charge and the organisation's
    committee, not members of the cell."""
    inside = set(roster)
    found = [in_charge] if in_charge else []
    found += [*sorted(viewer.org.committee), viewer.org.secretary]
    return [m for m in dict.fromkeys(found) if m and m not in inside]


def _open_resolutions(viewer: Viewer, cell: str) -> list[ResolutionRow]:
    return everything(
        lambda cursor: resolution_board(
            cell,
            viewer.svc,
            viewer.caller,
            viewer.org,
            status="open",
            limit=200,
            cursor=cursor,
        )
    )


def _meeting_page(
    request: Request,
    viewer: Viewer,
    cell: str,
    form: Form,
    idem: str,
    refusal: Refusal | None = None,
    prefill: dict[str, Any] | None = None,
) -> Response:
    typed = form.data is not None
    values: dict[str, Any] = {
        "id": f"{cell}-{today():%Y-%m}",
        "date": today().isoformat(),
        "kind": ["regular"],
        **(prefill or {}),
    }
    if typed:
        values = {"id": form.get("id"), "date": form.get("date"), "kind": form.all("kind")}
    on = _day(str(values["date"]), today())
    register = _members(viewer, cell, on)
    roster = [entry.member for entry in register.members]
    guests = _guest_candidates(viewer, roster, register.member_in_charge)
    extra = [g for g in form.all("guests") if g not in guests]  # typed in the free field
    open_resolutions = _open_resolutions(viewer, cell)
    return render(
        request,
        "meetings_new.html",
        status=refusal.status if refusal else 200,
        cell=cell,
        register=register,
        guests=guests,
        attendees=roster + guests,
        names=names(viewer),
        open_resolutions=open_resolutions,
        form=form,
        typed=typed,
        values=values,
        blocks=blocks_of(form),
        idem=idem,
        refusal=refusal,
        marks=marks_of(refusal, form),
        kinds=KINDS,
        kind_labels={kind: t(f"meeting_kind.{kind}") for kind in KINDS},
        other_guests=", ".join(extra) if typed else "",
    )


@router.get("/cells/{cell}/meetings/new", response_class=HTMLResponse)
def new_meeting_form(
    request: Request,
    cell: str,
    viewer: ViewerDep,
    source: Annotated[str | None, Query(alias="from", max_length=200)] = None,
) -> Response:
    """`?from=` an announced meeting: its id, kinds and date fill the form (the domain
    records the announced meeting held under the same id)."""
    prefill: dict[str, Any] | None = None
    if source:
        announced = get_meeting(source, viewer.svc, viewer.caller, viewer.org)
        prefill = {
            "id": announced.meeting,
            "kind": announced.kinds,
            "date": (announced.scheduled_on or today()).isoformat(),
        }
    return _meeting_page(request, viewer, cell, Form(), fresh_key(), prefill=prefill)


def meeting_body(form: Form, roster: Iterable[str]) -> MeetingBody:
    """The form as the API's `MeetingBody`: attendance radios into present / excused
    (absent is whoever is neither), blank resolution blocks left out."""
    present: list[str] = []
    excused: dict[str, str] = {}
    for member in roster:
        state = form.get(f"att-{member}")
        if state == "present":
            present.append(member)
        elif state == "excused":
            excused[member] = form.get(f"reason-{member}").strip()
    guests = list(
        dict.fromkeys(
            [
                *form.all("guests"),
                *(g.strip() for g in re.split(r"[,\s]+", form.get("other_guests")) if g.strip()),
            ]
        )
    )
    return MeetingBody.model_validate(
        {
            "date": form.get("date") or None,
            "id": form.get("id").strip(),
            "kind": form.all("kind"),
            "online": form.checked("online"),
            "notice_on": form.get("notice_on") or None,
            "duration_minutes": form.get("duration_minutes") or 120,
            "chair": form.get("chair") or None,
            "minute_taker": form.get("minute_taker") or None,
            "present": present,
            "excused": excused,
            "guests": guests,
            "speakers": form.all("speakers"),
            "reviewed": form.all("reviewed"),
            "opinions": form.lines("opinions"),
            "minority_opinions": form.lines("minority_opinions"),
            "minutes": form.checked("minutes"),
            "resolutions": [draft_of(b) for b in blocks_of(form) if not b.blank],
        }
    )


@router.post("/cells/{cell}/meetings/new", response_class=HTMLResponse, dependencies=[CsrfDep])
async def record_meeting(request: Request, cell: str, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    on = _day(form.get("date"), today())
    roster = [entry.member for entry in _members(viewer, cell, on).members]

    def act() -> dict[str, Any]:
        return hold_meeting(
            cell,
            meeting_body(form, roster),
            viewer.svc,
            viewer.caller,
            viewer.org,
            idempotency_key=form.get("idem") or None,
        )

    fields = [
        "id",
        "date",
        "kind",
        "online",
        "notice_on",
        "duration_minutes",
        "chair",
        "minute_taker",
        "guests",
        "speakers",
        "reviewed",
        "opinions",
        "minority_opinions",
        "reason",
        "resolutions",
        *DRAFT_FIELDS,
    ]
    result, refusal = attempt(act, known_fields=fields)
    if refusal is not None or result is None:
        return _meeting_page(request, viewer, cell, form, form.get("idem"), refusal)
    return RedirectResponse(f"/meetings/{result['id']}?notice=saved", status_code=303)


# --- one meeting ---------------------------------------------------------------------------


def _meeting_view(
    request: Request,
    viewer: Viewer,
    meeting: str,
    refusal: Refusal | None = None,
    form: Form | None = None,
    which: str = "",
) -> Response:
    found: MeetingRecord = get_meeting(meeting, viewer.svc, viewer.caller, viewer.org)
    state = (
        record_state(f"meeting:{meeting}", request, viewer.svc, viewer.caller, viewer.org).state
        or {}
    )
    adopted = [
        row
        for row in everything(
            lambda cursor: resolution_board(
                found.cell, viewer.svc, viewer.caller, viewer.org, limit=200, cursor=cursor
            )
        )
        if row.origin == "meeting" and row.source == meeting
    ]
    roster: list[str] = []
    if found.held_on is not None:
        register = _members(viewer, found.cell, found.held_on)
        roster = [entry.member for entry in register.members]
    form = form or Form()
    keys = {name: fresh_key() for name in DATE_FIELDS}
    marks = marks_of(refusal, form, single=which == "resolution")
    if which:
        keys[which] = form.get("idem") or keys[which]
        if "date" in marks.fields:
            marks.fields.add(DATE_FIELDS[which])
    return render(
        request,
        "meetings_show.html",
        status=refusal.status if refusal else 200,
        meeting=found,
        state=state,
        amendments=state.get("amendments", []),
        adopted=adopted,
        names=names(viewer),
        attendees=list(dict.fromkeys([*roster, *found.guests])),
        roster=roster,
        refusal=refusal,
        which=which,
        form=form,
        block=blocks_of(form)[0] if which == "resolution" else Block(0, {}, []),
        marks=marks,
        blank_marks=Marks(),
        keys=keys,
        today=today(),
    )


DATE_FIELDS = {
    "minutes": "minutes_on",
    "seal": "sealed_on",
    "amend": "amended_on",
    "resolution": "adopted_on",
}
"""Each form of the meeting page names its business date apart (one page, unique ids)."""


@router.get("/meetings/{meeting}", response_class=HTMLResponse)
def show(request: Request, meeting: str, viewer: ViewerDep) -> Response:
    return _meeting_view(request, viewer, meeting)


def _after(
    request: Request,
    viewer: Viewer,
    meeting: str,
    form: Form,
    which: str,
    action: Callable[[], object],
    fields: list[str],
) -> Response:
    """A form of the meeting page: back to the page on success (PRG), the same page
    with the refusal above the form otherwise."""
    _, refusal = attempt(action, known_fields=fields)
    if refusal is not None:
        return _meeting_view(request, viewer, meeting, refusal, form, which)
    return RedirectResponse(f"/meetings/{meeting}?notice=saved", status_code=303)


@router.post("/meetings/{meeting}/minutes", response_class=HTMLResponse, dependencies=[CsrfDep])
async def minutes(request: Request, meeting: str, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    return _after(
        request,
        viewer,
        meeting,
        form,
        "minutes",
        lambda: record_minutes(
            meeting,
            MinutesBody.model_validate({"date": form.get("minutes_on") or None}),
            viewer.svc,
            viewer.caller,
            viewer.org,
            idempotency_key=form.get("idem") or None,
        ),
        ["date"],
    )


@router.post("/meetings/{meeting}/seal", response_class=HTMLResponse, dependencies=[CsrfDep])
async def seal(request: Request, meeting: str, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    return _after(
        request,
        viewer,
        meeting,
        form,
        "seal",
        lambda: seal_minutes(
            meeting,
            SealBody.model_validate({"date": form.get("sealed_on") or None}),
            viewer.svc,
            viewer.caller,
            viewer.org,
            idempotency_key=form.get("idem") or None,
        ),
        ["date"],
    )


@router.post("/meetings/{meeting}/amendments", response_class=HTMLResponse, dependencies=[CsrfDep])
async def amend(request: Request, meeting: str, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    return _after(
        request,
        viewer,
        meeting,
        form,
        "amend",
        lambda: amend_minutes(
            meeting,
            AmendmentBody.model_validate(
                {
                    "date": form.get("amended_on") or None,
                    "reason": form.get("reason"),
                    "change": form.get("change"),
                }
            ),
            viewer.svc,
            viewer.caller,
            viewer.org,
            idempotency_key=form.get("idem") or None,
        ),
        ["date", "reason", "change"],
    )


@router.post("/meetings/{meeting}/resolutions", response_class=HTMLResponse, dependencies=[CsrfDep])
async def add_resolution(request: Request, meeting: str, viewer: ViewerDep) -> Response:
    form = await read_form(request)

    def act() -> dict[str, Any]:
        body = ResolutionBody.model_validate(
            {"date": form.get("adopted_on") or None, **draft_of(blocks_of(form)[0])}
        )
        return adopt_resolution(
            meeting,
            body,
            viewer.svc,
            viewer.caller,
            viewer.org,
            idempotency_key=form.get("idem") or None,
        )

    return _after(request, viewer, meeting, form, "resolution", act, ["date", *DRAFT_FIELDS])
