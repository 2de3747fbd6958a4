"""Every error as an RFC 9457 problem document: `type`, `title`, `status`, `detail`
(Vietnamese first), `rule` (the rule a refusal enforces, or null). Never a stack trace,
never a 500 for bad input."""

from __future__ import annotations

import logging
from typing import Any

from eventsourcing.persistence import IntegrityError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import CommandIdReusedError, DomainError, UnknownReferenceError

log = logging.getLogger("chibo.api")

TITLES = {
    400: "Yêu cầu không hợp lệ (bad request)",
    401: "Chưa đăng nhập (unauthorized)",
    403: "Không được phép (forbidden)",
    404: "Không tìm thấy (not found)",
    405: "Phương thức không hỗ trợ (method not allowed)",
    409: "Xung đột (conflict)",
    413: "Dữ liệu quá lớn (payload too large)",
    422: "Không chấp nhận (unprocessable)",
    429: "Quá nhiều lần thử (too many requests)",
    500: "Lỗi hệ thống (internal error)",
    503: "Dịch vụ chưa sẵn sàng (unavailable)",
}


class Problem(BaseModel):
    """An error (RFC 9457)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    rule: str | None = None


class ProblemError(Exception):
    """Raised by routes: becomes a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        rule: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.rule, self.headers = status, detail, rule, headers


def problem(status: int, detail: str, rule: str | None = None, **headers: str) -> JSONResponse:
    body = Problem(title=TITLES.get(status, "Lỗi (error)"), status=status, detail=detail, rule=rule)
    return JSONResponse(
        body.model_dump(),
        status_code=status,
        media_type="application/problem+json",
        headers=headers or None,
    )


def fields(error: ValidationError | RequestValidationError) -> str:
    """`field.path: message; …`, never quoting the input."""
    parts = []
    for e in error.errors():
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path")]
        parts.append(f"{'.'.join(loc) or '(body)'}: {e.get('msg', '')}")
    return "trường không hợp lệ (invalid field) " + "; ".join(parts)


PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": TITLES[status]}
    for status in (401, 403, 404, 409, 413, 422, 429)
}
"""The error answers every route documents in the OpenAPI document."""


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The problem documents a route answers with, for its OpenAPI `responses=`."""
    return {k: v for k, v in PROBLEMS.items() if k in statuses}


def install(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, error: ProblemError) -> JSONResponse:
        return problem(error.status, error.detail, error.rule, **(error.headers or {}))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return problem(error.status_code, str(error.detail), None, **(error.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        return problem(422, fields(error))

    @app.exception_handler(ValidationError)
    async def _model(request: Request, error: ValidationError) -> JSONResponse:
        return problem(422, fields(error))

    @app.exception_handler(UnknownReferenceError)
    async def _unknown(request: Request, error: UnknownReferenceError) -> JSONResponse:
        return problem(422, f"tham chiếu không có (unknown reference): {error}", None)

    @app.exception_handler(CommandIdReusedError)
    async def _reused(request: Request, error: CommandIdReusedError) -> JSONResponse:
        return problem(
            422, f"Idempotency-Key đã dùng cho yêu cầu khác (key reused with another body): {error}"
        )

    @app.exception_handler(DomainError)
    async def _refused(request: Request, error: DomainError) -> JSONResponse:
        return problem(422, f"bị từ chối (refused): {error}", error.rule)

    @app.exception_handler(IntegrityError)
    async def _conflict(request: Request, error: IntegrityError) -> JSONResponse:
        return problem(409, "bản ghi đã thay đổi, hãy thử lại (the record changed; retry)")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.error("unexpected %s on %s %s", type(error).__name__, request.method, request.url.path)
        return problem(500, "lỗi hệ thống (internal error)")
