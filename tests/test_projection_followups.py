"""Follow-up read models on both backends: the resolution board, inspections, member tasks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from domain import commands as c
from domain.application import ChiboApplication
from projections.inspections import (
    InspectionsProjection,
    inspection_coverage,
    inspections_of,
    ratings,
)
from projections.projection import Projection
from projections.resolutions import (
    DeadlineChangeRow,
    ResolutionCounts,
    ResolutionsProjection,
    board,
    resolution,
    resolution_counts,
)
from projections.store import ReadStore
from projections.tasks import TasksProjection, assigned_members, assignment, coverage, pledges
from tests.factories import cmd, draft, hold, project, seed_ward
from workers.scenario.format import load_scenario
from workers.scenario.importer import Importer

SCENARIOS = Path(__file__).parent / "scenarios"
D = date


# --- helpers shared with test_projection_escalations ---------------------------------------


def dump(store: ReadStore, projections: Sequence[Projection]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the projections' tables, in a stable order."""
    return {
        table: sorted(store.query(f"SELECT * FROM {table}"), key=repr)
        for projection in projections
        for table in projection.tables
    }


def rebuild(
    app: ChiboApplication, store: ReadStore, projections: Sequence[Projection], batch_size: int
) -> None:
    """Drops the projections' tables, recreates them, rewinds them and replays the log."""
    with store.transaction() as cur:
        for projection in projections:
            for table in projection.tables:
                cur.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in projection.ddl:
                cur.execute(statement)
            cur.execute("DELETE FROM chibo_tracking WHERE name = %s", (projection.name,))
    project(app, store, batch_size)


# --- data ------------------------------------------------------------------------------------


def adopt(app: ChiboApplication, meeting: str, on: date, key: str, **fields: Any) -> None:
    app.handle(cmd(c.AdoptResolution, on, meeting=meeting, resolution=draft(key, **fields)))


