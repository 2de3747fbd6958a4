"""A read model whose table layout changed is dropped and refilled from the log by
`chibo db init`, never left half old (read models can always be rebuilt); tables kept
outside the log (contacts) are brought up to date in place, their rows kept."""

from __future__ import annotations

from typer.testing import CliRunner

from api.accounts import AccountStore
from api.contacts import Contact, ContactStore
from domain.access import Caller
from domain.application import ChiboApplication
from projections.meetings import meeting
from projections.projector import Projector
from projections.registry import all_projections
from projections.store import ReadStore, drop_relation
from projections.tracking import get_position, get_schema
from tests.api_support import PASSWORD, bearer, client, login, services
from tests.factories import hold
from workers.cli import app as cli
from workers.settings import Settings
from workers.wiring import init_db


def test_an_old_layout_is_rebuilt_from_the_log(
    ward: tuple[ChiboApplication, ReadStore], settings: Settings
) -> None:
    app, store = ward
    hold(app, "mt1")
    Projector(app, store, all_projections()).run_until_caught_up()
    # Yesterday's layout: status spans keyed by member alone, recorded as another layout.
    with store.transaction() as cur:
        drop_relation(cur, store.backend, "rm_meeting_member_status")
        cur.execute(
            "CREATE TABLE rm_meeting_member_status (member TEXT NOT NULL,"
            " since TEXT NOT NULL, status TEXT NOT NULL, position BIGINT NOT NULL,"
            " PRIMARY KEY (member, since, position))"
        )
        cur.execute("UPDATE chibo_projection_schemas SET digest = 'old' WHERE name = 'meetings'")
    init_db(settings)
    with store.transaction() as cur:
        assert get_position(cur, "meetings") == 0  # to be refilled from the log
        assert get_position(cur, "cells") > 0  # an unchanged layout keeps its rows
        assert get_schema(cur, "meetings") is not None
    assert store.query("SELECT organisation FROM rm_meeting_member_status") == []
    Projector(app, store, all_projections()).run_until_caught_up()
    found = meeting(store, "mt1")
    assert found is not None and found.present == ["m10", "m11", "m12", "m13", "m14"]
    # A second init changes nothing.
    init_db(settings)
    with store.transaction() as cur:
        assert get_position(cur, "meetings") > 0


def test_a_store_from_before_layouts_were_recorded_is_rebuilt_whole(
    ward: tuple[ChiboApplication, ReadStore], settings: Settings
) -> None:
    app, store = ward
    Projector(app, store, all_projections()).run_until_caught_up()
    with store.transaction() as cur:
        cur.execute("DROP TABLE chibo_projection_schemas")
    init_db(settings)
    with store.transaction() as cur:
        assert {p.name: get_position(cur, p.name) for p in all_projections()} == {
            p.name: 0 for p in all_projections()
        }


def has_table(store: ReadStore, name: str) -> bool:
    with store.transaction() as cur:
        if store.backend == "sqlite":
            cur.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", (name,))
        else:
            cur.execute("SELECT to_regclass(%s) IS NOT NULL", (name,))
        row = cur.fetchone()
    return bool(row and row[0])


def test_db_init_adds_contact_kinds_to_a_store_from_before_them(
    ward: tuple[ChiboApplication, ReadStore], settings: Settings
) -> None:
    _, store = ward
    # A store from before contact kinds: no kinds table, m12's contact in the old layout.
    with store.transaction() as cur:
        drop_relation(cur, store.backend, "chibo_contact_kinds")
        cur.execute(
            "INSERT INTO chibo_contacts"
            " (organisation, member, email, digest, updated_at, updated_by)"
            " VALUES ('tb', 'm12', 'm12@example.vn', 1, '2026-01-01T00:00:00+00:00', 'm12')"
        )
    assert not has_table(store, "chibo_contact_kinds")

    result = CliRunner().invoke(
        cli, ["db", "init"], env={"CHIBO_DATABASE_URL": settings.database_url}
    )
    assert result.exit_code == 0, result.output
    assert has_table(store, "chibo_contact_kinds")
    # The address and the digest choice are kept; no kinds yet: every kind.
    assert ContactStore(store).get("tb", "m12") == Contact(
        member="m12", email="m12@example.vn", digest=True
    )

    AccountStore(store).add(Caller("tb", "m12"), PASSWORD)
    svc = services(settings)
    try:
        with client(svc) as http:
            token = login(http, "m12")
            body = {"email": "m12@example.vn", "digest": True, "kinds": ["resolution_overdue"]}
            answer = http.put("/api/members/m12/contact", json=body, headers=bearer(token))
            assert answer.status_code == 200, answer.text
            assert answer.json()["kinds"] == ["resolution_overdue"]
    finally:
        svc.close()
    assert ContactStore(store).get("tb", "m12") == Contact(
        member="m12", email="m12@example.vn", digest=True, kinds=["resolution_overdue"]
    )
