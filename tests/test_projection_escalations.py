"""The escalation inbox on both backends: per recipient, open → acknowledged → resolved."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain import commands as c
from domain.application import ChiboApplication
from projections.escalations import EscalationsProjection, escalation, escalations, inbox
from projections.store import ReadStore
from tests.factories import cmd, project, seed_ward
from tests.test_projection_followups import dump, rebuild

D = date
MISSED = "meeting_missed/cell=c2/2026-02/1"
OVERDUE_1 = "resolution_overdue/cell=c2/resolution=nq4/-/1"
OVERDUE_2 = "resolution_overdue/cell=c2/resolution=nq4/-/2"


def raise_(app: ChiboApplication, on: date, **fields: Any) -> Any:
    return app.handle(cmd(c.RaiseEscalation, on, actor="system", organisation="tb", **fields))


def build_escalations(app: ChiboApplication) -> None:
    seed_ward(app)
    missed = {
        "kind": "meeting_missed",
        "rule": "R1",
        "subject": {"cell": "c2"},
        "period": "2026-02",
        "recipients": ["m04"],
        "evidence": ["no regular meeting of c2 in 2026-02"],
        "details": {"meetings": 0},
    }
    assert raise_(app, D(2026, 3, 1), **missed)["raised"] is True
    # Raised again (another process, a retried workflow): the same escalation.
    assert raise_(app, D(2026, 3, 1), **missed)["raised"] is False
    overdue = {"kind": "resolution_overdue", "rule": "R24"}
    subject = {"cell": "c2", "resolution": "nq4"}
    raise_(app, D(2026, 2, 16), **overdue, subject=subject, recipients=["m20", "m11", "m20"])
    raise_(app, D(2026, 3, 2), **overdue, subject=subject, level=2, recipients=["m04"])


def test_inbox_moves_from_open_to_acknowledged_to_resolved(
    read_side: tuple[ChiboApplication, ReadStore],
) -> None:
    app, store = read_side
    build_escalations(app)
    project(app, store)

    assert [e.key for e in escalations(store)] == [OVERDUE_1, MISSED, OVERDUE_2]
    assert [e.key for e in inbox(store, "m04")] == [MISSED, OVERDUE_2]
    assert [e.key for e in inbox(store, "m20")] == [OVERDUE_1]
    assert inbox(store, "m10") == []

    first = escalation(store, OVERDUE_1)
    assert first is not None
    assert (first.cell, first.resolution, first.member, first.meeting, first.period) == (
        "c2",
        "nq4",
        None,
        None,
        None,
    )
    assert (first.recipients, first.level, first.raised_on, first.status) == (
        ["m11", "m20"],
        1,
        D(2026, 2, 16),
        "open",
    )
    missed = escalation(store, MISSED)
    assert missed is not None
    assert (missed.subject, missed.evidence, missed.details) == (
        {"cell": "c2"},
        ["no regular meeting of c2 in 2026-02"],
        {"meetings": 0},
    )
    assert (missed.notices, missed.last_notified_on) == (0, None)
    assert escalation(store, "nope") is None

    app.handle(cmd(c.NotifyEscalation, D(2026, 3, 1), escalation=MISSED, recipients=["m04"]))
    app.handle(cmd(c.NotifyEscalation, D(2026, 3, 3), escalation=MISSED, recipients=["m04"]))
    app.handle(
        cmd(c.AcknowledgeEscalation, D(2026, 3, 4), escalation=MISSED, by="m04", note="Đã nhắc")
    )
    # A follow-up that read it open before the acknowledgement sends nothing after it.
    late = app.handle(cmd(c.NotifyEscalation, D(2026, 3, 5), escalation=MISSED, recipients=["m04"]))
    assert late == {"escalation": MISSED, "notified": False}
    project(app, store)
    assert [e.key for e in inbox(store, "m04")] == [OVERDUE_2]
    (acknowledged,) = inbox(store, "m04", "acknowledged")
    assert (acknowledged.key, acknowledged.acknowledged_by, acknowledged.acknowledgement) == (
        MISSED,
        "m04",
        "Đã nhắc",
    )
    assert (acknowledged.notices, acknowledged.last_notified_on) == (2, D(2026, 3, 3))

    app.handle(
        cmd(c.ResolveEscalation, D(2026, 3, 10), escalation=MISSED, by="m04", action="Họp bù")
    )
    project(app, store)
    assert inbox(store, "m04", "acknowledged") == []
    (resolved,) = inbox(store, "m04", "resolved")
    assert (resolved.status, resolved.resolved_by, resolved.action) == (
        "resolved",
        "m04",
        "Họp bù",
    )
    assert [e.key for e in inbox(store, "m04", None)] == [MISSED, OVERDUE_2]


def test_escalation_filters(read_side: tuple[ChiboApplication, ReadStore]) -> None:
    app, store = read_side
    build_escalations(app)
    project(app, store)

    assert [e.key for e in escalations(store, organisation="tb", kind="meeting_missed")] == [MISSED]
    assert len(escalations(store, kind="resolution_overdue", cell="c2")) == 2
    assert escalations(store, cell="c1") == []
    assert escalations(store, organisation="other") == []


def test_rebuild_and_batch_size_give_identical_rows(
    read_side: tuple[ChiboApplication, ReadStore],
) -> None:
    app, store = read_side
    build_escalations(app)
    app.handle(cmd(c.AcknowledgeEscalation, D(2026, 3, 4), escalation=MISSED, by="m04"))
    app.handle(cmd(c.ResolveEscalation, D(2026, 3, 5), escalation=OVERDUE_1, by="m11", action="x"))
    mine = [EscalationsProjection()]
    project(app, store, batch_size=1)
    one_by_one = dump(store, mine)
    assert all(one_by_one.values())
    rebuild(app, store, mine, batch_size=500)
    assert dump(store, mine) == one_by_one
