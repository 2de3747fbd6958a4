"""The meeting register (minutes book, R9–R11), attendance (R13) and committee members'
visits to cells as guests (R40, R41).

Counted for attendance (R13): the cell's members at the meeting whose status that day is
official or probationary. The status history this needs is kept here too: the
projector runs each projection over a whole batch in turn, so the cells projection's
rows for the same batch may not be written yet.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from pydantic import BaseModel

from domain.meeting import Meeting, MeetingSession
from domain.organisation import COUNTED_STATUSES, Organisation
from projections.codec import as_date, from_json, iso, to_json
from projections.projection import Projection
from projections.store import Cursor, ReadStore, Row

# --- what the queries return -------------------------------------------------------------


class MeetingRecord(BaseModel):
    """A meeting as its minutes book shows it."""

    meeting: str
    cell: str
    kinds: list[str]
    status: str
    """announced | held"""
    held_on: date | None
    scheduled_on: date | None
    notice_on: date | None
    preparatory_on: date | None
    online: bool
    duration_minutes: int
    chair: str | None
    minute_taker: str | None
    present: list[str]
    excused: dict[str, str]
    """member → reason"""
    absent: list[str]
    """Absent without reason."""
    counted: list[str]
    """Members counted for attendance (R13), whatever their class."""
    guests: list[str]
    speakers: list[str]
    reviewed: list[str]
    opinions: list[str]
    minority_opinions: list[str]
    present_count: int
    counted_count: int
    counted_present: int
    minutes_recorded_on: date | None
    minutes_sealed_on: date | None
    amendments: int
    score: int | None
    scores: dict[str, int]


class HeldMeeting(BaseModel):
    meeting: str
    held_on: date
    kinds: list[str]
    is_regular: bool
    is_thematic: bool
    present_count: int
    counted_count: int
    counted_present: int


class GuestVisit(BaseModel):
    member: str
    cell: str
    meeting: str
    held_on: date
    quarter: str
    """e.g. 2026-Q1"""


# --- the projection ----------------------------------------------------------------------


class MeetingsProjection(Projection):
    name = "meetings"
    tables = (
        "rm_meeting_member_status",
        "rm_meetings",
        "rm_meeting_attendance",
        "rm_guest_attendance",
    )
    ddl = (
        # Status spans, keyed in date order so the span in force is one index probe.
        "CREATE TABLE IF NOT EXISTS rm_meeting_member_status ("
        " member TEXT NOT NULL, since TEXT NOT NULL, status TEXT NOT NULL,"
        " position BIGINT NOT NULL, PRIMARY KEY (member, since, position))",
        "CREATE TABLE IF NOT EXISTS rm_meetings ("
        " meeting TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, cell TEXT NOT NULL,"
        " kinds TEXT NOT NULL, is_regular INTEGER NOT NULL, is_thematic INTEGER NOT NULL,"
        " status TEXT NOT NULL, held_on TEXT, online INTEGER NOT NULL DEFAULT 0,"
        " notice_on TEXT, scheduled_on TEXT, duration_minutes INTEGER NOT NULL DEFAULT 0,"
        " chair TEXT, minute_taker TEXT, guests TEXT NOT NULL DEFAULT '[]',"
        " speakers TEXT NOT NULL DEFAULT '[]', reviewed TEXT NOT NULL DEFAULT '[]',"
        " opinions TEXT NOT NULL DEFAULT '[]', minority_opinions TEXT NOT NULL DEFAULT '[]',"
        " present_count INTEGER NOT NULL DEFAULT 0, counted_count INTEGER NOT NULL DEFAULT 0,"
        " counted_present INTEGER NOT NULL DEFAULT 0, minutes_recorded_on TEXT,"
        " minutes_sealed_on TEXT, amendments INTEGER NOT NULL DEFAULT 0, score INTEGER,"
        " scores TEXT NOT NULL DEFAULT '{}', preparatory_on TEXT)",
        "CREATE INDEX IF NOT EXISTS rm_meetings_cell ON rm_meetings (cell, held_on)",
        "CREATE TABLE IF NOT EXISTS rm_meeting_attendance ("
        " meeting TEXT NOT NULL, member TEXT NOT NULL, class TEXT NOT NULL, reason TEXT,"
        " held_on TEXT NOT NULL, counted INTEGER NOT NULL, PRIMARY KEY (meeting, member))",
        "CREATE INDEX IF NOT EXISTS rm_meeting_attendance_member ON rm_meeting_attendance (member)",
        "CREATE TABLE IF NOT EXISTS rm_guest_attendance ("
        " member TEXT NOT NULL, cell TEXT NOT NULL, meeting TEXT NOT NULL,"
        " held_on TEXT NOT NULL, quarter TEXT NOT NULL, PRIMARY KEY (meeting, member))",
        "CREATE INDEX IF NOT EXISTS rm_guest_attendance_member"
        " ON rm_guest_attendance (member, quarter)",
        "CREATE INDEX IF NOT EXISTS rm_guest_attendance_cell"
        " ON rm_guest_attendance (cell, quarter)",
    )

    def apply(self, cur: Cursor, event: Any, position: int) -> None:
        # Exact-class lookup: event classes are never subclassed, and a dict hit is
        # cheaper than a chain of isinstance checks over a million events.
        handler = _HANDLERS.get(type(event))
        if handler is not None:
            handler(cur, event, position)


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _status_span(cur: Cursor, member: str, since: date, status: str, position: int) -> None:
    cur.execute(
        "INSERT INTO rm_meeting_member_status (member, since, status, position)"
        " VALUES (%s, %s, %s, %s)",
        (member, since.isoformat(), status, position),
    )


def _member_registered(cur: Cursor, e: Organisation.MemberRegistered, position: int) -> None:
    # A member is registered before any meeting can list them: nothing to recount.
    _status_span(cur, e.member, e.occurred_on, e.status, position)


def _member_status_changed(cur: Cursor, e: Organisation.MemberStatusChanged, position: int) -> None:
    _status_span(cur, e.member, e.occurred_on, e.status, position)
    # A back-dated change may alter who was counted at meetings already held.
    _recount(cur, e.member)


def _counted_sql(member: str, day: str) -> str:
    """SQL for 1 when `member` is counted (R13) on `day`, else 0. The status that day
    is read as the domain reads it: the latest span begun by then, else the earliest."""
    statuses = ", ".join(f"'{status}'" for status in sorted(COUNTED_STATUSES))
    return (
        "CASE WHEN COALESCE("
        "(SELECT s.status FROM rm_meeting_member_status s"
        f" WHERE s.member = {member} AND s.since <= {day}"
        " ORDER BY s.since DESC, s.position DESC LIMIT 1),"
        " (SELECT s.status FROM rm_meeting_member_status s"
        f" WHERE s.member = {member} ORDER BY s.since, s.position LIMIT 1))"
        f" IN ({statuses}) THEN 1 ELSE 0 END"
    )


_TOTALS = (
    "counted_count = (SELECT COUNT(*) FROM rm_meeting_attendance a"
    " WHERE a.meeting = rm_meetings.meeting AND a.counted = 1),"
    " counted_present = (SELECT COUNT(*) FROM rm_meeting_attendance a"
    " WHERE a.meeting = rm_meetings.meeting AND a.counted = 1 AND a.class = 'present')"
)


def _recount(cur: Cursor, member: str) -> None:
    """Recomputes who was counted at the meetings `member` was listed at, and their totals."""
    counted = _counted_sql("rm_meeting_attendance.member", "rm_meeting_attendance.held_on")
    cur.execute(
        f"UPDATE rm_meeting_attendance SET counted = {counted} WHERE member = %s", (member,)
    )
    cur.execute(
        f"UPDATE rm_meetings SET {_TOTALS}"
        " WHERE meeting IN (SELECT meeting FROM rm_meeting_attendance WHERE member = %s)",
        (member,),
    )


def _kind_flags(kinds: list[str]) -> tuple[int, int]:
    return int("regular" in kinds), int("thematic" in kinds)


def _announced(cur: Cursor, e: Meeting.Announced, position: int) -> None:
    cur.execute(
        "INSERT INTO rm_meetings (meeting, id, cell, kinds, is_regular, is_thematic, status,"
        " notice_on, scheduled_on) VALUES (%s, %s, %s, %s, %s, %s, 'announced', %s, %s)",
        (
            e.key,
            str(e.originator_id),
            e.cell,
            to_json(e.kinds),
            *_kind_flags(e.kinds),
            e.occurred_on.isoformat(),
            e.scheduled_on.isoformat(),
        ),
    )


def _held(cur: Cursor, e: Meeting.Held, position: int) -> None:
    _hold(cur, e.key, str(e.originator_id), e.cell, e.occurred_on, e.session)


def _held_as_announced(cur: Cursor, e: Meeting.HeldAsAnnounced, position: int) -> None:
    # The event names only the stream; its key and cell came with the announcement.
    meeting_id = str(e.originator_id)
    cur.execute("SELECT meeting, cell FROM rm_meetings WHERE id = %s", (meeting_id,))
    row = cur.fetchone()
    if row is None:
        raise LookupError(f"meeting {meeting_id} was never announced")
    _hold(cur, row[0], meeting_id, row[1], e.occurred_on, e.session)


_SESSION_COLUMNS = (
    "status",
    "held_on",
    "kinds",
    "is_regular",
    "is_thematic",
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
    "present_count",
    "minutes_recorded_on",
)
_HOLD_SQL = (
    f"INSERT INTO rm_meetings (meeting, id, cell, {', '.join(_SESSION_COLUMNS)})"
    f" VALUES ({', '.join(['%s'] * (3 + len(_SESSION_COLUMNS)))})"
    " ON CONFLICT (meeting) DO UPDATE SET "
    + ", ".join(
        # An announced meeting keeps its notice date unless the session names one.
        f"{c} = COALESCE(excluded.{c}, rm_meetings.{c})"
        if c == "notice_on"
        else f"{c} = excluded.{c}"
        for c in _SESSION_COLUMNS
    )
)
"""Records a session: a new row (held unannounced) or the announced meeting's row."""


