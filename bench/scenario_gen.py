"""A realistic, deterministic scenario (SCENARIOS.md version 1 or 2) of a whole ward's year.

An organisation (secretary, standing committee, committee, inspection commission) with
`members` party members spread over `cells` cells, and `months` months of what happens
in them: regular meetings most months (some late, some missed), thematic meetings most
quarters (often combined with the regular one), attendance with excused and absent
members, committee members as guests, resolutions (some missing an R20 field, so the
run reports errors), progress and completions (some late), extensions decided at a
later meeting of the cell, the January thematic plan and member tasks, a couple of
transfers between cells, minutes recorded later, and two inspections a year per cell
for most cells, with recommendations.

The same arguments always give the same scenario (everything derives from `seed`).

    .venv/bin/python -m bench.scenario_gen [--cells 20] [--members 400] [--months 12]
        [--start 2026-01-01] [--seed 1] [-o var/bench/ward-year.yaml]
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from domain.periods import add_months
from domain.resolution import R20_FIELDS

SURNAMES = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Trịnh",
    "Đinh",
)
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Thu", "Quang", "Ngọc", "Thanh", "Xuân")
GIVEN = (
    "An",
    "Bình",
    "Cúc",
    "Dũng",
    "Em",
    "Giang",
    "Hạnh",
    "Hoa",
    "Hùng",
    "Khoa",
    "Lan",
    "Long",
    "Mai",
    "Minh",
    "Nga",
    "Ngân",
    "Phúc",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Vân",
    "Yến",
)
CELL_TYPES: tuple[tuple[str, str], ...] = (
    ("residential", "Chi bộ Tổ dân phố số {n}"),
    ("residential", "Chi bộ Khu dân cư số {n}"),
    ("school", "Chi bộ Trường học số {n}"),
    ("enterprise", "Chi bộ Doanh nghiệp số {n}"),
    ("agency", "Chi bộ Cơ quan số {n}"),
)
TOPICS = (
    "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
    "Phòng, chống tham nhũng, lãng phí",
    "Xây dựng khu dân cư văn minh, sạch đẹp",
    "Nâng cao chất lượng sinh hoạt chi bộ",
    "Công tác phát triển đảng viên",
    "Chuyển đổi số trong công tác đảng",
)
WORKS = (
    ("Vận động hộ gia đình phân loại rác tại nguồn", "100% hộ tham gia", "Tuyên truyền, họp tổ"),
    ("Thu quỹ khuyến học", "Đạt chỉ tiêu được giao", "Phân công đảng viên vận động"),
    ("Sửa chữa đường ngõ", "Hoàn thành trước mùa mưa", "Vận động đóng góp, giám sát thi công"),
    ("Tuyên truyền phòng cháy chữa cháy", "Mỗi hộ một bình chữa cháy", "Phối hợp công an phường"),
    ("Rà soát hộ nghèo, cận nghèo", "Danh sách chính xác", "Khảo sát từng hộ"),
    ("Phát triển đảng viên mới", "Kết nạp ít nhất một quần chúng", "Bồi dưỡng quần chúng ưu tú"),
    ("Tổ chức ngày hội đại đoàn kết", "Trên 80% hộ tham dự", "Phân công ban tổ chức"),
    ("Nâng cao chất lượng sinh hoạt chi bộ", "Sinh hoạt đúng kỳ, đủ nội dung", "Chuẩn bị kỹ"),
)
TASKS = (
    "Phụ trách chung",
    "Công tác tư tưởng",
    "Công tác kiểm tra",
    "Vận động quần chúng",
    "Môi trường",
    "Khuyến học",
    "An ninh trật tự",
    "Công tác thanh niên",
    "Theo dõi hộ gia đình",
)
EXCUSES = ("ốm", "công tác", "việc gia đình", "đi học", "sức khỏe yếu")
FINDINGS = (
    "Sổ biên bản ghi chép đầy đủ",
    "Sinh hoạt đều đặn, một số đảng viên vắng họp",
    "Thực hiện nghị quyết chậm so với kế hoạch",
    "Chưa phân công nhiệm vụ cho đảng viên mới",
)

# Same-day items in a stable, meaningful order: rosters change first, then meetings,
# then what refers to them.
PLEDGES = (
    "Gương mẫu thực hiện đầy đủ các buổi sinh hoạt",
    "Đóng đảng phí đầy đủ, đúng hạn",
    "Hoàn thành xuất sắc nhiệm vụ chuyên môn",
    "Tích cực tham gia công tác ở khu dân cư",
)

ORDER = {
    "transfer_out": 0,
    "transfer_in": 1,
    "hold_meeting": 2,
    "record_minutes": 3,
    "extend_deadline": 4,
    "report_progress": 5,
    "complete_resolution": 6,
    "set_thematic_plan": 7,
    "assign_tasks": 8,
    "inspect": 9,
    # version 2
    "communicate_resolution": 10,
    "record_pledge": 11,
    "pay_fees": 12,
    "submit_annual_report": 13,
}


@dataclass
class _Cell:
    id: str
    name: str
    type: str
    secretary: str
    deputy: str
    members: list[str]
    in_charge: str
    # (since, until) spans; until exclusive, None = still in the cell.
    spans: dict[str, list[tuple[date, date | None]]] = field(default_factory=dict)
    meetings: list[tuple[date, str]] = field(default_factory=list)

    def roster_on(self, day: date) -> list[str]:
        return sorted(
            m
            for m, spans in self.spans.items()
            if any(s <= day and (u is None or day < u) for s, u in spans)
        )


@dataclass
class _Resolution:
    id: str
    cell: str
    adopted: date
    deadline: date
    executors: list[str]
    inspector: str
    closed: date | None = None  # completed on


class _Generator:
    def __init__(
        self, cells: int, members: int, months: int, start: date, seed: int, version: int = 1
    ) -> None:
        self.seed = seed
        self.version = version
        if cells < 1 or months < 1:
            raise ValueError("need at least one cell and one month")
        if members < max(4 * cells, 12):
            raise ValueError(f"{members} members are too few for {cells} cells (≥ 4 per cell)")
        self.rnd = random.Random(seed)
        self.n_cells, self.n_members, self.months = cells, members, months
        self.start = start.replace(day=1)
        self.end = add_months(self.start, months)  # the periods' checks run on this day
        self.last = self.end - timedelta(days=1)  # the last day items are dated
        self.width = len(str(members))
        self.items: list[tuple[date, int, int, dict[str, Any]]] = []
        self.status: dict[str, str] = {}
        self.working: dict[str, bool] = {}
        self.cells: list[_Cell] = []
        self.resolutions: list[_Resolution] = []

    # --- helpers ------------------------------------------------------------------------

    def mid(self, n: int) -> str:
        return f"m{n:0{self.width}d}"

    def name(self) -> str:
        r = self.rnd
        return f"{r.choice(SURNAMES)} {r.choice(MIDDLE)} {r.choice(GIVEN)}"

    def add(self, day: date, key: str, body: dict[str, Any]) -> None:
        if self.start <= day <= self.last:
            self.items.append((day, ORDER[key], len(self.items), {"date": day, key: body}))

    def counted(self, member: str) -> bool:
        return self.status[member] in ("official", "probationary")

    def draft(self, rid: str, day: date, roster: list[str], cell: _Cell) -> dict[str, Any]:
        """A resolution-like item with every R20 field; its deadline 3 to 16 weeks later."""
        r = self.rnd
        content, requirements, measures = r.choice(WORKS)
        candidates = [m for m in roster if m not in (cell.secretary, cell.deputy)] or roster
        executors = sorted(r.sample(candidates, k=min(len(candidates), r.choice((1, 1, 2)))))
        inspector = cell.deputy if cell.deputy not in executors else cell.secretary
        return {
            "id": rid,
            "content": content,
            "requirements": requirements,
            "measures": measures,
            "deadline": day + timedelta(weeks=r.randint(3, 16)),
            "executors": executors,
            "inspector": inspector,
        }

    def follow_up(self, res: _Resolution) -> None:
        """Progress, completion (on time, late or never) of an adopted item."""
        r = self.rnd
        span = (res.deadline - res.adopted).days
        if r.random() < 0.3:  # before any completion, which comes after half the span
            on = res.adopted + timedelta(days=r.randint(1, max(1, span // 2 - 1)))
            self.add(on, "report_progress", {"resolution": res.id, "by": res.executors[0]})
        fate = r.random()
        if fate < 0.65:
            done = res.adopted + timedelta(days=r.randint(max(1, span // 2), span))
        elif fate < 0.85:
            done = res.deadline + timedelta(days=r.randint(1, 40))
        else:
            return  # left open
        res.closed = done
        body = {"resolution": res.id, "by": res.executors[0], "note": "Đã hoàn thành"}
        self.add(done, "complete_resolution", body)

    # --- the organisation -------------------------------------------------------------

    def organisation(self) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        r = self.rnd
        ids = [self.mid(n) for n in range(1, self.n_members + 1)]
        members: list[dict[str, Any]] = []
        for n, member in enumerate(ids):
            leadership = n < 7
            roll = r.random()
            status = "probationary" if (not leadership and roll < 0.08) else "official"
            working = leadership or not (0.08 <= roll < 0.13)
            self.status[member], self.working[member] = status, working
            members.append(
                {"id": member, "name": self.name(), "status": status, "working": working}
            )
        committee = ids[:7]
        # Cell sizes: uneven (8 to 35 for the defaults), summing to the member count.
        weights = [r.uniform(0.4, 1.6) for _ in range(self.n_cells)]
        sizes = [max(4, int(self.n_members * w / sum(weights))) for w in weights]
        while sum(sizes) > self.n_members:
            sizes[sizes.index(max(sizes))] -= 1
        for i in range(self.n_members - sum(sizes)):
            sizes[i % self.n_cells] += 1
        # Committee members are spread over different cells, one each, at the front.
        pool = ids[7:]
        r.shuffle(pool)
        rosters: list[list[str]] = [[] for _ in range(self.n_cells)]
        for i, member in enumerate(committee):
            rosters[i % self.n_cells].append(member)
        for i, size in enumerate(sizes):
            while len(rosters[i]) < size:
                rosters[i].append(pool.pop())
        width = len(str(self.n_cells))
        by_id = {m["id"]: m for m in members}
        for i, roster in enumerate(rosters):
            kind, pattern = CELL_TYPES[i % len(CELL_TYPES)]
            ordinary = [m for m in roster if m not in committee]
            able = [m for m in ordinary if self.status[m] == "official" and self.working[m]]
            secretary, deputy = (able + [m for m in ordinary if m not in able])[:2]
            for leader in (secretary, deputy):  # leaders are official, working members
                self.status[leader], self.working[leader] = "official", True
                by_id[leader].update(status="official", working=True)
            outside = [m for m in committee if m not in roster]
            cell = _Cell(
                id=f"c{i + 1:0{width}d}",
                name=pattern.format(n=i + 1),
                type=kind,
                secretary=secretary,
                deputy=deputy,
                members=sorted(roster),
                in_charge=outside[i % len(outside)],
            )
            cell.spans = {m: [(self.start, None)] for m in roster}
            self.cells.append(cell)
        organisation = {
            "id": "pw",
            "name": "Đảng ủy phường Phúc Xá",
            "secretary": committee[0],
            "standing_committee": committee[:3],
            "committee": committee,
            "inspection_commission": [committee[2], committee[5], committee[6]],
        }
        cells = [
            {
                "id": c.id,
                "name": c.name,
                "type": c.type,
                "secretary": c.secretary,
                "deputy": c.deputy,
                "members": c.members,
                "in_charge": c.in_charge,
                **({"committee": self.cell_committee(c)} if self.version >= 2 else {}),
            }
            for c in self.cells
        ]
        return organisation, members, cells

    def cell_committee(self, cell: _Cell) -> list[str]:
        """Version 2 (R70): a cell of `cell_committee_from` (9) official members or more
        has a cell committee: its secretary, deputy and one more official member."""
        official = [m for m in cell.members if self.status[m] == "official"]
        if len(official) < 9:
            return []
        third = next(m for m in official if m not in (cell.secretary, cell.deputy))
        return sorted({cell.secretary, cell.deputy, third})

    # --- the timeline ---------------------------------------------------------------------

    def transfers(self, committee: list[str]) -> None:
        """Two ordinary members move between cells (out on one day, in a few days later),
        on days neither cell meets."""
        r = self.rnd
        if len(self.cells) < 2 or self.months < 3:
            return
        for k in range(2):
            src, dst = r.sample(self.cells, 2)
            movers = [
                m
                for m in src.members
                if m not in (src.secretary, src.deputy, *committee)
                and src.spans[m] == [(self.start, None)]
                and m not in dst.spans
            ]
            if not movers:
                continue
            member = r.choice(movers)
            month = add_months(self.start, r.randint(1, self.months - 2) if k else 1)
            out_on = month + timedelta(days=r.randint(14, 20))
            in_on = out_on + timedelta(days=r.randint(1, 5))
            src.spans[member] = [(self.start, out_on)]
            dst.spans.setdefault(member, []).append((in_on, None))
            self.add(out_on, "transfer_out", {"cell": src.id, "member": member})
            self.add(in_on, "transfer_in", {"cell": dst.id, "member": member})
            if r.random() < 0.5:  # tasks for the newcomer (R31), else an escalation
                self.add(
                    in_on + timedelta(days=r.randint(5, 20)),
                    "assign_tasks",
                    {
                        "cell": dst.id,
                        "year": in_on.year,
                        "tasks": {member: r.choice(TASKS)},
                    },
                )

    def meeting_day(self, month: date, late: bool) -> date:
        """A weekday in the first week (or, when late, the second or third week)."""
        r = self.rnd
        day = month + timedelta(days=r.randint(8, 18) if late else r.randint(1, 5))
        return day + timedelta(days=1) if day.weekday() == 6 else day

    def meeting(
        self, cell: _Cell, day: date, mid: str, kind: str | list[str], committee: list[str]
    ) -> None:
        r = self.rnd
        roster = cell.roster_on(day)
        present: list[str] = []
        excused: dict[str, str] = {}
        for m in roster:
            if m in (cell.secretary, cell.deputy):
                present.append(m)
                continue
            roll = r.random()
            if not self.working[m]:
                roll = roll * 0.6 + 0.4  # retired members come less often
            if roll < 0.92:
                present.append(m)
            elif roll < 0.97:
                excused[m] = r.choice(EXCUSES)
            # else absent without reason
        guests: list[str] = []
        in_charge = cell.in_charge
        if in_charge not in roster and r.random() < 0.45:
            guests.append(in_charge)
        for sc in committee[:3]:
            if sc not in roster and sc not in guests and r.random() < 0.05:
                guests.append(sc)
        speakers = [cell.secretary, *r.sample(present, k=min(2, len(present)))]
        body: dict[str, Any] = {
            "id": mid,
            "cell": cell.id,
            "kind": kind,
            "present": present,
        }
        if excused:
            body["excused"] = excused
        if guests:
            body["guests"] = sorted(guests)
        body["speakers"] = list(dict.fromkeys(speakers))
        open_items = [
            x.id
            for x in self.resolutions
            if x.cell == cell.id and x.adopted < day and (x.closed is None or x.closed > day)
        ]
        if open_items:
            body["reviewed"] = open_items[:3]
        if r.random() < 0.1:
            body["minutes"] = False
            self.add(
                day + timedelta(days=r.choice((1, 2, 2, 5))), "record_minutes", {"meeting": mid}
            )
        # Resolutions only where the default vote passes (R21), so they stand or fall on R20.
        officials = [m for m in roster if self.status[m] == "official"]
        counted = [m for m in officials if m not in excused]
        voting = [m for m in present if m in officials]
        if 2 * len(voting) > len(counted) and r.random() < 0.45:
            for n in range(r.choice((1, 1, 2))):
                rid = f"nq-{mid}-{n + 1}"
                draft = self.draft(rid, day, present, cell)
                if r.random() < 0.2:
                    draft["kind"] = "conclusion"
                if r.random() < 0.05:  # a resolution missing one R20 field: refused
                    draft.pop(r.choice(R20_FIELDS))
                    body.setdefault("resolutions", []).append(draft)
                    continue
                body.setdefault("resolutions", []).append(draft)
                res = _Resolution(
                    rid, cell.id, day, draft["deadline"], draft["executors"], draft["inspector"]
                )
                self.resolutions.append(res)
                self.follow_up(res)
        cell.meetings.append((day, mid))
        self.add(day, "hold_meeting", body)

    def cell_year(self, cell: _Cell, committee: list[str]) -> None:
        r = self.rnd
        # January: thematic plan and member tasks (most cells on time; a few late or never).
        for year_start in (
            add_months(self.start, k)
            for k in range(self.months)
            if add_months(self.start, k).month == 1
        ):
            if r.random() < 0.9:
                on = year_start + timedelta(days=r.randint(4, 27))
                if r.random() < 0.1:
                    on += timedelta(days=31)
                topics = r.sample(TOPICS, k=4)
                self.add(
                    on,
                    "set_thematic_plan",
                    {"cell": cell.id, "year": year_start.year, "topics": topics},
                )
            if r.random() < 0.9:
                on = year_start + timedelta(days=r.randint(10, 29))
                roster = [m for m in cell.roster_on(on) if self.counted(m) and self.working[m]]
                if r.random() < 0.3:  # one member forgotten: R30
                    roster = roster[:-1]
                tasks = {m: r.choice(TASKS) for m in roster}
                tasks[cell.secretary] = TASKS[0]
                self.add(
                    on,
                    "assign_tasks",
                    {
                        "cell": cell.id,
                        "year": year_start.year,
                        "tasks": dict(sorted(tasks.items())),
                    },
                )
        # Meetings, month by month.
        thematic_in: int | None = None  # which month of the quarter has its thematic meeting
        combined = False
        for k in range(self.months):
            month = add_months(self.start, k)
            quarter_month = (month.month - 1) % 3
            if quarter_month == 0 or k == 0:
                thematic_in = r.choice((0, 1, 1, 2, 2)) if r.random() < 0.88 else None
                combined = r.random() < 0.7
            regular = r.random() >= 0.06
            late = r.random() < 0.12
            thematic_now = thematic_in == quarter_month
            day = self.meeting_day(month, late)
            mid = f"{cell.id}-{month:%Y-%m}"
            if regular:
                kind: str | list[str] = "regular"
                if thematic_now and combined:
                    kind = ["regular", "thematic"]
                self.meeting(cell, day, mid, kind, committee)
            if thematic_now and not (combined and regular):
                t_day = month + timedelta(days=r.randint(15, 24))
                self.meeting(cell, t_day, f"{mid}-cd", "thematic", committee)
        # Extensions: at a later meeting of the cell, before the deadline.
        for res in [x for x in self.resolutions if x.cell == cell.id]:
            if r.random() >= 0.08:
                continue
            later = [
                (d, m)
                for d, m in cell.meetings
                if res.adopted < d < res.deadline and (res.closed is None or d < res.closed)
            ]
            if not later:
                continue
            d, m = later[0]
            new = res.deadline + timedelta(days=r.randint(14, 45))
            self.add(
                d, "extend_deadline", {"resolution": res.id, "new_deadline": new, "meeting": m}
            )
        # Inspections: one per half-year for most cells; recommendations followed up.
        for k in range(0, self.months, 6):
            if r.random() < 0.1:
                continue
            half = add_months(self.start, k)
            on = half + timedelta(days=r.randint(60, 170))
            on = min(on, add_months(half, min(6, self.months - k)) - timedelta(days=1))
            roster = [m for m in cell.roster_on(on) if self.counted(m)]
            recommendations: list[dict[str, Any]] = []
            iid = f"kt-{cell.id}-{half:%Y-%m}"
            for n in range(r.choice((0, 1, 1, 2))):
                rec = self.draft(f"kn-{iid}-{n + 1}", on, roster, cell)
                rec["inspector"] = cell.in_charge
                recommendations.append(rec)
            body: dict[str, Any] = {
                "id": iid,
                "cell": cell.id,
                "kind": "periodic",
                "by": sorted(r.sample(committee[2:], k=2)),
                "findings": r.choice(FINDINGS),
                "rating": r.choice(("good", "good", "fair", "average")),
            }
            if recommendations:
                body["recommendations"] = recommendations
            self.add(on, "inspect", body)
            for rec in recommendations:
                res = _Resolution(
                    rec["id"], cell.id, on, rec["deadline"], rec["executors"], rec["inspector"]
                )
                self.follow_up(res)

    def version_2(self) -> None:
        """Pledges, party fees, resolutions communicated and the annual report, from a
        random stream of their own: the version 1 items stay exactly as they were."""
        r = random.Random(f"{self.seed}-v2")
        years = sorted({add_months(self.start, k).year for k in range(self.months)})
        for cell in self.cells:
            for year in years:
                pledge_day = date(year, 1, r.randint(10, 28))
                for member in cell.roster_on(pledge_day):
                    if self.counted(member) and self.working[member] and r.random() < 0.93:
                        self.add(
                            pledge_day,
                            "record_pledge",
                            {
                                "cell": cell.id,
                                "year": year,
                                "member": member,
                                "pledge": r.choice(PLEDGES),
                            },
                        )
        members = sorted({m for cell in self.cells for m in cell.spans})
        months = [add_months(self.start, k) for k in range(self.months)]
        for member in members:
            habit = r.random()
            if habit < 0.6:  # half a year in advance
                batches = [months[k : k + 6] for k in range(0, len(months), 6)]
                days = [batch[0] + timedelta(days=r.randint(0, 9)) for batch in batches]
            elif habit < 0.85:  # a quarter in advance
                batches = [months[k : k + 3] for k in range(0, len(months), 3)]
                days = [batch[0] + timedelta(days=r.randint(0, 9)) for batch in batches]
            elif habit < 0.95:  # late, in two batches
                cut = r.randint(3, max(3, len(months) - 2))
                batches = [months[:cut], months[cut:]]
                days = [months[min(cut, len(months) - 1)] + timedelta(days=r.randint(0, 20))]
                days.append(self.last - timedelta(days=r.randint(0, 20)))
            else:  # never: R74
                continue
            for batch, day in zip(batches, days, strict=True):
                if batch:
                    self.add(
                        day, "pay_fees", {"member": member, "months": [f"{m:%Y-%m}" for m in batch]}
                    )
        for res in self.resolutions:
            fate = r.random()
            if fate < 0.85:
                self.add(
                    res.adopted + timedelta(days=r.randint(0, 2)),
                    "communicate_resolution",
                    {"resolution": res.id},
                )
            elif fate < 0.95:
                self.add(
                    res.adopted + timedelta(days=r.randint(3, 6)),
                    "communicate_resolution",
                    {"resolution": res.id},
                )
        for year in years:
            if r.random() < 0.8:
                self.add(date(year, 12, r.randint(5, 19)), "submit_annual_report", {"year": year})

    def timeline(self, committee: list[str]) -> Iterator[dict[str, Any]]:
        self.transfers(committee)
        for cell in self.cells:
            self.cell_year(cell, committee)
        if self.version >= 2:
            self.version_2()
        for *_, item in sorted(self.items, key=lambda x: x[:3]):
            yield item

    def scenario(self) -> dict[str, Any]:
        organisation, members, cells = self.organisation()
        timeline = list(self.timeline(organisation["committee"]))
        return {
            "version": self.version,
            "name": (
                f"Generated ward: {self.n_cells} cells, {self.n_members} members,"
                f" {self.months} months (seed {self.seed})"
                + (f", version {self.version}" if self.version > 1 else "")
            ),
            "start": self.start,
            "end": self.end,
            "organization": organisation,
            "members": members,
            "cells": cells,
            "timeline": timeline,
        }


def generate_scenario(
    cells: int = 20,
    members: int = 400,
    months: int = 12,
    start: date = date(2026, 1, 1),
    seed: int = 1,
    version: int = 1,
) -> dict[str, Any]:
    """A scenario dict (SCENARIOS.md version 1, or 2 with pledges, fees, resolutions
    communicated and the annual report) for `Scenario.model_validate`.

    `start` is taken as the first of its month; `end` is the first day after the
    `months` months, so the last month's, quarter's and half-year's checks run.
    """
    return _Generator(cells, members, months, start, seed, version).scenario()


class _PlainDumper(yaml.SafeDumper):
    """No anchors and aliases: scenario files refuse them (a shared date is written
    again, not referred to)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_scenario(d: dict[str, Any]) -> str:
    """The scenario as YAML (dates as ISO dates, Vietnamese as is, keys in order)."""
    return yaml.dump(d, Dumper=_PlainDumper, allow_unicode=True, sort_keys=False, width=100)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", type=int, default=20)
    parser.add_argument("--members", type=int, default=400)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 1, 1))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--version", type=int, choices=(1, 2), default=1)
    parser.add_argument("-o", "--output", type=Path, default=Path("var/bench/ward-year.yaml"))
    args = parser.parse_args(argv)
    scenario = generate_scenario(
        args.cells, args.members, args.months, args.start, args.seed, args.version
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(dump_scenario(scenario), encoding="utf-8")
    print(f"{args.output}: {len(scenario['timeline'])} items")


if __name__ == "__main__":
    main()
