"""The meeting register: attendance classes and counts (R9, R13), minutes (R11),
committee members' visits (R40, R41) and the attendance rate of SCENARIOS.md."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from domain import commands as c
from domain.application import ChiboApplication
from projections.meetings import (
    GuestVisit,
    MeetingsProjection,
    attendance_rate,
    committee_attendance,
    meeting,
    meetings_in,
    minutes_book,
)
from projections.store import ReadStore, drop_relation
from tests.factories import cmd, hold, project
from workers.scenario.format import load_scenario
from workers.scenario.importer import Importer
from workers.settings import Settings
from workers.wiring import make_app, make_read_store

D = date
Q1 = (D(2026, 1, 1), D(2026, 3, 31))
Ward = tuple[ChiboApplication, ReadStore]


def set_status(app: ChiboApplication, on: date, member: str, status: str) -> None:
    app.handle(cmd(c.SetMemberStatus, on, organisation="tb", member=member, status=status))


def hold_ward_q1(app: ChiboApplication) -> None:
    """The meetings of tests/scenarios/ward-q1.yaml."""
    hold(
        app,
        "c1-2026-01",
        on=D(2026, 1, 5),
        present=["m10", "m11", "m12", "m13"],
        excused={"m14": "ốm"},
        guests=["m03"],
        speakers=["m10", "m12"],
    )
    hold(app, "c2-2026-01", "c2", D(2026, 1, 8))
    hold(app, "c1-2026-02", on=D(2026, 2, 3), kind=["regular", "thematic"], guests=["m02"])
    hold(app, "c1-2026-03", on=D(2026, 3, 2), present=["m10", "m11", "m12"], minutes_recorded=False)
    hold(app, "c2-2026-03", "c2", D(2026, 3, 10), guests=["m04"])


def test_register_shows_attendance_classes_and_counts(ward: Ward) -> None:
    app, store = ward
    hold_ward_q1(app)
    project(app, store)

    jan = meeting(store, "c1-2026-01")
    assert jan is not None
    assert (jan.status, jan.held_on, jan.kinds, jan.cell) == (
        "held",
        D(2026, 1, 5),
        ["regular"],
        "c1",
    )
    assert jan.present == ["m10", "m11", "m12", "m13"]
    assert jan.excused == {"m14": "ốm"}
    assert jan.absent == []
    # Every member is official; excused members are counted too (R13).
    assert jan.counted == ["m10", "m11", "m12", "m13", "m14"]
    assert (jan.present_count, jan.counted_count, jan.counted_present) == (4, 5, 4)
    assert (jan.guests, jan.speakers, jan.chair, jan.minute_taker) == (
        ["m03"],
        ["m10", "m12"],
        "m10",
        "m11",
    )
    assert (jan.duration_minutes, jan.online) == (120, False)

    mar = meeting(store, "c1-2026-03")
    assert mar is not None
    # Neither present nor excused: absent without reason.
    assert (mar.present, mar.excused, mar.absent) == (["m10", "m11", "m12"], {}, ["m13", "m14"])
    assert (mar.present_count, mar.counted_count, mar.counted_present) == (3, 5, 3)

    feb = meeting(store, "c1-2026-02")
    assert feb is not None
    assert feb.kinds == ["regular", "thematic"]
    assert meeting(store, "nope") is None

    # A probationary member is counted.
    c2 = meeting(store, "c2-2026-01")
    assert c2 is not None
    assert (c2.counted, c2.counted_present) == (["m20", "m21", "m22"], 3)


def test_only_official_and_probationary_members_are_counted(ward: Ward) -> None:
    app, store = ward
    set_status(app, D(2026, 2, 1), "m14", "exempted")
    set_status(app, D(2026, 2, 1), "m13", "elsewhere")
    hold(app, "c1-2026-01", on=D(2026, 1, 5), present=["m10", "m11", "m12"])
    # m14, exempted, comes anyway: present but not counted.
    hold(app, "c1-2026-02", on=D(2026, 2, 3), present=["m10", "m11", "m14"])
    project(app, store)

    jan = meeting(store, "c1-2026-01")
    assert jan is not None
    assert (jan.absent, jan.counted_count, jan.counted_present) == (["m13", "m14"], 5, 3)
    feb = meeting(store, "c1-2026-02")
    assert feb is not None
    assert feb.absent == ["m12", "m13"]
    assert feb.counted == ["m10", "m11", "m12"]
    assert (feb.present_count, feb.counted_count, feb.counted_present) == (3, 3, 2)


def test_a_back_dated_status_change_recounts_meetings_already_held(ward: Ward) -> None:
    app, store = ward
    hold(app, "c1-2026-01", on=D(2026, 1, 5), present=["m10", "m11", "m12", "m13"])
    hold(app, "c1-2026-02", on=D(2026, 2, 3), present=["m10", "m11", "m12", "m13"])
    project(app, store)
    assert attendance_rate(store, "c1", *Q1) == 0.8  # 8 of 10

    # Recorded later: m14 was exempted from 20 January on.
    set_status(app, D(2026, 1, 20), "m14", "exempted")
    project(app, store)
    jan, feb = meeting(store, "c1-2026-01"), meeting(store, "c1-2026-02")
    assert jan is not None and feb is not None
    assert (jan.counted_count, jan.counted_present) == (5, 4)
    assert (feb.counted_count, feb.counted_present) == (4, 4)
    assert attendance_rate(store, "c1", *Q1) == round(8 / 9, 4)


def test_attendance_rate_over_regular_meetings(ward: Ward) -> None:
    app, store = ward
    hold_ward_q1(app)
    # Not regular: left out of the rate however few came.
    hold(app, "c1-forum", on=D(2026, 3, 20), kind=["forum"], present=["m10", "m11"])
    project(app, store)

    # c1: Jan 4 of 5, Feb 5 of 5, Mar 3 of 5 → 12 / 15.
    assert attendance_rate(store, "c1", *Q1) == 0.8
    assert attendance_rate(store, "c1", D(2026, 1, 1), D(2026, 1, 31)) == 0.8
    assert attendance_rate(store, "c1", D(2026, 2, 1), D(2026, 2, 28)) == 1.0
    assert attendance_rate(store, "c1", D(2026, 3, 1), D(2026, 3, 31)) == 0.6
    assert attendance_rate(store, "c1", D(2026, 2, 1), D(2026, 3, 31)) == 0.8  # 8 / 10
    # Bounds are inclusive.
    assert attendance_rate(store, "c1", D(2026, 1, 5), D(2026, 1, 5)) == 0.8
    assert attendance_rate(store, "c2", *Q1) == 1.0
    assert attendance_rate(store, "c2", D(2026, 2, 1), D(2026, 2, 28)) is None
    assert attendance_rate(store, "c9", *Q1) is None

    held = meetings_in(store, "c1", *Q1)
    assert [(m.meeting, m.kinds, m.counted_present, m.counted_count) for m in held] == [
        ("c1-2026-01", ["regular"], 4, 5),
        ("c1-2026-02", ["regular", "thematic"], 5, 5),
        ("c1-2026-03", ["regular"], 3, 5),
        ("c1-forum", ["forum"], 2, 5),
    ]
    assert [(m.is_regular, m.is_thematic) for m in held] == [
        (True, False),
        (True, True),
        (True, False),
        (False, False),
    ]
    assert [m.meeting for m in meetings_in(store, "c1", D(2026, 2, 3), D(2026, 3, 2))] == [
        "c1-2026-02",
        "c1-2026-03",
    ]


def test_guests_are_recorded_per_quarter(ward: Ward) -> None:
    app, store = ward
    hold_ward_q1(app)
    hold(app, "c2-2026-04", "c2", D(2026, 4, 7), guests=["m02", "m04"])
    project(app, store)

    def visit(member: str, cell: str, key: str, day: date, quarter: str) -> GuestVisit:
        return GuestVisit(member=member, cell=cell, meeting=key, held_on=day, quarter=quarter)

    q1 = [
        visit("m03", "c1", "c1-2026-01", D(2026, 1, 5), "2026-Q1"),
        visit("m02", "c1", "c1-2026-02", D(2026, 2, 3), "2026-Q1"),
        visit("m04", "c2", "c2-2026-03", D(2026, 3, 10), "2026-Q1"),
    ]
    q2 = [
        visit("m02", "c2", "c2-2026-04", D(2026, 4, 7), "2026-Q2"),
        visit("m04", "c2", "c2-2026-04", D(2026, 4, 7), "2026-Q2"),
    ]
    assert committee_attendance(store) == q1 + q2
    assert committee_attendance(store, quarter="2026-Q1") == q1
    assert committee_attendance(store, member="m02") == [q1[1], q2[0]]
    assert committee_attendance(store, member="m04", cell="c2", quarter="2026-Q2") == [q2[1]]
    assert committee_attendance(store, member="m01", quarter="2026-Q1") == []


def test_minutes_state_and_announced_meetings(ward: Ward) -> None:
    app, store = ward
    hold_ward_q1(app)
    app.handle(
        cmd(
            c.AnnounceMeeting,
            D(2026, 3, 25),
            meeting="c1-2026-04",
            cell="c1",
            kind=["regular"],
            scheduled_on=D(2026, 4, 3),
        )
    )
    project(app, store)

    announced = meeting(store, "c1-2026-04")
    assert announced is not None
    assert (announced.status, announced.held_on, announced.notice_on, announced.scheduled_on) == (
        "announced",
        None,
        D(2026, 3, 25),
        D(2026, 4, 3),
    )
    mar = meeting(store, "c1-2026-03")
    assert mar is not None
    assert (mar.minutes_recorded_on, mar.minutes_sealed_on, mar.amendments) == (None, None, 0)

    app.handle(cmd(c.RecordMinutes, D(2026, 3, 6), meeting="c1-2026-03"))
    app.handle(cmd(c.SealMinutes, D(2026, 3, 9), meeting="c1-2026-03"))
    app.handle(cmd(c.AmendMinutes, D(2026, 3, 12), meeting="c1-2026-03", reason="r", change="x"))
    app.handle(cmd(c.AmendMinutes, D(2026, 3, 13), meeting="c1-2026-03", reason="r", change="y"))
    app.handle(
        cmd(
            c.ScoreMeeting,
            D(2026, 3, 13),
            meeting="c1-2026-03",
            scores={"duration": 5, "conduct": 30},
        )
    )
    app.handle(
        cmd(
            c.RecordPreparatoryMeeting,
            D(2026, 4, 1),
            meeting="c1-2026-04",
            participants=["m10", "m11"],
        )
    )
    hold(app, "c1-2026-04", on=D(2026, 4, 3), present=["m10", "m11", "m12", "m13", "m14"])
    project(app, store)

    mar = meeting(store, "c1-2026-03")
    assert mar is not None
    assert (mar.minutes_recorded_on, mar.minutes_sealed_on, mar.amendments) == (
        D(2026, 3, 6),
        D(2026, 3, 9),
        2,
    )
    assert (mar.score, mar.scores) == (35, {"duration": 5, "conduct": 30})
    jan = meeting(store, "c1-2026-01")
    assert jan is not None
    # Minutes recorded at the meeting itself.
    assert (jan.minutes_recorded_on, jan.score) == (D(2026, 1, 5), None)

    apr = meeting(store, "c1-2026-04")
    assert apr is not None
    assert (apr.status, apr.held_on, apr.notice_on, apr.scheduled_on, apr.preparatory_on) == (
        "held",
        D(2026, 4, 3),
        D(2026, 3, 25),
        D(2026, 4, 3),
        D(2026, 4, 1),
    )
    assert (apr.counted_count, apr.counted_present) == (5, 5)

    book = minutes_book(store, "c1")
    assert [m.meeting for m in book] == ["c1-2026-01", "c1-2026-02", "c1-2026-03", "c1-2026-04"]
    assert book[2] == mar
    assert book[0].excused == {"m14": "ốm"}
    in_q1 = minutes_book(store, "c1", *Q1)
    assert [m.meeting for m in in_q1] == ["c1-2026-01", "c1-2026-02", "c1-2026-03"]
    assert [m.meeting for m in minutes_book(store, "c1", start=D(2026, 3, 2))] == [
        "c1-2026-03",
        "c1-2026-04",
    ]
    assert [m.meeting for m in minutes_book(store, "c2", end=D(2026, 1, 31))] == ["c2-2026-01"]


# --- rebuilding ------------------------------------------------------------------------------


def dump(store: ReadStore, tables: tuple[str, ...]) -> dict[str, list[tuple[Any, ...]]]:
    return {t: sorted(store.query(f"SELECT * FROM {t}"), key=repr) for t in tables}


def rebuild(app: ChiboApplication, store: ReadStore, batch_size: int) -> None:
    """Drops this projection's tables, recreates them and replays the log into them."""
    projection = MeetingsProjection()
    with store.transaction() as cur:
        for table in projection.tables:
            drop_relation(cur, store.backend, table)  # rm_meeting_attendance is a view
        for statement in projection.ddl:
            cur.execute(statement)
        cur.execute("UPDATE chibo_tracking SET position = 0 WHERE name = %s", (projection.name,))
    project(app, store, batch_size)


