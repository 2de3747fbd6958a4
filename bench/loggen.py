"""A province-sized event log written through the domain's own aggregates and Application.

Deterministic for given sizes: organisations with cells and members, a regular meeting
per cell and month (with attendance and guests), a resolution every other month that
is completed or extended later, and an inspection per cell and half-year.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from domain.aggregate import Aggregate
from domain.application import ChiboApplication
from domain.cell import Cell
from domain.commands import ResolutionDraft
from domain.events import Meta
from domain.inspection import Inspection
from domain.meeting import Meeting, MeetingSession
from domain.organisation import Organisation
from domain.periods import add_months
from domain.resolution import Resolution, Statement


def _meta(day: date, n: int) -> Meta:
    return Meta(actor="loggen", command_id=f"gen-{n}", correlation_id="loggen", occurred_on=day)


def generate(
    app: ChiboApplication,
    *,
    orgs: int,
    cells_per_org: int,
    members_per_cell: int,
    months: int,
    start: date = date(2016, 1, 1),
    seed: int = 7,
    prefix: str = "org",
    progress: Callable[[int], None] | None = None,
) -> int:
    """Writes the log; returns how many events were stored."""
    rnd = random.Random(seed)
    counter = 0
    stored = 0

    def save(*aggregates: Aggregate) -> None:
        nonlocal stored
        events = sum(len(a.pending_events) for a in aggregates)
        app.save(*aggregates)
        stored += events
        if progress:
            progress(events)

    def meta(day: date) -> Meta:
        nonlocal counter
        counter += 1
        return _meta(day, counter)

    cells: list[tuple[Cell, list[str], str]] = []
    for o in range(orgs):
        key = f"{prefix}{o:03d}"
        committee = [f"{key}-k{i}" for i in range(5)]
        org = Organisation.register(
            meta(start),
            key=key,
            name=f"Đảng ủy {o}",
            secretary=committee[0],
            standing_committee=committee[:3],
            committee=committee,
            inspection_commission=committee[3:],
        )
        for member in committee:
            org.register_member(meta(start), member, f"Ủy viên {member}", "official", True)
        org_cells = []
        for c in range(cells_per_org):
            cell_key = f"{key}-c{c:03d}"
            members = [f"{cell_key}-m{i:02d}" for i in range(members_per_cell)]
            for i, member in enumerate(members):
                status = "probationary" if i % 10 == 9 else "official"
                org.register_member(meta(start), member, f"Đảng viên {member}", status, i % 7 != 6)
            cell = Cell.found(
                meta(start),
                key=cell_key,
                organisation=key,
                name=f"Chi bộ {c}",
                type="residential",
                secretary=members[0],
                deputy=members[1],
                committee=[],
                members=members,
                in_charge=committee[c % len(committee)],
                online_eligible=False,
                party_groups=[],
            )
            org.attach_cell(meta(start), cell_key)
            org_cells.append(cell)
            cells.append((cell, members, committee[c % len(committee)]))
        save(org, *org_cells)

    open_resolutions: dict[str, Resolution] = {}
    for month in range(months):
        first = add_months(start, month)
        batch: list[Aggregate] = []
        for cell, members, in_charge in cells:
            day = first + timedelta(days=rnd.randrange(0, 20))
            present = [m for m in members if rnd.random() < 0.92]
            excused = {m: "công tác" for m in members if m not in present and rnd.random() < 0.5}
            absent = [m for m in members if m not in present and m not in excused]
            kinds = ["regular", "thematic"] if month % 3 == 1 else ["regular"]
            key = f"{cell.key}-{first:%Y-%m}"
            session = MeetingSession(
                kinds=kinds,
                online=False,
                notice_on=day - timedelta(days=3),
                duration_minutes=rnd.choice([90, 120, 150]),
                chair=members[0],
                minute_taker=members[1],
                present=present,
                excused=excused,
                absent=absent,
                guests=[in_charge] if rnd.random() < 0.4 else [],
                speakers=present[:5],
                opinions=[],
                minority_opinions=[],
                reviewed=list(open_resolutions)[:0],
                minutes_recorded=True,
            )
            meeting = Meeting.record_held(meta(day), key, cell.key, session)
            cell.record_meeting(meta(day), key, kinds)
            batch += [meeting, cell]
            if month % 2 == 0:
                draft = ResolutionDraft(
                    id=f"nq-{key}",
                    content="Nội dung",
                    requirements="Yêu cầu",
                    measures="Biện pháp",
                    deadline=day + timedelta(days=45),
                    executors=[members[2]],
                    inspector=members[1],
                )
                res = Resolution.adopt(
                    meta(day),
                    Statement.checked(draft, day),
                    cell=cell.key,
                    origin="meeting",
                    source=key,
                    kind="resolution",
                    votes={"for": len(present), "against": 0, "abstain": 0},
                )
                open_resolutions[res.key] = res
                batch.append(res)
            if month % 6 == 5:
                inspection = Inspection.plan(
                    meta(day),
                    key=f"kt-{key}",
                    cell=cell.key,
                    kind="periodic",
                    planned_on=day,
                    by=[in_charge],
                )
                inspection.conclude(
                    meta(day),
                    by=[in_charge],
                    findings="Sổ biên bản đầy đủ",
                    rating=rnd.choice(["good", "fair", "average"]),
                    recommendations=[],
                )
                batch.append(inspection)
        # Resolutions adopted two months ago close now: most on time, some extended.
        closing = first + timedelta(days=25)
        for res_key, res in list(open_resolutions.items()):
            if res.adopted_on < first - timedelta(days=40):
                if rnd.random() < 0.85:
                    res.complete(meta(closing), res.executors[0], "Hoàn thành")
                else:
                    res.cancel(meta(closing), res.source, "Không còn phù hợp")
                batch.append(res)
                del open_resolutions[res_key]
        save(*{id(a): a for a in batch}.values())
    return stored
