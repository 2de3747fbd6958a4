"""The whole site in one process: the HTTP API under `/api`, the pages everywhere
else, and the assets under `/static` (served by chibo itself: no CDN, no build step).

Errors keep their API shape under `/api` (problem documents); on a page they become a
Vietnamese page with the same status, never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.app import create_app
from api.deps import Services
from api.problems import ProblemError
from domain.errors import DomainError
from web.auth import CsrfError, LoginRequiredError
from web.catalogue import t
from web.render import STATIC, render
from web.routes import (
    audit,
    cells,
    contacts,
    mail,
    meetings,
    member,
    resolutions,
    session,
    supervisor,
)

log = logging.getLogger("chibo.web")

PAGES = [session, cells, meetings, resolutions, member, contacts, supervisor, audit, mail]
"""Every router of pages; each module is one kind of user's pages."""

Handler = Callable[[Request, Any], Awaitable[Response] | Response]


def create_site(services: Services) -> FastAPI:
    app = create_app(services)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in PAGES:
        app.include_router(module.router, include_in_schema=False)
    _pages_answer_in_html(app)

    @app.exception_handler(LoginRequiredError)
    async def _login(request: Request, error: LoginRequiredError) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(CsrfError)
    async def _csrf(request: Request, error: CsrfError) -> Response:
        return render(request, "error.html", status=403, message=t("error.csrf"))

    return app


def _pages_answer_in_html(app: FastAPI) -> None:
    """Wraps each of the API's error handlers: under `/api` unchanged, elsewhere a page."""
    for kind, handler in list(app.exception_handlers.items()):
        app.exception_handlers[kind] = _either(handler)


def _either(api_handler: Handler) -> Handler:
    async def handle(request: Request, error: Any) -> Response:
        if request.url.path.startswith("/api"):
            answer = api_handler(request, error)
            return await answer if not isinstance(answer, Response) else answer
        status, detail = 500, ""
        if isinstance(error, ProblemError):
            status, detail = error.status, error.detail
        elif isinstance(error, StarletteHTTPException):
            status = error.status_code
        elif isinstance(error, RequestValidationError | DomainError):
            status = 422
        elif isinstance(error, Exception) and type(error).__name__ == "IntegrityError":
            status = 409
        else:
            log.error("unexpected %s on %s", type(error).__name__, request.url.path)
        return render(
            request,
            "error.html",
            status=status,
            message=t(f"error.{status}"),
            detail=detail,
        )

    return handle