def build_followups(app: ChiboApplication) -> None:
    """c1: nq1 extended twice then completed before the new deadline (on time), nq2
    completed late, nq3 cancelled; c2: nq4 open and overdue; an inspection of c1 with a
    recommendation, one of c2 planned only; c1's tasks for 2026 and a pledge."""
    seed_ward(app)
    hold(app, "c1-01", "c1", D(2026, 1, 5))
    hold(app, "c2-01", "c2", D(2026, 1, 8))
    adopt(app, "c1-01", D(2026, 1, 5), "nq1", deadline=D(2026, 2, 28))
    adopt(
        app,
        "c1-01",
        D(2026, 1, 5),
        "nq2",
        deadline=D(2026, 2, 10),
        executors=["m13", "m12"],
        inspector="m10",
    )
    adopt(app, "c1-01", D(2026, 1, 5), "nq3", deadline=D(2026, 3, 31), executors=["m13"])
    adopt(
        app,
        "c2-01",
        D(2026, 1, 8),
        "nq4",
        deadline=D(2026, 2, 15),
        executors=["m21"],
        inspector="m20",
    )
    app.handle(cmd(c.CommunicateResolution, D(2026, 1, 6), resolution="nq1"))
    hold(app, "c1-02", "c1", D(2026, 2, 3))
    app.handle(
        cmd(
            c.ExtendDeadline,
            D(2026, 2, 3),
            resolution="nq1",
            new_deadline=D(2026, 3, 10),
            meeting="c1-02",
        )
    )
    app.handle(
        cmd(c.CancelResolution, D(2026, 2, 3), resolution="nq3", meeting="c1-02", reason="x")
    )
    app.handle(cmd(c.ReportProgress, D(2026, 2, 5), resolution="nq2", by="m12", note="đang làm"))
    app.handle(cmd(c.CompleteResolution, D(2026, 2, 20), resolution="nq2", by="m12"))
    app.handle(cmd(c.MarkOverdue, D(2026, 2, 16), resolution="nq4", level=1))
    app.handle(cmd(c.MarkOverdue, D(2026, 3, 2), resolution="nq4", level=2))
    hold(app, "c1-03", "c1", D(2026, 3, 2))
    app.handle(cmd(c.MarkOverdue, D(2026, 3, 11), resolution="nq1", level=1))
    app.handle(
        cmd(
            c.ExtendDeadline,
            D(2026, 3, 12),
            resolution="nq1",
            new_deadline=D(2026, 3, 31),
            meeting="c1-03",
        )
    )
    app.handle(cmd(c.CompleteResolution, D(2026, 3, 25), resolution="nq1", by="m12"))
    app.handle(
        cmd(
            c.Inspect,
            D(2026, 3, 20),
            actor="m04",
            inspection="kt-c1",
            cell="c1",
            kind="periodic",
            by=["m04"],
            findings="Sổ biên bản đầy đủ",
            rating="good",
            recommendations=[draft("kn1", deadline=D(2026, 4, 30), executors=["m10"])],
        )
    )
    app.handle(cmd(c.NotifyInspection, D(2026, 3, 22), actor="m04", inspection="kt-c1"))
    app.handle(
        cmd(
            c.PlanInspection,
            D(2026, 3, 1),
            actor="m04",
            inspection="kt-c2",
            cell="c2",
            kind="thematic",
            planned_on=D(2026, 9, 1),
            by=["m03"],
        )
    )
    tasks = {"m10": "Phụ trách chung", "m11": "Tư tưởng", "m12": "Môi trường"}
    app.handle(cmd(c.AssignTasks, D(2026, 1, 20), actor="m10", cell="c1", year=2026, tasks=tasks))
    app.handle(
        cmd(
            c.AssignTasks,
            D(2026, 1, 25),
            actor="m10",
            cell="c1",
            year=2026,
            tasks={"m12": "Môi trường và khuyến học", "m13": "Khuyến học"},
            meeting="c1-01",
        )
    )
    app.handle(
        cmd(c.RecordPledge, D(2026, 1, 28), cell="c1", year=2026, member="m12", pledge="Gương mẫu")
    )


def keys(rows: list[Any]) -> list[str]:
    return sorted(row.resolution for row in rows)


# --- resolutions -------------------------------------------------------------------------------


def test_resolution_board(read_side: tuple[ChiboApplication, ReadStore]) -> None:
    app, store = read_side
    build_followups(app)
    project(app, store)

    nq1 = resolution(store, "nq1")
    assert nq1 is not None
    assert (nq1.status, nq1.closed_on, nq1.deadline, nq1.original_deadline) == (
        "completed",
        D(2026, 3, 25),
        D(2026, 3, 31),
        D(2026, 2, 28),
    )
    # Completed after the original deadline, before the one in force: on time.
    assert nq1.completed_on_time is True
    assert nq1.overdue_level == 0  # the second extension restarted the chain
    assert nq1.communicated_on == D(2026, 1, 6)
    assert nq1.last_progress_on == D(2026, 3, 25)
    assert nq1.deadline_history == [
        DeadlineChangeRow(
            decided_on=D(2026, 2, 3),
            meeting="c1-02",
            previous=D(2026, 2, 28),
            deadline=D(2026, 3, 10),
        ),
        DeadlineChangeRow(
            decided_on=D(2026, 3, 12),
            meeting="c1-03",
            previous=D(2026, 3, 10),
            deadline=D(2026, 3, 31),
        ),
    ]
    nq2 = resolution(store, "nq2")
    assert nq2 is not None
    assert (nq2.completed_on_time, nq2.executors, nq2.inspector) == (False, ["m12", "m13"], "m10")
    nq4 = resolution(store, "nq4")
    assert nq4 is not None
    assert (nq4.status, nq4.overdue_level, nq4.completed_on_time) == ("open", 2, None)
    assert resolution(store, "nope") is None

    assert keys(board(store, cell="c1")) == ["kn1", "nq1", "nq2", "nq3"]
    assert keys(board(store, cell="c2")) == ["nq4"]
    assert keys(board(store, member="m13")) == ["nq2", "nq3"]
    assert keys(board(store, member="m11", role="inspector")) == ["kn1", "nq1", "nq3"]
    assert keys(board(store, member="m11", role="executor")) == []
    assert keys(board(store, member="m10")) == ["kn1", "nq2"]
    assert keys(board(store, cell="c1", member="m10", role="executor")) == ["kn1"]
    assert keys(board(store, status="open")) == ["kn1", "nq4"]
    assert keys(board(store, status="completed")) == ["nq1", "nq2"]
    assert keys(board(store, status="cancelled")) == ["nq3"]
    assert keys(board(store, status="overdue", as_of=D(2026, 2, 15))) == []
    assert keys(board(store, status="overdue", as_of=D(2026, 2, 16))) == ["nq4"]
    assert keys(board(store, status="overdue", as_of=D(2026, 5, 1))) == ["kn1", "nq4"]
    history = {row.resolution: row.deadline_history for row in board(store, cell="c1")}
    assert [h.deadline for h in history["nq1"]] == [D(2026, 3, 10), D(2026, 3, 31)]
    assert history["nq2"] == []

    kn1 = resolution(store, "kn1")
    assert kn1 is not None
    assert (kn1.origin, kn1.source, kn1.kind) == ("inspection", "kt-c1", "recommendation")
    with pytest.raises(ValueError):
        board(store, role="executor")


