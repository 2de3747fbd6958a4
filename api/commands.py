"""The bodies of API.md's commands and the one domain command each becomes.

Shared by the HTTP routes (`api/routes/actions.py`) and the `chibo act` verbs
(`workers/cli/act.py`): the same fields as the scenario file's timeline item of the same
meaning (SCENARIOS.md), plus `date`, the business date. Only the file format's defaults
are filled in here (notice three days before, chair the secretary…); every rule is
judged by the domain.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from domain import commands as c
from domain.cell import Cell
from domain.errors import DomainError
from domain.meeting import default_roles
from domain.notices import EscalationKind, ReminderKind


@dataclass(frozen=True)
class Context:
    """Who asks (the authenticated member), the command's id, its business date."""

    organisation: str
    actor: str
    command_id: str
    on: dt.date

    def fields(self) -> dict[str, Any]:
        return {"actor": self.actor, "command_id": self.command_id, "occurred_on": self.on}


def business_date(given: dt.date | None, today: dt.date) -> dt.date:
    """The body's `date`, default today; a future date is refused (it has not happened)."""
    day = given or today
    if day > today:
        raise DomainError(
            None, f"date: {day} ở tương lai (a future date is refused; today is {today})"
        )
    return day


def matches(field: str, given: object, path: object) -> None:
    """A path's key repeated in the body must be the same."""
    if given is not None and given != path:
        raise DomainError(
            None, f"{field}: {given} khác đường dẫn (does not match the path's {path})"
        )


def is_caller(field: str, given: str | None, ctx: Context) -> None:
    """A `by` field is the caller (the actor recorded is always the authenticated member)."""
    if given is not None and given != ctx.actor:
        raise DomainError(None, f"{field}: {given} is not the caller {ctx.actor}")


class Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    date: c.Day | None = None
    """The business date (default today; a past date records what happened earlier)."""


class MeetingBody(Body):
    """`hold_meeting`: a meeting held on `date`, with the resolutions it adopted."""

    model_config = ConfigDict(  # merged with Body's: only the examples are its own
        json_schema_extra={
            "examples": [
                {
                    "date": "2026-03-05",
                    "id": "c1-2026-03",
                    "kind": "regular",
                    "present": ["m10", "m11", "m12"],
                    "excused": {"m13": "ốm"},
                    "guests": ["m03"],
                    "speakers": ["m10", "m12"],
                    "resolutions": [
                        {
                            "id": "nq-c1-2026-03",
                            "content": "Nạo vét mương thoát nước tổ dân phố",
                            "requirements": "Thông toàn tuyến trước mùa mưa",
                            "measures": "Huy động hộ dân, phối hợp phường",
                            "deadline": "2026-04-30",
                            "executors": ["m12"],
                            "inspector": "m11",
                        }
                    ],
                }
            ]
        },
    )

    id: c.Id
    cell: c.Id | None = None
    kind: c.MeetingKind | Annotated[list[c.MeetingKind], Field(min_length=1, max_length=4)]
    online: bool = False
    notice_on: c.Day | None = None
    duration_minutes: c.Minutes = 120
    chair: c.IdOrBlank | None = None
    minute_taker: c.IdOrBlank | None = None
    present: c.Ids = Field(default_factory=list)
    excused: dict[c.Id, c.Line] = Field(default_factory=dict, max_length=c.MAX_ITEMS)
    guests: c.Ids = Field(default_factory=list)
    speakers: c.Ids = Field(default_factory=list)
    reviewed: c.Ids = Field(default_factory=list)
    opinions: Annotated[list[c.Text], Field(max_length=c.MAX_ITEMS)] = Field(default_factory=list)
    minority_opinions: Annotated[list[c.Text], Field(max_length=c.MAX_ITEMS)] = Field(
        default_factory=list
    )
    minutes: bool = True
    resolutions: list[c.ResolutionDraft] = Field(default_factory=list, max_length=c.MAX_ITEMS)

    def command(self, ctx: Context, cell: Cell) -> c.RecordMeeting:
        matches("cell", self.cell, cell.key)
        chair, minute_taker = default_roles(
            [cell.secretary, cell.deputy], self.present, self.guests, self.chair, self.minute_taker
        )
        return c.RecordMeeting(
            **ctx.fields(),
            meeting=self.id,
            cell=cell.key,
            kind=self.kind if isinstance(self.kind, list) else [self.kind],
            online=self.online,
            notice_on=self.notice_on or ctx.on - timedelta(days=3),
            duration_minutes=self.duration_minutes,
            chair=chair,
            minute_taker=minute_taker,
            present=self.present,
            excused=self.excused,
            guests=self.guests,
            speakers=self.speakers,
            opinions=self.opinions,
            minority_opinions=self.minority_opinions,
            reviewed=self.reviewed,
            minutes_recorded=self.minutes,
            resolutions=self.resolutions,
        )


