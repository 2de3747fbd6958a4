"""The resolution board of a cell and one resolution's page, with the forms that move
it: progress and completion (its executors and inspector), extension and cancellation
(the cell, by a decision at a meeting, R25), and the first communication of a meeting's
resolution (R22). `/me` posts progress and completion here too, with `next=/me` to
come back to."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.commands import CancellationBody, CommunicationBody, ExtensionBody, ProgressBody
from api.deps import today
from api.routes.actions import (
    cancel_resolution,
    complete_resolution,
    extend_deadline,
    report_progress,
)
from api.routes.cells import get_cell
from api.routes.resolutions import get_resolution
from api.routes.v2_records import communicate_resolution
from projections.resolutions import BoardStatus, ResolutionRow
from web.auth import CsrfDep, Viewer, ViewerDep
from web.forms import Form, Refusal, attempt, read_form
from web.render import render
from web.routes.cells import board_rows, held_meetings, idem_key, manages, name_of

router = APIRouter()

TABS: tuple[BoardStatus, ...] = ("open", "overdue", "completed", "cancelled")


def local_path(target: str) -> str | None:
    """`next` only when it is a path of this site (one leading `/`, no host)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def is_overdue(row: ResolutionRow) -> bool:
    return row.status == "open" and row.deadline < today()


@router.get("/cells/{cell}/resolutions", response_class=HTMLResponse)
def board_page(request: Request, cell: str, viewer: ViewerDep, status: str = "open") -> Response:
    register = get_cell(cell, viewer.svc, viewer.caller, viewer.org)
    chosen: BoardStatus = next((tab for tab in TABS if tab == status), "open")
    rows = {tab: board_rows(viewer, cell, tab) for tab in TABS}
    return render(
        request,
        "resolutions_board.html",
        cell=register,
        current=chosen,
        tabs=TABS,
        counts={tab: len(found) for tab, found in rows.items()},
        rows=rows[chosen],
        overdue={row.resolution for row in rows["overdue"]},
        names={m: name_of(viewer, m) for m in viewer.org.members},
    )


@router.get("/resolutions/{resolution}", response_class=HTMLResponse)
def resolution_page(request: Request, resolution: str, viewer: ViewerDep) -> Response:
    return _page(request, viewer, resolution)


def _page(
    request: Request,
    viewer: Viewer,
    resolution: str,
    which: str = "",
    form: Form | None = None,
    refusal: Refusal | None = None,
) -> Response:
    found = get_resolution(resolution, viewer.svc, viewer.caller, viewer.org)
    register = get_cell(found.cell, viewer.svc, viewer.caller, viewer.org)
    is_open = found.status == "open"
    reports = viewer.member in found.executors or viewer.member == found.inspector

    def idem(name: str) -> str:
        return form.get("idem") if form is not None and which == name else uuid.uuid4().hex

    return render(
        request,
        "resolutions_detail.html",
        status=refusal.status if refusal is not None else 200,
        r=found,
        overdue=is_overdue(found),
        names={m: name_of(viewer, m) for m in viewer.org.members},
        may_report=is_open and reports,
        may_decide=is_open and manages(viewer, register),
        may_communicate=(
            found.origin == "meeting"
            and found.communicated_on is None
            and manages(viewer, register)
        ),
        today=today(),
        meetings=held_meetings(viewer, found.cell) if is_open else [],
        which=which,
        form=form or Form(),
        refusal=refusal,
        idem={
            name: idem(name)
            for name in ("progress", "completion", "extension", "cancellation", "communication")
        },
    )


async def _post(
    request: Request,
    viewer: Viewer,
    resolution: str,
    which: str,
    act: Callable[[Form, str | None], Any],
    known: list[str],
    follow_next: bool = False,
) -> Response:
    form = await read_form(request)
    _, refusal = attempt(lambda: act(form, idem_key(form)), known_fields=known)
    if refusal is not None:
        return _page(request, viewer, resolution, which=which, form=form, refusal=refusal)
    target = local_path(form.get("next")) if follow_next else None
    if target is not None:  # back where the member tapped, saying it was saved
        target += ("&" if "?" in target else "?") + "notice=saved"
    return RedirectResponse(target or f"/resolutions/{resolution}?notice=saved", status_code=303)


@router.post("/resolutions/{resolution}/progress", dependencies=[CsrfDep])
async def progress_post(request: Request, resolution: str, viewer: ViewerDep) -> Response:
    def act(form: Form, key: str | None) -> Any:
        body = ProgressBody(note=form.get("note").strip())
        return report_progress(
            resolution, body, viewer.svc, viewer.caller, viewer.org, idempotency_key=key
        )

    return await _post(request, viewer, resolution, "progress", act, ["note"], follow_next=True)


@router.post("/resolutions/{resolution}/completion", dependencies=[CsrfDep])
async def completion_post(request: Request, resolution: str, viewer: ViewerDep) -> Response:
    def act(form: Form, key: str | None) -> Any:
        body = ProgressBody(note=form.get("note").strip())
        return complete_resolution(
            resolution, body, viewer.svc, viewer.caller, viewer.org, idempotency_key=key
        )

    return await _post(request, viewer, resolution, "completion", act, ["note"], follow_next=True)


@router.post("/resolutions/{resolution}/extension", dependencies=[CsrfDep])
async def extension_post(request: Request, resolution: str, viewer: ViewerDep) -> Response:
    def act(form: Form, key: str | None) -> Any:
        body = ExtensionBody.model_validate(
            {"new_deadline": form.optional("new_deadline"), "meeting": form.optional("meeting")}
        )
        return extend_deadline(
            resolution, body, viewer.svc, viewer.caller, viewer.org, idempotency_key=key
        )

    return await _post(request, viewer, resolution, "extension", act, ["new_deadline", "meeting"])


@router.post("/resolutions/{resolution}/cancellation", dependencies=[CsrfDep])
async def cancellation_post(request: Request, resolution: str, viewer: ViewerDep) -> Response:
    def act(form: Form, key: str | None) -> Any:
        body = CancellationBody.model_validate(
            {"meeting": form.optional("meeting"), "reason": form.get("reason").strip()}
        )
        return cancel_resolution(
            resolution, body, viewer.svc, viewer.caller, viewer.org, idempotency_key=key
        )

    return await _post(request, viewer, resolution, "cancellation", act, ["meeting", "reason"])


@router.post("/resolutions/{resolution}/communication", dependencies=[CsrfDep])
async def communication_post(request: Request, resolution: str, viewer: ViewerDep) -> Response:
    """The first communication of the meeting's resolution (R22), by the cell."""

    def act(form: Form, key: str | None) -> Any:
        body = CommunicationBody.model_validate(
            {
                "date": form.optional("date"),
                "to_upper_committee": form.checked("to_upper_committee"),
            }
        )
        return communicate_resolution(
            resolution, body, viewer.svc, viewer.caller, viewer.org, idempotency_key=key
        )

    return await _post(request, viewer, resolution, "communication", act, ["date"])