def test_rebuild_and_batch_size_give_identical_rows(ward: Ward) -> None:
    app, store = ward
    hold_ward_q1(app)
    set_status(app, D(2026, 1, 20), "m14", "exempted")  # back-dated: recounts February
    app.handle(cmd(c.RecordMinutes, D(2026, 3, 6), meeting="c1-2026-03"))
    app.handle(cmd(c.SealMinutes, D(2026, 3, 9), meeting="c1-2026-03"))
    app.handle(cmd(c.AmendMinutes, D(2026, 3, 12), meeting="c1-2026-03", reason="r", change="x"))
    app.handle(
        cmd(
            c.AnnounceMeeting,
            D(2026, 3, 25),
            meeting="c1-2026-04",
            cell="c1",
            kind=["regular"],
            scheduled_on=D(2026, 4, 3),
        )
    )
    hold(app, "c1-2026-04", on=D(2026, 4, 3), present=["m10", "m11", "m12"], guests=["m03"])
    tables = MeetingsProjection.tables
    project(app, store, batch_size=1)
    one_by_one = dump(store, tables)
    assert all(one_by_one.values())  # every table has rows to compare

    rebuild(app, store, batch_size=500)
    assert dump(store, tables) == one_by_one
    rebuild(app, store, batch_size=7)
    assert dump(store, tables) == one_by_one
    # m14 exempted from 20 January: Jan 4 of 5, Feb 4 of 4, Mar 3 of 4.
    assert attendance_rate(store, "c1", *Q1) == round(11 / 13, 4)


def test_ward_q1_import_gives_the_expected_attendance_rates(settings: Settings) -> None:
    scenario = load_scenario(Path(__file__).parent / "scenarios" / "ward-q1.yaml")
    app, store = make_app(settings), make_read_store(settings)
    try:
        Importer(app, scenario).run()
        project(app, store)
        # SCENARIOS.md compliance: c1 12 of 15 (Jan 4/5, Feb 5/5, Mar 3/5); c2 6 of 6.
        assert attendance_rate(store, "c1", *Q1) == 0.8
        assert attendance_rate(store, "c2", *Q1) == 1.0
        mar = meeting(store, "c1-2026-03")
        assert mar is not None
        assert mar.minutes_recorded_on == D(2026, 3, 6)
        assert [v.member for v in committee_attendance(store, quarter="2026-Q1")] == [
            "m03",
            "m02",
            "m04",
        ]
    finally:
        store.close()
        app.close()
