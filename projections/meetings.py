"""The meeting register (minutes book, R9–R11), attendance (R13) and committee members'
visits to cells as guests (R40, R41).

Counted for attendance (R13): the cell's members at the meeting whose status that day is
official or probationary. The status history this needs is kept here too: the
projector runs each projection over a whole batch in turn, so the cells projection's
rows for the same batch may not be written yet.

A meeting's attendance is one JSON column of its row, `[member, class, reason, counted]`
by member; the view `rm_meeting_attendance` shows it as one row per member (its old
table layout), for queries that filter or sort by member. Who is counted is worked out
here from the status spans, which this projection remembers (loaded from its own table
once, then kept up to date by the events it applies). A status change recounts the
meetings the member was listed at, found through the cells they were listed in.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from datetime import date
from operator import itemgetter
from typing import Any

from pydantic import BaseModel

from domain.attendance import attendance_rate as rate_of
from domain.attendance import counts_for_attendance
from domain.cell import Cell
from domain.meeting import Meeting, MeetingSession, MeetingStatus
from domain.organisation import Organisation
from domain.periods import quarter_of
from domain.personal import ERASED
from projections.codec import as_date, from_json, list_json, to_json
from projections.projection import Lookup, Projection, handles
from projections.store import Bulk, Dialect, ReadStore, Row, Writer

# --- what the queries return -------------------------------------------------------------


class MeetingRecord(BaseModel):
    """A meeting as its minutes book shows it."""

    meeting: str
    cell: str
    kinds: list[str]
    status: MeetingStatus
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


def _attendance_view(present: str, excused: str, absent: str, counted: str) -> str:
    """The SELECT of rm_meeting_attendance: the attendance column as one row per member.
    The first three expand its parts as `p` (`p.value` a member, `p.key` an excused one
    and `p.value` the reason); `counted` tells whether `{member}` is not in its part of
    the uncounted."""
    branches = [
        ("p.value", "'present'", "NULL", present),
        ("p.key", "'excused'", "p.value", excused),
        ("p.value", "'absent'", "NULL", absent),
    ]
    return " UNION ALL ".join(
        f"SELECT m.meeting, {member} AS member, {kind} AS class, {reason} AS reason,"
        f" m.held_on, CASE WHEN {counted.format(member=member)} THEN 1 ELSE 0 END AS counted"
        f" FROM rm_meetings m, {part}"
        for member, kind, reason, part in branches
    )


_ATTENDANCE_VIEW = Dialect(
    # No CREATE VIEW IF NOT EXISTS here; and a database of the old layout still has the
    # table of that name (until its rebuild drops it).
    "DO $$ BEGIN IF to_regclass('rm_meeting_attendance') IS NULL THEN"
    " CREATE VIEW rm_meeting_attendance AS "
    + _attendance_view(
        "jsonb_array_elements_text(CAST(m.attendance AS jsonb) -> 0) AS p(value)",
        "jsonb_each_text(CAST(m.attendance AS jsonb) -> 1) AS p(key, value)",
        "jsonb_array_elements_text(CAST(m.attendance AS jsonb) -> 2) AS p(value)",
        "NOT (CAST(m.attendance AS jsonb) -> 3) ? {member}",
    )
    + "; END IF; END $$",
    sqlite="CREATE VIEW IF NOT EXISTS rm_meeting_attendance AS "
    + _attendance_view(
        "json_each(m.attendance, '$[0]') AS p",
        "json_each(m.attendance, '$[1]') AS p",
        "json_each(m.attendance, '$[2]') AS p",
        "NOT EXISTS (SELECT 1 FROM json_each(m.attendance, '$[3]') u WHERE u.value = {member})",
    ),
)


class MeetingsProjection(Projection):
    name = "meetings"
    tables = (
        "rm_meeting_member_status",
        "rm_meeting_attendance",  # a view of rm_meetings: dropped before it
        "rm_meetings",
        "rm_guest_attendance",
        "rm_meeting_member_cells",
        "rm_meeting_cells",
    )
    ddl = (
        # Status spans, keyed in date order so the span in force is one index probe.
        "CREATE TABLE IF NOT EXISTS rm_meeting_member_status ("
        " organisation TEXT NOT NULL, member TEXT NOT NULL, since TEXT NOT NULL,"
        " status TEXT NOT NULL, position BIGINT NOT NULL,"
        " PRIMARY KEY (organisation, member, since, position))",
        # Each cell's organisation: members are the organisation's (two organisations
        # may both have an `m01`).
        "CREATE TABLE IF NOT EXISTS rm_meeting_cells ("
        " cell TEXT PRIMARY KEY, organisation TEXT NOT NULL)",
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
        " scores TEXT NOT NULL DEFAULT '{}', preparatory_on TEXT,"
        " attendance TEXT NOT NULL DEFAULT '[]', held_position BIGINT)",
        "CREATE INDEX IF NOT EXISTS rm_meetings_cell ON rm_meetings (cell, held_on)",
        _ATTENDANCE_VIEW,
        "CREATE TABLE IF NOT EXISTS rm_guest_attendance ("
        " member TEXT NOT NULL, cell TEXT NOT NULL, meeting TEXT NOT NULL,"
        " held_on TEXT NOT NULL, quarter TEXT NOT NULL, PRIMARY KEY (meeting, member))",
        "CREATE INDEX IF NOT EXISTS rm_guest_attendance_member"
        " ON rm_guest_attendance (member, quarter)",
        "CREATE INDEX IF NOT EXISTS rm_guest_attendance_cell"
        " ON rm_guest_attendance (cell, quarter)",
        # The cells each member was ever listed in at a meeting: where a status change
        # looks for the meetings to recount.
        "CREATE TABLE IF NOT EXISTS rm_meeting_member_cells ("
        " member TEXT NOT NULL, cell TEXT NOT NULL, PRIMARY KEY (member, cell))",
    )

    def __init__(self) -> None:
        self._statuses: _Statuses | None = None
        """The status spans of rm_meeting_member_status; None: not read."""
        self._listed: dict[str, set[str]] | None = None
        """cell → the members listed at its meetings (rm_meeting_member_cells); None: not
        read."""
        self._announcements = Lookup("SELECT meeting, cell FROM rm_meetings WHERE id = %s")
        self._organisations = Lookup("SELECT organisation FROM rm_meeting_cells WHERE cell = %s")

    def forget(self) -> None:
        self._statuses = None
        self._listed = None
        self._announcements.forget()
        self._organisations.forget()

    def _organisation_of(self, w: Writer, cell: str) -> str:
        found = self._organisations.get(w, cell)
        if found is None:
            raise LookupError(f"cell {cell} was never founded")
        return str(found[0])

    def _cells_listing(self, w: Writer, organisation: str, member: str) -> list[str]:
        """The organisation's cells at whose meetings `member` was listed."""
        return sorted(
            cell
            for cell, members in self._listed_cells(w).items()
            if member in members and self._organisation_of(w, cell) == organisation
        )

    # --- memory of the tables ------------------------------------------------------------

    def _status_spans(self, w: Writer) -> _Statuses:
        if self._statuses is None:
            self._statuses = _Statuses(
                w.query(
                    "SELECT organisation, member, since, position, status"
                    " FROM rm_meeting_member_status"
                )
            )
        return self._statuses

    def _listed_cells(self, w: Writer) -> dict[str, set[str]]:
        if self._listed is None:
            listed: dict[str, set[str]] = {}
            for member, cell in w.query("SELECT member, cell FROM rm_meeting_member_cells"):
                listed.setdefault(cell, set()).add(member)
            self._listed = listed
        return self._listed

    # --- status --------------------------------------------------------------------------

    def _status_span(
        self, w: Writer, who: tuple[str, str], since: date, status: str, position: int
    ) -> str:
        day = since.isoformat()
        w.insert(
            "rm_meeting_member_status",
            ("organisation", "member", "since", "status", "position"),
            (*who, day, status, position),
        )
        if self._statuses is not None:  # else read later, this row with the others
            self._statuses.add(who, day, position, status)
        return day

    @handles(Cell.Founded)
    def _cell_founded(self, w: Writer, e: Cell.Founded, position: int) -> None:
        organisation = str(Organisation.id_for(e.organisation))
        w.insert("rm_meeting_cells", ("cell", "organisation"), (e.key, organisation))
        self._organisations.put(e.key, (organisation,))

    @handles(Organisation.MemberRegistered)
    def _member_registered(
        self, w: Writer, e: Organisation.MemberRegistered, position: int
    ) -> None:
        # A member is registered before any meeting can list them: nothing to recount.
        self._status_span(w, (_org_key(e), e.member), e.occurred_on, e.status, position)

    @handles(Organisation.MemberStatusChanged)
    def _member_status_changed(
        self, w: Writer, e: Organisation.MemberStatusChanged, position: int
    ) -> None:
        who = (_org_key(e), e.member)
        spans = self._status_spans(w).spans.get(who)
        # The status on a day before the new span's changes only if the new span is now
        # the earliest (the status before any span is the earliest one's).
        earliest = spans[0][0] if spans else None
        since = self._status_span(w, who, e.occurred_on, e.status, position)
        # A back-dated change may alter who was counted at meetings already held.
        self._recount(w, who, since if earliest is not None and since >= earliest else None)

    @handles(Organisation.MemberDataErased)
    def _member_data_erased(
        self, w: Writer, e: Organisation.MemberDataErased, position: int
    ) -> None:
        """The member's excuse reasons are personal: blanked in every meeting they were
        excused from, at once (a rebuild reads them as erased from the sealed events)."""
        cells = self._cells_listing(w, _org_key(e), e.member)
        if not cells:
            return
        sql = (
            "SELECT meeting, attendance FROM rm_meetings WHERE status = 'held'"
            f" AND cell IN ({', '.join(['%s'] * len(cells))}) ORDER BY meeting"
        )
        for key, text in w.query(sql, cells):
            present, excused, absent, uncounted = from_json(text)
            if e.member not in excused or excused[e.member] == ERASED:
                continue
            excused = {**excused, e.member: ERASED}
            attendance, _, _ = _attendance_column(present, excused, absent, set(uncounted))
            w.update("UPDATE rm_meetings SET attendance = %s WHERE meeting = %s", (attendance, key))

    def _recount(self, w: Writer, who: tuple[str, str], since: str | None) -> None:
        """Works out again whether the member was counted at the meetings they were
        listed at (held on or after `since`, if given), and those meetings' totals."""
        organisation, member = who
        cells = self._cells_listing(w, organisation, member)
        if not cells:
            return
        sql = (
            "SELECT meeting, held_on, attendance FROM rm_meetings WHERE status = 'held'"
            f" AND cell IN ({', '.join(['%s'] * len(cells))})"
        )
        params: list[Any] = list(cells)
        if since is not None:
            sql += " AND held_on >= %s"
            params.append(since)
        statuses = self._status_spans(w)
        for key, held_on, text in w.query(sql + " ORDER BY meeting", params):
            present, excused, absent, uncounted = from_json(text)
            if member not in present and member not in excused and member not in absent:
                continue
            now = set(uncounted)
            if statuses.counted(who, held_on):
                now.discard(member)
            else:
                now.add(member)
            if now != set(uncounted):
                attendance, counted_count, counted_present = _attendance_column(
                    present, excused, absent, now
                )
                w.update(
                    "UPDATE rm_meetings SET attendance = %s, counted_count = %s,"
                    " counted_present = %s WHERE meeting = %s",
                    (attendance, counted_count, counted_present, key),
                )

    # --- meetings ------------------------------------------------------------------------

    @handles(Meeting.Announced)
    def _announced(self, w: Writer, e: Meeting.Announced, position: int) -> None:
        meeting_id = str(e.originator_id)
        w.insert(
            "rm_meetings",
            _ANNOUNCED,
            (
                e.key,
                meeting_id,
                e.cell,
                *_kinds(e.kinds),
                "announced",
                e.occurred_on.isoformat(),
                e.scheduled_on.isoformat(),
            ),
        )
        self._announcements.put(meeting_id, (e.key, e.cell))

    @handles(Meeting.Held)
    def _held(self, w: Writer, e: Meeting.Held, position: int) -> None:
        # A new record: its row cannot exist yet (the stream begins with this event).
        session = e.session
        held_on = e.occurred_on.isoformat()
        attendance, counted_count, counted_present = self._attendance(w, e.cell, held_on, session)
        w.insert(
            "rm_meetings",
            _HELD,
            (
                e.key,
                str(e.originator_id),
                e.cell,
                *_session_values(session, held_on),
                attendance,
                counted_count,
                counted_present,
                position,
            ),
        )
        self._guests(w, e.key, e.cell, e.occurred_on, session)

    @handles(Meeting.HeldAsAnnounced)
    def _held_as_announced(self, w: Writer, e: Meeting.HeldAsAnnounced, position: int) -> None:
        # The event names only the stream; its key and cell came with the announcement.
        meeting_id = str(e.originator_id)
        found = self._announcements.get(w, meeting_id)
        if found is None:
            raise LookupError(f"meeting {meeting_id} was never announced")
        key, cell = found
        session = e.session
        held_on = e.occurred_on.isoformat()
        attendance, counted_count, counted_present = self._attendance(w, cell, held_on, session)
        w.update(
            _HOLD_ANNOUNCED_SQL,
            (
                *_session_values(session, held_on),
                attendance,
                counted_count,
                counted_present,
                position,
                key,
            ),
        )
        self._guests(w, key, cell, e.occurred_on, session)

    def _attendance(
        self, w: Writer, cell: str, held_on: str, session: MeetingSession
    ) -> tuple[str, int, int]:
        """The attendance column (with who is counted, R13) and its counted totals; notes
        the cell the members were listed in."""
        present, excused, absent = session.present, session.excused, session.absent
        statuses = self._status_spans(w)
        organisation = self._organisation_of(w, cell)
        # Most meetings list only members already known here and counted whatever the
        # day: subset checks of the three lists, no set built for them (a rebuild does
        # this for every meeting ever held).
        always = statuses.always.get(organisation, _NOBODY)
        uncounted: set[str] = set()
        if not (
            always.issuperset(present) and always.issuperset(excused) and always.issuperset(absent)
        ):
            uncounted = {
                member
                for part in (present, excused, absent)
                for member in part
                if member not in always and not statuses.counted((organisation, member), held_on)
            }
        listed = self._listed_cells(w)
        known = listed.get(cell)
        if known is None:
            known = listed[cell] = set()
        if not (
            known.issuperset(present) and known.issuperset(excused) and known.issuperset(absent)
        ):
            members = set(present).union(excused, absent)
            for member in sorted(members.difference(known)):
                w.insert("rm_meeting_member_cells", ("member", "cell"), (member, cell))
            known.update(members)
        return _attendance_column(present, excused, absent, uncounted)

    def _guests(self, w: Writer, key: str, cell: str, day: date, session: MeetingSession) -> None:
        held_on, quarter = day.isoformat(), quarter_of(day)
        for guest in session.guests:
            w.insert("rm_guest_attendance", _GUEST, (guest, cell, key, held_on, quarter))

    @handles(Meeting.PreparatoryMeetingHeld)
    def _preparatory(self, w: Writer, e: Meeting.PreparatoryMeetingHeld, position: int) -> None:
        w.update(_PREPARATORY, (str(e.originator_id), e.occurred_on.isoformat()))

    @handles(Meeting.MinutesRecorded)
    def _minutes_recorded(self, w: Writer, e: Meeting.MinutesRecorded, position: int) -> None:
        w.update(_MINUTES_RECORDED, (str(e.originator_id), e.occurred_on.isoformat()))

    @handles(Meeting.MinutesSealed)
    def _minutes_sealed(self, w: Writer, e: Meeting.MinutesSealed, position: int) -> None:
        w.update(_MINUTES_SEALED, (str(e.originator_id), e.occurred_on.isoformat()))

    @handles(Meeting.MinutesAmended)
    def _minutes_amended(self, w: Writer, e: Meeting.MinutesAmended, position: int) -> None:
        w.update(_MINUTES_AMENDED, (str(e.originator_id),))

    @handles(Meeting.Scored)
    def _scored(self, w: Writer, e: Meeting.Scored, position: int) -> None:
        w.update(_SCORED, (str(e.originator_id), sum(e.scores.values()), to_json(e.scores)))