def _hold(
    cur: Cursor, key: str, meeting_id: str, cell: str, day: date, session: MeetingSession
) -> None:
    """The session's record, its attendance in three classes (with who is counted, R13),
    and its guests (R40, R41)."""
    held_on = day.isoformat()
    cur.execute(
        _HOLD_SQL,
        (
            key,
            meeting_id,
            cell,
            "held",
            held_on,
            to_json(session.kinds),
            *_kind_flags(session.kinds),
            int(session.online),
            iso(session.notice_on),
            session.duration_minutes,
            session.chair,
            session.minute_taker,
            to_json(session.guests),
            to_json(session.speakers),
            to_json(session.reviewed),
            to_json(session.opinions),
            to_json(session.minority_opinions),
            len(session.present),
            held_on if session.minutes_recorded else None,
        ),
    )
    attendance = [
        *((member, "present", None) for member in session.present),
        *((member, "excused", reason) for member, reason in session.excused.items()),
        *((member, "absent", None) for member in session.absent),
    ]
    cur.executemany(
        "INSERT INTO rm_meeting_attendance (meeting, member, class, reason, held_on, counted)"
        f" VALUES (%s, %s, %s, %s, %s, {_counted_sql('%s', '%s')})",
        [
            (key, member, kind, reason, held_on, member, held_on, member)
            for member, kind, reason in attendance
        ],
    )
    cur.execute(f"UPDATE rm_meetings SET {_TOTALS} WHERE meeting = %s", (key,))
    cur.executemany(
        "INSERT INTO rm_guest_attendance (member, cell, meeting, held_on, quarter)"
        " VALUES (%s, %s, %s, %s, %s)",
        [(guest, cell, key, held_on, quarter_of(day)) for guest in session.guests],
    )


