"""The resolution board: every resolution and inspection recommendation, its people,
its deadline in force and the history of its extensions (R20–R25, R53)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel

from domain.resolution import Resolution, ResolutionKind, ResolutionOrigin, ResolutionStatus
from projections.codec import as_date, from_json, list_json
from projections.projection import Projection, handles
from projections.store import Bulk, ReadStore, Row, Writer

BoardStatus = Literal["open", "overdue", "completed", "cancelled"]
Role = Literal["executor", "inspector"]


class DeadlineChangeRow(BaseModel):
    decided_on: date
    meeting: str
    previous: date
    deadline: date


class ResolutionRow(BaseModel):
    resolution: str
    cell: str
    origin: ResolutionOrigin
    source: str
    kind: ResolutionKind
    content: str
    adopted_on: date
    deadline: date  # in force now
    original_deadline: date
    status: ResolutionStatus
    closed_on: date | None
    completed_on_time: bool | None
    inspector: str
    executors: list[str]
    communicated_on: date | None
    overdue_level: int
    last_progress_on: date | None
    deadline_history: list[DeadlineChangeRow] = []


class ResolutionCounts(BaseModel):
    adopted: int
    completed_on_time: int
    completed_late: int
    open: int
    overdue_open: int


class ResolutionsProjection(Projection):
    name = "resolutions"
    tables = ("rm_resolutions", "rm_resolution_people", "rm_deadline_history")
    ddl = (
        # `stream` is the aggregate id: the only link later events carry.
        "CREATE TABLE IF NOT EXISTS rm_resolutions ("
        " resolution TEXT PRIMARY KEY, stream TEXT NOT NULL UNIQUE, cell TEXT NOT NULL,"
        " origin TEXT NOT NULL, source TEXT NOT NULL, kind TEXT NOT NULL,"
        " content TEXT NOT NULL, adopted_on TEXT NOT NULL, deadline TEXT NOT NULL,"
        " original_deadline TEXT NOT NULL, status TEXT NOT NULL, closed_on TEXT,"
        " completed_on_time INTEGER, inspector TEXT NOT NULL, executors TEXT NOT NULL,"
        " communicated_on TEXT, overdue_level INTEGER NOT NULL, last_progress_on TEXT,"
        " adopted_position BIGINT, closed_position BIGINT)",
        "CREATE INDEX IF NOT EXISTS rm_resolutions_cell ON rm_resolutions (cell, adopted_on)",
        "CREATE TABLE IF NOT EXISTS rm_resolution_people ("
        " resolution TEXT NOT NULL, member TEXT NOT NULL, role TEXT NOT NULL,"
        " PRIMARY KEY (resolution, member, role))",
        "CREATE INDEX IF NOT EXISTS rm_resolution_people_member"
        " ON rm_resolution_people (member, role)",
        # `position` orders the extensions as the domain does (last decided wins).
        "CREATE TABLE IF NOT EXISTS rm_deadline_history ("
        " resolution TEXT NOT NULL, position BIGINT NOT NULL, decided_on TEXT NOT NULL,"
        " meeting TEXT NOT NULL, previous TEXT NOT NULL, deadline TEXT NOT NULL,"
        " PRIMARY KEY (resolution, position))",
    )

    @handles(Resolution.Adopted)
    def _adopted(self, w: Writer, e: Resolution.Adopted, position: int) -> None:
        deadline = e.deadline.isoformat()
        w.insert(
            "rm_resolutions",
            _INSERT,
            (
                e.key,
                str(e.originator_id),
                e.cell,
                e.origin,
                e.source,
                e.kind,
                e.content,
                e.occurred_on.isoformat(),
                deadline,
                deadline,
                "open",
                e.inspector,
                list_json(e.executors),
                0,
                position,
            ),
        )
        for member in sorted(set(e.executors)):
            w.insert("rm_resolution_people", _PEOPLE, (e.key, member, "executor"))
        w.insert("rm_resolution_people", _PEOPLE, (e.key, e.inspector, "inspector"))

    @handles(Resolution.Communicated)
    def _communicated(self, w: Writer, e: Resolution.Communicated, position: int) -> None:
        w.update(_COMMUNICATED, (str(e.originator_id), e.occurred_on.isoformat()))

    @handles(Resolution.ProgressReported)
    def _progress(self, w: Writer, e: Resolution.ProgressReported, position: int) -> None:
        w.update(_PROGRESS, (str(e.originator_id), e.occurred_on.isoformat()))

    @handles(Resolution.Completed)
    def _completed(self, w: Writer, e: Resolution.Completed, position: int) -> None:
        # `deadline` is still the one in force when completed: extensions came before.
        w.update(_COMPLETED, (str(e.originator_id), e.occurred_on.isoformat(), position))

    @handles(Resolution.DeadlineExtended)
    def _extended(self, w: Writer, e: Resolution.DeadlineExtended, position: int) -> None:
        stream = str(e.originator_id)
        w.update(
            "INSERT INTO rm_deadline_history"
            " (resolution, position, decided_on, meeting, previous, deadline)"
            " SELECT resolution, %s, %s, %s, %s, %s FROM rm_resolutions WHERE stream = %s",
            (
                position,
                e.occurred_on.isoformat(),
                e.meeting,
                e.previous.isoformat(),
                e.deadline.isoformat(),
                stream,
            ),
            key=stream,
        )
        # The overdue chain starts again from the new deadline (R24).
        w.update(
            "UPDATE rm_resolutions SET deadline = %s, overdue_level = 0 WHERE stream = %s",
            (e.deadline.isoformat(), stream),
            key=stream,
        )

    @handles(Resolution.Cancelled)
    def _cancelled(self, w: Writer, e: Resolution.Cancelled, position: int) -> None:
        w.update(_CANCELLED, (str(e.originator_id), e.occurred_on.isoformat(), position))

    @handles(Resolution.MarkedOverdue)
    def _marked_overdue(self, w: Writer, e: Resolution.MarkedOverdue, position: int) -> None:
        w.update(_MARKED_OVERDUE, (str(e.originator_id), e.level))


def _by_stream(assign: str, *values: tuple[str, str]) -> Bulk:
    """An update of one resolution, found by its stream."""
    return Bulk("rm_resolutions", "stream", (("stream", "text"), *values), assign)


_DAY = ("day", "text")
_COMMUNICATED = _by_stream("communicated_on = v.day", _DAY)
_PROGRESS = _by_stream("last_progress_on = v.day", _DAY)
_POSITION = ("position", "bigint")
_COMPLETED = _by_stream(
    "status = 'completed', closed_on = v.day, last_progress_on = v.day,"
    " completed_on_time = CASE WHEN v.day <= t.deadline THEN 1 ELSE 0 END,"
    " closed_position = v.position",
    _DAY,
    _POSITION,
)
_CANCELLED = _by_stream(
    "status = 'cancelled', closed_on = v.day, closed_position = v.position", _DAY, _POSITION
)
_MARKED_OVERDUE = _by_stream(
    "overdue_level = CASE WHEN t.overdue_level < v.level THEN v.level ELSE t.overdue_level END",
    ("level", "integer"),
)


_INSERT = (
    "resolution",
    "stream",
    "cell",
    "origin",
    "source",
    "kind",
    "content",
    "adopted_on",
    "deadline",
    "original_deadline",
    "status",
    "inspector",
    "executors",
    "overdue_level",
    "adopted_position",
)
_PEOPLE = ("resolution", "member", "role")

_COLUMNS = (
    "r.resolution, r.cell, r.origin, r.source, r.kind, r.content, r.adopted_on, r.deadline,"
    " r.original_deadline, r.status, r.closed_on, r.completed_on_time, r.inspector,"
    " r.executors, r.communicated_on, r.overdue_level, r.last_progress_on"
)


def _row(row: Row, history: list[DeadlineChangeRow]) -> ResolutionRow:
    (key, cell, origin, source, kind, content, adopted, deadline, original, status) = row[:10]
    closed, on_time, inspector, executors, communicated, level, progress = row[10:]
    return ResolutionRow(
        resolution=key,
        cell=cell,
        origin=origin,
        source=source,
        kind=kind,
        content=content,
        adopted_on=date.fromisoformat(adopted),
        deadline=date.fromisoformat(deadline),
        original_deadline=date.fromisoformat(original),
        status=status,
        closed_on=as_date(closed),
        completed_on_time=None if on_time is None else bool(on_time),
        inspector=inspector,
        executors=from_json(executors),
        communicated_on=as_date(communicated),
        overdue_level=int(level),
        last_progress_on=as_date(progress),
        deadline_history=history,
    )


def _histories(
    store: ReadStore, where: str, params: list[Any]
) -> dict[str, list[DeadlineChangeRow]]:
    """The extensions of every resolution `where` selects, in decision order."""
    rows = store.query(
        "SELECT h.resolution, h.decided_on, h.meeting, h.previous, h.deadline"
        " FROM rm_deadline_history h WHERE h.resolution IN"
        f" (SELECT r.resolution FROM rm_resolutions r WHERE {where})"
        " ORDER BY h.resolution, h.position",
        params,
    )
    found: dict[str, list[DeadlineChangeRow]] = {}
    for key, decided, meeting, previous, deadline in rows:
        found.setdefault(key, []).append(
            DeadlineChangeRow(
                decided_on=date.fromisoformat(decided),
                meeting=meeting,
                previous=date.fromisoformat(previous),
                deadline=date.fromisoformat(deadline),
            )
        )
    return found


def _select(store: ReadStore, where: str, params: list[Any]) -> list[ResolutionRow]:
    rows = store.query(
        f"SELECT {_COLUMNS} FROM rm_resolutions r WHERE {where} ORDER BY r.deadline, r.resolution",
        params,
    )
    if not rows:
        return []
    histories = _histories(store, where, params)
    return [_row(row, histories.get(row[0], [])) for row in rows]


def resolution(store: ReadStore, key: str) -> ResolutionRow | None:
    """One resolution or recommendation with its deadline history."""
    rows = _select(store, "r.resolution = %s", [key])
    return rows[0] if rows else None


def board(
    store: ReadStore,
    cell: str | None = None,
    member: str | None = None,
    role: Role | None = None,
    status: BoardStatus | None = None,
    as_of: date | None = None,
) -> list[ResolutionRow]:
    """The board, by deadline: filtered by cell, by a member (as `role`, or any role),
    and by status; `overdue` is open with its deadline before `as_of` (default today)."""
    clauses: list[str] = ["1 = 1"]
    params: list[Any] = []
    if cell is not None:
        clauses.append("r.cell = %s")
        params.append(cell)
    if role is not None and member is None:
        raise ValueError("role filters the resolutions of a member: give `member` too")
    if member is not None:
        people = "SELECT p.resolution FROM rm_resolution_people p WHERE p.member = %s"
        params.append(member)
        if role is not None:
            people += " AND p.role = %s"
            params.append(role)
        clauses.append(f"r.resolution IN ({people})")
    if status == "overdue":
        clauses.append("r.status = 'open' AND r.deadline < %s")
        params.append((as_of or date.today()).isoformat())
    elif status is not None:
        if status not in ("open", "completed", "cancelled"):
            raise ValueError(f"unknown status {status!r}")
        clauses.append("r.status = %s")
        params.append(status)
    return _select(store, " AND ".join(clauses), params)


def resolution_counts(
    store: ReadStore, cell: str, start: date, end: date, origin: str = "meeting"
) -> ResolutionCounts:
    """SCENARIOS.md compliance of the resolutions of `cell` adopted in [start, end]:
    completed on time or late (against the deadline in force when completed), and open
    or open past the deadline in force at `end`, all as things stood at `end`."""
    end_iso = end.isoformat()
    rows = store.query(
        "SELECT r.closed_on, r.status, r.completed_on_time, COALESCE("
        " (SELECT h.deadline FROM rm_deadline_history h WHERE h.resolution = r.resolution"
        "  AND h.decided_on <= %s ORDER BY h.position DESC LIMIT 1), r.original_deadline)"
        " FROM rm_resolutions r"
        " WHERE r.cell = %s AND r.origin = %s AND r.adopted_on >= %s AND r.adopted_on <= %s",
        (end_iso, cell, origin, start.isoformat(), end_iso),
    )
    on_time = late = still_open = overdue = 0
    for closed_on, status, completed_on_time, deadline_at_end in rows:
        if closed_on is None or closed_on > end_iso:
            still_open += 1
            overdue += deadline_at_end < end_iso
        elif status == "completed":
            on_time += completed_on_time == 1
            late += completed_on_time == 0
    return ResolutionCounts(
        adopted=len(rows),
        completed_on_time=on_time,
        completed_late=late,
        open=still_open,
        overdue_open=overdue,
    )


def open_at(store: ReadStore, cell: str, position: int, *, besides: str) -> list[str]:
    """The cell's meeting resolutions adopted before log `position` (at a meeting other
    than `besides`) and neither completed nor cancelled by then (R12)."""
    rows = store.query(
        "SELECT resolution FROM rm_resolutions WHERE cell = %s AND origin = 'meeting'"
        " AND source <> %s AND adopted_position < %s"
        " AND (closed_position IS NULL OR closed_position > %s) ORDER BY resolution",
        (cell, besides, position, position),
    )
    return [str(r[0]) for r in rows]


def adopted_at(store: ReadStore, meeting: str) -> list[ResolutionRow]:
    """The resolutions a meeting adopted."""
    return _select(store, "r.origin = 'meeting' AND r.source = %s", [meeting])