def _by_id(assign: str, *values: tuple[str, str]) -> Bulk:
    """An update of one meeting, found by its stream."""
    return Bulk("rm_meetings", "id", (("id", "text"), *values), assign)


_DAY = ("day", "text")
_PREPARATORY = _by_id("preparatory_on = v.day", _DAY)
_MINUTES_RECORDED = _by_id("minutes_recorded_on = v.day", _DAY)
_MINUTES_SEALED = _by_id("minutes_sealed_on = v.day", _DAY)
_MINUTES_AMENDED = _by_id("amendments = t.amendments + 1")
_SCORED = _by_id("score = v.score, scores = v.scores", ("score", "integer"), ("scores", "text"))


_SINCE = itemgetter(0)
_NOBODY: frozenset[str] = frozenset()


class _Statuses:
    """Status spans (since, position, status) by member, in that order, and who is
    counted (R13) on a day: the status that day is read as the domain reads it, the
    latest span begun by then, else the earliest."""

    def __init__(self, rows: list[Row]) -> None:
        self.spans: dict[tuple[str, str], list[tuple[str, int, str]]] = {}
        """(organisation, member) → spans."""
        self.always: dict[str, set[str]] = {}
        """Organisation → its members counted whatever the day (every span of theirs says
        so): most members, taken out of a meeting's list at once."""
        for organisation, member, since, position, status in rows:
            key = (organisation, member)
            self.spans.setdefault(key, []).append((since, int(position), status))
        for member, spans in self.spans.items():
            spans.sort()
            self._settle(member, spans)

    def add(self, member: tuple[str, str], since: str, position: int, status: str) -> None:
        spans = self.spans.setdefault(member, [])
        insort(spans, (since, position, status))
        self._settle(member, spans)

    def _settle(self, member: tuple[str, str], spans: list[tuple[str, int, str]]) -> None:
        organisation, who = member
        if all(counts_for_attendance(span[2]) for span in spans):
            self.always.setdefault(organisation, set()).add(who)
        else:
            self.always.get(organisation, set()).discard(who)

    def counted(self, member: tuple[str, str], day: str) -> bool:
        """Whether `member` is counted on `day` (ISO); not a stranger."""
        spans = self.spans.get(member)
        if not spans:
            return False
        begun = bisect_right(spans, day, key=_SINCE)
        return counts_for_attendance(spans[begun - 1 if begun else 0][2])