def _preparatory(cur: Cursor, e: Meeting.PreparatoryMeetingHeld, position: int) -> None:
    cur.execute(
        "UPDATE rm_meetings SET preparatory_on = %s WHERE id = %s",
        (e.occurred_on.isoformat(), str(e.originator_id)),
    )


def _minutes_recorded(cur: Cursor, e: Meeting.MinutesRecorded, position: int) -> None:
    cur.execute(
        "UPDATE rm_meetings SET minutes_recorded_on = %s WHERE id = %s",
        (e.occurred_on.isoformat(), str(e.originator_id)),
    )


def _minutes_sealed(cur: Cursor, e: Meeting.MinutesSealed, position: int) -> None:
    cur.execute(
        "UPDATE rm_meetings SET minutes_sealed_on = %s WHERE id = %s",
        (e.occurred_on.isoformat(), str(e.originator_id)),
    )


def _minutes_amended(cur: Cursor, e: Meeting.MinutesAmended, position: int) -> None:
    cur.execute(
        "UPDATE rm_meetings SET amendments = amendments + 1 WHERE id = %s",
        (str(e.originator_id),),
    )


def _scored(cur: Cursor, e: Meeting.Scored, position: int) -> None:
    cur.execute(
        "UPDATE rm_meetings SET score = %s, scores = %s WHERE id = %s",
        (sum(e.scores.values()), to_json(e.scores), str(e.originator_id)),
    )


