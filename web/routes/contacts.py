"""Where my notices go, and my calendar link: `/me/contact` (my e-mail address and the
daily digest), `/me/calendar` (the secret `.ics` link: create, replace, revoke), and the
cell secretary's form for a member of the cell (`/cells/{cell}/contacts/{member}`).

Every read and change goes through the API's route functions (`get_contact`,
`set_contact`, the calendar-token routes): the same access rule decides."""

from __future__ import annotations

import typing
import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.commands import ContactBody
from api.contacts import Contact
from api.deps import today
from api.guard import not_found
from api.routes.actions import get_contact, set_contact
from api.routes.calendar import (
    calendar_token_state,
    create_calendar_token,
    revoke_calendar_token,
)
from api.routes.cells import get_cell
from domain.notices import EscalationKind, ReminderKind
from web.auth import CsrfDep, Viewer, ViewerDep
from web.forms import Form, Refusal, attempt, read_form
from web.render import render

router = APIRouter()

NOTICE_KINDS = [*typing.get_args(ReminderKind), *typing.get_args(EscalationKind)]
"""What a member may choose to receive by e-mail (none chosen: everything)."""


def _contact_page(
    request: Request,
    viewer: Viewer,
    member: str,
    action: str,
    back: str,
    form: Form | None = None,
    refusal: Refusal | None = None,
) -> Response:
    current = get_contact(member, viewer.svc, viewer.caller, viewer.org)
    known = viewer.org.members.get(member)
    return render(
        request,
        "contact_form.html",
        status=refusal.status if refusal is not None else 200,
        member=member,
        member_name=known.name if known is not None else member,
        own=member == viewer.member,
        email=form.get("email") if form is not None else (current.email or ""),
        digest=form.checked("digest") if form is not None else current.digest,
        kinds=NOTICE_KINDS,
        wanted=set(form.all("kinds")) if form is not None else set(current.kinds),
        action=action,
        back=back,
        refusal=refusal,
        idem=form.get("idem") if form is not None else uuid.uuid4().hex,
    )


def _save_contact(viewer: Viewer, member: str, form: Form) -> Refusal | None:
    def act() -> Contact:
        body = ContactBody.model_validate(
            {
                "email": form.optional("email"),
                "digest": form.checked("digest"),
                "kinds": form.all("kinds"),
            }
        )
        return set_contact(member, body, viewer.svc, viewer.caller, viewer.org)

    _, refusal = attempt(act, known_fields=["email", "digest", "kinds"])
    return refusal


# --- my contact ----------------------------------------------------------------------------


@router.get("/me/contact", response_class=HTMLResponse)
def my_contact(request: Request, viewer: ViewerDep) -> Response:
    return _contact_page(request, viewer, viewer.member, "/me/contact", "/me")


@router.post("/me/contact", response_class=HTMLResponse, dependencies=[CsrfDep])
async def save_my_contact(request: Request, viewer: ViewerDep) -> Response:
    form = await read_form(request)
    refusal = _save_contact(viewer, viewer.member, form)
    if refusal is not None:
        return _contact_page(request, viewer, viewer.member, "/me/contact", "/me", form, refusal)
    return RedirectResponse("/me/contact?notice=saved", status_code=303)


# --- a member's contact, set by the cell secretary --------------------------------------------


def _in_cell(viewer: Viewer, cell: str, member: str) -> None:
    """The cell must be readable and the member on its register today (else 404)."""
    register = get_cell(cell, viewer.svc, viewer.caller, viewer.org)
    if member not in {m.member for m in register.members}:
        raise not_found("đảng viên (member)", member)


@router.get("/cells/{cell}/contacts/{member}", response_class=HTMLResponse)
def member_contact(request: Request, cell: str, member: str, viewer: ViewerDep) -> Response:
    _in_cell(viewer, cell, member)
    here = f"/cells/{cell}/contacts/{member}"
    return _contact_page(request, viewer, member, here, f"/cells/{cell}")


@router.post("/cells/{cell}/contacts/{member}", response_class=HTMLResponse, dependencies=[CsrfDep])
async def save_member_contact(
    request: Request, cell: str, member: str, viewer: ViewerDep
) -> Response:
    _in_cell(viewer, cell, member)
    here = f"/cells/{cell}/contacts/{member}"
    form = await read_form(request)
    refusal = _save_contact(viewer, member, form)
    if refusal is not None:
        return _contact_page(request, viewer, member, here, f"/cells/{cell}", form, refusal)
    return RedirectResponse(f"{here}?notice=saved", status_code=303)


# --- my calendar link -----------------------------------------------------------------------


def _calendar_page(request: Request, viewer: Viewer, url: str | None = None) -> Response:
    state = calendar_token_state(viewer.svc, viewer.caller)
    return render(
        request,
        "member_calendar.html",
        state=state,
        url=url,
        today=today(),
        idem=uuid.uuid4().hex,
    )


@router.get("/me/calendar", response_class=HTMLResponse)
def my_calendar(request: Request, viewer: ViewerDep) -> Response:
    return _calendar_page(request, viewer)


@router.post("/me/calendar", response_class=HTMLResponse, dependencies=[CsrfDep])
def new_calendar_link(request: Request, viewer: ViewerDep) -> Response:
    """The new link is shown on this answer only (never stored in clear, never cached).
    A repeated submission leaves the newest link, the one this page shows."""
    link = create_calendar_token(request, viewer.svc, viewer.caller)
    return _calendar_page(request, viewer, url=link.url)


@router.post("/me/calendar/revoke", response_class=HTMLResponse, dependencies=[CsrfDep])
def revoke_calendar_link(request: Request, viewer: ViewerDep) -> Response:
    revoke_calendar_token(viewer.svc, viewer.caller)
    return RedirectResponse("/me/calendar?notice=calendar_revoked", status_code=303)
