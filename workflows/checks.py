"""The period and meeting checks (R1, R3, R4, R11, R13–R15, R30, R31, R40, R41, R50):
what each finds, computed from the read models. One copy of the rules, shared by
production workflows and `chibo simulate`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from domain.attendance import attendance_rate, below_target, owes_tasks
from domain.cell import leaders_of
from domain.meeting import notice_late, too_short
from domain.notices import (
    EscalationKind,
    Leaders,
    ReminderKind,
    annual_report_reminder_to,
    committee_reminder_to,
    escalated_to,
    pledge_reminder_to,
    task_reminder_to,
)
from domain.periods import bounds, months_checked, quarter_of
from domain.policy import Policy
from domain.resolution import communicated_in_time
from projections import cells as cell_register
from projections import meetings as meeting_register
from projections import resolutions as resolution_register
from projections.escalations import raised_members
from projections.fees import fees_of
from projections.inspections import inspections_of
from projections.organisations import annual_report_on, registered_on
from projections.store import ReadStore
from projections.tasks import assigned_members, pledged_members


class Finding(BaseModel):
    """An escalation or a reminder that a check found due."""

    notice: Literal["escalation", "reminder"]
    kind: EscalationKind | ReminderKind
    rule: str
    subject: dict[str, str]
    period: str | None = None
    level: int = 1
    recipients: list[str]
    details: dict[str, Any] = Field(default_factory=dict)
    evidence: list[str] = Field(default_factory=list)


class Context:
    """What every check needs: the read store, the organisation and its policy."""

    def __init__(self, store: ReadStore, organisation: str, policy: Policy, since: date) -> None:
        self.store = store
        self.organisation = organisation
        self.policy = policy
        self.since = since
        lead = cell_register.leadership(store, organisation)
        self.secretary = lead.secretary if lead else ""
        self.standing_committee = lead.standing_committee if lead else []
        self.cells = cell_register.cells_of(store, organisation)

    def leaders(self, cell: str | None, on: date) -> Leaders:
        """Who the recipient rules read for `cell` on `on` (the organisation alone for None)."""
        if cell is None:
            return Leaders(organisation_secretary=self.secretary)
        info = cell_register.cell_info(self.store, cell, on)
        return Leaders(
            organisation_secretary=self.secretary,
            cell_secretary=info.secretary if info else None,
            in_charge=cell_register.member_in_charge_on(self.store, cell, on),
        )

    def cells_during(self, start: date, end: date) -> list[str]:
        """Cells that existed in [start, end] (founded by its end)."""
        return [
            c
            for c in self.cells
            if (info := cell_register.cell_info(self.store, c)) and info.founded_on <= end
        ]


def _escalation(kind: EscalationKind, rule: str, to: Leaders, **fields: Any) -> Finding:
    return Finding(
        notice="escalation", kind=kind, rule=rule, recipients=escalated_to(kind, to), **fields
    )


# --- period checks -------------------------------------------------------------------------


def monthly_meetings(ctx: Context, period: str, on: date) -> list[Finding]:
    """R1: a regular meeting in every month."""
    start, end = bounds(period)
    found = []
    for cell in ctx.cells_during(start, end):
        held = meeting_register.meetings_in(ctx.store, cell, start, end)
        if not any(m.is_regular for m in held):
            found.append(
                _escalation(
                    "meeting_missed",
                    "R1",
                    subject={"cell": cell},
                    period=period,
                    to=ctx.leaders(cell, on),
                )
            )
    return found


def thematic_meetings(ctx: Context, period: str, on: date) -> list[Finding]:
    """R3: at least `thematic_per_quarter` thematic meetings a quarter."""
    start, end = bounds(period)
    found = []
    for cell in ctx.cells_during(start, end):
        held = meeting_register.meetings_in(ctx.store, cell, start, end)
        if sum(m.is_thematic for m in held) < ctx.policy.thematic_per_quarter:
            found.append(
                _escalation(
                    "thematic_missed",
                    "R3",
                    subject={"cell": cell},
                    period=period,
                    to=ctx.leaders(cell, on),
                )
            )
    return found


def committee_attendance(
    ctx: Context, period: str, on: date, *, until: date | None = None
) -> list[tuple[str, dict[str, str]]]:
    """R40/R41 misses in the quarter (meetings up to `until` when given): (rule, subject)."""
    start, end = bounds(period)
    last = until or end
    visits = [
        v
        for v in meeting_register.committee_attendance(ctx.store, quarter=period)
        if v.held_on <= last
    ]
    misses: list[tuple[str, dict[str, str]]] = []
    visitors = {v.member for v in visits}
    for member in ctx.standing_committee:
        if member not in visitors:
            misses.append(("R40", {"member": member}))
    for cell in ctx.cells_during(start, end):
        # R41 binds the cell's own member in charge: without one, no visit is owed.
        in_charge = cell_register.member_in_charge_on(ctx.store, cell, last)
        if in_charge and not any(v.member == in_charge and v.cell == cell for v in visits):
            misses.append(("R41", {"member": in_charge, "cell": cell}))
    return misses


def committee_quarter(ctx: Context, period: str, on: date) -> list[Finding]:
    return [
        _escalation(
            "committee_attendance_missed",
            rule,
            subject=subject,
            period=period,
            to=ctx.leaders(subject.get("cell"), on),
        )
        for rule, subject in committee_attendance(ctx, period, on)
    ]


def committee_reminders(ctx: Context, period: str, on: date) -> list[Finding]:
    """R40/R41 reminders: whoever would be escalated had the quarter ended yesterday."""
    return [
        Finding(
            notice="reminder",
            kind="committee_attendance_due",
            rule=rule,
            subject=subject,
            period=period,
            recipients=committee_reminder_to(subject["member"]),
        )
        for rule, subject in committee_attendance(ctx, period, on, until=on - timedelta(days=1))
    ]


def thematic_plans(ctx: Context, year: int, on: date) -> list[Finding]:
    """R4: the year's thematic plan set by the deadline."""
    return [
        _escalation(
            "thematic_plan_missing",
            "R4",
            subject={"cell": cell},
            period=str(year),
            to=ctx.leaders(cell, on),
        )
        for cell in ctx.cells_during(date(year, 1, 1), on)
        if cell_register.thematic_plan(ctx.store, cell, year) is None
    ]


