"""A member's calendar feed: a secret URL a calendar application polls without logging in.

The token is the credential, so it is random, shown once, stored only as its SHA-256
(a database reader cannot use it), kept outside the event log (revoking it is not a
fact of the party's record) and replaced or revoked at will. The feed shows only what
R80 lets the member read, decided by `api/guard.py` as for every other route.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

from icalendar import Alarm, Calendar, Event
from pydantic import BaseModel

from api.accounts import new_token
from api.deps import Services, cells_of
from api.guard import readable, readable_cell, record
from api.problems import ProblemError
from domain.access import Caller
from domain.meeting import Meeting
from domain.organisation import Organisation
from domain.resolution import Resolution
from projections import meetings as book
from projections import resolutions as boards
from projections.meetings import MeetingRecord
from projections.resolutions import ResolutionRow
from projections.store import ReadStore

DDL = (
    "CREATE TABLE IF NOT EXISTS chibo_calendar_tokens ("
    " token_hash TEXT PRIMARY KEY, organisation TEXT NOT NULL, member TEXT NOT NULL,"
    " created_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS chibo_calendar_tokens_member"
    " ON chibo_calendar_tokens (organisation, member)",
)
"""Created by `chibo db init` with every other table."""

PRODID = "-//chibo//Lich sinh hoat chi bo//VI"
MEETING_KINDS = {
    "regular": "thường kỳ",
    "thematic": "chuyên đề",
    "forum": "diễn đàn",
    "party_group": "tổ đảng",
}


def path_for(token: str) -> str:
    return f"/api/calendar/{token}.ics"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenState(BaseModel):
    """Whether the member has a live feed link (its URL is never shown again)."""

    active: bool
    created_at: datetime | None


class CalendarTokens:
    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def issue(self, caller: Caller) -> str:
        """A new token; any earlier one stops working in the same transaction."""
        token = new_token(caller.organisation)
        with self.store.transaction() as cur:
            cur.execute(
                "DELETE FROM chibo_calendar_tokens WHERE organisation = %s AND member = %s",
                (caller.organisation, caller.member),
            )
            cur.execute(
                "INSERT INTO chibo_calendar_tokens (token_hash, organisation, member, created_at)"
                " VALUES (%s, %s, %s, %s)",
                (
                    _digest(token),
                    caller.organisation,
                    caller.member,
                    datetime.now(UTC).isoformat(),
                ),
            )
        return token

    def revoke(self, caller: Caller) -> bool:
        """True if there was a link to revoke."""
        with self.store.transaction() as cur:
            cur.execute(
                "SELECT 1 FROM chibo_calendar_tokens WHERE organisation = %s AND member = %s",
                (caller.organisation, caller.member),
            )
            found = cur.fetchone() is not None
            cur.execute(
                "DELETE FROM chibo_calendar_tokens WHERE organisation = %s AND member = %s",
                (caller.organisation, caller.member),
            )
        return found

    def state(self, caller: Caller) -> TokenState:
        rows = self.store.query(
            "SELECT created_at FROM chibo_calendar_tokens WHERE organisation = %s AND member = %s",
            (caller.organisation, caller.member),
        )
        if not rows:
            return TokenState(active=False, created_at=None)
        return TokenState(active=True, created_at=datetime.fromisoformat(str(rows[0][0])))

    def caller_for(self, token: str) -> Caller | None:
        """The member whose feed this is, while their account is enabled."""
        rows = self.store.query(
            "SELECT t.organisation, t.member FROM chibo_calendar_tokens t JOIN chibo_accounts a"
            " ON a.organisation = t.organisation AND a.member = t.member"
            " WHERE t.token_hash = %s AND a.disabled = 0",
            (_digest(token),),
        )
        return Caller(organisation=str(rows[0][0]), member=str(rows[0][1])) if rows else None

    def erase(self, organisation: str, member: str) -> None:
        """The member's link gone (lawful erasure, like the contacts)."""
        with self.store.transaction() as cur:
            cur.execute(
                "DELETE FROM chibo_calendar_tokens WHERE organisation = %s AND member = %s",
                (organisation, member),
            )


# --- the feed ----------------------------------------------------------------------------------