class AnnouncementBody(Body):
    """`announce_meeting`: content, time and place announced ahead (R7); the meeting is
    later recorded held under the same `id`."""

    model_config = ConfigDict(  # merged with Body's: only the examples are its own
        json_schema_extra={
            "examples": [
                {
                    "date": "2026-03-01",
                    "id": "c1-2026-03",
                    "kind": "regular",
                    "scheduled_on": "2026-03-05",
                    "place": "Nhà văn hóa tổ dân phố số 1",
                    "content": "Sơ kết quý I, triển khai nhiệm vụ quý II",
                    "documents": ["Dự thảo nghị quyết tháng 3"],
                    "preparers": ["m10"],
                }
            ]
        },
    )

    id: c.Id
    cell: c.Id | None = None
    kind: c.MeetingKind | Annotated[list[c.MeetingKind], Field(min_length=1, max_length=4)]
    scheduled_on: c.Day
    place: c.Text = ""
    content: c.Text = ""
    documents: c.Names = Field(default_factory=list)
    preparers: c.Ids = Field(default_factory=list)

    def command(self, ctx: Context, cell: str) -> c.AnnounceMeeting:
        matches("cell", self.cell, cell)
        return c.AnnounceMeeting(
            **ctx.fields(),
            meeting=self.id,
            cell=cell,
            kind=self.kind if isinstance(self.kind, list) else [self.kind],
            scheduled_on=self.scheduled_on,
            place=self.place,
            content=self.content,
            documents=self.documents,
            preparers=self.preparers,
        )


class MinutesBody(Body):
    """`record_minutes` of the meeting in the path."""

    model_config = ConfigDict(  # merged with Body's: only the examples are its own
        json_schema_extra={"examples": [{"date": "2026-03-06"}]},
    )

    meeting: c.Id | None = None

    def command(self, ctx: Context, meeting: str) -> c.RecordMinutes:
        matches("meeting", self.meeting, meeting)
        return c.RecordMinutes(**ctx.fields(), meeting=meeting)


class SealBody(Body):
    """`seal_minutes` of the meeting in the path: approved, no longer changed (R11)."""

    model_config = ConfigDict(  # merged with Body's: only the examples are its own
        json_schema_extra={"examples": [{"date": "2026-03-07"}]},
    )

    meeting: c.Id | None = None

    def command(self, ctx: Context, meeting: str) -> c.SealMinutes:
        matches("meeting", self.meeting, meeting)
        return c.SealMinutes(**ctx.fields(), meeting=meeting)


class AmendmentBody(Body):
    """`amend_minutes`: a correction of recorded minutes, with its reason (R11)."""

    model_config = ConfigDict(  # merged with Body's: only the examples are its own
        json_schema_extra={
            "examples": [
                {
                    "date": "2026-03-10",
                    "reason": "Ghi thiếu ý kiến của đồng chí m12",
                    "change": "Bổ sung ý kiến: đề nghị làm thêm rãnh thoát nước",
                }
            ]
        },
    )

    meeting: c.Id | None = None
    reason: c.Text
    """Required; a blank reason is refused by R11."""
    change: c.Text

    def command(self, ctx: Context, meeting: str) -> c.AmendMinutes:
        matches("meeting", self.meeting, meeting)
        return c.AmendMinutes(
            **ctx.fields(), meeting=meeting, reason=self.reason, change=self.change
        )


