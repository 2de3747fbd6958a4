"""One front for every partition (issue 16): each request is served by the partition
that holds the caller's organisation, found from the login's username or the token's
organisation, never by asking a partition. Two partitions hold two wards with the same
member and cell ids; only the right partition knows each account and session."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from api.accounts import AccountStore
from audit.signing import generate_key, load_private
from domain.access import Caller
from projections.projector import Projector
from projections.registry import all_projections
from tests.api_support import PASSWORD, WARD_Q1, bearer
from tests.test_partitions import renamed_ward
from workers import moving
from workers.moving import write_directory
from workers.partitions import Directory, Partition, front
from workers.scenario.format import Scenario
from workers.scenario.importer import Importer
from workers.settings import Settings
from workers.wiring import init_db, make_app, make_read_store

PLACES = {"bac": "tb", "nam": "q1"}
"""Partition → the one organisation it holds."""


def _ward(organisation: str) -> Scenario:
    data: dict[str, Any] = yaml.safe_load(WARD_Q1.read_text(encoding="utf-8"))
    data["organization"]["id"] = organisation
    return Scenario.model_validate(data)


def _sqlite_partitions(folder: Path, places: dict[str, list[str]]) -> Directory:
    """Partitions on SQLite files in `folder`: name → its organisations."""
    return Directory(
        partitions=[
            Partition(
                name=name,
                database_url=f"sqlite:///{folder / f'{name}.db'}",
                temporal_namespace=f"chibo-{name}",
                organisations=orgs,
            )
            for name, orgs in places.items()
        ]
    )


@pytest.fixture
def http(tmp_path: Path) -> Iterator[TestClient]:
    directory = _sqlite_partitions(tmp_path, {name: [org] for name, org in PLACES.items()})
    base = Settings(data_dir=tmp_path / "data")
    for partition in directory.partitions:
        settings = partition.settings(base)
        init_db(settings)
        app, store = make_app(settings), make_read_store(settings)
        try:
            [org] = partition.organisations
            Importer(app, _ward(org)).run()
            Projector(app, store, all_projections()).run_until_caught_up()
            AccountStore(store).add(Caller(org, "m10"), PASSWORD)
        finally:
            store.close()
            app.close()
    site, services = front(directory, base)
    try:
        yield TestClient(site, raise_server_exceptions=False)
    finally:
        for found in services:
            found.close()


def _login(http: TestClient, username: str) -> Any:
    return http.post("/api/token", data={"username": username, "password": PASSWORD})


def test_each_caller_is_served_by_their_organisations_partition(http: TestClient) -> None:
    for org in PLACES.values():
        answer = _login(http, f"m10@{org}")
        assert answer.status_code == 200, answer.text  # only that partition has the account
        token = answer.json()["access_token"]
        assert token.startswith(f"{org}~")
        me = http.get("/api/me", headers=bearer(token))
        assert me.status_code == 200, me.text
        assert (me.json()["organisation"], me.json()["member"]) == (org, "m10")
        assert "c1" in me.json()["cells"]


def test_a_token_is_only_good_in_its_own_partition(http: TestClient) -> None:
    token = _login(http, "m10@tb").json()["access_token"]
    # The same random part under the other organisation reaches the other partition,
    # which never issued it.
    forged = "q1~" + token.split("~", 1)[1]
    assert http.get("/api/me", headers=bearer(forged)).status_code == 401
    assert http.get("/api/me", headers=bearer(token)).status_code == 200


def test_unknown_organisations_and_anonymous_requests_get_clear_answers(
    http: TestClient,
) -> None:
    assert _login(http, "m10@nowhere").status_code == 401
    assert http.get("/api/me", headers=bearer("nowhere~abc")).status_code == 401
    assert http.get("/api/me").status_code == 401
    assert http.get("/api/health").status_code in (200, 503)
    assert http.get("/login").status_code == 200


def test_the_pages_route_by_the_login_form_and_then_the_session_cookie(
    http: TestClient,
) -> None:
    for org in PLACES.values():
        http.cookies.clear()
        form = http.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf is not None
        answer = http.post(
            "/login",
            data={"username": f" m10@{org} ", "password": PASSWORD, "csrf": csrf.group(1)},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        # Only the partition that issued the session knows it: anywhere else, the login form.
        home = http.get("/", follow_redirects=False)
        assert home.status_code == 200
        assert "Đang đăng nhập: Hoàng Văn Em (m10)" in home.text


def test_a_calendar_feed_is_served_by_its_partition(http: TestClient) -> None:
    for org in PLACES.values():
        token = _login(http, f"m10@{org}").json()["access_token"]
        link = http.post("/api/calendar-tokens", headers=bearer(token))
        assert link.status_code == 201, link.text
        assert link.json()["path"].startswith(f"/api/calendar/{org}~")
        feed = http.get(link.json()["path"])
        assert feed.status_code == 200
        assert feed.headers["content-type"].startswith("text/calendar")


def test_a_moved_organisation_is_served_by_its_new_partition_without_a_restart(
    tmp_path: Path,
) -> None:
    """SQLite partitions, the front running: after `move_organisation` rewrote the
    directory file, q3's callers reach bac, where its account and records now are."""
    directory = _sqlite_partitions(tmp_path, {"bac": ["tb"], "nam": ["q3"]})
    path, key = tmp_path / "partitions.yaml", tmp_path / "audit.pem"
    write_directory(path, directory)
    generate_key(key)
    base = Settings(data_dir=tmp_path / "data")
    for partition, ward in (("bac", _ward("tb")), ("nam", renamed_ward("q3"))):
        settings = directory.named(partition).settings(base)
        init_db(settings)
        app, store = make_app(settings), make_read_store(settings)
        try:
            Importer(app, ward).run()
            Projector(app, store, all_projections()).run_until_caught_up()
            AccountStore(store).add(Caller(ward.organization.id, "m10"), PASSWORD)
        finally:
            store.close()
            app.close()
    site, services = front(directory, base, path)
    try:
        http = TestClient(site, raise_server_exceptions=False)
        before = _login(http, "m10@q3")
        assert before.status_code == 200, before.text
        old_token = before.json()["access_token"]

        moving.move_organisation(directory, base, "q3", "bac", load_private(key), lambda _: 0)
        write_directory(path, moving.moved_directory(directory, "q3", "bac"))
        settings = directory.named("bac").settings(base)
        app, store = make_app(settings), make_read_store(settings)
        try:
            Projector(app, store, all_projections()).run_until_caught_up()
        finally:
            store.close()
            app.close()

        # nam's session was dropped by the move, and bac never issued it.
        assert http.get("/api/me", headers=bearer(old_token)).status_code == 401
        after = _login(http, "m10@q3")  # bac's copy of the account: nam's is disabled
        assert after.status_code == 200, after.text
        me = http.get("/api/me", headers=bearer(after.json()["access_token"]))
        assert me.status_code == 200, me.text
        assert set(me.json()["cells"]) == {"q3c1"}  # m10 is c1's secretary in ward-q1
    finally:
        for found in services:
            found.close()
