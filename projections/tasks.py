"""Member task assignments and annual pledges, per cell and year (R30–R33)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from domain.tasks import TaskAssignment
from projections.codec import as_date
from projections.projection import Projection, handles
from projections.store import ReadStore, Writer


class TaskRow(BaseModel):
    member: str
    task: str
    assigned_on: date


class AssignmentRow(BaseModel):
    cell: str
    year: int
    drafted_on: date
    drafted_by: str
    adopted_at: str | None  # the meeting that voted it (R32)
    adopted_on: date | None
    tasks: list[TaskRow]


class PledgeRow(BaseModel):
    member: str
    pledge: str
    pledged_on: date


class Coverage(BaseModel):
    assigned: list[str]
    unassigned: list[str]
    rate: float


class TasksProjection(Projection):
    name = "tasks"
    tables = ("rm_task_assignments", "rm_task_assignment_status", "rm_pledges")
    ddl = (
        "CREATE TABLE IF NOT EXISTS rm_task_assignments ("
        " cell TEXT NOT NULL, year INTEGER NOT NULL, member TEXT NOT NULL, task TEXT NOT NULL,"
        " assigned_on TEXT NOT NULL, PRIMARY KEY (cell, year, member))",
        # `stream` is the aggregate id: the only link later events carry.
        "CREATE TABLE IF NOT EXISTS rm_task_assignment_status ("
        " cell TEXT NOT NULL, year INTEGER NOT NULL, stream TEXT NOT NULL UNIQUE,"
        " drafted_on TEXT NOT NULL, drafted_by TEXT NOT NULL, adopted_at TEXT,"
        " adopted_on TEXT, PRIMARY KEY (cell, year))",
        "CREATE TABLE IF NOT EXISTS rm_pledges ("
        " cell TEXT NOT NULL, year INTEGER NOT NULL, member TEXT NOT NULL, pledge TEXT NOT NULL,"
        " pledged_on TEXT NOT NULL, PRIMARY KEY (cell, year, member))",
    )

    @handles(TaskAssignment.Drafted)
    def _drafted(self, w: Writer, e: TaskAssignment.Drafted, position: int) -> None:
        day = e.occurred_on.isoformat()
        w.insert(
            "rm_task_assignment_status",
            ("cell", "year", "stream", "drafted_on", "drafted_by"),
            (e.cell, e.year, str(e.originator_id), day, e.actor),
        )
        for member, task in sorted(e.tasks.items()):
            w.insert(
                "rm_task_assignments",
                ("cell", "year", "member", "task", "assigned_on"),
                (e.cell, e.year, member, task, day),
            )

    @handles(TaskAssignment.TasksAdded)
    def _added(self, w: Writer, e: TaskAssignment.TasksAdded, position: int) -> None:
        # A revised task keeps its member's first assignment date, as the domain does.
        for member, task in sorted(e.tasks.items()):
            w.update(
                "INSERT INTO rm_task_assignments (cell, year, member, task, assigned_on)"
                " SELECT cell, year, %s, %s, %s FROM rm_task_assignment_status WHERE stream = %s"
                " ON CONFLICT (cell, year, member) DO UPDATE SET task = excluded.task",
                (member, task, e.occurred_on.isoformat(), str(e.originator_id)),
                key=str(e.originator_id),
            )

    @handles(TaskAssignment.Adopted)
    def _adopted(self, w: Writer, e: TaskAssignment.Adopted, position: int) -> None:
        w.update(
            "UPDATE rm_task_assignment_status SET adopted_at = %s, adopted_on = %s"
            " WHERE stream = %s",
            (e.meeting, e.occurred_on.isoformat(), str(e.originator_id)),
            key=str(e.originator_id),
        )

    @handles(TaskAssignment.PledgeRecorded)
    def _pledged(self, w: Writer, e: TaskAssignment.PledgeRecorded, position: int) -> None:
        w.update(
            "INSERT INTO rm_pledges (cell, year, member, pledge, pledged_on)"
            " SELECT cell, year, %s, %s, %s FROM rm_task_assignment_status WHERE stream = %s"
            " ON CONFLICT (cell, year, member) DO UPDATE"
            " SET pledge = excluded.pledge, pledged_on = excluded.pledged_on",
            (e.member, e.pledge, e.occurred_on.isoformat(), str(e.originator_id)),
            key=str(e.originator_id),
        )


def _tasks(store: ReadStore, cell: str, year: int) -> list[TaskRow]:
    rows = store.query(
        "SELECT member, task, assigned_on FROM rm_task_assignments"
        " WHERE cell = %s AND year = %s ORDER BY member",
        (cell, year),
    )
    return [TaskRow(member=m, task=t, assigned_on=date.fromisoformat(on)) for m, t, on in rows]


def assigned_members(store: ReadStore, cell: str, year: int) -> dict[str, date]:
    """Each member with a task for `year` in `cell`, and when it was first assigned."""
    return {row.member: row.assigned_on for row in _tasks(store, cell, year)}


def assignment(store: ReadStore, cell: str, year: int) -> AssignmentRow | None:
    """The cell's assignment for `year` with every task, or None before it is drafted."""
    rows = store.query(
        "SELECT drafted_on, drafted_by, adopted_at, adopted_on FROM rm_task_assignment_status"
        " WHERE cell = %s AND year = %s",
        (cell, year),
    )
    if not rows:
        return None
    drafted_on, drafted_by, adopted_at, adopted_on = rows[0]
    return AssignmentRow(
        cell=cell,
        year=year,
        drafted_on=date.fromisoformat(drafted_on),
        drafted_by=drafted_by,
        adopted_at=adopted_at,
        adopted_on=as_date(adopted_on),
        tasks=_tasks(store, cell, year),
    )


def pledges(store: ReadStore, cell: str, year: int) -> list[PledgeRow]:
    """The members' pledges for `year` (R33), by member."""
    rows = store.query(
        "SELECT member, pledge, pledged_on FROM rm_pledges"
        " WHERE cell = %s AND year = %s ORDER BY member",
        (cell, year),
    )
    return [PledgeRow(member=m, pledge=p, pledged_on=date.fromisoformat(on)) for m, p, on in rows]


def coverage(store: ReadStore, cell: str, year: int, members: list[str]) -> Coverage:
    """Which of `members` (the roster to judge, e.g. working members for R30) have a task
    for `year`; the rate has 4 decimals, and an empty roster counts as covered."""
    done = assigned_members(store, cell, year)
    wanted = sorted(set(members))
    assigned = [m for m in wanted if m in done]
    unassigned = [m for m in wanted if m not in done]
    rate = round(len(assigned) / len(wanted), 4) if wanted else 1.0
    return Coverage(assigned=assigned, unassigned=unassigned, rate=rate)


def pledged_members(store: ReadStore, organisation: str, year: int) -> set[str]:
    """The organisation's members with a pledge for `year`, whichever of its cells
    recorded it (R33)."""
    rows = store.query(
        "SELECT DISTINCT p.member FROM rm_pledges p JOIN rm_cells c ON c.cell = p.cell"
        " WHERE c.organisation = %s AND p.year = %s",
        (organisation, year),
    )
    return {str(r[0]) for r in rows}
