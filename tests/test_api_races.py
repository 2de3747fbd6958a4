"""Lost races over HTTP: a command that keeps losing answers 409 (a problem document),
never a 500. Several OS processes post to one resolution at once on PostgreSQL, with
the retry limit lowered so that losers exist; and, on both backends, an IntegrityError
that escapes the bus becomes 409 through a real request."""

from __future__ import annotations

import multiprocessing
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError
from fastapi.testclient import TestClient

from api.accounts import AccountStore
from api.app import create_app
from api.deps import Services
from domain import commands as c
from domain import handlers
from domain.access import Caller
from domain.application import ChiboApplication
from domain.resolution import Resolution
from projections.store import ReadStore
from tests.conftest import _reset_pg
from tests.factories import cmd, draft, hold, seed_ward
from workers.settings import Settings
from workers.wiring import init_db, make_app, make_read_store

PASSWORD = "mật-khẩu-dài-đủ"
WRITERS = 4
POSTS = 6


def _seed(app: ChiboApplication, store: ReadStore) -> None:
    seed_ward(app)
    hold(app, "mt1")
    app.handle(cmd(c.AdoptResolution, date(2026, 1, 5), meeting="mt1", resolution=draft("nq1")))
    for member in ("m10", "m12"):
        AccountStore(store).add(Caller("tb", member), PASSWORD)


def _client(settings: Settings, app: ChiboApplication) -> TestClient:
    services = Services(app=app, open_store=lambda: make_read_store(settings), read_your_writes=0)
    http = TestClient(create_app(services))
    token = http.post("/api/token", data={"username": "m12@tb", "password": PASSWORD})
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return http


def _writer(url: str, data_dir: str, start_at: float) -> list[tuple[int, str]]:
    """One OS process: its own Application and connections, posting at `start_at`."""
    handlers.MAX_ATTEMPTS = 1  # every lost race is final: losers must answer 409
    settings = Settings(database_url=url, data_dir=Path(data_dir), task_queue="races")
    app = make_app(settings)
    http = _client(settings, app)
    time.sleep(max(0.0, start_at - time.time()))
    answers = []
    for n in range(POSTS):
        body = {"date": "2026-01-10", "note": f"{uuid.uuid4().hex[:6]} {n}"}
        answer = http.post("/api/resolutions/nq1/progress", json=body)
        kind = answer.headers.get("content-type", "")
        answers.append((answer.status_code, kind))
    http.close()
    app.close()
    return answers


@pytest.fixture
def pg_settings(pg_server: str, tmp_path: Path) -> Iterator[Settings]:
    _reset_pg(pg_server)
    settings = Settings(database_url=pg_server, data_dir=tmp_path, task_queue="races")
    init_db(settings)
    yield settings


@pytest.mark.postgres
def test_processes_racing_on_one_resolution_get_409_or_succeed(pg_settings: Settings) -> None:
    app, store = make_app(pg_settings), make_read_store(pg_settings)
    try:
        _seed(app, store)
        before = len(list(app.events.get(Resolution.id_for("nq1"))))
        spawn = multiprocessing.get_context("spawn")
        start_at = time.time() + 4
        args = [(pg_settings.database_url, str(pg_settings.data_dir), start_at)] * WRITERS
        with spawn.Pool(WRITERS) as pool:
            answers = [a for batch in pool.starmap(_writer, args) for a in batch]
        statuses = [status for status, _ in answers]
        assert set(statuses) <= {200, 409}, answers  # never a 500
        assert all(kind.startswith("application/problem+json") for s, kind in answers if s == 409)
        stored = len(list(app.events.get(Resolution.id_for("nq1")))) - before
        assert stored == statuses.count(200)  # every success stored once, every loser nothing
    finally:
        store.close()
        app.close()


def test_an_integrity_error_escaping_the_bus_is_a_409_problem(
    ward: tuple[ChiboApplication, ReadStore],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, store = ward
    hold(app, "mt1")
    app.handle(cmd(c.AdoptResolution, date(2026, 1, 5), meeting="mt1", resolution=draft("nq1")))
    for member in ("m10", "m12"):
        AccountStore(store).add(Caller("tb", member), PASSWORD)
    http = _client(settings, app)
    monkeypatch.setattr(handlers, "MAX_ATTEMPTS", 2)
    calls: list[Any] = []

    def always_loses(*objs: Any, **kwargs: Any) -> Any:
        calls.append(objs)
        raise IntegrityError("another writer saved first")

    monkeypatch.setattr(app, "save", always_loses)
    answer = http.post("/api/resolutions/nq1/progress", json={"date": "2026-01-10"})
    http.close()
    assert answer.status_code == 409, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["status"] == 409 and answer.json()["rule"] is None
    assert len(calls) == 2  # decided again once, then given up