class ResolutionBody(Body):
    """One resolution decided at the meeting in the path (already recorded)."""

    model_config = ConfigDict(  # merged with Body's: only the examples are its own
        json_schema_extra={
            "examples": [
                {
                    "date": "2026-03-05",
                    "id": "nq-c1-2026-03b",
                    "content": "Vận động phân loại rác tại nguồn",
                    "requirements": "100% hộ tham gia",
                    "measures": "Tuyên truyền, kiểm tra hằng tuần",
                    "deadline": "2026-06-30",
                    "executors": ["m12", "m13"],
                    "inspector": "m11",
                }
            ]
        },
    )

    id: c.Id
    kind: c.ResolutionKind = "resolution"
    content: c.Text | None = None
    requirements: c.Text | None = None
    measures: c.Text | None = None
    deadline: c.Day | None = None
    executors: Annotated[list[c.IdOrBlank], Field(max_length=c.MAX_ITEMS)] = Field(
        default_factory=list
    )
    inspector: c.IdOrBlank | None = None
    votes: c.Votes | None = None
    minority_opinions: Annotated[list[c.Text], Field(max_length=c.MAX_ITEMS)] = Field(
        default_factory=list
    )

    def command(self, ctx: Context, meeting: str) -> c.AdoptResolution:
        draft = c.ResolutionDraft.model_validate(
            self.model_dump(exclude={"date"}, by_alias=True, exclude_unset=False)
        )
        return c.AdoptResolution(**ctx.fields(), meeting=meeting, resolution=draft)


class ProgressBody(Body):
    """`report_progress` / `complete_resolution` (`by` is the caller)."""

    model_config = ConfigDict(  # merged with Body's: only the examples are its own
        json_schema_extra={
            "examples": [{"date": "2026-04-10", "note": "Đã nạo vét được một nửa tuyến"}]
        },
    )

    resolution: c.Id | None = None
    by: c.Id | None = None
    note: c.Text = ""

    def command(self, ctx: Context, resolution: str) -> c.ReportProgress:
        matches("resolution", self.resolution, resolution)
        is_caller("by", self.by, ctx)
        return c.ReportProgress(**ctx.fields(), resolution=resolution, by=ctx.actor, note=self.note)

    def completion(self, ctx: Context, resolution: str) -> c.CompleteResolution:
        matches("resolution", self.resolution, resolution)
        is_caller("by", self.by, ctx)
        return c.CompleteResolution(
            **ctx.fields(), resolution=resolution, by=ctx.actor, note=self.note
        )


class ExtensionBody(Body):
    """`extend_deadline`: moved by a decision of the cell at `meeting` (R25)."""

    resolution: c.Id | None = None
    new_deadline: c.Day
    meeting: c.Id

    def command(self, ctx: Context, resolution: str) -> c.ExtendDeadline:
        matches("resolution", self.resolution, resolution)
        return c.ExtendDeadline(
            **ctx.fields(),
            resolution=resolution,
            new_deadline=self.new_deadline,
            meeting=self.meeting,
        )


class CancellationBody(Body):
    """`cancel_resolution`: withdrawn by the cell at `meeting` (R25)."""

    resolution: c.Id | None = None
    meeting: c.Id
    reason: Annotated[c.Text, Field(min_length=1)]

    def command(self, ctx: Context, resolution: str) -> c.CancelResolution:
        matches("resolution", self.resolution, resolution)
        return c.CancelResolution(
            **ctx.fields(), resolution=resolution, meeting=self.meeting, reason=self.reason
        )


class CommunicationBody(Body):
    """`communicate_resolution`: the meeting's resolution communicated to the members and
    reported up (R22); only the first communication is recorded."""

    resolution: c.Id | None = None
    to_upper_committee: bool = True

    def command(self, ctx: Context, resolution: str) -> c.CommunicateResolution:
        matches("resolution", self.resolution, resolution)
        return c.CommunicateResolution(
            **ctx.fields(), resolution=resolution, to_upper_committee=self.to_upper_committee
        )


