"""Login, logout and the home page that leads each kind of user to their pages."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.accounts import BadCredentialsError, ThrottledError
from api.deps import SESSION_COOKIE, Services, services, today
from api.routes.notices import inbox
from web.auth import LOGIN_CSRF_COOKIE, ViewerDep, csrf_ok
from web.catalogue import t
from web.render import render

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only a path of this site (no open redirect to another host)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def secure(request: Request) -> bool:
    """Secure cookies behind TLS (uvicorn's proxy headers set the scheme)."""
    return request.url.scheme == "https"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None, error: str | None = None) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        viewer=None,
        next=safe_next(next),
        csrf=token,
        error=error,
        username="",
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure(request)
    )
    return response


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    svc: Annotated[Services, Depends(services)],
    username: Annotated[str, Form(max_length=300)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not (expected and secrets.compare_digest(csrf, expected)):
        return login_form(request, next, t("error.csrf"))
    address = request.client.host if request.client else "-"
    try:
        session = svc.accounts().login(username.strip(), password, address)
    except ThrottledError:
        return _again(request, next, t("login.throttled"), username, 429)
    except BadCredentialsError:
        return _again(request, next, t("login.bad"), username, 401)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=session.expires_in,
        httponly=True,
        samesite="lax",
        secure=secure(request),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


def _again(request: Request, next: str, error: str, username: str, status: int) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        status=status,
        viewer=None,
        next=safe_next(next),
        csrf=token,
        error=error,
        username=username,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure(request)
    )
    return response


@router.post("/logout")
async def logout(request: Request, viewer: ViewerDep) -> Response:
    form = await request.form()
    token = request.cookies.get(SESSION_COOKIE)
    if not csrf_ok(str(form.get("csrf") or ""), token):
        return render(request, "error.html", status=403, message=t("error.csrf"))
    if token:
        viewer.svc.accounts().logout(token)
    response = RedirectResponse("/login?notice=logged_out", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, viewer: ViewerDep) -> Response:
    items = inbox(viewer.svc, viewer.caller, viewer.org, all=False, limit=200, cursor=None).items
    return render(
        request,
        "home.html",
        escalations=[i for i in items if i.type == "escalation"],
        reminders=[i for i in items if i.type == "reminder"][:10],
        today=today(),
    )
