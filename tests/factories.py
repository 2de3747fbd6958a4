"""Small builders for domain tests: an in-memory store and a ward with two cells."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from domain import commands as c
from domain.application import ChiboApplication

START = date(2026, 1, 1)
_ids = itertools.count()


def memory_app() -> ChiboApplication:
    return ChiboApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": ":memory:"}
    )


def cmd(cls: type[c.Command], on: date = START, actor: str = "m01", **fields: Any) -> Any:
    """A command with a fresh command id."""
    return cls(actor=actor, command_id=f"t-{next(_ids)}", occurred_on=on, **fields)


MEMBERS = {
    # organisation leadership
    "m01": "official",
    "m02": "official",
    "m03": "official",
    "m04": "official",
    # cell c1 (m14 is retired: official, not working)
    "m10": "official",
    "m11": "official",
    "m12": "official",
    "m13": "official",
    "m14": "official",
    # cell c2
    "m20": "official",
    "m21": "official",
    "m22": "probationary",
    # not in a cell yet
    "m30": "official",
}


def seed_ward(app: ChiboApplication, on: date = START) -> None:
    """Organisation `tb` with cells c1 (m10–m14, in charge m03) and c2 (m20–m22, m04)."""
    app.handle(
        cmd(
            c.CreateOrganisation,
            on,
            organisation="tb",
            name="Đảng ủy phường Thạch Bàn",
            secretary="m01",
            standing_committee=["m01", "m02"],
            committee=["m01", "m02", "m03", "m04"],
        )
    )
    for member, status in MEMBERS.items():
        app.handle(
            cmd(
                c.RegisterMember,
                on,
                organisation="tb",
                member=member,
                name=f"Đảng viên {member}",
                status=status,
                working=member != "m14",
            )
        )
    app.handle(
        cmd(
            c.FoundCell,
            on,
            organisation="tb",
            cell="c1",
            name="Chi bộ Tổ dân phố số 1",
            type="residential",
            secretary="m10",
            deputy="m11",
            members=["m10", "m11", "m12", "m13", "m14"],
            in_charge="m03",
        )
    )
    app.handle(
        cmd(
            c.FoundCell,
            on,
            organisation="tb",
            cell="c2",
            name="Chi bộ Trường Tiểu học",
            type="school",
            secretary="m20",
            members=["m20", "m21", "m22"],
            in_charge="m04",
        )
    )


def hold(
    app: ChiboApplication,
    meeting: str,
    cell: str = "c1",
    on: date = date(2026, 1, 5),
    **fields: Any,
) -> Any:
    """Holds a regular meeting with everyone of c1 (or `present`) present."""
    defaults: dict[str, Any] = {
        "kind": ["regular"],
        "chair": "m10" if cell == "c1" else "m20",
        "minute_taker": "m11" if cell == "c1" else "m21",
        "present": ["m10", "m11", "m12", "m13", "m14"] if cell == "c1" else ["m20", "m21", "m22"],
    }
    return app.handle(cmd(c.HoldMeeting, on, meeting=meeting, cell=cell, **(defaults | fields)))


def draft(key: str, deadline: date = date(2026, 2, 28), **fields: Any) -> c.ResolutionDraft:
    """A resolution stating everything R20 asks for (override to leave parts out)."""
    values: dict[str, Any] = {
        "id": key,
        "content": "Vận động phân loại rác",
        "requirements": "100% hộ tham gia",
        "measures": "Tuyên truyền",
        "deadline": deadline,
        "executors": ["m12"],
        "inspector": "m11",
    }
    return c.ResolutionDraft.model_validate(values | fields)


def project(app: ChiboApplication, store: Any, batch_size: int = 500) -> None:
    """Runs every projection over the whole log (`store`: a projections ReadStore)."""
    from projections.projector import Projector
    from projections.registry import all_projections

    Projector(app, store, all_projections(), batch_size=batch_size).run_until_caught_up()


def missed_meeting(organisation: str, cell: str, period: str, command_id: str) -> c.RaiseEscalation:
    """R1's escalation of a month `period` (YYYY-MM) without `cell`'s meeting, raised
    the next day by the system, to member m04."""
    year, month = (int(part) for part in period.split("-"))
    next_day = date(year + month // 12, month % 12 + 1, 1)
    return c.RaiseEscalation(
        actor="chibo",
        command_id=command_id,
        occurred_on=next_day,
        organisation=organisation,
        kind="meeting_missed",
        rule="R1",
        subject={"cell": cell},
        period=period,
        recipients=["m04"],
    )


def report_progress(
    app: ChiboApplication,
    command_id: str,
    note: str = "đang làm",
    on: date = date(2026, 4, 2),
    resolution: str = "nq-c2-01",
) -> None:
    """m21 reports progress on ward-q1's resolution nq-c2-01 (tests/scenarios), or on
    `resolution` of a ward built like it."""
    app.handle(
        c.ReportProgress(
            actor="m21",
            command_id=command_id,
            occurred_on=on,
            resolution=resolution,
            by="m21",
            note=note,
        )
    )
