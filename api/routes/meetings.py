"""The minutes book of a cell, and one meeting."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CallerDep, OrganisationDep, ServicesDep, today
from api.guard import not_found, readable, readable_cell
from api.pages import DEFAULT_LIMIT, Cursor, Limit, Page, page
from api.reading import RECORD_ERRORS
from domain.meeting import Meeting
from projections import meetings as book
from projections.meetings import MeetingRecord

router = APIRouter(tags=["meetings"])


@router.get("/cells/{cell}/meetings", response_model=Page[MeetingRecord], responses=RECORD_ERRORS)
def minutes_book(
    cell: str,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[MeetingRecord]:
    """The minutes book: each held meeting by date, with attendance in three classes
    (present, excused with reason, absent), guests, speakers and the minutes' state."""
    readable_cell(svc, org, caller, cell, today())
    return page(book.minutes_book(svc.store(), cell), limit, cursor)


@router.get("/meetings/{meeting}", response_model=MeetingRecord, responses=RECORD_ERRORS)
def get_meeting(
    meeting: str, svc: ServicesDep, caller: CallerDep, org: OrganisationDep
) -> MeetingRecord:
    """One meeting (announced or held)."""
    readable(svc, org, caller, Meeting, meeting, today())
    found = book.meeting(svc.store(), meeting)
    if found is None:
        raise not_found("cuộc họp (meeting)", meeting)
    return found
