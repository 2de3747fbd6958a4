"""Cell (chi bộ): roster over time, roles, member in charge, thematic plans, its meetings.

Membership is kept as dated spans so the roster on any past date can be rebuilt
(R71); status (official, probationary…) lives in the organisation's register.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.aggregate import Aggregate, Created, create
from domain.errors import DomainError
from domain.events import DomainEvent, Meta
from domain.ids import aggregate_id


class Span(BaseModel):
    """In the cell from `since` (inclusive) until `until` (exclusive; None = still)."""

    model_config = ConfigDict(frozen=True)
    since: date
    until: date | None = None

    def covers(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day < self.until)


class Dated(BaseModel):
    model_config = ConfigDict(frozen=True)
    since: date
    value: str | None


class HeldMeeting(BaseModel):
    model_config = ConfigDict(frozen=True)
    held_on: date
    kinds: list[str]


def _value_on(history: list[Dated], day: date) -> str | None:
    value = None
    for item in history:
        if item.since <= day:
            value = item.value
    return value


class Cell(Aggregate):
    TOPIC = "chibo.Cell"
    KIND = "cell"

    key: str
    organisation: str
    name: str
    type: str
    secretary: str
    deputy: str | None
    committee: list[str]
    online_eligible: bool
    party_groups: list[str]
    memberships: dict[str, list[Span]] = Field(default_factory=dict)
    in_charge_history: list[Dated] = Field(default_factory=list)
    thematic_plans: dict[int, list[str]] = Field(default_factory=dict)
    meetings: dict[str, HeldMeeting] = Field(default_factory=dict)

    class Founded(Created):
        TOPIC = "chibo.Cell.Founded"
        key: str
        organisation: str
        name: str
        type: str
        secretary: str
        deputy: str | None
        committee: list[str]
        members: list[str]
        in_charge: str | None
        online_eligible: bool
        party_groups: list[str]

        def create(self) -> Cell:
            return Cell.start(
                self,
                key=self.key,
                organisation=self.organisation,
                name=self.name,
                type=self.type,
                secretary=self.secretary,
                deputy=self.deputy,
                committee=self.committee,
                online_eligible=self.online_eligible,
                party_groups=self.party_groups,
                memberships={m: [Span(since=self.occurred_on)] for m in self.members},
                in_charge_history=[Dated(since=self.occurred_on, value=self.in_charge)],
            )

    class MemberTransferredIn(DomainEvent):
        TOPIC = "chibo.Cell.MemberTransferredIn"
        member: str

        def apply(self, cell: Cell) -> None:
            spans = cell.memberships.get(self.member, [])
            cell.memberships[self.member] = [*spans, Span(since=self.occurred_on)]

    class MemberTransferredOut(DomainEvent):
        TOPIC = "chibo.Cell.MemberTransferredOut"
        member: str

        def apply(self, cell: Cell) -> None:
            # Close the span that covers the date (a late entry may concern an old span).
            cell.memberships[self.member] = [
                Span(since=s.since, until=self.occurred_on) if s.covers(self.occurred_on) else s
                for s in cell.memberships[self.member]
            ]

    class InChargeAssigned(DomainEvent):
        TOPIC = "chibo.Cell.InChargeAssigned"
        member: str

        def apply(self, cell: Cell) -> None:
            entry = Dated(since=self.occurred_on, value=self.member)
            cell.in_charge_history = sorted([*cell.in_charge_history, entry], key=lambda d: d.since)

    class RolesChanged(DomainEvent):
        TOPIC = "chibo.Cell.RolesChanged"
        secretary: str
        deputy: str | None
        committee: list[str]

        def apply(self, cell: Cell) -> None:
            cell.secretary, cell.deputy, cell.committee = (
                self.secretary,
                self.deputy,
                self.committee,
            )

    class OnlineEligibilityChanged(DomainEvent):
        TOPIC = "chibo.Cell.OnlineEligibilityChanged"
        online_eligible: bool

        def apply(self, cell: Cell) -> None:
            cell.online_eligible = self.online_eligible

    class PartyGroupsSet(DomainEvent):
        TOPIC = "chibo.Cell.PartyGroupsSet"
        party_groups: list[str]

        def apply(self, cell: Cell) -> None:
            cell.party_groups = self.party_groups

    class ThematicPlanSet(DomainEvent):
        TOPIC = "chibo.Cell.ThematicPlanSet"
        year: int
        topics: list[str]
        preparers: dict[str, str]

        def apply(self, cell: Cell) -> None:
            cell.thematic_plans = {**cell.thematic_plans, self.year: self.topics}

    class MeetingHeld(DomainEvent):
        """The cell's own index of its meetings (for R6 counts and R25 checks)."""

        TOPIC = "chibo.Cell.MeetingHeld"
        meeting: str
        kinds: list[str]

        def apply(self, cell: Cell) -> None:
            held = HeldMeeting(held_on=self.occurred_on, kinds=self.kinds)
            cell.meetings = {**cell.meetings, self.meeting: held}

    @staticmethod
    def id_for(key: str) -> Any:
        return aggregate_id(Cell.KIND, key)

    @classmethod
    def found(cls, meta: Meta, **fields: Any) -> Cell:
        """R71: the secretary, deputy and committee are members of the new cell."""
        roles = [("secretary", fields["secretary"]), ("deputy", fields["deputy"])]
        for role, member in roles + [("committee member", m) for m in fields["committee"]]:
            if member and member not in fields["members"]:
                raise DomainError("R71", f"{role} {member} is not a member of cell {fields['key']}")
        cell: Cell = create(cls.Founded, cls.id_for(fields["key"]), meta, **fields)
        return cell

    # --- queries -------------------------------------------------------------------

    def members_on(self, day: date) -> list[str]:
        """The roster on `day` (R71)."""
        return sorted(
            m for m, spans in self.memberships.items() if any(s.covers(day) for s in spans)
        )

    def is_member_on(self, member: str, day: date) -> bool:
        return any(s.covers(day) for s in self.memberships.get(member, []))

    def in_charge_on(self, day: date) -> str | None:
        return _value_on(self.in_charge_history, day)

    def leaders(self) -> set[str]:
        return {self.secretary, *([self.deputy] if self.deputy else []), *self.committee}

    def party_group_meetings_in(self, year: int) -> int:
        return sum(
            1 for m in self.meetings.values() if m.held_on.year == year and "party_group" in m.kinds
        )

    # --- commands ------------------------------------------------------------------

    def transfer_in(self, meta: Meta, member: str) -> None:
        if self.is_member_on(member, meta.occurred_on):
            raise DomainError("R71", f"{member} is already a member of cell {self.key}")
        later = [s.since for s in self.memberships.get(member, []) if s.since > meta.occurred_on]
        if later:
            raise DomainError(
                "R71",
                f"{member} is recorded in cell {self.key} from {min(later)}:"
                " record the earlier stay with its transfer out",
            )
        self.trigger(self.MemberTransferredIn, meta, member=member)

    def transfer_out(self, meta: Meta, member: str) -> None:
        if not self.is_member_on(member, meta.occurred_on):
            raise DomainError("R71", f"{member} is not a member of cell {self.key}")
        if any(s.since == meta.occurred_on for s in self.memberships[member]):
            raise DomainError(
                "R71",
                f"{member} joined cell {self.key} on {meta.occurred_on};"
                " a transfer out comes later",
            )
        self.trigger(self.MemberTransferredOut, meta, member=member)

    def assign_in_charge(self, meta: Meta, member: str) -> None:
        self.trigger(self.InChargeAssigned, meta, member=member)

    def change_roles(
        self, meta: Meta, secretary: str | None, deputy: str | None, committee: list[str] | None
    ) -> None:
        new_secretary = secretary or self.secretary
        new_deputy = deputy if deputy is not None else self.deputy
        new_committee = sorted(set(committee if committee is not None else self.committee))
        for member in filter(None, [new_secretary, new_deputy, *new_committee]):
            if not self.is_member_on(member, meta.occurred_on):
                raise DomainError("R71", f"{member} is not a member of cell {self.key}")
        self.trigger(
            self.RolesChanged,
            meta,
            secretary=new_secretary,
            deputy=new_deputy,
            committee=new_committee,
        )

    def set_online_eligibility(self, meta: Meta, eligible: bool) -> None:
        self.trigger(self.OnlineEligibilityChanged, meta, online_eligible=eligible)

    def set_party_groups(self, meta: Meta, groups: list[str]) -> None:
        self.trigger(self.PartyGroupsSet, meta, party_groups=sorted(set(groups)))

    def set_thematic_plan(
        self, meta: Meta, year: int, topics: list[str], preparers: dict[str, str]
    ) -> None:
        for member in preparers.values():
            if not self.is_member_on(member, meta.occurred_on):
                raise DomainError("R7", f"preparer {member} is not a member of cell {self.key}")
        self.trigger(self.ThematicPlanSet, meta, year=year, topics=topics, preparers=preparers)

    def record_meeting(self, meta: Meta, meeting: str, kinds: list[str]) -> None:
        self.trigger(self.MeetingHeld, meta, meeting=meeting, kinds=kinds)


def leaders_of(secretary: str, deputy: str | None, committee: Sequence[str]) -> list[str]:
    """R16: the cell's leaders (secretary, deputy, cell committee), each once, sorted."""
    return sorted({secretary, *([deputy] if deputy else []), *committee} - {""})