def _working_without(ctx: Context, cell: str, day: date, have: Collection[str]) -> list[str]:
    """Working members (official or probationary) of the cell on `day` not in `have`."""
    return sorted(
        e.member
        for e in cell_register.roster(ctx.store, cell, day)
        if owes_tasks(e.status, e.working) and e.member not in have
    )


def unassigned(ctx: Context, cell: str, year: int, on: date) -> list[str]:
    """Working members (official or probationary) of the cell on `on` with no task."""
    return _working_without(ctx, cell, on, assigned_members(ctx.store, cell, year))


def _by_deadline(
    ctx: Context,
    kind: EscalationKind,
    rule: str,
    year: int,
    deadline: date,
    on: date,
    missing: Callable[[str], list[str]],
) -> list[Finding]:
    """One escalation per cell whose `missing(cell)` members owed something by the
    year's `deadline` (R30 tasks, R33 pledges)."""
    found = []
    for cell in ctx.cells_during(date(year, 1, 1), deadline):
        members = missing(cell)
        if members:
            found.append(
                _escalation(
                    kind,
                    rule,
                    subject={"cell": cell},
                    period=str(year),
                    to=ctx.leaders(cell, on),
                    details={"members": members},
                )
            )
    return found


def task_assignment(ctx: Context, year: int, on: date) -> list[Finding]:
    """R30: every working member has tasks by the deadline."""
    deadline = ctx.policy.deadline_in(ctx.policy.task_assignment_deadline, year)
    return _by_deadline(
        ctx,
        "task_assignment_incomplete",
        "R30",
        year,
        deadline,
        on,
        lambda cell: unassigned(ctx, cell, year, deadline),
    )


def task_reminders(ctx: Context, year: int, on: date) -> list[Finding]:
    """R30 reminder (15 January) to the secretaries of cells with members unassigned."""
    return [
        Finding(
            notice="reminder",
            kind="task_assignment_due",
            rule="R30",
            subject={"cell": cell},
            recipients=task_reminder_to(ctx.leaders(cell, on)),
        )
        for cell in ctx.cells_during(date(year, 1, 1), on)
        if unassigned(ctx, cell, year, on)
    ]


