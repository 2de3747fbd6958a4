"""Logging in and who the caller is (API.md "Identity"), on SQLite and PostgreSQL:
tokens, 401 problem documents, roles taken from the record, disabling, throttling per
account and per address, the session cookie, health, and no password in any log."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator

import pytest

from api.accounts import THROTTLE_FAILURES, TOKEN_TTL
from api.deps import SESSION_COOKIE, Services
from domain.access import Caller
from tests.api_support import (
    PASSWORD,
    assert_problem,
    bearer,
    client,
    login,
    seeded,
    services,
)
from workers.settings import Settings
from workers.wiring import make_api_services


@pytest.fixture
def svc(settings: Settings) -> Iterator[Services]:
    yield from seeded(settings)


def test_token_flow(svc: Services) -> None:
    http = client(svc)
    answer = http.post("/api/token", data={"username": "m12@tb", "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == int(TOKEN_TTL.total_seconds())
    assert len(body["access_token"]) >= 32
    me = http.get("/api/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200 and me.json()["member"] == "m12"


@pytest.mark.parametrize(
    ("username", "password"),
    [("m12@tb", "wrong-password"), ("m99@tb", PASSWORD), ("m12@xx", PASSWORD), ("m12", PASSWORD)],
)
def test_wrong_credentials_are_401(svc: Services, username: str, password: str) -> None:
    answer = client(svc).post("/api/token", data={"username": username, "password": password})
    assert_problem(answer, 401)
    assert answer.headers["www-authenticate"] == "Bearer"
    assert "access_token" not in answer.text


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic bTEyQHRiOng="}],
)
def test_me_without_a_valid_token_is_401(svc: Services, headers: dict[str, str]) -> None:
    body = assert_problem(client(svc).get("/api/me", headers=headers), 401)
    assert body["rule"] is None


@pytest.mark.parametrize(
    ("member", "roles", "cells"),
    [
        ("m12", ["cell_member"], ["c1"]),
        ("m10", ["cell_leader", "cell_member"], ["c1"]),
        ("m03", ["committee", "in_charge"], []),
        ("m01", ["committee", "organisation_secretary", "standing_committee"], []),
        ("m20", ["cell_leader", "cell_member"], ["c2"]),
    ],
)
def test_me_takes_roles_from_the_record(
    svc: Services, member: str, roles: list[str], cells: list[str]
) -> None:
    http = client(svc)
    answer = http.get("/api/me", headers=bearer(login(http, member)))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "organisation": "tb",
        "member": member,
        "name": f"Đảng viên {member}",
        "roles": roles,
        "cells": cells,
    }


def test_the_session_cookie_also_authenticates(svc: Services) -> None:
    http = client(svc)
    answer = http.post("/api/token", data={"username": "m12@tb", "password": PASSWORD})
    cookie = answer.headers["set-cookie"]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert cookie.startswith(f"{SESSION_COOKIE}={answer.json()['access_token']};")
    assert {"httponly", "secure", "samesite", "max-age", "path"} <= attributes, cookie
    assert "samesite=lax" in cookie.lower()
    # A Secure cookie is not sent back over plain http: send it as a browser on https would.
    fresh = client(svc)
    fresh.cookies.set(SESSION_COOKIE, answer.json()["access_token"])
    assert fresh.get("/api/me").json()["member"] == "m12"


def test_disabling_an_account_revokes_its_tokens_at_once(svc: Services) -> None:
    http = client(svc)
    token = login(http, "m12")
    assert http.get("/api/me", headers=bearer(token)).status_code == 200
    svc.accounts().set_disabled(Caller("tb", "m12"), True)
    assert_problem(http.get("/api/me", headers=bearer(token)), 401)
    answer = http.post("/api/token", data={"username": "m12@tb", "password": PASSWORD})
    assert_problem(answer, 401)
    # Re-enabling does not bring the old session back.
    svc.accounts().set_disabled(Caller("tb", "m12"), False)
    assert_problem(http.get("/api/me", headers=bearer(token)), 401)
    assert http.get("/api/me", headers=bearer(login(http, "m12"))).status_code == 200


def _fail_login(svc: Services, username: str, address: str) -> None:
    answer = client(svc, address).post(
        "/api/token", data={"username": username, "password": "wrong-password"}
    )
    assert_problem(answer, 401)


def test_throttled_per_account(svc: Services) -> None:
    # Failures from as many addresses: the account's own count throttles it.
    for n in range(THROTTLE_FAILURES):
        _fail_login(svc, "m12@tb", f"10.0.0.{n}")
    elsewhere = client(svc, "10.0.1.1")
    answer = elsewhere.post("/api/token", data={"username": "m12@tb", "password": PASSWORD})
    assert_problem(answer, 429)
    # Other accounts from that address are not affected.
    assert login(elsewhere, "m11")


def test_throttled_per_address(svc: Services) -> None:
    # Failures against as many accounts: the address's count throttles it.
    for member in ("m01", "m03", "m10", "m11", "m20")[:THROTTLE_FAILURES]:
        _fail_login(svc, f"{member}@tb", "10.9.9.9")
    answer = client(svc, "10.9.9.9").post(
        "/api/token", data={"username": "m12@tb", "password": PASSWORD}
    )
    assert_problem(answer, 429)
    # The same account from another address still logs in.
    assert login(client(svc, "10.9.9.10"), "m12")


def test_fewer_failures_than_the_limit_do_not_throttle(svc: Services) -> None:
    for _ in range(THROTTLE_FAILURES - 1):
        _fail_login(svc, "m12@tb", "10.0.0.1")
    assert login(client(svc, "10.0.0.1"), "m12")


def test_health_checks_the_database_and_temporal(settings: Settings) -> None:
    """The real checks of `make_api_services`: a TCP port that answers, then one that
    no longer does."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    svc = make_api_services(settings.model_copy(update={"temporal_address": f"127.0.0.1:{port}"}))
    try:
        http = client(svc)
        answer = http.get("/api/health")
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"database": "ok", "temporal": "ok"}
        server.close()
        answer = http.get("/api/health")
        assert answer.status_code == 503
        assert answer.json() == {"database": "ok", "temporal": "down"}
    finally:
        server.close()
        svc.close()


