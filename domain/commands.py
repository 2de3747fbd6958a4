"""Commands: what users (and workflow activities) ask of the domain.

Every command carries who asks (actor), its own id (for idempotency), the business
date it concerns (occurred_on) and, optionally, the id of what caused it. Names and
fields follow the scenario vocabulary of SCENARIOS.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.events import Meta

MemberStatus = Literal["official", "probationary", "exempted", "suspended", "elsewhere"]
CellType = Literal["residential", "school", "armed_forces", "enterprise", "agency", "other"]
MeetingKind = Literal["regular", "thematic", "forum", "party_group"]
ResolutionKind = Literal["resolution", "conclusion"]
InspectionKind = Literal["periodic", "thematic", "ad_hoc", "violation"]
Rating = Literal["good", "fair", "average", "poor"]
Mac = Callable[[str, str, str], str | None]
"""(member, context, value) → a digest keyed by the member's key, or None once erased."""


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: str = Field(min_length=1)
    command_id: str = Field(min_length=1)
    occurred_on: date
    correlation_id: str | None = None

    @property
    def meta(self) -> Meta:
        return Meta(
            actor=self.actor,
            command_id=self.command_id,
            correlation_id=self.correlation_id or self.command_id,
            occurred_on=self.occurred_on,
        )

    PERSONAL: ClassVar[dict[str, str]] = {}
    """Personal fields → the field naming whose data each is (`*`: a dict keyed by
    member id); they enter the fingerprint only as a digest keyed by that member's key."""

    def fingerprint(self, mac: Mac | None = None) -> str | None:
        """Hash of what the command asks (not of who relayed it or why).

        With `mac` (the personal-data cipher's keyed digest), personal fields enter it
        only as their keyed digest, so the stored fingerprint cannot confirm a guessed
        name once the member's key is erased; None when a digest cannot be made (that
        key is gone). Without it (no cipher: personal data is stored plain anyway) the
        fields enter as they are."""
        command: Command = self
        if mac is not None and self.PERSONAL:
            name, update = type(self).__name__, dict[str, Any]()
            for field, subject in self.PERSONAL.items():
                value = getattr(self, field)
                if subject == "*":
                    keyed = {m: mac(m, f"{name}:{field}.{m}", v) for m, v in value.items()}
                    if None in keyed.values():
                        return None
                    update[field] = keyed
                else:
                    digest = mac(getattr(self, subject), f"{name}:{field}", value)
                    if digest is None:
                        return None
                    update[field] = digest
            command = self.model_copy(update=update)
        body = command.model_dump_json(exclude={"correlation_id"})
        return hashlib.sha256(f"{type(self).__name__}:{body}".encode()).hexdigest()


# --- organisation, members, policy ---------------------------------------------------


class CreateOrganisation(Command):
    """Registers a grassroots committee (đảng ủy cơ sở)."""

    organisation: str = Field(min_length=1)
    name: str = Field(min_length=1)
    secretary: str = Field(min_length=1)
    standing_committee: list[str] = Field(default_factory=list)
    committee: list[str] = Field(default_factory=list)
    inspection_commission: list[str] = Field(default_factory=list)


class AdoptPolicy(Command):
    """A named policy version in force from `effective_from` (overrides the defaults)."""

    organisation: str
    name: str = Field(min_length=1)
    effective_from: date
    values: dict[str, Any] = Field(default_factory=dict)


class RegisterMember(Command):
    """A party member (đảng viên) enters the organisation's register."""

    organisation: str
    member: str = Field(min_length=1)
    name: str = Field(min_length=1)
    status: MemberStatus
    working: bool = True

    PERSONAL: ClassVar[dict[str, str]] = {"name": "member"}


class SetMemberStatus(Command):
    organisation: str
    member: str
    status: MemberStatus
    working: bool | None = None


class ChangeLeadership(Command):
    """New secretary, standing committee, committee or inspection commission."""

    organisation: str
    secretary: str | None = None
    standing_committee: list[str] | None = None
    committee: list[str] | None = None
    inspection_commission: list[str] | None = None


# --- cells ------------------------------------------------------------------------------


class FoundCell(Command):
    """A cell (chi bộ) with its first roster and roles."""

    organisation: str
    cell: str = Field(min_length=1)
    name: str = Field(min_length=1)
    type: CellType = "other"
    secretary: str
    deputy: str | None = None
    committee: list[str] = Field(default_factory=list)
    members: list[str] = Field(default_factory=list)
    in_charge: str | None = None
    online_eligible: bool = False
    party_groups: list[str] = Field(default_factory=list)


class TransferIn(Command):
    cell: str
    member: str


class TransferOut(Command):
    cell: str
    member: str


class AssignInCharge(Command):
    """A committee member in charge (đảng ủy viên phụ trách) for the cell."""

    cell: str
    member: str


class SetCellRoles(Command):
    cell: str
    secretary: str | None = None
    deputy: str | None = None
    committee: list[str] | None = None


class SetOnlineEligibility(Command):
    cell: str
    online_eligible: bool


class SetPartyGroups(Command):
    cell: str
    party_groups: list[str]


class SetThematicPlan(Command):
    """The year's thematic meeting plan (R4)."""

    cell: str
    year: int
    topics: list[str] = Field(min_length=1)
    preparers: dict[str, str] = Field(default_factory=dict)


# --- meetings ---------------------------------------------------------------------------