def inspections(ctx: Context, period: str, on: date) -> list[Finding]:
    """R50: every cell inspected in each half-year (or year)."""
    start, end = bounds(period)
    return [
        _escalation(
            "inspection_overdue",
            "R50",
            subject={"cell": cell},
            period=period,
            to=ctx.leaders(cell, on),
        )
        for cell in ctx.cells_during(start, end)
        if not inspections_of(ctx.store, cell, start, end)
    ]


# --- meeting and member checks --------------------------------------------------------------


def minutes(ctx: Context, meeting: str, on: date) -> list[Finding]:
    """R11: minutes recorded within `minutes_due_days`."""
    record = meeting_register.meeting(ctx.store, meeting)
    if record is None or record.minutes_recorded_on is not None:
        return []
    return [
        _escalation(
            "minutes_missing",
            "R11",
            subject={"cell": record.cell, "meeting": meeting},
            to=ctx.leaders(record.cell, on),
        )
    ]


def meeting_attendance(ctx: Context, meeting: str, on: date) -> list[Finding]:
    """R13 (rate), R14 (absence streaks), R15 (unexcused absences in 3 months)."""
    record = meeting_register.meeting(ctx.store, meeting)
    if record is None or record.held_on is None or "regular" not in record.kinds:
        return []
    day, cell = record.held_on, record.cell
    leaders = ctx.leaders(cell, day)
    found = []
    rate = attendance_rate(record.counted_present, record.counted_count)
    if rate is not None and below_target(rate, ctx.policy):
        found.append(
            _escalation(
                "attendance_below_target",
                "R13",
                subject={"cell": cell, "meeting": meeting},
                to=leaders,
                details={"rate": rate},
            )
        )
    year_meetings = [
        meeting_register.meeting(ctx.store, m.meeting)
        for m in meeting_register.meetings_in(ctx.store, cell, date(day.year, 1, 1), day)
        if m.is_regular
    ]
    history = [m for m in year_meetings if m is not None]
    for member in record.counted:
        if member in record.present:
            continue
        streak = 0
        for earlier in reversed(history):
            if member in earlier.present or member not in earlier.counted:
                break
            streak += 1
        if streak == ctx.policy.absent_streak + 1:  # once per streak
            first = history[-streak]
            found.append(
                _escalation(
                    "absent_streak",
                    "R14",
                    subject={"cell": cell, "member": member, "since": first.meeting},
                    to=leaders,
                )
            )
        if member in record.absent:
            months = {m.held_on.month for m in history if m.held_on and member in m.absent}
            earlier_months = {
                m.held_on.month for m in history[:-1] if m.held_on and member in m.absent
            }
            if (
                len(months) >= ctx.policy.removal_months
                and len(earlier_months) < ctx.policy.removal_months
            ):
                found.append(
                    _escalation(
                        "removal_review",
                        "R15",
                        subject={"cell": cell, "member": member, "year": str(day.year)},
                        to=leaders,
                    )
                )
    return found


def new_member(
    ctx: Context, cell: str, member: str, transferred_on: date, on: date
) -> list[Finding]:
    """R31: a member transferred in after the assignment deadline gets tasks promptly."""
    year = transferred_on.year
    deadline = ctx.policy.deadline_in(ctx.policy.task_assignment_deadline, year)
    if transferred_on <= deadline:
        return []
    entry = next(
        (
            e
            for e in cell_register.roster(ctx.store, cell, on - timedelta(days=1))
            if e.member == member
        ),
        None,
    )
    if entry is None or not owes_tasks(entry.status, entry.working):
        return []
    if member in assigned_members(ctx.store, cell, year):
        return []
    return [
        _escalation(
            "new_member_unassigned",
            "R31",
            subject={"cell": cell, "member": member},
            to=ctx.leaders(cell, on),
        )
    ]


def quarter_end_reminder_day(period: str) -> date:
    """The quarter's last day minus 14 days (17 March, 16 June, 16 September, 17 December)."""
    return bounds(period)[1] - timedelta(days=14)