def test_resolution_counts(read_side: tuple[ChiboApplication, ReadStore]) -> None:
    app, store = read_side
    build_followups(app)
    project(app, store)

    def counts(cell: str, end: date, origin: str = "meeting") -> ResolutionCounts:
        return resolution_counts(store, cell, D(2026, 1, 1), end, origin)

    assert counts("c1", D(2026, 4, 1)) == ResolutionCounts(
        adopted=3, completed_on_time=1, completed_late=1, open=0, overdue_open=0
    )
    # On 11 March nq1 was open past the deadline then in force (10 March)...
    assert counts("c1", D(2026, 3, 11)) == ResolutionCounts(
        adopted=3, completed_on_time=0, completed_late=1, open=1, overdue_open=1
    )
    # ...and no longer overdue once extended to 31 March.
    assert counts("c1", D(2026, 3, 20)) == ResolutionCounts(
        adopted=3, completed_on_time=0, completed_late=1, open=1, overdue_open=0
    )
    assert counts("c2", D(2026, 4, 1)) == ResolutionCounts(
        adopted=1, completed_on_time=0, completed_late=0, open=1, overdue_open=1
    )
    assert counts("c1", D(2026, 4, 1), "inspection") == ResolutionCounts(
        adopted=1, completed_on_time=0, completed_late=0, open=1, overdue_open=0
    )
    assert resolution_counts(store, "c1", D(2026, 2, 1), D(2026, 4, 1)).adopted == 0


# --- inspections and tasks ------------------------------------------------------------------------