class PledgeBody(Body):
    """`record_pledge`: a member's pledge for the year (R33), by the cell, year and member
    in the path."""

    model_config = ConfigDict(  # merged with Body's: only the examples are its own
        json_schema_extra={"examples": [{"pledge": "Gương mẫu phân loại rác tại nguồn"}]},
    )

    cell: c.Id | None = None
    year: c.Year | None = None
    member: c.Id | None = None
    pledge: Annotated[c.Text, Field(min_length=1)]

    def command(self, ctx: Context, cell: str, year: int, member: str) -> c.RecordPledge:
        matches("cell", self.cell, cell)
        matches("year", self.year, year)
        matches("member", self.member, member)
        return c.RecordPledge(
            **ctx.fields(), cell=cell, year=year, member=member, pledge=self.pledge
        )


class FeesBody(Body):
    """`pay_fees`: the member's party fees paid on `date` for the months named, in
    advance or late (R74: a month that is not `YYYY-MM` refuses the whole payment;
    months already paid are skipped)."""

    model_config = ConfigDict(  # merged with Body's: only the examples are its own
        json_schema_extra={"examples": [{"months": ["2026-01", "2026-02", "2026-03"]}]},
    )

    member: c.Id | None = None
    months: Annotated[
        list[Annotated[str, StringConstraints(max_length=32)]], Field(min_length=1, max_length=36)
    ]

    def command(self, ctx: Context, member: str) -> c.PayFees:
        matches("member", self.member, member)
        return c.PayFees(
            **ctx.fields(), organisation=ctx.organisation, member=member, months=self.months
        )


class AnnualReportBody(Body):
    """`submit_annual_report`: the organisation's report on the year (R63), once."""

    organisation: c.Id | None = None
    year: c.Year | None = None
    summary: Annotated[str, StringConstraints(max_length=4000)] = ""

    def command(self, ctx: Context, year: int) -> c.SubmitAnnualReport:
        matches("organisation", self.organisation, ctx.organisation)
        matches("year", self.year, year)
        return c.SubmitAnnualReport(
            **ctx.fields(), organisation=ctx.organisation, year=year, summary=self.summary
        )


class ThematicPlanBody(Body):
    """`set_thematic_plan` for the cell and year in the path (R4)."""

    cell: c.Id | None = None
    year: c.Year | None = None
    topics: c.Names = Field(min_length=1)
    preparers: dict[c.Name, c.Id] = Field(default_factory=dict, max_length=c.MAX_ITEMS)

    def command(self, ctx: Context, cell: str, year: int) -> c.SetThematicPlan:
        matches("cell", self.cell, cell)
        matches("year", self.year, year)
        return c.SetThematicPlan(
            **ctx.fields(), cell=cell, year=year, topics=self.topics, preparers=self.preparers
        )


class TasksBody(Body):
    """`assign_tasks` for the cell and year in the path (R30–R32)."""

    cell: c.Id | None = None
    year: c.Year | None = None
    tasks: dict[c.Id, c.Text] = Field(min_length=1, max_length=c.MAX_ITEMS)
    meeting: c.Id | None = None

    def command(self, ctx: Context, cell: str, year: int) -> c.AssignTasks:
        matches("cell", self.cell, cell)
        matches("year", self.year, year)
        return c.AssignTasks(
            **ctx.fields(), cell=cell, year=year, tasks=self.tasks, meeting=self.meeting
        )


class TransferInBody(Body):
    """`transfer_in`: a registered member joins the cell in the path."""

    cell: c.Id | None = None
    member: c.Id

    def command(self, ctx: Context, cell: str) -> c.TransferIn:
        matches("cell", self.cell, cell)
        return c.TransferIn(**ctx.fields(), cell=cell, member=self.member)


class TransferOutBody(Body):
    """`transfer_out`: the member leaves the cell."""

    cell: c.Id | None = None
    member: c.Id

    def command(self, ctx: Context, cell: str) -> c.TransferOut:
        matches("cell", self.cell, cell)
        return c.TransferOut(**ctx.fields(), cell=cell, member=self.member)


