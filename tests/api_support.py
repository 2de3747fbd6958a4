"""Shared by the API tests: an app over a seeded ward (tests/factories.py) with
accounts, and a logged-in client. Kept out of conftest so route tests can import it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import Services
from domain.access import Caller
from tests.factories import seed_ward
from workers.scenario.format import load_scenario
from workers.scenario.importer import Importer
from workers.settings import Settings
from workers.wiring import make_api_services

PASSWORD = "mật-khẩu-đủ-dài-42"
ACCOUNTS = ("m01", "m03", "m10", "m11", "m12", "m20")
"""Organisation secretary, member in charge of c1, c1's secretary, deputy and a member,
c2's secretary (tests/factories.py)."""


def services(settings: Settings, **overrides: Any) -> Services:
    """The API's services over a store, read models kept up in-process, Temporal taken
    as reachable unless told otherwise."""
    svc = make_api_services(settings, project_inline=True)
    svc.check_temporal = overrides.pop("check_temporal", lambda: True)
    for name, value in overrides.items():
        setattr(svc, name, value)
    return svc


WARD_Q1 = Path(__file__).parent / "scenarios" / "ward-q1.yaml"


def ward_q1(settings: Settings, members: Iterable[str]) -> Iterator[Services]:
    """Services over ward-q1 as imported, with an account (PASSWORD) for each member."""
    svc = services(settings)
    try:
        Importer(svc.app, load_scenario(WARD_Q1)).run()
        svc.caught_up()
        for member in members:
            svc.accounts().add(Caller("tb", member), PASSWORD)
        yield svc
    finally:
        svc.close()


def seeded(settings: Settings, **overrides: Any) -> Iterator[Services]:
    """Services over ward `tb` with an account (PASSWORD) for each of ACCOUNTS."""
    svc = services(settings, **overrides)
    try:
        seed_ward(svc.app)
        svc.caught_up()
        accounts = svc.accounts()
        for member in ACCOUNTS:
            accounts.add(Caller("tb", member), PASSWORD)
        yield svc
    finally:
        svc.close()


def client(svc: Services, address: str = "testclient") -> TestClient:
    return TestClient(create_app(svc), client=(address, 50000), raise_server_exceptions=False)


def login(http: TestClient, member: str, password: str = PASSWORD) -> str:
    answer = http.post("/api/token", data={"username": f"{member}@tb", "password": password})
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


PROBLEM_FIELDS = {"type", "title", "status", "detail", "rule"}


def assert_problem(answer: Any, status: int) -> dict[str, Any]:
    """An RFC 9457 problem document with `status`."""
    assert answer.status_code == status, (answer.status_code, answer.text)
    assert answer.headers["content-type"].startswith("application/problem+json"), answer.headers
    body: dict[str, Any] = answer.json()
    assert set(body) >= PROBLEM_FIELDS, body
    assert body["status"] == status and body["detail"] and body["title"], body
    return body