class AnnounceMeeting(Command):
    """Content, time and place announced ahead (R7)."""

    meeting: str
    cell: str
    kind: list[MeetingKind]
    scheduled_on: date
    place: str = ""
    content: str = ""
    documents: list[str] = Field(default_factory=list)
    preparers: list[str] = Field(default_factory=list)


class RecordPreparatoryMeeting(Command):
    """The cell committee agreed content and draft resolution beforehand (R8)."""

    meeting: str
    participants: list[str]
    agenda: str = ""


class HoldMeeting(Command):
    """A meeting held on `occurred_on` (R6, R9, R10, R11, R12)."""

    meeting: str = Field(min_length=1)
    cell: str
    kind: list[MeetingKind] = Field(min_length=1)
    online: bool = False
    notice_on: date | None = None
    duration_minutes: int = Field(default=120, ge=0)
    chair: str
    minute_taker: str
    present: list[str] = Field(default_factory=list)
    excused: dict[str, str] = Field(default_factory=dict)
    guests: list[str] = Field(default_factory=list)
    speakers: list[str] = Field(default_factory=list)
    opinions: list[str] = Field(default_factory=list)

    PERSONAL: ClassVar[dict[str, str]] = {"excused": "*"}
    minority_opinions: list[str] = Field(default_factory=list)
    reviewed: list[str] = Field(default_factory=list)
    minutes_recorded: bool = True


class RecordMinutes(Command):
    meeting: str


class SealMinutes(Command):
    meeting: str


class AmendMinutes(Command):
    meeting: str
    reason: str
    change: str


class ScoreMeeting(Command):
    """Scores per criterion of the policy's criteria table (R18)."""

    meeting: str
    scores: dict[str, int]


# --- resolutions and recommendations -------------------------------------------------


class Votes(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    for_: int = Field(alias="for", ge=0)
    against: int = Field(default=0, ge=0)
    abstain: int = Field(default=0, ge=0)


class ResolutionDraft(BaseModel):
    """What a resolution or recommendation must state (R20); missing parts are refused
    by the domain, so every field may be absent here."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(min_length=1)
    kind: ResolutionKind = "resolution"
    content: str | None = None
    requirements: str | None = None
    measures: str | None = None
    deadline: date | None = None
    executors: list[str] = Field(default_factory=list)
    inspector: str | None = None
    votes: Votes | None = None
    minority_opinions: list[str] = Field(default_factory=list)


class AdoptResolution(Command):
    """A resolution or conclusion voted at a meeting (R20, R21)."""

    meeting: str
    resolution: ResolutionDraft


class CommunicateResolution(Command):
    resolution: str
    to_upper_committee: bool = True


class AssignResolutionTasks(Command):
    resolution: str
    tasks: dict[str, str]


class ReportProgress(Command):
    resolution: str
    by: str
    note: str = ""


class CompleteResolution(Command):
    resolution: str
    by: str
    note: str = ""


class ExtendDeadline(Command):
    resolution: str
    new_deadline: date
    meeting: str


class CancelResolution(Command):
    resolution: str
    meeting: str
    reason: str = Field(min_length=1)


class MarkOverdue(Command):
    """The follow-up found the item open past its deadline (R24)."""

    resolution: str
    level: int = Field(ge=1)


# --- member tasks -------------------------------------------------------------------------


class AssignTasks(Command):
    """Member tasks for the year, drafted by the cell committee (R30–R32)."""

    cell: str
    year: int
    tasks: dict[str, str] = Field(min_length=1)
    meeting: str | None = None


class RecordPledge(Command):
    """A member's annual self-improvement pledge (R33)."""

    cell: str
    year: int
    member: str
    pledge: str = Field(min_length=1)


# --- inspections ----------------------------------------------------------------------------


class PlanInspection(Command):
    inspection: str
    cell: str
    kind: InspectionKind
    planned_on: date
    by: list[str] = Field(default_factory=list)


class Inspect(Command):
    """An inspection concluded on `occurred_on` with findings, rating and
    recommendations (R50–R53); refused whole if any recommendation is refused."""

    inspection: str = Field(min_length=1)
    cell: str
    kind: InspectionKind
    by: list[str] = Field(default_factory=list)
    findings: str | None = None
    rating: Rating | None = None
    recommendations: list[ResolutionDraft] = Field(default_factory=list)


class NotifyInspection(Command):
    inspection: str


# --- escalations ------------------------------------------------------------------------------


class RaiseEscalation(Command):
    """A quota or deadline missed: supervisors must see it (never raised twice)."""

    organisation: str
    kind: str
    rule: str
    subject: dict[str, str]
    period: str | None = None
    level: int = Field(default=1, ge=1)
    recipients: list[str] = Field(min_length=1)
    evidence: list[str] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)


class SendReminder(Command):
    """A reminder to whoever must act (never sent twice for the same subject and day)."""

    organisation: str
    kind: str
    rule: str
    subject: dict[str, str]
    period: str | None = None
    recipients: list[str] = Field(min_length=1)


class NotifyEscalation(Command):
    escalation: str
    recipients: list[str]
    channel: str = "inbox"


class AcknowledgeEscalation(Command):
    escalation: str
    by: str
    note: str = ""


class ResolveEscalation(Command):
    escalation: str
    by: str
    action: str = Field(min_length=1)


class EraseMember(Command):
    """Erases a member's personal data on lawful request (docs/personal-data.md): the
    record of the decision is kept; the member's key is destroyed beside it."""

    organisation: str
    member: str = Field(min_length=1)
    legal_basis: str = ""
    request_ref: str = ""
