"""Who is looking at a page: the session cookie set at login (the same session the API
accepts), and the CSRF token every form carries.

The CSRF token is derived from the session token (`csrf_for`): a page on another site
can neither read the HttpOnly cookie nor compute the token, and nothing need be stored.
Before login, the login form is protected the same way by a random cookie."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from api.deps import SESSION_COOKIE, Services, organisation_of, services, today
from api.problems import ProblemError
from api.reading import readable_cells
from api.routes.session import me
from domain.access import ABOVE, Caller
from domain.organisation import Organisation

LOGIN_CSRF_COOKIE = "chibo_login_csrf"
ABOVE_ROLES = {"organisation_secretary", "standing_committee", "committee", "inspection_commission"}


class LoginRequiredError(Exception):
    """No live session: the page redirects to the login form, then back."""


class CsrfError(Exception):
    """A form without the token of this session: refused, nothing changed."""


def csrf_for(secret: str) -> str:
    return hmac.new(b"chibo-csrf", secret.encode(), hashlib.sha256).hexdigest()


def csrf_ok(given: str | None, secret: str | None) -> bool:
    return bool(given and secret) and hmac.compare_digest(str(given), csrf_for(str(secret)))


@dataclass
class Viewer:
    """The logged-in member as the pages need them: what they are, where they belong."""

    svc: Services
    caller: Caller
    org: Organisation
    name: str
    roles: set[str]
    cells: list[str]
    csrf: str
    readable_cells: list[str] = field(default_factory=list)

    @property
    def member(self) -> str:
        return self.caller.member

    @property
    def supervises(self) -> bool:
        """Receives escalations about cells: the organisation's bodies, members in charge."""
        return bool(self.roles & (ABOVE_ROLES | {"in_charge"}))

    @property
    def leads_a_cell(self) -> bool:
        return "cell_leader" in self.roles or bool(self.roles & {"organisation_secretary"})

    @property
    def reads_every_cell(self) -> bool:
        """Leaders, committee, inspection commission, auditors: the organisation's report
        is theirs to download (the API decides anyway)."""
        return bool(self.roles & ABOVE)

    @property
    def audits(self) -> bool:
        return bool(self.roles & {"auditor", "organisation_secretary", "inspection_commission"})


def viewer(request: Request, svc: Annotated[Services, Depends(services)]) -> Viewer:
    token = request.cookies.get(SESSION_COOKIE)
    caller = svc.accounts().caller_for(token) if token else None
    if token is None or caller is None:
        raise LoginRequiredError
    try:
        org = organisation_of(svc, caller)
    except ProblemError:
        raise LoginRequiredError from None
    who = me(svc, caller, org)
    found = Viewer(
        svc=svc,
        caller=caller,
        org=org,
        name=who.name,
        roles=set(who.roles),
        cells=who.cells,
        csrf=csrf_for(token),
        readable_cells=[c.key for c in readable_cells(svc, org, caller, today())],
    )
    request.state.viewer = found
    return found


ViewerDep = Annotated[Viewer, Depends(viewer)]


async def check_csrf(request: Request) -> None:
    """Every state-changing form: the token must be this session's."""
    form = await request.form()
    if not csrf_ok(str(form.get("csrf") or ""), request.cookies.get(SESSION_COOKIE)):
        raise CsrfError


CsrfDep = Depends(check_csrf)
