"""The FastAPI application: every router under `/api`, problem documents for every
error, a body-size limit, and access logs without secrets."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import problems
from api.deps import Services
from api.routes import (
    actions,
    audit,
    calendar,
    cells,
    compliance,
    documents,
    meetings,
    notices,
    records,
    resolutions,
    session,
    v2_records,
    webhooks,
)

MAX_BODY = 1_000_000
"""Bytes a request body may hold (413 beyond)."""

access_log = logging.getLogger("chibo.api.access")


def create_app(services: Services) -> FastAPI:
    app = FastAPI(
        title="chibo",
        version="1",
        summary="Sinh hoạt chi bộ, nghị quyết, kiểm tra: the HTTP API (API.md).",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.services = services
    problems.install(app)
    app.add_middleware(BodyLimit, limit=MAX_BODY)
    for module in ROUTERS:
        app.include_router(module.router, prefix="/api")

    @app.middleware("http")
    async def limit_and_log(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return problems.problem(413, TOO_LARGE)
        started = time.perf_counter()
        response = await call_next(request)
        # Method, path and status only: never a query string, header, token or body.
        access_log.info(
            "%s %s %d %.1fms",
            request.method,
            logged_path(request.url.path),
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response

    _problem_media_type(app)
    return app


def logged_path(path: str) -> str:
    """The path as logged: a calendar feed's path holds its secret token."""
    if path.startswith("/api/calendar/"):
        return "/api/calendar/***.ics"
    return path


TOO_LARGE = f"tối đa {MAX_BODY} byte (body larger than allowed)"


class BodyLimit:
    """413 for a body streamed past the limit without a Content-Length (chunked); the
    route reading it gets an HTTPException, which becomes a problem document."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        total = 0

        async def limited() -> Message:
            nonlocal total
            message = await receive()
            if message["type"] == "http.request":
                total += len(message.get("body", b""))
                if total > self.limit:
                    raise StarletteHTTPException(413, TOO_LARGE)
            return message

        await self.app(scope, limited, send)


def _problem_media_type(app: FastAPI) -> None:
    """Errors are served as `application/problem+json`; say so in the OpenAPI document
    (FastAPI files every `responses={…: {"model": Problem}}` under application/json)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    schema = content.get("application/json", {}).get("schema", {})
                    if status[:1] in "45" and schema.get("$ref", "").endswith("/Problem"):
                        content["application/problem+json"] = content.pop("application/json")
        return document

    app.openapi = openapi  # type: ignore[method-assign]


ROUTERS = [
    session,
    cells,
    meetings,
    resolutions,
    notices,
    compliance,
    records,
    audit,
    actions,
    v2_records,
    calendar,
    webhooks,
    documents,
]