def test_health_names_a_database_that_is_down(settings: Settings) -> None:
    def unreachable() -> object:
        raise OSError("connection refused")

    svc = services(settings, open_store=unreachable)
    try:
        answer = client(svc).get("/api/health")
        assert answer.status_code == 503
        assert answer.json() == {"database": "down", "temporal": "ok"}
        both = services(settings, open_store=unreachable, check_temporal=lambda: False)
        try:
            assert client(both).get("/api/health").json() == {
                "database": "down",
                "temporal": "down",
            }
        finally:
            both.close()
    finally:
        svc.close()


def test_no_password_or_token_in_any_log(svc: Services, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    http = client(svc)
    token = login(http, "m12")
    http.post("/api/token", data={"username": "m12@tb", "password": "wrong-Pa55word"})
    http.get("/api/me", headers=bearer(token))
    http.get("/api/me?password=leak-Pa55word", headers=bearer(token))
    # The server's records (the test client's own httpx log quotes its URLs).
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    logged = "\n".join(f"{r.getMessage()} {r.args!r} {r.__dict__}" for r in server)
    assert "chibo.api.access" in {r.name for r in caplog.records}, "no access log written"
    for secret in (PASSWORD, "wrong-Pa55word", "leak-Pa55word", token):
        assert secret not in logged


def test_connections_of_ended_threads_are_closed(settings: Settings) -> None:
    """The server's worker threads come and go; each opens its own read store. Fifty
    threads one after another leave at most two connections open, not fifty (a leak
    that exhausted PostgreSQL's connections under the pages' tests)."""
    svc = make_api_services(settings, project_inline=True)
    try:
        for _ in range(50):
            worker = threading.Thread(target=svc.store)
            worker.start()
            worker.join()
        svc.store()
        assert len(svc._stores) <= 2
    finally:
        svc.close()
