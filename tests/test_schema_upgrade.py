"""A read model whose table layout changed is dropped and refilled from the log by
`chibo db init`, never left half old (read models can always be rebuilt)."""

from __future__ import annotations

from domain.application import ChiboApplication
from projections.meetings import meeting
from projections.projector import Projector
from projections.registry import all_projections
from projections.store import ReadStore, drop_relation
from projections.tracking import get_position, get_schema
from tests.factories import hold
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
