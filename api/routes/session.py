"""Logging in, who the caller is, and whether the system is up."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from api.accounts import BadCredentialsError, ThrottledError
from api.deps import SESSION_COOKIE, CallerDep, OrganisationDep, ServicesDep, cells_of, today
from api.problems import ProblemError, errors
from domain.access import cell_roles, organisation_roles

router = APIRouter(tags=["session"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    """Seconds until the token expires."""


class Me(BaseModel):
    organisation: str
    member: str
    name: str
    roles: list[str]
    """Organisation roles, and `cell_member`/`cell_leader`/`in_charge` in some cell."""
    cells: list[str]
    """The cells the caller belongs to today."""


class Health(BaseModel):
    database: str
    temporal: str


@router.post(
    "/token",
    response_model=Token,
    responses=errors(401, 413, 422, 429),
)
def token(
    request: Request,
    response: Response,
    svc: ServicesDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> Token:
    """OAuth2 password flow: `username` is `MEMBER@ORG`. Also sets the pages' session
    cookie (HttpOnly, Secure, SameSite=Lax)."""
    address = request.client.host if request.client else "-"
    try:
        session = svc.accounts().login(form.username, form.password, address)
    except ThrottledError:
        raise ProblemError(
            429, "quá nhiều lần đăng nhập sai, hãy đợi (too many failed logins; wait)"
        ) from None
    except BadCredentialsError:
        raise ProblemError(
            401,
            "sai tên đăng nhập hoặc mật khẩu (wrong username or password)",
            headers={"WWW-Authenticate": "Bearer"},
        ) from None
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=session.expires_in,
        httponly=True,
        secure=True,
        samesite="lax",
    )
    return Token(access_token=session.token, expires_in=session.expires_in)


@router.get("/me", response_model=Me, responses=errors(401))
def me(svc: ServicesDep, caller: CallerDep, org: OrganisationDep) -> Me:
    """What the caller is, derived from the record today."""
    day = today()
    roles: set[str] = set(organisation_roles(org, caller.member))
    cells = []
    for cell in cells_of(svc, org):
        here = cell_roles(cell, caller.member, day)
        roles |= here
        if "cell_member" in here:
            cells.append(cell.key)
    record = org.members.get(caller.member)
    return Me(
        organisation=org.key,
        member=caller.member,
        name=record.name if record else "",
        roles=sorted(roles),
        cells=sorted(cells),
    )


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(svc: ServicesDep) -> JSONResponse:
    """No token needed: the database and Temporal reachable (503 naming what is down)."""
    try:
        svc.store().query("SELECT 1")
        database = "ok"
    except Exception:  # the report is the point: any failure means "down"
        database = "down"
    temporal = "ok" if svc.check_temporal() else "down"
    body = Health(database=database, temporal=temporal)
    status = 200 if database == temporal == "ok" else 503
    return JSONResponse(body.model_dump(), status_code=status)