__all__ = ["Context", "Finding", "quarter_of"]


# --- version 2: every checked rule live (SCENARIOS.md) ----------------------------------------


def live(ctx: Context) -> bool:
    """Whether the version 2 checks run under the policy in force."""
    return ctx.policy.rules_version >= 2


def _held_regular_or_thematic(kinds: list[str]) -> bool:
    return "regular" in kinds or "thematic" in kinds


def meeting_v2(ctx: Context, meeting: str, on: date) -> list[Finding]:
    """R7 (notice), R10 (duration), R12 (review of open resolutions), R16 (leaders
    present), on the day of the meeting."""
    record = meeting_register.meeting(ctx.store, meeting)
    if not live(ctx) or record is None or record.held_on is None:
        return []
    day, cell = record.held_on, record.cell
    leaders = ctx.leaders(cell, day)
    subject = {"cell": cell, "meeting": meeting}
    found = []
    if _held_regular_or_thematic(record.kinds):
        if notice_late(record.held_on, record.notice_on, ctx.policy):
            found.append(_escalation("notice_late", "R7", subject=subject, to=leaders))
        if too_short(record.kinds, record.duration_minutes, ctx.policy):
            found.append(
                _escalation(
                    "meeting_too_short",
                    "R10",
                    subject=subject,
                    to=leaders,
                    details={"minutes": record.duration_minutes},
                )
            )
    if "regular" in record.kinds:
        position = meeting_register.held_position(ctx.store, meeting)
        if position is not None:
            unreviewed = sorted(
                set(resolution_register.open_at(ctx.store, cell, position, besides=meeting))
                - set(record.reviewed)
            )
            if unreviewed:
                found.append(
                    _escalation(
                        "review_missing",
                        "R12",
                        subject=subject,
                        to=leaders,
                        details={"resolutions": unreviewed},
                    )
                )
        members = {e.member for e in cell_register.roster(ctx.store, cell, day)}
        info = cell_register.cell_info(ctx.store, cell, day)
        cell_leaders = leaders_of(info.secretary, info.deputy, info.committee) if info else []
        for member in cell_leaders:
            if member in members and member not in record.present:
                found.append(
                    _escalation(
                        "leader_absent", "R16", subject={**subject, "member": member}, to=leaders
                    )
                )
    return found


def communication(ctx: Context, meeting: str, on: date) -> list[Finding]:
    """R22: each resolution the meeting adopted, communicated within `communicate_days`."""
    if not live(ctx):
        return []
    return [
        _escalation(
            "communication_late",
            "R22",
            subject={"cell": r.cell, "resolution": r.resolution},
            to=ctx.leaders(r.cell, on),
        )
        for r in resolution_register.adopted_at(ctx.store, meeting)
        if not communicated_in_time(r.adopted_on, r.communicated_on, ctx.policy.communicate_days)
    ]


def _counted_at(ctx: Context, day: date) -> dict[str, str]:
    """Counted members (official or probationary) of the organisation's cells on `day`:
    member → the cell counting them."""
    return cell_register.counted_on(ctx.store, ctx.organisation, day)


def cells_v2(ctx: Context, period: str, on: date) -> list[Finding]:
    """R70 at the end of each month: enough official members; a cell committee once a
    cell is large enough."""
    if not live(ctx):
        return []
    start, end = bounds(period)
    found = []
    for cell in ctx.cells_during(start, end):
        roster = cell_register.roster(ctx.store, cell, end)
        official = sum(e.status == "official" for e in roster)
        info = cell_register.cell_info(ctx.store, cell, end)
        subject = {"cell": cell}
        if official < ctx.policy.min_official_members:
            found.append(
                _escalation(
                    "cell_too_small",
                    "R70",
                    subject=subject,
                    period=period,
                    to=ctx.leaders(cell, on),
                )
            )
        elif official >= ctx.policy.cell_committee_from and info and not info.committee:
            found.append(
                _escalation(
                    "cell_committee_missing",
                    "R70",
                    subject=subject,
                    period=period,
                    to=ctx.leaders(cell, on),
                )
            )
    return found