Handler = Callable[[Cursor, Any, int], None]

# The behaviour map.
_HANDLERS: dict[type[Any], Handler] = {
    Organisation.MemberRegistered: _member_registered,
    Organisation.MemberStatusChanged: _member_status_changed,
    Meeting.Announced: _announced,
    Meeting.Held: _held,
    Meeting.HeldAsAnnounced: _held_as_announced,
    Meeting.PreparatoryMeetingHeld: _preparatory,
    Meeting.MinutesRecorded: _minutes_recorded,
    Meeting.MinutesSealed: _minutes_sealed,
    Meeting.MinutesAmended: _minutes_amended,
    Meeting.Scored: _scored,
}


# --- queries -----------------------------------------------------------------------------

_COLUMNS = (
    "m.meeting, m.cell, m.kinds, m.status, m.held_on, m.scheduled_on, m.notice_on,"
    " m.preparatory_on, m.online, m.duration_minutes, m.chair, m.minute_taker, m.guests,"
    " m.speakers, m.reviewed, m.opinions, m.minority_opinions, m.present_count,"
    " m.counted_count, m.counted_present, m.minutes_recorded_on, m.minutes_sealed_on,"
    " m.amendments, m.score, m.scores"
)


def _record(row: Row, attendance: list[Row]) -> MeetingRecord:
    (
        key,
        cell,
        kinds,
        status,
        held_on,
        scheduled_on,
        notice_on,
        preparatory_on,
        online,
        duration,
        chair,
        minute_taker,
        guests,
        speakers,
        reviewed,
        opinions,
        minority,
        present_count,
        counted_count,
        counted_present,
        recorded_on,
        sealed_on,
        amendments,
        score,
        scores,
    ) = row
    return MeetingRecord(
        meeting=key,
        cell=cell,
        kinds=from_json(kinds),
        status=status,
        held_on=as_date(held_on),
        scheduled_on=as_date(scheduled_on),
        notice_on=as_date(notice_on),
        preparatory_on=as_date(preparatory_on),
        online=bool(online),
        duration_minutes=duration,
        chair=chair,
        minute_taker=minute_taker,
        present=[m for m, kind, _, _ in attendance if kind == "present"],
        excused={m: reason for m, kind, reason, _ in attendance if kind == "excused"},
        absent=[m for m, kind, _, _ in attendance if kind == "absent"],
        counted=[m for m, _, _, counted in attendance if counted],
        guests=from_json(guests),
        speakers=from_json(speakers),
        reviewed=from_json(reviewed),
        opinions=from_json(opinions),
        minority_opinions=from_json(minority),
        present_count=present_count,
        counted_count=counted_count,
        counted_present=counted_present,
        minutes_recorded_on=as_date(recorded_on),
        minutes_sealed_on=as_date(sealed_on),
        amendments=amendments,
        score=score,
        scores=from_json(scores),
    )


def _range(start: date | None, end: date | None) -> tuple[str, list[str]]:
    """SQL conditions (and their values) for held_on within [start, end]."""
    bounds = [(">=", start), ("<=", end)]
    given = [(op, day.isoformat()) for op, day in bounds if day is not None]
    return "".join(f" AND m.held_on {op} %s" for op, _ in given), [day for _, day in given]