def _org_key(e: Any) -> str:
    """The organisation of a member event: its stream id (`rm_meeting_cells` keeps each
    cell's organisation by the same id)."""
    return str(e.originator_id)


def _attendance_column(
    present: list[str], excused: dict[str, str], absent: list[str], uncounted: set[str]
) -> tuple[str, int, int]:
    """The attendance column, `[present, excused, absent, uncounted]` (the uncounted
    sorted, so a recount writes what a rebuild would), and its totals: how many are
    counted, and how many of them were present."""
    column = to_json([present, excused, absent, sorted(uncounted)])
    listed = len(present) + len(excused) + len(absent)
    if not uncounted:
        return column, listed, len(present)
    counted_present = sum(1 for member in present if member not in uncounted)
    counted_absent = sum(1 for member in [*excused, *absent] if member not in uncounted)
    return column, counted_present + counted_absent, counted_present


_KINDS: dict[tuple[str, ...], tuple[str, int, int]] = {}


def _kinds(kinds: list[str]) -> tuple[str, int, int]:
    """The kinds as JSON, is_regular, is_thematic (remembered: there are few)."""
    key = tuple(kinds)
    found = _KINDS.get(key)
    if found is None:
        found = _KINDS[key] = (to_json(kinds), int("regular" in kinds), int("thematic" in kinds))
    return found