class InspectionBody(Body):
    """`inspect`: an inspection of the cell concluded on `date` (R50–R53); `by` defaults
    to the caller, who must be one of them."""

    model_config = ConfigDict(  # merged with Body's: only the examples are its own
        json_schema_extra={
            "examples": [
                {
                    "date": "2026-06-01",
                    "id": "kt-c1-2026",
                    "kind": "periodic",
                    "findings": "Chi bộ sinh hoạt đều đặn, biên bản đầy đủ",
                    "rating": "good",
                }
            ]
        },
    )

    id: c.Id
    cell: c.Id | None = None
    kind: c.InspectionKind
    by: c.Ids | None = None
    findings: c.Text | None = None
    rating: c.Rating | None = None
    recommendations: list[c.ResolutionDraft] = Field(default_factory=list, max_length=c.MAX_ITEMS)

    def command(self, ctx: Context, cell: str) -> c.Inspect:
        matches("cell", self.cell, cell)
        by = self.by or [ctx.actor]
        if ctx.actor not in by:
            raise DomainError(None, f"by: the caller {ctx.actor} is not among the inspectors")
        return c.Inspect(
            **ctx.fields(),
            inspection=self.id,
            cell=cell,
            kind=self.kind,
            by=by,
            findings=self.findings,
            rating=self.rating,
            recommendations=self.recommendations,
        )


class AcknowledgementBody(Body):
    """An escalation seen by a recipient or a leader of the organisation."""

    model_config = ConfigDict(  # merged with Body's: only the examples are its own
        json_schema_extra={"examples": [{"note": "Đã nhận, sẽ đôn đốc chi bộ"}]},
    )

    by: c.Id | None = None
    note: c.Text = ""

    def command(self, ctx: Context, escalation: str) -> c.AcknowledgeEscalation:
        is_caller("by", self.by, ctx)
        return c.AcknowledgeEscalation(
            **ctx.fields(), escalation=escalation, by=ctx.actor, note=self.note
        )


class EscalationResolutionBody(Body):
    """An escalation resolved: `action` records what was done."""

    model_config = ConfigDict(  # merged with Body's: only the examples are its own
        json_schema_extra={
            "examples": [{"action": "Đã làm việc với bí thư chi bộ; chi bộ họp bổ sung ngày 8/3"}]
        },
    )

    by: c.Id | None = None
    action: Annotated[c.Text, Field(min_length=1)]

    def command(self, ctx: Context, escalation: str) -> c.ResolveEscalation:
        is_caller("by", self.by, ctx)
        return c.ResolveEscalation(
            **ctx.fields(), escalation=escalation, by=ctx.actor, action=self.action
        )


class AuditorBody(Body):
    """The organisation secretary grants (or withdraws) the read-only auditor role."""

    member: c.Id | None = None

    def command(self, ctx: Context, member: str) -> c.GrantAuditor:
        matches("member", self.member, member)
        return c.GrantAuditor(**ctx.fields(), organisation=ctx.organisation, member=member)

    def withdrawal(self, ctx: Context, member: str) -> c.WithdrawAuditor:
        matches("member", self.member, member)
        return c.WithdrawAuditor(**ctx.fields(), organisation=ctx.organisation, member=member)


Email = Annotated[
    str,
    StringConstraints(max_length=254, pattern=r"^[^@\s\x00-\x1f]{1,64}@[^@\s\x00-\x1f]{1,253}$"),
]


NoticeKindName = Literal[EscalationKind, ReminderKind]
"""Every kind of escalation and reminder a member may choose to receive."""


class ContactBody(BaseModel):
    """Where a member's notices go (personal data, kept outside the log: erasable)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    email: Email | None = None
    digest: bool = False
    """True: one daily message instead of one per notice."""
    kinds: list[NoticeKindName] = Field(default_factory=list, max_length=64)
    """The notice kinds wanted by e-mail; empty: every kind."""
