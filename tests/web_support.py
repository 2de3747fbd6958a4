"""Shared by the page tests: a site over the seeded ward and a logged-in browser-like
client (cookies kept, CSRF token read from the page as a browser would)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from api.deps import Services
from tests.api_support import PASSWORD
from web.site import create_site

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def site(svc: Services) -> TestClient:
    return TestClient(
        create_site(svc),
        base_url="https://chibo.test",
        client=("testclient", 50000),
        raise_server_exceptions=False,
        follow_redirects=False,
    )


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def log_in(http: TestClient, member: str, password: str = PASSWORD, org: str = "tb") -> str:
    """Logs in through the form; returns the CSRF token of the session's pages."""
    form = http.get("/login")
    assert form.status_code == 200
    answer = http.post(
        "/login",
        data={"username": f"{member}@{org}", "password": password, "csrf": csrf_of(form.text)},
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(http.get("/").text)