def _vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _all_day(event: Event, day: date) -> None:
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))


def _meeting_event(
    org: Organisation, cell_name: str, row: MeetingRecord, found: Meeting | None, stamp: datetime
) -> Event | None:
    day = row.held_on or row.scheduled_on
    if day is None:
        return None
    kinds = ", ".join(MEETING_KINDS.get(k, k) for k in row.kinds) or "thường kỳ"
    event = Event()
    event.add("uid", f"meeting-{org.key}-{row.meeting}@chibo")
    event.add("dtstamp", stamp)
    _all_day(event, day)
    # Announced, then held under the same id: the same event, one version later.
    event.add("sequence", 1 if row.status == "held" else 0)
    event.add("status", "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    event.add("summary", f"Sinh hoạt chi bộ {kinds}: {cell_name}")
    lines = [f"Chi bộ: {cell_name}", f"Cuộc họp: {row.meeting}"]
    if row.status == "held":
        lines.append(f"Đã họp ngày {_vn(day)}; có mặt {row.present_count} đảng viên.")
    else:
        notice = f" (thông báo ngày {_vn(row.notice_on)})" if row.notice_on else ""
        lines.append(f"Dự kiến họp ngày {_vn(day)}{notice}.")
    if found is not None and found.content:
        lines.append(f"Nội dung: {found.content}")
    event.add("description", "\n".join(lines))
    if found is not None and found.place:
        event.add("location", found.place)
    event.add("categories", ["Sinh hoạt chi bộ"])
    return event


def _deadline_event(
    org: Organisation, cell_name: str, row: ResolutionRow, member: str, stamp: datetime
) -> Event:
    roles = []
    if member in row.executors:
        roles.append("thực hiện")
    if row.inspector == member:
        roles.append("kiểm tra")
    label = "Kiến nghị" if row.kind == "recommendation" else "Nghị quyết"
    event = Event()
    event.add("uid", f"deadline-{org.key}-{row.resolution}@chibo")
    event.add("dtstamp", stamp)
    _all_day(event, row.deadline)
    # Each extension moves the same event: calendars take the higher sequence.
    event.add("sequence", len(row.deadline_history))
    event.add("status", "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    event.add("summary", f"Hạn {label.lower()}: {row.content}")
    lines = [
        f"{label} {row.resolution} của {cell_name}.",
        f"Đồng chí là người {' và '.join(roles)}.",
        f"Hạn hoàn thành: {_vn(row.deadline)}",
    ]
    if row.deadline != row.original_deadline:
        lines.append(f"Hạn ban đầu: {_vn(row.original_deadline)} (đã gia hạn)")
    event.add("description", "\n".join(lines))
    event.add("categories", ["Hạn nghị quyết"])
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", timedelta(days=-1))
    alarm.add("description", f"Ngày mai đến hạn: {row.content}")
    event.add_component(alarm)
    return event


def feed(svc: Services, org: Organisation, caller: Caller, on: date) -> bytes:
    """The member's meetings (every meeting, announced or held, of the cells they belong
    to on `on`) and the deadlines of the open resolutions they execute or inspect in a cell
    they may read (R80); nothing else."""
    stamp = datetime.now(UTC).replace(microsecond=0)
    store = svc.store()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"chibo: lịch của {caller.member}@{org.key}")
    calendar.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    names: dict[str, str] = {}
    for cell in sorted(cells_of(svc, org), key=lambda c: c.key):
        if not cell.is_member_on(caller.member, on):
            continue
        readable_cell(svc, org, caller, cell.key, on)
        names[cell.key] = cell.name
        for held in book.cell_meetings(store, cell.key):
            found = record(svc, Meeting, held.meeting)
            event = _meeting_event(org, cell.name, held, found, stamp)
            if event is not None:
                calendar.add_component(event)
    for row in boards.board(store, member=caller.member, status="open"):
        try:
            _, cell = readable(svc, org, caller, Resolution, row.resolution, on)
        except ProblemError:
            continue  # a cell the member may no longer read
        name = names.get(cell.key, cell.name)
        calendar.add_component(_deadline_event(org, name, row, caller.member, stamp))
    ical: bytes = calendar.to_ical()
    return ical
