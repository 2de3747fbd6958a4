"""The pages' front door: login through the form (CSRF-protected), the session cookie's
flags, logout ending the session, HTML errors on pages and problem documents under /api."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute

from api.deps import SESSION_COOKIE, Services
from tests.api_support import seeded
from tests.web_support import csrf_of, log_in, site
from web.auth import check_csrf
from web.site import PAGES
from workers.settings import Settings


@pytest.fixture
def svc(settings: Settings) -> Iterator[Services]:
    yield from seeded(settings)


def test_a_page_without_a_session_leads_to_the_login_form_and_back(svc: Services) -> None:
    http = site(svc)
    answer = http.get("/cells/c1?on=2026-02-01")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fcells%2Fc1%3Fon%3D2026-02-01"
    form = http.get("/login", params={"next": "/cells/c1"})
    assert "Đăng nhập" in form.text and 'lang="vi"' in form.text
    answer = http.post(
        "/login",
        data={
            "username": "m10@tb",
            "password": "mật-khẩu-đủ-dài-42",
            "csrf": csrf_of(form.text),
            "next": "/cells/c1",
        },
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/cells/c1"
    cookie = answer.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie


def test_login_refuses_wrong_password_and_foreign_redirects(svc: Services) -> None:
    http = site(svc)
    form = http.get("/login")
    answer = http.post(
        "/login",
        data={
            "username": "m10@tb",
            "password": "sai",
            "csrf": csrf_of(form.text),
            "next": "//evil.example/",
        },
    )
    assert answer.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in answer.text
    assert 'value="m10@tb"' in answer.text  # what was typed is kept
    answer = http.post(
        "/login",
        data={
            "username": "m10@tb",
            "password": "mật-khẩu-đủ-dài-42",
            "csrf": csrf_of(answer.text),
            "next": "//evil.example/",
        },
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_login_without_the_forms_token_is_refused(svc: Services) -> None:
    http = site(svc)
    http.get("/login")
    answer = http.post(
        "/login", data={"username": "m10@tb", "password": "mật-khẩu-đủ-dài-42", "csrf": "x"}
    )
    assert answer.status_code == 200 and "Biểu mẫu đã hết hạn" in answer.text
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")


def test_home_greets_in_vietnamese_and_logout_ends_the_session(svc: Services) -> None:
    http = site(svc)
    csrf = log_in(http, "m10")
    home = http.get("/")
    assert home.status_code == 200
    assert "Xin chào, Đảng viên m10" in home.text
    assert home.headers["cache-control"] == "no-store"
    refused = http.post("/logout", data={"csrf": "not-the-token"})
    assert refused.status_code == 403
    assert http.get("/").status_code == 200  # still logged in
    answer = http.post("/logout", data={"csrf": csrf})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    # The session is gone on the server, not only the cookie in this browser.
    assert svc.accounts().caller_for(http.cookies.get(SESSION_COOKIE) or "x") is None


def test_pages_answer_errors_in_html_and_the_api_in_problem_documents(svc: Services) -> None:
    http = site(svc)
    log_in(http, "m10")
    page = http.get("/no-such-page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy" in page.text
    api = http.get("/api/no-such-thing")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")
    assert http.get("/static/chibo.css").status_code == 200


def test_every_form_that_changes_something_checks_the_csrf_token() -> None:
    """Every POST page route depends on `check_csrf` (login and logout check theirs in
    the route itself, tested above), so no form can be posted from another site."""
    posts = [
        route
        for module in PAGES
        for route in module.router.routes
        if isinstance(route, APIRoute)
        and "POST" in (route.methods or set())
        and not route.path.startswith("/api")
        and route.path not in ("/login", "/logout")
    ]
    assert len(posts) >= 12, [r.path for r in posts]
    unguarded = [
        route.path
        for route in posts
        if check_csrf not in [d.call for d in route.dependant.dependencies]
    ]
    assert not unguarded, unguarded