def fees(ctx: Context, period: str, on: date) -> list[Finding]:
    """R74 at the end of each month: a counted member whose unpaid counted months of the
    year reach `fees_unpaid_months` (once per member and year)."""
    if not live(ctx):
        return []
    start, end = bounds(period)
    year = start.year
    # Months that began on or after the organisation's first day in chibo count.
    since = registered_on(ctx.store, ctx.organisation) or start
    months = [
        (first, last)
        for first, last in months_checked(date(year, 1, 1), end + timedelta(days=1))
        if first >= since
    ]
    counted_by_month = {first: _counted_at(ctx, last) for first, last in months}
    register = fees_of(ctx.store, ctx.organisation, year)  # one read for every member
    raised = raised_members(ctx.store, ctx.organisation, "fees_unpaid", str(year))
    found = []
    for member, cell in sorted(counted_by_month.get(start, {}).items()):
        if member in raised:
            continue
        paid = register.get(member, {})
        unpaid = [
            first
            for first, _ in months
            if member in counted_by_month[first] and first.strftime("%Y-%m") not in paid
        ]
        if len(unpaid) >= ctx.policy.fees_unpaid_months:
            found.append(
                _escalation(
                    "fees_unpaid",
                    "R74",
                    subject={"cell": cell, "member": member},
                    period=str(year),
                    to=ctx.leaders(cell, on),
                    evidence=[f"{m:%Y-%m}" for m in unpaid],
                )
            )
    return found


def retired(ctx: Context, period: str, on: date) -> list[Finding]:
    """R72 at the end of each quarter: a member not working, in a cell that is not
    residential (whatever their status)."""
    if not live(ctx):
        return []
    start, end = bounds(period)
    found = []
    for cell in ctx.cells_during(start, end):
        info = cell_register.cell_info(ctx.store, cell, end)
        if info is None or info.type == "residential":
            continue
        for entry in cell_register.roster(ctx.store, cell, end):
            if not entry.working:
                found.append(
                    _escalation(
                        "retired_in_workplace",
                        "R72",
                        subject={"cell": cell, "member": entry.member},
                        period=period,
                        to=ctx.leaders(cell, on),
                    )
                )
    return found


def _unpledged(ctx: Context, cell: str, year: int, day: date) -> list[str]:
    return _working_without(ctx, cell, day, pledged_members(ctx.store, ctx.organisation, year))


def pledges(ctx: Context, year: int, on: date) -> list[Finding]:
    """R33: every working member pledged by the deadline."""
    if not live(ctx):
        return []
    deadline = ctx.policy.deadline_in(ctx.policy.pledge_deadline, year)
    return _by_deadline(
        ctx,
        "pledge_missing",
        "R33",
        year,
        deadline,
        on,
        lambda cell: _unpledged(ctx, cell, year, deadline),
    )


def pledge_reminders(ctx: Context, year: int, on: date) -> list[Finding]:
    """R33 reminder (15 January) to the working members without a pledge."""
    if not live(ctx):
        return []
    found = []
    for cell in ctx.cells_during(date(year, 1, 1), on):
        members = _unpledged(ctx, cell, year, on)
        if members:
            found.append(
                Finding(
                    notice="reminder",
                    kind="pledge_due",
                    rule="R33",
                    subject={"cell": cell},
                    recipients=pledge_reminder_to(members),
                )
            )
    return found


def annual_report(ctx: Context, year: int, on: date) -> list[Finding]:
    """R63: the organisation's report on the year submitted by the deadline."""
    if not live(ctx) or annual_report_on(ctx.store, ctx.organisation, year) is not None:
        return []
    return [
        _escalation(
            "annual_report_missing",
            "R63",
            subject={},
            period=str(year),
            to=ctx.leaders(None, on),
        )
    ]


def annual_report_reminder(ctx: Context, year: int, on: date) -> list[Finding]:
    """R63 reminder (1 December) to the organisation secretary."""
    if not live(ctx) or annual_report_on(ctx.store, ctx.organisation, year) is not None:
        return []
    return [
        Finding(
            notice="reminder",
            kind="annual_report_due",
            rule="R63",
            subject={},
            period=str(year),
            recipients=annual_report_reminder_to(ctx.leaders(None, on)),
        )
    ]
