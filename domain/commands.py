"""Commands: what users (and workflow activities) ask of the domain.

Every command carries who asks (actor), its own id (for idempotency), the business
date it concerns (occurred_on) and, optionally, the id of what caused it. Names and
fields follow the scenario vocabulary of SCENARIOS.md.

Bounds at the door: every field is of a type below, so whatever a command accepts the
whole system can store (both backends' columns, indexes and JSON), and anything else is
refused with a `ValidationError` naming the field, before anything is stored.

- `Id` (organisations, members, cells, meetings, resolutions, inspections, …): 1 to 64
  characters of `ID_PATTERN`, ``^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`` — a letter or
  digit, then letters, digits, `_`, `.` or `-` (e.g. `m01`, `nq-c1-2026.03`).
- `Name` (names, short text, list items): 1 to 2 000 characters, no control
  characters; `Text` (findings, content, notes): up to 20 000 characters, where only
  newline and tab of the control characters are allowed. Lone surrogates are refused.
- `Day`: 1930-01-01 to 2100-12-31; `Year`: 1930 to 2100; `Minutes`: 0 to 1 440;
  `Level`: 1 to 100; `Count` (votes), `Points` (scores): 0 to 100 000.
- Lists and mappings hold at most `MAX_ITEMS` entries.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from domain.events import Meta

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
"""What every id users know looks like (≤ 64 characters): see the module's docstring."""
ID_MAX = 64
NAME_MAX = 2_000
TEXT_MAX = 20_000
TOKEN_MAX = 512
MAX_ITEMS = 1_000
FIRST_DAY = date(1930, 1, 1)
LAST_DAY = date(2100, 12, 31)
MAX_COUNT = 100_000