def _session_values(session: MeetingSession, held_on: str) -> tuple[Any, ...]:
    """The values of `_SESSION_COLUMNS`."""
    notice_on = session.notice_on
    return (
        "held",
        held_on,
        *_kinds(session.kinds),
        int(session.online),
        None if notice_on is None else notice_on.isoformat(),
        session.duration_minutes,
        session.chair,
        session.minute_taker,
        list_json(session.guests),
        list_json(session.speakers),
        list_json(session.reviewed),
        list_json(session.opinions),
        list_json(session.minority_opinions),
        len(session.present),
        held_on if session.minutes_recorded else None,
    )


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
_ATTENDANCE_COLUMNS = ("attendance", "counted_count", "counted_present", "held_position")
"""`held_position`: the log position of the session (what came before it that day, R12)."""
_ANNOUNCED = (
    "meeting",
    "id",
    "cell",
    "kinds",
    "is_regular",
    "is_thematic",
    "status",
    "notice_on",
    "scheduled_on",
)
_HELD = ("meeting", "id", "cell", *_SESSION_COLUMNS, *_ATTENDANCE_COLUMNS)
_HOLD_ANNOUNCED_SQL = (
    "UPDATE rm_meetings SET "
    + ", ".join(
        # An announced meeting keeps its notice date unless the session names one.
        f"{c} = COALESCE(%s, notice_on)" if c == "notice_on" else f"{c} = %s"
        for c in (*_SESSION_COLUMNS, *_ATTENDANCE_COLUMNS)
    )
    + " WHERE meeting = %s"
)
"""Records the session of an announced meeting on its row."""
_GUEST = ("member", "cell", "meeting", "held_on", "quarter")


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
    with store.reading() as cur:
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
    with store.reading() as cur:
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
    return rate_of(int(present or 0), int(counted or 0))


