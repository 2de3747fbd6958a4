"""Meeting (buổi sinh hoạt): announcement, preparation, the session, its minutes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.aggregate import Aggregate, Created, create
from domain.cell import Cell
from domain.commands import HoldMeeting, ResolutionDraft
from domain.errors import DomainError
from domain.events import DomainEvent, Meta
from domain.ids import aggregate_id
from domain.organisation import Organisation
from domain.policy import Policy

COMBINABLE = frozenset({"regular", "thematic"})


class Amendment(BaseModel):
    model_config = ConfigDict(frozen=True)
    amended_on: date
    reason: str
    change: str


class MeetingSession(BaseModel):
    """Everything said of a held meeting (shared by both ways of recording it)."""

    kinds: list[str]
    online: bool
    notice_on: date | None
    duration_minutes: int
    chair: str
    minute_taker: str
    present: list[str]
    excused: dict[str, str]
    absent: list[str]
    guests: list[str]
    speakers: list[str]
    opinions: list[str]
    minority_opinions: list[str]
    reviewed: list[str]
    minutes_recorded: bool


MeetingStatus = Literal["announced", "held"]


class Meeting(Aggregate):
    TOPIC = "chibo.Meeting"
    KIND = "meeting"
    PERSONAL_PATHS = ("excused.*",)

    key: str
    cell: str
    status: MeetingStatus
    kinds: list[str]
    held_on: date | None = None
    online: bool = False
    notice_on: date | None = None
    scheduled_on: date | None = None
    place: str = ""
    content: str = ""
    documents: list[str] = Field(default_factory=list)
    preparers: list[str] = Field(default_factory=list)
    preparatory_on: date | None = None
    duration_minutes: int = 0
    chair: str = ""
    minute_taker: str = ""
    present: list[str] = Field(default_factory=list)
    excused: dict[str, str] = Field(default_factory=dict)
    absent: list[str] = Field(default_factory=list)
    guests: list[str] = Field(default_factory=list)
    speakers: list[str] = Field(default_factory=list)
    opinions: list[str] = Field(default_factory=list)
    minority_opinions: list[str] = Field(default_factory=list)
    reviewed: list[str] = Field(default_factory=list)
    minutes_recorded_on: date | None = None
    minutes_sealed_on: date | None = None
    amendments: list[Amendment] = Field(default_factory=list)
    scores: dict[str, int] = Field(default_factory=dict)

    class Announced(Created):
        TOPIC = "chibo.Meeting.Announced"
        key: str
        cell: str
        kinds: list[str]
        scheduled_on: date
        place: str
        content: str
        documents: list[str]
        preparers: list[str]

        def create(self) -> Meeting:
            return Meeting.start(
                self,
                key=self.key,
                cell=self.cell,
                status="announced",
                kinds=self.kinds,
                notice_on=self.occurred_on,
                scheduled_on=self.scheduled_on,
                place=self.place,
                content=self.content,
                documents=self.documents,
                preparers=self.preparers,
            )

    class Held(Created):
        """A meeting recorded as held without an earlier announcement."""

        TOPIC = "chibo.Meeting.Held"
        PERSONAL_PATHS = ("session.excused.*",)
        key: str
        cell: str
        session: MeetingSession

        def create(self) -> Meeting:
            meeting = Meeting.start(self, key=self.key, cell=self.cell, status="held", kinds=[])
            meeting._hold(self.occurred_on, self.session)
            return meeting

    class HeldAsAnnounced(DomainEvent):
        TOPIC = "chibo.Meeting.HeldAsAnnounced"
        PERSONAL_PATHS = ("session.excused.*",)
        session: MeetingSession

        def apply(self, meeting: Meeting) -> None:
            meeting._hold(self.occurred_on, self.session)

    class PreparatoryMeetingHeld(DomainEvent):
        TOPIC = "chibo.Meeting.PreparatoryMeetingHeld"
        participants: list[str]
        agenda: str

        def apply(self, meeting: Meeting) -> None:
            meeting.preparatory_on = self.occurred_on

    class MinutesRecorded(DomainEvent):
        TOPIC = "chibo.Meeting.MinutesRecorded"

        def apply(self, meeting: Meeting) -> None:
            meeting.minutes_recorded_on = self.occurred_on

    class MinutesSealed(DomainEvent):
        TOPIC = "chibo.Meeting.MinutesSealed"

        def apply(self, meeting: Meeting) -> None:
            meeting.minutes_sealed_on = self.occurred_on

    class MinutesAmended(DomainEvent):
        TOPIC = "chibo.Meeting.MinutesAmended"
        reason: str
        change: str

        def apply(self, meeting: Meeting) -> None:
            amendment = Amendment(
                amended_on=self.occurred_on, reason=self.reason, change=self.change
            )
            meeting.amendments = [*meeting.amendments, amendment]

    class Scored(DomainEvent):
        TOPIC = "chibo.Meeting.Scored"
        scores: dict[str, int]

        def apply(self, meeting: Meeting) -> None:
            meeting.scores = self.scores

    def _hold(self, day: date, session: MeetingSession) -> None:
        self.status = "held"
        self.held_on = day
        for field, value in session.model_dump().items():
            if field == "minutes_recorded":
                self.minutes_recorded_on = day if value else None
            elif field == "notice_on":
                self.notice_on = value or self.notice_on
            else:
                setattr(self, field, value)

    @staticmethod
    def id_for(key: str) -> Any:
        return aggregate_id(Meeting.KIND, key)

    @classmethod
    def announce(cls, meta: Meta, **fields: Any) -> Meeting:
        """R6: kinds that may share a session; R7: a thematic meeting names its preparers."""
        check_kinds(fields["kinds"])
        if "thematic" in fields["kinds"] and not fields["preparers"]:
            raise DomainError("R7", f"thematic meeting {fields['key']} names no preparers")
        meeting: Meeting = create(cls.Announced, cls.id_for(fields["key"]), meta, **fields)
        return meeting

    @staticmethod
    def session_of(cell: Cell, org: Organisation, cmd: HoldMeeting) -> MeetingSession:
        """The session `cmd` records, once R6 and R9 (and who may speak, R11) allow it;
        cell members neither present nor excused were absent without reason."""
        day = cmd.occurred_on
        policy = org.policy_on(day)
        kinds = list(cmd.kind)
        check_kinds(kinds)
        if cmd.online and not cell.online_eligible:
            raise DomainError("R6", f"cell {cell.key} is not eligible for online meetings")
        roster = cell.members_on(day)
        if "party_group" in kinds:
            if not cell.party_groups or len(roster) < policy.party_group_min_members:
                raise DomainError(
                    "R6",
                    f"party-group meetings need party groups and {policy.party_group_min_members}"
                    f" members; cell {cell.key} has {len(roster)}",
                )
            if cell.party_group_meetings_in(day.year) >= policy.party_group_meetings_per_year:
                raise DomainError(
                    "R6",
                    f"cell {cell.key} already held {policy.party_group_meetings_per_year}"
                    f" party-group meetings in {day.year}",
                )
        if not cmd.chair:
            raise DomainError("R9", f"meeting {cmd.meeting} names no chair")
        if not cmd.minute_taker:
            raise DomainError("R9", f"meeting {cmd.meeting} names no minute-taker")
        org.require_members(
            [cmd.chair, cmd.minute_taker, *cmd.present, *cmd.excused, *cmd.guests, *cmd.speakers]
        )
        for member in [*cmd.present, *cmd.excused]:
            if member not in roster:
                raise DomainError("R9", f"{member} is not a member of cell {cell.key} on {day}")
        for member, reason in cmd.excused.items():
            if member in cmd.present:
                raise DomainError("R9", f"{member} is listed both present and excused")
            if not reason.strip():
                raise DomainError("R9", f"{member} is excused without a reason")
        for member in cmd.guests:
            if member in roster:
                raise DomainError("R9", f"{member} is a member of cell {cell.key}, not a guest")
        attending = set(cmd.present) | set(cmd.guests)
        for role, member in [("chair", cmd.chair), ("minute-taker", cmd.minute_taker)]:
            if member not in attending:
                raise DomainError("R9", f"{role} {member} is not present at {cmd.meeting}")
        for member in cmd.speakers:
            if member not in attending:
                raise DomainError("R11", f"speaker {member} was not at {cmd.meeting}")
        return MeetingSession(
            kinds=kinds,
            online=cmd.online,
            notice_on=cmd.notice_on,
            duration_minutes=cmd.duration_minutes,
            chair=cmd.chair,
            minute_taker=cmd.minute_taker,
            present=sorted(set(cmd.present)),
            excused=dict(sorted(cmd.excused.items())),
            absent=[m for m in roster if m not in cmd.present and m not in cmd.excused],
            guests=sorted(set(cmd.guests)),
            speakers=list(dict.fromkeys(cmd.speakers)),
            opinions=cmd.opinions,
            minority_opinions=cmd.minority_opinions,
            reviewed=list(dict.fromkeys(cmd.reviewed)),
            minutes_recorded=cmd.minutes_recorded,
        )

    @classmethod
    def record_held(cls, meta: Meta, key: str, cell: str, session: MeetingSession) -> Meeting:
        meeting: Meeting = create(
            cls.Held, cls.id_for(key), meta, key=key, cell=cell, session=session
        )
        return meeting

    # --- queries -------------------------------------------------------------------

    @property
    def is_held(self) -> bool:
        return self.status == "held"

    def held_by(self, cell: str, day: date) -> bool:
        """A meeting of `cell` held on or before `day` (what R25 and R32 ask for)."""
        return self.cell == cell and self.held_on is not None and self.held_on <= day

    # --- commands ------------------------------------------------------------------

    def hold_as_announced(self, meta: Meta, session: MeetingSession) -> None:
        if self.is_held:
            raise DomainError(None, f"meeting {self.key} is already recorded as held")
        self.trigger(self.HeldAsAnnounced, meta, session=session)

    def record_preparatory(self, meta: Meta, participants: list[str], agenda: str) -> None:
        if not participants:
            raise DomainError("R8", f"preparatory meeting of {self.key} names no participants")
        self.trigger(self.PreparatoryMeetingHeld, meta, participants=participants, agenda=agenda)

    def record_minutes(self, meta: Meta) -> None:
        if not self.is_held or self.held_on is None:
            raise DomainError("R11", f"meeting {self.key} has not been held")
        if meta.occurred_on < self.held_on:
            raise DomainError("R11", f"minutes of {self.key} cannot predate the meeting")
        if self.minutes_sealed_on is not None:
            raise DomainError("R11", f"minutes of {self.key} are sealed; amend them with a reason")
        if self.minutes_recorded_on is not None:
            raise DomainError("R11", f"minutes of {self.key} are already recorded")
        self.trigger(self.MinutesRecorded, meta)

    def seal_minutes(self, meta: Meta) -> None:
        if self.minutes_recorded_on is None:
            raise DomainError("R11", f"minutes of {self.key} are not recorded yet")
        if self.minutes_sealed_on is not None:
            raise DomainError("R11", f"minutes of {self.key} are already sealed")
        self.trigger(self.MinutesSealed, meta)

    def amend_minutes(self, meta: Meta, reason: str, change: str) -> None:
        if self.minutes_recorded_on is None:
            raise DomainError("R11", f"minutes of {self.key} are not recorded yet")
        if not reason.strip():
            raise DomainError("R11", f"an amendment of the minutes of {self.key} needs a reason")
        self.trigger(self.MinutesAmended, meta, reason=reason, change=change)

    def score(self, meta: Meta, scores: dict[str, int], policy: Policy) -> None:
        if not self.is_held:
            raise DomainError("R18", f"meeting {self.key} has not been held")
        for criterion, points in scores.items():
            if criterion not in policy.criteria:
                raise DomainError("R18", f"{criterion} is not a criterion of the policy")
            if not 0 <= points <= policy.criteria[criterion]:
                raise DomainError(
                    "R18", f"{criterion} scores 0 to {policy.criteria[criterion]}, not {points}"
                )
        self.trigger(self.Scored, meta, scores=scores)

    @property
    def total_score(self) -> int:
        return sum(self.scores.values())

    def count_votes(self, cell: Cell, org: Organisation, draft: ResolutionDraft) -> dict[str, int]:
        """R21: more than half of the counted official members vote for a resolution
        adopted at this meeting (by default, every present official member)."""
        day = self.held_on
        assert day is not None
        officials = [m for m in cell.members_on(day) if org.is_official(m, day)]
        counted = officials
        if org.policy_on(day).vote_excludes_excused:
            counted = [m for m in officials if m not in self.excused]
        if draft.votes is None:
            votes = {
                "for": sum(1 for m in self.present if m in officials),
                "against": 0,
                "abstain": 0,
            }
        else:
            votes = {
                "for": draft.votes.for_,
                "against": draft.votes.against,
                "abstain": draft.votes.abstain,
            }
        if sum(votes.values()) > len(counted):
            raise DomainError(
                "R21",
                f"{draft.id} counts {sum(votes.values())} votes from {len(counted)}"
                " official members",
            )
        if 2 * votes["for"] <= len(counted):
            raise DomainError(
                "R21",
                f"{draft.id} has {votes['for']} votes for, not more than half of"
                f" {len(counted)} official members",
            )
        return votes


def check_kinds(kinds: Sequence[str]) -> None:
    """R6: one kind, or a regular and a thematic meeting held in one session."""
    if len(set(kinds)) != len(kinds):
        raise DomainError("R6", f"meeting kind repeated: {', '.join(kinds)}")
    if len(kinds) > 1 and set(kinds) != COMBINABLE:
        raise DomainError("R6", "only a regular and a thematic meeting may be held in one session")


def default_roles(
    leaders: Sequence[str | None],
    present: Sequence[str],
    guests: Sequence[str],
    chair: str | None,
    minute_taker: str | None,
) -> tuple[str, str]:
    """SCENARIOS.md's defaults, shared by every way in (an import, the HTTP API): chair
    the secretary, else the deputy, else the first present; minute-taker the deputy,
    else the secretary, else another present member. `leaders`: (secretary, deputy).
    Only defaults: the rules (R9) judge the result."""
    attending = [*present, *guests]
    chair = chair or next((x for x in leaders if x and x in attending), None)
    chair = chair or (present[0] if present else "")
    taker_order = [*reversed(leaders), *present]
    minute_taker = minute_taker or next(
        (x for x in taker_order if x and x in attending and x != chair), chair
    )
    return chair, minute_taker


def notice_late(held_on: date, notice_on: date | None, policy: Policy) -> bool:
    """R7: notice given fewer than `notice_days` days before the meeting (none at all
    is late too)."""
    return notice_on is None or (held_on - notice_on).days < policy.notice_days


def minimum_minutes(kinds: Sequence[str], policy: Policy) -> int:
    """R10: the shortest a regular or thematic meeting may last (longer when combined)."""
    if "regular" in kinds and "thematic" in kinds:
        return policy.min_minutes_combined
    return policy.min_minutes


def too_short(kinds: Sequence[str], duration_minutes: int, policy: Policy) -> bool:
    """R10: shorter than `minimum_minutes`."""
    return duration_minutes < minimum_minutes(kinds, policy)
