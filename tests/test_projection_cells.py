"""The cell register: rosters over time (R71), who is in charge, roles, plans, leadership."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain import commands as c
from domain.application import ChiboApplication
from projections.cells import (
    CellsProjection,
    RosterEntry,
    cell_info,
    cells_of,
    in_charge_on,
    leadership,
    member_status_on,
    roster,
    thematic_plan,
)
from projections.store import ReadStore
from tests.factories import cmd, project

D = date
Ward = tuple[ChiboApplication, ReadStore]


def members(store: ReadStore, cell: str, on: date) -> list[str]:
    return [entry.member for entry in roster(store, cell, on)]


def test_roster_before_and_after_transfers(ward: Ward) -> None:
    app, store = ward
    app.handle(cmd(c.TransferOut, D(2026, 2, 15), cell="c1", member="m13"))
    app.handle(cmd(c.TransferIn, D(2026, 2, 15), cell="c2", member="m13"))
    app.handle(cmd(c.TransferIn, D(2026, 3, 12), cell="c2", member="m30"))
    app.handle(cmd(c.TransferOut, D(2026, 4, 1), cell="c2", member="m13"))
    app.handle(cmd(c.TransferIn, D(2026, 4, 1), cell="c1", member="m13"))
    project(app, store)

    assert members(store, "c1", D(2025, 12, 31)) == []  # before the cell was founded
    assert members(store, "c1", D(2026, 2, 14)) == ["m10", "m11", "m12", "m13", "m14"]
    # A span ends the day before the transfer out (until is exclusive).
    assert members(store, "c1", D(2026, 2, 15)) == ["m10", "m11", "m12", "m14"]
    assert members(store, "c1", D(2026, 4, 1)) == ["m10", "m11", "m12", "m13", "m14"]
    assert members(store, "c2", D(2026, 2, 14)) == ["m20", "m21", "m22"]
    assert members(store, "c2", D(2026, 2, 15)) == ["m13", "m20", "m21", "m22"]
    assert members(store, "c2", D(2026, 3, 11)) == ["m13", "m20", "m21", "m22"]
    assert members(store, "c2", D(2026, 3, 12)) == ["m13", "m20", "m21", "m22", "m30"]
    assert members(store, "c2", D(2026, 4, 1)) == ["m20", "m21", "m22", "m30"]

    assert roster(store, "c1", D(2026, 1, 1)) == [
        RosterEntry(
            member="m10", name="Đảng viên m10", status="official", working=True, roles=["secretary"]
        ),
        RosterEntry(
            member="m11", name="Đảng viên m11", status="official", working=True, roles=["deputy"]
        ),
        RosterEntry(member="m12", name="Đảng viên m12", status="official", working=True, roles=[]),
        RosterEntry(member="m13", name="Đảng viên m13", status="official", working=True, roles=[]),
        # m14 is retired: official, not working.
        RosterEntry(member="m14", name="Đảng viên m14", status="official", working=False, roles=[]),
    ]
    assert [(e.member, e.status) for e in roster(store, "c2", D(2026, 1, 1))] == [
        ("m20", "official"),
        ("m21", "official"),
        ("m22", "probationary"),
    ]
    assert roster(store, "nope", D(2026, 1, 1)) == []


def test_member_status_on_dates(ward: Ward) -> None:
    app, store = ward
    app.handle(
        cmd(c.SetMemberStatus, D(2026, 3, 1), organisation="tb", member="m22", status="official")
    )
    app.handle(
        cmd(c.SetMemberStatus, D(2026, 2, 1), organisation="tb", member="m12", status="elsewhere")
    )
    # Two changes on one day: the one recorded later stands.
    app.handle(
        cmd(
            c.SetMemberStatus,
            D(2026, 2, 1),
            organisation="tb",
            member="m13",
            status="exempted",
            working=False,
        )
    )
    app.handle(
        cmd(c.SetMemberStatus, D(2026, 2, 1), organisation="tb", member="m13", status="suspended")
    )
    project(app, store)

    assert member_status_on(store, "tb", "m22", D(2026, 2, 28)) == ("probationary", True)
    assert member_status_on(store, "tb", "m22", D(2026, 3, 1)) == ("official", True)
    # Before the first span, the earliest span (as the domain reads it).
    assert member_status_on(store, "tb", "m22", D(2025, 6, 1)) == ("probationary", True)
    assert member_status_on(store, "tb", "m12", D(2026, 1, 31)) == ("official", True)
    assert member_status_on(store, "tb", "m12", D(2026, 2, 1)) == ("elsewhere", True)
    # working is kept from the previous span when a change leaves it out.
    assert member_status_on(store, "tb", "m13", D(2026, 2, 1)) == ("suspended", False)
    assert member_status_on(store, "tb", "m14", D(2026, 1, 1)) == ("official", False)
    assert member_status_on(store, "tb", "m99", D(2026, 1, 1)) is None

    assert [(e.member, e.status) for e in roster(store, "c1", D(2026, 2, 1))] == [
        ("m10", "official"),
        ("m11", "official"),
        ("m12", "elsewhere"),
        ("m13", "suspended"),
        ("m14", "official"),
    ]


def test_in_charge_on_dates_falls_back_to_the_organisation_secretary(ward: Ward) -> None:
    app, store = ward
    app.handle(
        cmd(
            c.FoundCell,
            D(2026, 1, 1),
            organisation="tb",
            cell="c3",
            name="Chi bộ 3",
            secretary="m30",
            members=["m30"],
        )
    )
    app.handle(cmd(c.AssignInCharge, D(2026, 4, 1), cell="c1", member="m02"))
    app.handle(cmd(c.AssignInCharge, D(2026, 2, 1), cell="c3", member="m04"))
    project(app, store)

    assert in_charge_on(store, "c1", D(2026, 1, 1)) == "m03"
    assert in_charge_on(store, "c1", D(2026, 3, 31)) == "m03"
    assert in_charge_on(store, "c1", D(2026, 4, 1)) == "m02"
    assert in_charge_on(store, "c2", D(2026, 6, 30)) == "m04"
    # Before any member in charge: the organisation secretary.
    assert in_charge_on(store, "c1", D(2025, 12, 31)) == "m01"
    assert in_charge_on(store, "c3", D(2026, 1, 31)) == "m01"
    assert in_charge_on(store, "c3", D(2026, 2, 1)) == "m04"
    assert in_charge_on(store, "nope", D(2026, 1, 1)) is None

    info = cell_info(store, "c1")
    assert info is not None
    assert info.in_charge == "m02"  # the latest assignment
    by_date = cell_info(store, "c1", D(2026, 2, 1))
    assert by_date is not None
    assert by_date.in_charge == "m03"

    # The fallback follows the organisation's current secretary.
    app.handle(cmd(c.ChangeLeadership, D(2026, 5, 1), organisation="tb", secretary="m02"))
    project(app, store)
    assert in_charge_on(store, "c3", D(2026, 1, 15)) == "m02"


def test_cell_info_roles_plans_and_leadership(ward: Ward) -> None:
    app, store = ward
    app.handle(cmd(c.SetCellRoles, D(2026, 1, 10), cell="c1", committee=["m12", "m10"]))
    app.handle(cmd(c.SetOnlineEligibility, D(2026, 1, 10), cell="c1", online_eligible=True))
    app.handle(cmd(c.SetPartyGroups, D(2026, 1, 10), cell="c1", party_groups=["t2", "t1"]))
    app.handle(
        cmd(
            c.SetThematicPlan,
            D(2026, 1, 6),
            cell="c1",
            year=2026,
            topics=["A", "B"],
            preparers={"A": "m12"},
        )
    )
    # A plan set again for the same year replaces the first.
    app.handle(cmd(c.SetThematicPlan, D(2026, 1, 20), cell="c1", year=2026, topics=["C"]))
    app.handle(
        cmd(c.ChangeLeadership, D(2026, 2, 1), organisation="tb", inspection_commission=["m04"])
    )
    project(app, store)

    info = cell_info(store, "c1")
    assert info is not None
    assert info.model_dump() == {
        "cell": "c1",
        "organisation": "tb",
        "name": "Chi bộ Tổ dân phố số 1",
        "type": "residential",
        "secretary": "m10",
        "deputy": "m11",
        "committee": ["m10", "m12"],
        "online_eligible": True,
        "party_groups": ["t1", "t2"],
        "founded_on": D(2026, 1, 1),
        "in_charge": "m03",
    }
    assert cell_info(store, "nope") is None
    assert cells_of(store, "tb") == ["c1", "c2"]
    assert cells_of(store, "other") == []
    assert [(e.member, e.roles) for e in roster(store, "c1", D(2026, 1, 10))][:3] == [
        ("m10", ["secretary", "committee"]),
        ("m11", ["deputy"]),
        ("m12", ["committee"]),
    ]

    plan = thematic_plan(store, "c1", 2026)
    assert plan is not None
    assert (plan.topics, plan.preparers, plan.set_on) == (["C"], {}, D(2026, 1, 20))
    assert thematic_plan(store, "c1", 2027) is None
    assert thematic_plan(store, "c2", 2026) is None

    org = leadership(store, "tb")
    assert org is not None
    # The committee always holds the standing committee and the secretary.
    assert org.model_dump() == {
        "organisation": "tb",
        "secretary": "m01",
        "standing_committee": ["m01", "m02"],
        "committee": ["m01", "m02", "m03", "m04"],
        "inspection_commission": ["m04"],
    }
    assert leadership(store, "other") is None


# --- rebuilding ------------------------------------------------------------------------------


def _history(app: ChiboApplication) -> None:
    """Every kind of event this projection reads, some of them on the same day."""
    app.handle(
        cmd(c.SetMemberStatus, D(2026, 2, 1), organisation="tb", member="m22", status="official")
    )
    app.handle(
        cmd(c.SetMemberStatus, D(2026, 2, 1), organisation="tb", member="m14", status="exempted")
    )
    app.handle(cmd(c.TransferOut, D(2026, 2, 15), cell="c1", member="m13"))
    app.handle(cmd(c.TransferIn, D(2026, 2, 15), cell="c2", member="m13"))
    app.handle(cmd(c.TransferIn, D(2026, 3, 12), cell="c2", member="m30"))
    app.handle(cmd(c.AssignInCharge, D(2026, 3, 1), cell="c1", member="m02"))
    app.handle(cmd(c.AssignInCharge, D(2026, 3, 1), cell="c1", member="m04"))
    app.handle(cmd(c.SetCellRoles, D(2026, 3, 1), cell="c2", deputy="m21", committee=["m20"]))
    app.handle(cmd(c.SetOnlineEligibility, D(2026, 3, 1), cell="c2", online_eligible=True))
    app.handle(cmd(c.SetPartyGroups, D(2026, 3, 1), cell="c2", party_groups=["g1"]))
    app.handle(cmd(c.SetThematicPlan, D(2026, 1, 6), cell="c1", year=2026, topics=["A"]))
    app.handle(cmd(c.ChangeLeadership, D(2026, 3, 1), organisation="tb", secretary="m02"))


def dump(store: ReadStore, tables: tuple[str, ...]) -> dict[str, list[tuple[Any, ...]]]:
    return {t: sorted(store.query(f"SELECT * FROM {t}"), key=repr) for t in tables}


def rebuild(app: ChiboApplication, store: ReadStore, batch_size: int) -> None:
    """Drops this projection's tables, recreates them and replays the log into them."""
    projection = CellsProjection()
    with store.transaction() as cur:
        for table in projection.tables:
            cur.execute(f"DROP TABLE {table}")
        for statement in projection.ddl:
            cur.execute(statement)
        cur.execute("UPDATE chibo_tracking SET position = 0 WHERE name = %s", (projection.name,))
    project(app, store, batch_size)


def test_rebuild_and_batch_size_give_identical_rows(ward: Ward) -> None:
    app, store = ward
    _history(app)
    tables = CellsProjection.tables
    project(app, store, batch_size=1)
    one_by_one = dump(store, tables)
    assert all(one_by_one.values())  # every table has rows to compare

    rebuild(app, store, batch_size=500)
    assert dump(store, tables) == one_by_one
    rebuild(app, store, batch_size=7)
    assert dump(store, tables) == one_by_one
    assert in_charge_on(store, "c1", D(2026, 3, 1)) == "m04"