def organisation_attendance(
    store: ReadStore, organisation: str, start: date, end: date
) -> tuple[int, int]:
    """(Σ counted present, Σ counted) over the organisation's regular meetings held in
    [start, end] (R13): what rates are recomputed from when figures are added up."""
    rows = store.query(
        "SELECT SUM(m.counted_present), SUM(m.counted_count) FROM rm_meetings m"
        " JOIN rm_cells c ON c.cell = m.cell WHERE c.organisation = %s AND m.status = 'held'"
        " AND m.is_regular = 1 AND m.held_on >= %s AND m.held_on <= %s",
        (organisation, start.isoformat(), end.isoformat()),
    )
    present, counted = rows[0]
    return int(present or 0), int(counted or 0)


def held_position(store: ReadStore, meeting: str) -> int | None:
    """The log position at which the meeting's session was recorded."""
    rows = store.query("SELECT held_position FROM rm_meetings WHERE meeting = %s", (meeting,))
    return int(rows[0][0]) if rows and rows[0][0] is not None else None


def cell_meetings(store: ReadStore, cell: str) -> list[MeetingRecord]:
    """Every meeting of the cell, announced or held, by the day it is held or scheduled
    (the calendar feed shows both; the minutes book only the held ones)."""
    with store.reading() as cur:
        cur.execute(
            f"SELECT {_COLUMNS} FROM rm_meetings m WHERE m.cell = %s"
            " ORDER BY COALESCE(m.held_on, m.scheduled_on), m.meeting",
            (cell,),
        )
        rows = cur.fetchall()
    return [_record(row, []) for row in rows]