_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def _no_control(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def _no_control_in_text(value: str) -> str:
    if _CONTROL_IN_TEXT.search(value):
        raise ValueError("must not contain control characters (other than newline and tab)")
    return value


Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
IdOrBlank = Annotated[str, StringConstraints(pattern=ID_PATTERN.replace("^", "^$|^", 1))]
"""An `Id`, or "" where the domain itself refuses a missing one with its rule (R9)."""
Name = Annotated[
    str, StringConstraints(min_length=1, max_length=NAME_MAX), AfterValidator(_no_control)
]
Text = Annotated[str, StringConstraints(max_length=TEXT_MAX), AfterValidator(_no_control_in_text)]
Line = Annotated[str, StringConstraints(max_length=NAME_MAX), AfterValidator(_no_control)]
"""A `Name` that may be empty (where the domain refuses an empty one with its rule)."""
Token = Annotated[
    str, StringConstraints(min_length=1, max_length=TOKEN_MAX), AfterValidator(_no_control)
]
"""Command and correlation ids: made by programs, longer than an `Id`."""
Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
Year = Annotated[int, Field(ge=FIRST_DAY.year, le=LAST_DAY.year)]
Minutes = Annotated[int, Field(ge=0, le=24 * 60)]
Level = Annotated[int, Field(ge=1, le=100)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Points = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Ids = Annotated[list[Id], Field(max_length=MAX_ITEMS)]
Names = Annotated[list[Name], Field(max_length=MAX_ITEMS)]


def _bounded_value(value: Any, depth: int = 0) -> Any:
    """Free-form values (policy values, escalation details): JSON-like, bounded."""
    if depth > 4:
        raise ValueError("nested too deeply")
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        if not -(2**31) <= value < 2**31:
            raise ValueError(f"{value} is out of range")
    elif isinstance(value, float):
        if not -1e15 <= value <= 1e15:
            raise ValueError(f"{value} is out of range")
    elif isinstance(value, str):
        if len(value) > NAME_MAX:
            raise ValueError(f"text longer than {NAME_MAX} characters")
        _no_control(value)
    elif isinstance(value, list | tuple):
        if len(value) > MAX_ITEMS:
            raise ValueError(f"more than {MAX_ITEMS} items")
        for item in value:
            _bounded_value(item, depth + 1)
    elif isinstance(value, dict):
        if len(value) > MAX_ITEMS:
            raise ValueError(f"more than {MAX_ITEMS} items")
        for key, item in value.items():
            if not isinstance(key, str) or len(key) > ID_MAX * 2:
                raise ValueError(f"key {str(key)[:40]!r} is not a short text")
            _no_control(key)
            _bounded_value(item, depth + 1)
    elif isinstance(value, date):
        if not FIRST_DAY <= value <= LAST_DAY:
            raise ValueError(f"{value} is outside {FIRST_DAY} .. {LAST_DAY}")
    else:
        raise ValueError(f"unsupported value of type {type(value).__name__}")
    return value


Values = Annotated[dict[str, Any], Field(max_length=MAX_ITEMS), AfterValidator(_bounded_value)]


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

    actor: Id
    command_id: Token
    occurred_on: Day
    correlation_id: Token | None = None

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

    organisation: Id
    name: Name
    secretary: Id
    standing_committee: Ids = Field(default_factory=list)
    committee: Ids = Field(default_factory=list)
    inspection_commission: Ids = Field(default_factory=list)


class AdoptPolicy(Command):
    """A named policy version in force from `effective_from` (overrides the defaults)."""

    organisation: Id
    name: Name
    effective_from: Day
    values: Values = Field(default_factory=dict)


class RegisterMember(Command):
    """A party member (đảng viên) enters the organisation's register."""

    organisation: Id
    member: Id
    name: Name
    status: MemberStatus
    working: bool = True

    PERSONAL: ClassVar[dict[str, str]] = {"name": "member"}


class SetMemberStatus(Command):
    organisation: Id
    member: Id
    status: MemberStatus
    working: bool | None = None


class ChangeLeadership(Command):
    """New secretary, standing committee, committee or inspection commission."""

    organisation: Id
    secretary: Id | None = None
    standing_committee: Ids | None = None
    committee: Ids | None = None
    inspection_commission: Ids | None = None


# --- cells ------------------------------------------------------------------------------


class FoundCell(Command):
    """A cell (chi bộ) with its first roster and roles."""

    organisation: Id
    cell: Id
    name: Name
    type: CellType = "other"
    secretary: Id
    deputy: Id | None = None
    committee: Ids = Field(default_factory=list)
    members: Ids = Field(default_factory=list)
    in_charge: Id | None = None
    online_eligible: bool = False
    party_groups: Names = Field(default_factory=list)


class TransferIn(Command):
    cell: Id
    member: Id


class TransferOut(Command):
    cell: Id
    member: Id


class AssignInCharge(Command):
    """A committee member in charge (đảng ủy viên phụ trách) for the cell."""

    cell: Id
    member: Id


class SetCellRoles(Command):
    cell: Id
    secretary: Id | None = None
    deputy: Id | None = None
    committee: Ids | None = None


class SetOnlineEligibility(Command):
    cell: Id
    online_eligible: bool


class SetPartyGroups(Command):
    cell: Id
    party_groups: Names


class SetThematicPlan(Command):
    """The year's thematic meeting plan (R4)."""

    cell: Id
    year: Year
    topics: Names = Field(min_length=1)
    preparers: dict[Name, Id] = Field(default_factory=dict, max_length=MAX_ITEMS)


# --- meetings ---------------------------------------------------------------------------


class AnnounceMeeting(Command):
    """Content, time and place announced ahead (R7)."""

    meeting: Id
    cell: Id
    kind: list[MeetingKind] = Field(max_length=4)
    scheduled_on: Day
    place: Text = ""
    content: Text = ""
    documents: Names = Field(default_factory=list)
    preparers: Ids = Field(default_factory=list)


class RecordPreparatoryMeeting(Command):
    """The cell committee agreed content and draft resolution beforehand (R8)."""

    meeting: Id
    participants: Ids
    agenda: Text = ""


class HoldMeeting(Command):
    """A meeting held on `occurred_on` (R6, R9, R10, R11, R12)."""

    meeting: Id
    cell: Id
    kind: list[MeetingKind] = Field(min_length=1, max_length=4)
    online: bool = False
    notice_on: Day | None = None
    duration_minutes: Minutes = 120
    chair: IdOrBlank
    minute_taker: IdOrBlank
    present: Ids = Field(default_factory=list)
    excused: dict[Id, Line] = Field(default_factory=dict, max_length=MAX_ITEMS)
    guests: Ids = Field(default_factory=list)
    speakers: Ids = Field(default_factory=list)
    opinions: Annotated[list[Text], Field(max_length=MAX_ITEMS)] = Field(default_factory=list)
    minority_opinions: Annotated[list[Text], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=list
    )
    reviewed: Ids = Field(default_factory=list)

    PERSONAL: ClassVar[dict[str, str]] = {"excused": "*"}
    minutes_recorded: bool = True


class RecordMeeting(HoldMeeting):
    """A meeting held with the resolutions it adopted, stored whole or not at all (the
    HTTP API's form: unlike a scenario import, one refused resolution refuses the
    meeting, so the person corrects the form and sends it again)."""

    resolutions: list[ResolutionDraft] = Field(default_factory=list, max_length=MAX_ITEMS)


class RecordMinutes(Command):
    meeting: Id


class SealMinutes(Command):
    meeting: Id


class AmendMinutes(Command):
    meeting: Id
    reason: Text
    change: Text


class ScoreMeeting(Command):
    """Scores per criterion of the policy's criteria table (R18)."""

    meeting: Id
    scores: dict[Id, Points] = Field(max_length=MAX_ITEMS)


# --- resolutions and recommendations -------------------------------------------------


class Votes(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    for_: Count = Field(alias="for")
    against: Count = 0
    abstain: Count = 0


class ResolutionDraft(BaseModel):
    """What a resolution or recommendation must state (R20); missing parts are refused
    by the domain, so every field may be absent here."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: Id
    kind: ResolutionKind = "resolution"
    content: Text | None = None
    requirements: Text | None = None
    measures: Text | None = None
    deadline: Day | None = None
    executors: Annotated[list[IdOrBlank], Field(max_length=MAX_ITEMS)] = Field(default_factory=list)
    inspector: IdOrBlank | None = None
    votes: Votes | None = None
    minority_opinions: Annotated[list[Text], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=list
    )


class AdoptResolution(Command):
    """A resolution or conclusion voted at a meeting (R20, R21)."""

    meeting: Id
    resolution: ResolutionDraft


class CommunicateResolution(Command):
    resolution: Id
    to_upper_committee: bool = True


class AssignResolutionTasks(Command):
    resolution: Id
    tasks: dict[Id, Text] = Field(max_length=MAX_ITEMS)


class ReportProgress(Command):
    resolution: Id
    by: Id
    note: Text = ""


class CompleteResolution(Command):
    resolution: Id
    by: Id
    note: Text = ""


class ExtendDeadline(Command):
    resolution: Id
    new_deadline: Day
    meeting: Id


class CancelResolution(Command):
    resolution: Id
    meeting: Id
    reason: Annotated[Text, Field(min_length=1)]


class MarkOverdue(Command):
    """The follow-up found the item open past its deadline (R24)."""

    resolution: Id
    level: Level


# --- member tasks -------------------------------------------------------------------------


class AssignTasks(Command):
    """Member tasks for the year, drafted by the cell committee (R30–R32)."""

    cell: Id
    year: Year
    tasks: dict[Id, Text] = Field(min_length=1, max_length=MAX_ITEMS)
    meeting: Id | None = None


class RecordPledge(Command):
    """A member's annual self-improvement pledge (R33)."""

    cell: Id
    year: Year
    member: Id
    pledge: Annotated[Text, Field(min_length=1)]


class PayFees(Command):
    """Party fees paid for the months named, in advance or late (R74)."""

    organisation: Id
    member: Id
    months: Annotated[list[Annotated[str, Field(max_length=32)]], Field(max_length=36)]
    """`YYYY-MM` each: the domain checks them (R74), naming the one that is not."""


class SubmitAnnualReport(Command):
    """The organisation's annual report for `year` (R63)."""

    organisation: Id
    year: Year
    summary: Annotated[str, Field(max_length=4000)] = ""


# --- inspections ----------------------------------------------------------------------------


class PlanInspection(Command):
    inspection: Id
    cell: Id
    kind: InspectionKind
    planned_on: Day
    by: Ids = Field(default_factory=list)


class Inspect(Command):
    """An inspection concluded on `occurred_on` with findings, rating and
    recommendations (R50–R53); refused whole if any recommendation is refused."""

    inspection: Id
    cell: Id
    kind: InspectionKind
    by: Ids = Field(default_factory=list)
    findings: Text | None = None
    rating: Rating | None = None
    recommendations: list[ResolutionDraft] = Field(default_factory=list, max_length=MAX_ITEMS)


class NotifyInspection(Command):
    inspection: Id


# --- escalations ------------------------------------------------------------------------------


Subject = Annotated[dict[Id, Id], Field(max_length=8)]


class RaiseEscalation(Command):
    """A quota or deadline missed: supervisors must see it (never raised twice)."""

    organisation: Id
    kind: Id
    rule: Id
    subject: Subject
    period: Id | None = None
    level: Level = 1
    recipients: Ids = Field(min_length=1)
    evidence: Names = Field(default_factory=list)
    details: Values = Field(default_factory=dict)


class SendReminder(Command):
    """A reminder to whoever must act (never sent twice for the same subject and day)."""

    organisation: Id
    kind: Id
    rule: Id
    subject: Subject
    period: Id | None = None
    recipients: Ids = Field(min_length=1)


class NotifyEscalation(Command):
    escalation: Token
    recipients: Ids
    channel: Id = "inbox"


class RecordDelivery(Command):
    """A notice's message reached a recipient's server over a channel (recorded once per
    message id and channel: a repeat records nothing)."""

    notice: Literal["escalation", "reminder"]
    key: Token
    channel: Id
    recipient: Id
    message_id: Token
    round: Annotated[int, Field(ge=0, le=MAX_COUNT)] = 0


class AcknowledgeEscalation(Command):
    escalation: Token
    by: Id
    note: Text = ""


class ResolveEscalation(Command):
    escalation: Token
    by: Id
    action: Annotated[Text, Field(min_length=1)]


class EraseMember(Command):
    """Erases a member's personal data on lawful request (docs/personal-data.md): the
    record of the decision is kept; the member's key is destroyed beside it."""

    organisation: Id
    member: Id
    legal_basis: Line = ""
    request_ref: Line = ""


class GrantAuditor(Command):
    """The organisation secretary grants a member the read-only auditor role."""

    organisation: Id
    member: Id


class WithdrawAuditor(Command):
    organisation: Id
    member: Id


RecordMeeting.model_rebuild()
