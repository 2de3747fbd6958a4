"""The member's calendar feed (`.ics`) and the secret link to it (api/calendar.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel

from api.calendar import CalendarTokens, TokenState, feed, path_for
from api.deps import CallerDep, ServicesDep, organisation_of, today
from api.guard import not_found
from api.problems import ProblemError, errors

router = APIRouter(tags=["calendar"])


class CalendarLink(BaseModel):
    """The feed's secret URL, shown this once (only its hash is kept)."""

    url: str
    """Absolute, as this request reached the server."""
    path: str
    """The same URL from `/api` on, for a client that knows the server's address."""


@router.post(
    "/calendar-tokens", status_code=201, response_model=CalendarLink, responses=errors(401, 413)
)
def create_calendar_token(request: Request, svc: ServicesDep, caller: CallerDep) -> CalendarLink:
    """A new feed link for the caller; an earlier link stops working at once (a repeated
    request leaves the newest link, the one answered last)."""
    path = path_for(CalendarTokens(svc.store()).issue(caller))
    return CalendarLink(url=str(request.base_url).rstrip("/") + path, path=path)


@router.get("/calendar-tokens", response_model=TokenState, responses=errors(401))
def calendar_token_state(svc: ServicesDep, caller: CallerDep) -> TokenState:
    """Whether the caller has a live feed link, and since when (never its URL)."""
    return CalendarTokens(svc.store()).state(caller)


@router.delete("/calendar-tokens", status_code=204, responses=errors(401))
def revoke_calendar_token(svc: ServicesDep, caller: CallerDep) -> Response:
    """The caller's feed link revoked: its URL answers 404 from now on."""
    CalendarTokens(svc.store()).revoke(caller)
    return Response(status_code=204)


@router.get(
    "/calendar/{token}.ics",
    response_class=Response,
    responses={
        200: {
            "content": {"text/calendar": {"schema": {"type": "string"}}},
            "description": "iCalendar (RFC 5545)",
        },
        **errors(404, 422),
    },
)
def calendar_feed(token: Annotated[str, Path(max_length=200)], svc: ServicesDep) -> Response:
    """No login: the token is the credential. The meetings of the member's cells
    (announced and held) and the deadlines of the open resolutions they execute or
    inspect, as all-day events with a reminder the day before; only what R80 lets the
    member read. An unknown, revoked or disabled member's token: 404."""
    caller = CalendarTokens(svc.store()).caller_for(token)
    if caller is None:
        raise not_found("lịch (calendar)", "token")
    try:
        org = organisation_of(svc, caller)
    except ProblemError:
        raise not_found("lịch (calendar)", "token") from None
    return Response(
        feed(svc, org, caller, today()),
        media_type="text/calendar; charset=utf-8",
        headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": 'inline; filename="chibo.ics"',
            "Referrer-Policy": "no-referrer",
        },
    )