def test_inspections(read_side: tuple[ChiboApplication, ReadStore]) -> None:
    app, store = read_side
    build_followups(app)
    app.handle(
        cmd(
            c.Inspect,
            D(2026, 9, 2),
            actor="m04",
            inspection="kt-c2",
            cell="c2",
            kind="thematic",
            findings="Chưa đủ chuyên đề",
            rating="fair",
        )
    )
    project(app, store)

    (kt_c1,) = inspections_of(store, cell="c1")
    assert (kt_c1.inspection, kt_c1.status, kt_c1.rating, kt_c1.by) == (
        "kt-c1",
        "concluded",
        "good",
        ["m04"],
    )
    assert (kt_c1.concluded_on, kt_c1.notified_on, kt_c1.recommendations) == (
        D(2026, 3, 20),
        D(2026, 3, 22),
        ["kn1"],
    )
    first_half = (D(2026, 1, 1), D(2026, 6, 30))
    assert [i.inspection for i in inspections_of(store, None, *first_half)] == ["kt-c1"]
    (kt_c2,) = inspections_of(store, cell="c2")
    assert (kt_c2.planned_on, kt_c2.concluded_on, kt_c2.by) == (
        D(2026, 9, 1),
        D(2026, 9, 2),
        ["m03"],
    )

    half = inspection_coverage(store, ["c2", "c1"], *first_half)
    assert (half.inspected, half.not_inspected, half.rate) == (["c1"], ["c2"], 0.5)
    term = inspection_coverage(store, ["c1", "c2"], D(2025, 1, 1), D(2029, 12, 31))
    assert (term.inspected, term.not_inspected, term.rate) == (["c1", "c2"], [], 1.0)
    assert ratings(store, D(2026, 1, 1), D(2026, 12, 31)) == {"fair": 1, "good": 1}
    assert ratings(store, *first_half) == {"good": 1}


def test_tasks(read_side: tuple[ChiboApplication, ReadStore]) -> None:
    app, store = read_side
    build_followups(app)
    project(app, store)

    assert assigned_members(store, "c1", 2026) == {
        "m10": D(2026, 1, 20),
        "m11": D(2026, 1, 20),
        "m12": D(2026, 1, 20),  # revised later: keeps the first assignment date
        "m13": D(2026, 1, 25),
    }
    plan = assignment(store, "c1", 2026)
    assert plan is not None
    assert (plan.drafted_on, plan.drafted_by, plan.adopted_at, plan.adopted_on) == (
        D(2026, 1, 20),
        "m10",
        "c1-01",
        D(2026, 1, 25),
    )
    assert {t.member: t.task for t in plan.tasks}["m12"] == "Môi trường và khuyến học"
    assert assignment(store, "c2", 2026) is None
    assert [(p.member, p.pledge, p.pledged_on) for p in pledges(store, "c1", 2026)] == [
        ("m12", "Gương mẫu", D(2026, 1, 28))
    ]

    roster = ["m10", "m11", "m12", "m13", "m14"]
    full = coverage(store, "c1", 2026, roster)
    assert (full.assigned, full.unassigned, full.rate) == (roster[:4], ["m14"], 0.8)
    none = coverage(store, "c2", 2026, ["m22", "m20", "m21"])
    assert (none.assigned, none.unassigned, none.rate) == ([], ["m20", "m21", "m22"], 0.0)


# --- the imported scenario, rebuilds ------------------------------------------------------------


def test_ward_q1_compliance(read_side: tuple[ChiboApplication, ReadStore]) -> None:
    app, store = read_side
    Importer(app, load_scenario(SCENARIOS / "ward-q1.yaml")).run()
    project(app, store)
    expected = json.loads((SCENARIOS / "ward-q1.expected.json").read_text(encoding="utf-8"))
    start, end = D(2026, 1, 1), D(2026, 4, 1)
    for cell in ("c1", "c2"):
        wanted = expected["compliance"]["cells"][cell]
        counts = resolution_counts(store, cell, start, end)
        assert counts.model_dump() == wanted["resolutions"], cell
        assert len(inspections_of(store, cell, start, end)) == wanted["inspections"], cell


MINE: list[Projection] = [
    ResolutionsProjection(),
    InspectionsProjection(),
    TasksProjection(),
]


def test_rebuild_and_batch_size_give_identical_rows(
    read_side: tuple[ChiboApplication, ReadStore],
) -> None:
    app, store = read_side
    build_followups(app)
    project(app, store, batch_size=1)
    one_by_one = dump(store, MINE)
    assert all(one_by_one.values())
    rebuild(app, store, MINE, batch_size=500)
    assert dump(store, MINE) == one_by_one
    rebuild(app, store, MINE, batch_size=7)
    assert dump(store, MINE) == one_by_one
