"""A member's page, "Việc của tôi": my tasks and pledge for the year, the resolutions I
execute or inspect with their deadlines and the two-tap progress/completion forms, and
my reminders. Read through the API's route functions, as the API would answer me."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import today
from api.problems import ProblemError
from api.routes.records import record_state
from api.routes.resolutions import resolution_board
from projections.resolutions import ResolutionRow
from web.auth import Viewer, ViewerDep
from web.render import render
from web.routes.supervisor import cell_names, every, member_names, my_inbox

router = APIRouter()


@dataclass
class MyTask:
    """My line of a cell's task assignment for the year (R30–R33)."""

    cell: str
    year: int
    task: str | None
    pledge: str | None
    assigned_on: str | None
    adopted_at: str | None


@dataclass
class MyResolution:
    """A resolution I execute or inspect, with the days left before its deadline."""

    row: ResolutionRow
    executor: bool
    inspector: bool
    days_left: int
    progress_idem: str
    completion_idem: str

    @property
    def status(self) -> str:
        if self.row.status == "open" and self.days_left < 0:
            return "overdue"
        return self.row.status

    @property
    def open(self) -> bool:
        return self.row.status == "open"


@router.get("/me", response_class=HTMLResponse)
def my_page(request: Request, viewer: ViewerDep) -> Response:
    on = today()
    reminders = [i.reminder for i in my_inbox(viewer, False) if i.reminder is not None]
    return render(
        request,
        "member_me.html",
        tasks=[_my_task(request, viewer, cell, on.year) for cell in viewer.cells],
        resolutions=_my_resolutions(viewer, on),
        reminders=reminders,
        cells=cell_names(viewer),
        names=member_names(viewer),
        today=on,
    )


def _my_task(request: Request, viewer: Viewer, cell: str, year: int) -> MyTask:
    """The assignment read as the API's record route answers it (none yet: 404)."""
    try:
        answer = record_state(
            f"task_assignment:{cell}/{year}",
            request,
            viewer.svc,
            viewer.caller,
            viewer.org,
            on=None,
            as_of=None,
        )
    except ProblemError as error:
        if error.status != 404:
            raise
        return MyTask(cell, year, None, None, None, None)
    state: dict[str, Any] = answer.state or {}
    me = viewer.member
    return MyTask(
        cell=cell,
        year=year,
        task=state.get("tasks", {}).get(me),
        pledge=state.get("pledges", {}).get(me),
        assigned_on=state.get("assigned_on", {}).get(me),
        adopted_at=state.get("adopted_at"),
    )


def _board(viewer: Viewer, cell: str, cursor: str | None) -> Any:
    return resolution_board(
        cell, viewer.svc, viewer.caller, viewer.org, status=None, limit=200, cursor=cursor
    )


def _my_resolutions(viewer: Viewer, on: date) -> list[MyResolution]:
    me = viewer.member
    found = []
    for cell in viewer.readable_cells:
        rows: list[ResolutionRow] = every(partial(_board, viewer, cell))
        for row in rows:
            if me in row.executors or row.inspector == me:
                found.append(
                    MyResolution(
                        row=row,
                        executor=me in row.executors,
                        inspector=row.inspector == me,
                        days_left=(row.deadline - on).days,
                        progress_idem=uuid.uuid4().hex,
                        completion_idem=uuid.uuid4().hex,
                    )
                )
    # Open ones first, the nearest deadline first.
    found.sort(key=lambda r: (not r.open, r.row.deadline, r.row.resolution))
    return found
