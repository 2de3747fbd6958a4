"""Organisation (đảng ủy cơ sở): leadership, the member register and the policy in force."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from domain.aggregate import Aggregate, Created, create
from domain.attendance import counts_for_attendance
from domain.errors import DomainError, UnknownReferenceError
from domain.events import DomainEvent, Meta
from domain.ids import aggregate_id
from domain.personal import ERASED
from domain.policy import Policy, PolicyVersion, build_policy, policy_on


class StatusSpan(BaseModel):
    """A member's status from a business date on (until the next span)."""

    model_config = ConfigDict(frozen=True)
    since: date
    status: str
    working: bool


class MemberRecord(BaseModel):
    name: str
    history: list[StatusSpan]

    def on(self, day: date) -> StatusSpan:
        current = self.history[0]
        for span in self.history:
            if span.since <= day:
                current = span
        return current


class Organisation(Aggregate):
    TOPIC = "chibo.Organisation"
    KIND = "organisation"
    PERSONAL_PATHS = ("members.*.name",)

    key: str
    name: str
    secretary: str
    standing_committee: list[str]
    committee: list[str]
    inspection_commission: list[str]
    members: dict[str, MemberRecord] = Field(default_factory=dict)
    policies: list[PolicyVersion] = Field(default_factory=list)
    cells: list[str] = Field(default_factory=list)
    auditors: list[str] = Field(default_factory=list)
    """Members granted the read-only auditor role (API.md) by the secretary."""
    annual_reports: dict[int, date] = Field(default_factory=dict)
    """year → the day its report was submitted (R63)."""

    class Registered(Created):
        TOPIC = "chibo.Organisation.Registered"
        key: str
        name: str
        secretary: str
        standing_committee: list[str]
        committee: list[str]
        inspection_commission: list[str]

        def create(self) -> Organisation:
            return Organisation.start(
                self,
                key=self.key,
                name=self.name,
                secretary=self.secretary,
                standing_committee=self.standing_committee,
                committee=self.committee,
                inspection_commission=self.inspection_commission,
            )

    class LeadershipChanged(DomainEvent):
        TOPIC = "chibo.Organisation.LeadershipChanged"
        secretary: str
        standing_committee: list[str]
        committee: list[str]
        inspection_commission: list[str]

        def apply(self, org: Organisation) -> None:
            org.secretary = self.secretary
            org.standing_committee = self.standing_committee
            org.committee = self.committee
            org.inspection_commission = self.inspection_commission

    class MemberRegistered(DomainEvent):
        TOPIC = "chibo.Organisation.MemberRegistered"
        class_version = 2
        PERSONAL: ClassVar[dict[str, str]] = {"name": "member"}
        member: str
        name: str
        status: str
        working: bool

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v1 kept no working flag: registers then held working members only."""
            state.setdefault("working", True)

        def apply(self, org: Organisation) -> None:
            span = StatusSpan(since=self.occurred_on, status=self.status, working=self.working)
            org.members[self.member] = MemberRecord(name=self.name, history=[span])

    class MemberStatusChanged(DomainEvent):
        TOPIC = "chibo.Organisation.MemberStatusChanged"
        member: str
        status: str
        working: bool

        def apply(self, org: Organisation) -> None:
            record = org.members[self.member]
            span = StatusSpan(since=self.occurred_on, status=self.status, working=self.working)
            # Kept in business-date order: a late entry still lands where it belongs.
            record.history = sorted([*record.history, span], key=lambda s: s.since)

    class PolicyAdopted(DomainEvent):
        TOPIC = "chibo.Organisation.PolicyAdopted"
        name: str
        effective_from: date
        values: dict[str, Any]

        def apply(self, org: Organisation) -> None:
            base = org.policy_on(self.effective_from)
            version = PolicyVersion(
                name=self.name,
                effective_from=self.effective_from,
                policy=build_policy(base, self.values),
            )
            org.policies = [*org.policies, version]

    class AnnualReportSubmitted(DomainEvent):
        """The organisation's report on the year (R63)."""

        TOPIC = "chibo.Organisation.AnnualReportSubmitted"
        year: int
        summary: str

        def apply(self, org: Organisation) -> None:
            org.annual_reports = {**org.annual_reports, self.year: self.occurred_on}

    class CellAttached(DomainEvent):
        TOPIC = "chibo.Organisation.CellAttached"
        cell: str

        def apply(self, org: Organisation) -> None:
            org.cells = [*org.cells, self.cell]

    class MemberDataErased(DomainEvent):
        """A member's personal data erased on lawful request: their name is gone from
        the state (and from every read model) here, and their key is destroyed with it
        (docs/personal-data.md). Holds no personal data itself."""

        TOPIC = "chibo.Organisation.MemberDataErased"
        member: str
        legal_basis: str
        request_ref: str

        def apply(self, org: Organisation) -> None:
            record = org.members[self.member]
            org.members[self.member] = record.model_copy(update={"name": ERASED})

    class AuditorGranted(DomainEvent):
        TOPIC = "chibo.Organisation.AuditorGranted"
        member: str

        def apply(self, org: Organisation) -> None:
            org.auditors = sorted({*org.auditors, self.member})

    class AuditorWithdrawn(DomainEvent):
        TOPIC = "chibo.Organisation.AuditorWithdrawn"
        member: str

        def apply(self, org: Organisation) -> None:
            org.auditors = [m for m in org.auditors if m != self.member]

    @staticmethod
    def id_for(key: str) -> Any:
        return aggregate_id(Organisation.KIND, key)

    @classmethod
    def register(
        cls,
        meta: Meta,
        *,
        key: str,
        name: str,
        secretary: str,
        standing_committee: list[str],
        committee: list[str],
        inspection_commission: list[str],
    ) -> Organisation:
        org: Organisation = create(
            cls.Registered,
            cls.id_for(key),
            meta,
            key=key,
            name=name,
            secretary=secretary,
            standing_committee=sorted(set(standing_committee)),
            committee=sorted(set(committee) | set(standing_committee) | {secretary}),
            inspection_commission=sorted(set(inspection_commission)),
        )
        return org

    # --- queries -------------------------------------------------------------------

    def policy_on(self, day: date) -> Policy:
        return policy_on(self.policies, day)

    def require_member(self, member: str) -> MemberRecord:
        try:
            return self.members[member]
        except KeyError:
            raise UnknownReferenceError(f"unknown member {member}") from None

    def require_members(self, members: Iterable[str | None]) -> None:
        """Every member named (blanks skipped) is on the register."""
        for member in members:
            if member:
                self.require_member(member)

    def status_on(self, member: str, day: date) -> StatusSpan:
        return self.require_member(member).on(day)

    def is_counted(self, member: str, day: date) -> bool:
        """Counted for attendance (R13) on that day."""
        return counts_for_attendance(self.status_on(member, day).status)

    def is_official(self, member: str, day: date) -> bool:
        return self.status_on(member, day).status == "official"

    def is_working(self, member: str, day: date) -> bool:
        return self.status_on(member, day).working

    # --- commands ------------------------------------------------------------------

    def register_member(
        self, meta: Meta, member: str, name: str, status: str, working: bool
    ) -> None:
        if member in self.members:
            raise DomainError("R71", f"member {member} is already registered")
        self.trigger(
            self.MemberRegistered, meta, member=member, name=name, status=status, working=working
        )

    def set_member_status(self, meta: Meta, member: str, status: str, working: bool | None) -> None:
        current = self.status_on(member, meta.occurred_on)
        self.trigger(
            self.MemberStatusChanged,
            meta,
            member=member,
            status=status,
            working=current.working if working is None else working,
        )

    def change_leadership(
        self,
        meta: Meta,
        secretary: str | None,
        standing_committee: list[str] | None,
        committee: list[str] | None,
        inspection_commission: list[str] | None,
    ) -> None:
        named = [secretary or "", *(standing_committee or []), *(committee or [])]
        for member in filter(None, [*named, *(inspection_commission or [])]):
            self.require_member(member)
        standing = sorted(set(standing_committee or self.standing_committee))
        new_secretary = secretary or self.secretary
        self.trigger(
            self.LeadershipChanged,
            meta,
            secretary=new_secretary,
            standing_committee=standing,
            committee=sorted(set(committee or self.committee) | set(standing) | {new_secretary}),
            inspection_commission=sorted(set(inspection_commission or self.inspection_commission)),
        )

    def adopt_policy(
        self, meta: Meta, name: str, effective_from: date, values: dict[str, Any]
    ) -> None:
        try:
            build_policy(self.policy_on(effective_from), values)
        except ValueError as error:
            fields = ", ".join(str(e["loc"][0]) for e in getattr(error, "errors", list)())
            raise DomainError(None, f"policy {name}: invalid key or value: {fields}") from None
        self.trigger(
            self.PolicyAdopted, meta, name=name, effective_from=effective_from, values=values
        )

    def submit_annual_report(self, meta: Meta, year: int, summary: str) -> bool:
        """R63: once per year (a repeat records nothing)."""
        if year in self.annual_reports:
            return False
        self.trigger(self.AnnualReportSubmitted, meta, year=year, summary=summary)
        return True

    def attach_cell(self, meta: Meta, cell: str) -> None:
        self.trigger(self.CellAttached, meta, cell=cell)

    def erase_member_data(
        self, meta: Meta, member: str, legal_basis: str, request_ref: str
    ) -> None:
        self.require_member(member)
        self.trigger(
            self.MemberDataErased,
            meta,
            member=member,
            legal_basis=legal_basis,
            request_ref=request_ref,
        )

    def grant_auditor(self, meta: Meta, member: str) -> bool:
        """The read-only auditor role (API.md), granted by the organisation secretary;
        False when the member holds it already."""
        self.require_member(member)
        if meta.actor != self.secretary:
            raise DomainError(
                None, f"only the organisation secretary grants auditors: {meta.actor}"
            )
        if member in self.auditors:
            return False
        self.trigger(self.AuditorGranted, meta, member=member)
        return True

    def withdraw_auditor(self, meta: Meta, member: str) -> bool:
        if meta.actor != self.secretary:
            raise DomainError(
                None, f"only the organisation secretary withdraws auditors: {meta.actor}"
            )
        if member not in self.auditors:
            return False
        self.trigger(self.AuditorWithdrawn, meta, member=member)
        return True
