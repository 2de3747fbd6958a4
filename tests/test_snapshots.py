"""Snapshots are a shortcut, never the truth: a record loaded through its latest
snapshot (or at any earlier version) equals the same record folded from its events
alone, and a stored snapshot is JSON that decodes back to an equal record.

ChiboApplication snapshots a Cell every 50 events and an Organisation every 100.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import orjson
import pytest

from domain import commands as c
from domain.aggregate import AggregateSnapshot
from domain.application import ChiboApplication
from domain.cell import Cell
from domain.events import DomainEvent
from domain.organisation import Organisation
from tests.factories import START, cmd, draft, hold, memory_app, seed_ward

C1_ROSTER = ["m10", "m11", "m12", "m13", "m14"]
ROUNDS = 45  # transfer in, meeting, transfer out: three cell events a round


def fold(events: Iterable[Any]) -> Any:
    """The aggregate built from its events alone (no snapshot)."""
    aggregate = None
    for event in events:
        assert isinstance(event, DomainEvent)
        aggregate = event.mutate(aggregate)
    return aggregate


def snapshots_of(app: ChiboApplication, agg_id: UUID) -> list[AggregateSnapshot]:
    assert app.snapshots is not None, "snapshotting is enabled by snapshotting_intervals"
    found = list(app.snapshots.get(agg_id))
    assert all(isinstance(s, AggregateSnapshot) for s in found)
    return found  # type: ignore[return-value]


def assert_snapshots_are_shortcuts(app: ChiboApplication, agg_id: UUID, interval: int) -> None:
    """Latest state, state at earlier versions and each snapshot agree with the events."""
    events = list(app.events.get(agg_id))
    assert len(events) > 100
    snapshots = snapshots_of(app, agg_id)
    expected = list(range(interval, len(events) + 1, interval))
    assert [s.originator_version for s in snapshots] == expected

    full = fold(events)
    live: Any = app.repository.get(agg_id)
    assert live.version == len(events) == full.version
    assert live.model_dump() == full.model_dump()

    # The latest snapshot plus the events after it: the path repository.get takes.
    latest = snapshots[-1]
    shortcut = fold_from(latest, app.events.get(agg_id, gt=latest.originator_version))
    assert shortcut.model_dump() == full.model_dump()

    for snapshot in snapshots:
        at = snapshot.originator_version
        assert snapshot.mutate(None).model_dump() == fold(events[:at]).model_dump()

    probes = {1, 2, interval - 1, interval, interval + 1, len(events) - 1, len(events)}
    probes |= {2 * interval - 1, 2 * interval, 2 * interval + 1} & set(range(1, len(events) + 1))
    for n in sorted(probes):
        past: Any = app.repository.get(agg_id, version=n)
        assert past.version == n
        assert past.model_dump() == fold(events[:n]).model_dump(), f"version {n}"


def fold_from(snapshot: AggregateSnapshot, events: Iterable[Any]) -> Any:
    aggregate = snapshot.mutate(None)
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


@pytest.fixture(scope="module")
def busy_cell() -> tuple[ChiboApplication, UUID]:
    """c1 after 45 rounds of m30 transferring in, attending a meeting, transferring out."""
    app = memory_app()
    seed_ward(app)
    day = START
    for n in range(ROUNDS):
        day += timedelta(days=1)
        app.handle(cmd(c.TransferIn, day, cell="c1", member="m30"))
        day += timedelta(days=1)
        kind = ["regular", "thematic"] if n % 3 == 0 else ["regular"]
        hold(app, f"mt{n}", on=day, kind=kind, present=[*C1_ROSTER, "m30"])
        day += timedelta(days=1)
        app.handle(cmd(c.TransferOut, day, cell="c1", member="m30"))
    return app, Cell.id_for("c1")


@pytest.fixture(scope="module")
def busy_organisation() -> tuple[ChiboApplication, UUID]:
    """tb after registering 80 more members and changing the status of 40 (some late)."""
    app = memory_app()
    seed_ward(app)
    day = START
    for n in range(80):
        day += timedelta(days=1)
        status = "official" if n % 4 else "probationary"
        app.handle(
            cmd(
                c.RegisterMember,
                day,
                organisation="tb",
                member=f"m{100 + n}",
                name=f"Đảng viên {100 + n}",
                status=status,
                working=n % 5 != 0,
            )
        )
    for n in range(40):
        # Every third change is entered late: it must land in business-date order.
        on = day + timedelta(days=n) if n % 3 else START + timedelta(days=100 + n)
        app.handle(
            cmd(
                c.SetMemberStatus,
                on,
                organisation="tb",
                member=f"m{100 + n}",
                status="exempted" if n % 2 else "official",
                working=None if n % 2 else False,
            )
        )
    return app, Organisation.id_for("tb")


def test_a_busy_cell_loads_the_same_through_snapshots(
    busy_cell: tuple[ChiboApplication, UUID],
) -> None:
    app, cell_id = busy_cell
    assert_snapshots_are_shortcuts(
        app, cell_id, interval=ChiboApplication.snapshotting_intervals[Cell]
    )
    cell: Cell = app.repository.get(cell_id)
    assert len(cell.meetings) == ROUNDS
    spans = cell.memberships["m30"]
    assert len(spans) == ROUNDS and all(s.until is not None for s in spans)
    assert cell.members_on(date(2026, 1, 3)) == sorted([*C1_ROSTER, "m30"])


def test_a_busy_organisation_loads_the_same_through_snapshots(
    busy_organisation: tuple[ChiboApplication, UUID],
) -> None:
    app, org_id = busy_organisation
    assert_snapshots_are_shortcuts(
        app, org_id, interval=ChiboApplication.snapshotting_intervals[Organisation]
    )
    org: Organisation = app.repository.get(org_id)
    assert len(org.members) == 13 + 80
    for member in org.members.values():
        days = [span.since for span in member.history]
        assert days == sorted(days)


def test_a_stored_snapshot_is_json_that_decodes_to_an_equal_record(
    busy_cell: tuple[ChiboApplication, UUID],
) -> None:
    app, cell_id = busy_cell
    assert app.snapshots is not None
    rows = app.snapshots.recorder.select_events(cell_id)
    assert rows
    for row in rows:
        assert row.topic == AggregateSnapshot.TOPIC == "chibo.Snapshot"
        body = orjson.loads(row.state)
        assert body["topic"] == Cell.TOPIC
        assert "originator_id" not in body and "class_version" not in body
        decoded = app.snapshots.mapper.to_domain_event(row)
        assert isinstance(decoded, AggregateSnapshot)
        assert decoded.originator_version == row.originator_version
        assert app.snapshots.mapper.to_stored_event(decoded).state == row.state
        at = decoded.originator_version
        assert (
            decoded.mutate(None).model_dump()
            == app.repository.get(cell_id, version=at).model_dump()
        )


def test_every_kind_of_record_round_trips_through_a_snapshot() -> None:
    """Snapshots of each aggregate type (dates, int-keyed and nested maps, policies)."""
    app = memory_app()
    seed_ward(app)
    app.handle(
        cmd(
            c.AdoptPolicy,
            START,
            organisation="tb",
            name="2026",
            effective_from=date(2026, 1, 1),
            values={"attendance_target": 0.8, "reminder_days": [10, 3, 1]},
        )
    )
    app.handle(cmd(c.SetThematicPlan, START, cell="c1", year=2026, topics=["Tư tưởng"]))
    hold(app, "mt1", on=date(2026, 1, 5))
    app.handle(cmd(c.AdoptResolution, date(2026, 1, 5), meeting="mt1", resolution=draft("nq1")))
    app.handle(
        cmd(
            c.ExtendDeadline,
            date(2026, 1, 6),
            resolution="nq1",
            new_deadline=date(2026, 3, 31),
            meeting="mt1",
        )
    )
    app.handle(
        cmd(
            c.AssignTasks,
            date(2026, 1, 7),
            actor="m10",
            cell="c1",
            year=2026,
            tasks={"m12": "Môi trường"},
            meeting="mt1",
        )
    )
    app.handle(
        cmd(
            c.Inspect,
            date(2026, 1, 8),
            inspection="kt1",
            cell="c1",
            kind="periodic",
            by=["m04"],
            findings="Đủ",
            rating="good",
            recommendations=[draft("kn1", deadline=date(2026, 4, 30))],
        )
    )
    app.handle(
        cmd(
            c.RaiseEscalation,
            date(2026, 1, 9),
            organisation="tb",
            kind="meeting_missed",
            rule="R1",
            subject={"cell": "c2"},
            period="2026-01",
            recipients=["m03"],
            details={"missed": [1, 2], "note": "x"},
        )
    )
    assert app.snapshots is not None
    ids = {n.originator_id for n in app.recorder.select_notifications(1, 10_000)}
    topics = set()
    for agg_id in ids:
        assert isinstance(agg_id, UUID)
        app.take_snapshot(agg_id)
        (snapshot,) = snapshots_of(app, agg_id)[-1:]
        live: Any = app.repository.get(agg_id)
        assert snapshot.originator_version == live.version
        assert snapshot.mutate(None).model_dump() == live.model_dump()
        assert fold(app.events.get(agg_id)).model_dump() == live.model_dump()
        topics.add(snapshot.topic)
    assert topics >= {
        "chibo.Organisation",
        "chibo.Cell",
        "chibo.Meeting",
        "chibo.Resolution",
        "chibo.TaskAssignment",
        "chibo.Inspection",
        "chibo.Escalation",
        "chibo.CommandRecord",
    }