def meeting(store: ReadStore, key: str) -> MeetingRecord | None:
    with store.transaction() as cur:
        cur.execute(f"SELECT {_COLUMNS} FROM rm_meetings m WHERE m.meeting = %s", (key,))
        row = cur.fetchone()
        if row is None:
            return None
        cur.execute(
            "SELECT member, class, reason, counted FROM rm_meeting_attendance"
            " WHERE meeting = %s ORDER BY member",
            (key,),
        )
        return _record(row, cur.fetchall())


def minutes_book(
    store: ReadStore, cell: str, start: date | None = None, end: date | None = None
) -> list[MeetingRecord]:
    """The cell's held meetings in [start, end], by date (R11, R73)."""
    where, params = _range(start, end)
    with store.transaction() as cur:
        cur.execute(
            f"SELECT {_COLUMNS} FROM rm_meetings m"
            f" WHERE m.cell = %s AND m.status = 'held'{where} ORDER BY m.held_on, m.meeting",
            (cell, *params),
        )
        rows = cur.fetchall()
        cur.execute(
            "SELECT a.meeting, a.member, a.class, a.reason, a.counted"
            " FROM rm_meeting_attendance a JOIN rm_meetings m ON m.meeting = a.meeting"
            f" WHERE m.cell = %s{where} ORDER BY a.member",
            (cell, *params),
        )
        attendance: dict[str, list[Row]] = {}
        for meeting_key, *rest in cur.fetchall():
            attendance.setdefault(meeting_key, []).append(tuple(rest))
    return [_record(row, attendance.get(row[0], [])) for row in rows]


def meetings_in(store: ReadStore, cell: str, start: date, end: date) -> list[HeldMeeting]:
    """The cell's held meetings in [start, end] with their kinds and attendance counts."""
    rows = store.query(
        "SELECT meeting, held_on, kinds, is_regular, is_thematic, present_count,"
        " counted_count, counted_present FROM rm_meetings"
        " WHERE cell = %s AND status = 'held' AND held_on >= %s AND held_on <= %s"
        " ORDER BY held_on, meeting",
        (cell, start.isoformat(), end.isoformat()),
    )
    return [
        HeldMeeting(
            meeting=key,
            held_on=date.fromisoformat(held_on),
            kinds=from_json(kinds),
            is_regular=bool(regular),
            is_thematic=bool(thematic),
            present_count=present,
            counted_count=counted,
            counted_present=counted_present,
        )
        for key, held_on, kinds, regular, thematic, present, counted, counted_present in rows
    ]


def committee_attendance(
    store: ReadStore,
    member: str | None = None,
    cell: str | None = None,
    quarter: str | None = None,
) -> list[GuestVisit]:
    """Guests at cell meetings (R40, R41), optionally of one member, cell or quarter."""
    filters = [("member", member), ("cell", cell), ("quarter", quarter)]
    given = [(column, value) for column, value in filters if value is not None]
    where = "".join(f" AND {column} = %s" for column, _ in given)
    rows = store.query(
        "SELECT member, cell, meeting, held_on, quarter FROM rm_guest_attendance"
        f" WHERE 1 = 1{where} ORDER BY held_on, meeting, member",
        [value for _, value in given],
    )
    return [
        GuestVisit(
            member=guest, cell=at, meeting=key, held_on=date.fromisoformat(day), quarter=period
        )
        for guest, at, key, day, period in rows
    ]


def attendance_rate(store: ReadStore, cell: str, start: date, end: date) -> float | None:
    """Σ counted present ÷ Σ counted over the cell's regular meetings in [start, end]
    (R13), to 4 decimals; None when there were none (or nobody was counted)."""
    rows = store.query(
        "SELECT SUM(counted_present), SUM(counted_count) FROM rm_meetings"
        " WHERE cell = %s AND status = 'held' AND is_regular = 1"
        " AND held_on >= %s AND held_on <= %s",
        (cell, start.isoformat(), end.isoformat()),
    )
    present, counted = rows[0]
    if not counted:
        return None
    return round(int(present) / int(counted), 4)
