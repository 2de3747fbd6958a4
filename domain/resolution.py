"""Resolution (nghị quyết / kết luận) and inspection recommendation: a follow-up item.

Both live the same life (R53): adopted with everything R20 asks, reminded, overdue,
escalated, extended only by a decision at a meeting of the cell (R25), completed or
cancelled.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.aggregate import Aggregate, Created, create
from domain.commands import ResolutionDraft
from domain.errors import DomainError
from domain.events import DomainEvent, Meta
from domain.ids import aggregate_id

R20_FIELDS = ("content", "requirements", "measures", "deadline", "executors", "inspector")


class DeadlineChange(BaseModel):
    model_config = ConfigDict(frozen=True)
    decided_on: date
    meeting: str
    previous: date
    deadline: date


class Report(BaseModel):
    model_config = ConfigDict(frozen=True)
    reported_on: date
    by: str
    note: str


class Statement(BaseModel):
    """A draft that R20 accepted on the day it is adopted: only `Statement.checked` makes
    one, and `Resolution.adopt` takes nothing else, so R20 is decided once, against the
    adoption date (the date the resolution carries)."""

    model_config = ConfigDict(frozen=True)
    draft: ResolutionDraft
    adopted_on: date

    @classmethod
    def checked(cls, draft: ResolutionDraft, adopted_on: date) -> Statement:
        check_statement(draft, adopted_on)
        return cls(draft=draft, adopted_on=adopted_on)


def check_statement(draft: ResolutionDraft, day: date) -> None:
    """R20: content, requirements, measures, a deadline after `day`, executors, inspector.
    Called by `Statement.checked` only."""
    for field in R20_FIELDS:
        value = getattr(draft, field)
        if isinstance(value, list):
            value = [v for v in value if v.strip()]
        if value is None or (isinstance(value, str) and not value.strip()) or value == []:
            raise DomainError("R20", f"{draft.id} has no {field}")
    if any(not executor.strip() for executor in draft.executors):
        raise DomainError("R20", f"{draft.id} names a blank executor")
    assert draft.deadline is not None
    if draft.deadline <= day:
        raise DomainError("R20", f"{draft.id} has a deadline {draft.deadline} not after {day}")


ResolutionOrigin = Literal["meeting", "inspection"]
ResolutionKind = Literal["resolution", "conclusion", "recommendation"]
ResolutionStatus = Literal["open", "completed", "cancelled"]


class Resolution(Aggregate):
    TOPIC = "chibo.Resolution"
    KIND = "resolution"

    key: str
    cell: str
    origin: ResolutionOrigin
    source: str  # the meeting or inspection id
    kind: ResolutionKind
    content: str
    requirements: str
    measures: str
    deadline: date
    executors: list[str]
    inspector: str
    votes: dict[str, int]
    minority_opinions: list[str]
    adopted_on: date
    status: ResolutionStatus = "open"
    closed_on: date | None = None
    deadline_changes: list[DeadlineChange] = Field(default_factory=list)
    reports: list[Report] = Field(default_factory=list)
    communicated_on: date | None = None
    tasks: dict[str, str] = Field(default_factory=dict)
    overdue_levels: list[int] = Field(default_factory=list)
    cancel_reason: str | None = None

    class Adopted(Created):
        TOPIC = "chibo.Resolution.Adopted"
        key: str
        cell: str
        origin: str
        source: str
        kind: str
        content: str
        requirements: str
        measures: str
        deadline: date
        executors: list[str]
        inspector: str
        votes: dict[str, int]
        minority_opinions: list[str]

        def create(self) -> Resolution:
            fields = self.model_dump(include=set(Resolution.model_fields) - {"adopted_on"})
            return Resolution.start(self, adopted_on=self.occurred_on, **fields)

    class Communicated(DomainEvent):
        TOPIC = "chibo.Resolution.Communicated"
        to_upper_committee: bool

        def apply(self, res: Resolution) -> None:
            res.communicated_on = self.occurred_on

    class TasksAssigned(DomainEvent):
        TOPIC = "chibo.Resolution.TasksAssigned"
        tasks: dict[str, str]

        def apply(self, res: Resolution) -> None:
            res.tasks = {**res.tasks, **self.tasks}

    class ProgressReported(DomainEvent):
        TOPIC = "chibo.Resolution.ProgressReported"
        by: str
        note: str

        def apply(self, res: Resolution) -> None:
            report = Report(reported_on=self.occurred_on, by=self.by, note=self.note)
            res.reports = [*res.reports, report]

    class Completed(DomainEvent):
        TOPIC = "chibo.Resolution.Completed"
        by: str
        note: str

        def apply(self, res: Resolution) -> None:
            res.status, res.closed_on = "completed", self.occurred_on
            res.reports = [
                *res.reports,
                Report(reported_on=self.occurred_on, by=self.by, note=self.note),
            ]

    class DeadlineExtended(DomainEvent):
        TOPIC = "chibo.Resolution.DeadlineExtended"
        meeting: str
        previous: date
        deadline: date

        def apply(self, res: Resolution) -> None:
            change = DeadlineChange(
                decided_on=self.occurred_on,
                meeting=self.meeting,
                previous=self.previous,
                deadline=self.deadline,
            )
            res.deadline_changes = [*res.deadline_changes, change]
            res.deadline = self.deadline
            res.overdue_levels = []  # the chain starts again from the new deadline

    class Cancelled(DomainEvent):
        TOPIC = "chibo.Resolution.Cancelled"
        meeting: str
        reason: str

        def apply(self, res: Resolution) -> None:
            res.status, res.closed_on, res.cancel_reason = (
                "cancelled",
                self.occurred_on,
                self.reason,
            )

    class MarkedOverdue(DomainEvent):
        TOPIC = "chibo.Resolution.MarkedOverdue"
        level: int
        deadline: date

        def apply(self, res: Resolution) -> None:
            res.overdue_levels = [*res.overdue_levels, self.level]

    @staticmethod
    def id_for(key: str) -> Any:
        return aggregate_id(Resolution.KIND, key)

    @classmethod
    def adopt(
        cls,
        meta: Meta,
        statement: Statement,
        *,
        cell: str,
        origin: str,
        source: str,
        kind: str,
        votes: dict[str, int],
    ) -> Resolution:
        if statement.adopted_on != meta.occurred_on:
            raise ValueError(f"{statement.draft.id} was checked for {statement.adopted_on}")
        draft = statement.draft
        assert draft.deadline is not None and draft.inspector is not None
        res: Resolution = create(
            cls.Adopted,
            cls.id_for(draft.id),
            meta,
            key=draft.id,
            cell=cell,
            origin=origin,
            source=source,
            kind=kind,
            content=draft.content,
            requirements=draft.requirements,
            measures=draft.measures,
            deadline=draft.deadline,
            executors=sorted(set(draft.executors)),
            inspector=draft.inspector,
            votes=votes,
            minority_opinions=draft.minority_opinions,
        )
        return res

    # --- queries -------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def deadline_on(self, day: date) -> date:
        """The deadline in force on `day` (extensions count from their decision date)."""
        deadline = self.deadline_changes[0].previous if self.deadline_changes else self.deadline
        for change in self.deadline_changes:
            if change.decided_on <= day:
                deadline = change.deadline
        return deadline

    # --- commands ------------------------------------------------------------------

    def _require_open(self, day: date) -> None:
        if not self.is_open:
            raise DomainError("R24", f"{self.key} is already {self.status}")
        if day < self.adopted_on:
            raise DomainError("R24", f"{self.key} was adopted only on {self.adopted_on}")

    def communicate(self, meta: Meta, to_upper_committee: bool) -> bool:
        """R22: a meeting's resolution, communicated to the members and reported up; the
        first communication is the one R22 judges, so a later one records nothing, and
        an inspection's recommendation is not communicated this way (accepted, nothing
        recorded)."""
        if self.origin != "meeting" or self.communicated_on is not None:
            return False
        self.trigger(self.Communicated, meta, to_upper_committee=to_upper_committee)
        return True

    def assign_tasks(self, meta: Meta, tasks: dict[str, str]) -> None:
        self._require_open(meta.occurred_on)
        self.trigger(self.TasksAssigned, meta, tasks=tasks)

    def report_progress(self, meta: Meta, by: str, note: str) -> None:
        self._require_open(meta.occurred_on)
        self.trigger(self.ProgressReported, meta, by=by, note=note)

    def complete(self, meta: Meta, by: str, note: str) -> None:
        self._require_open(meta.occurred_on)
        self.trigger(self.Completed, meta, by=by, note=note)

    def extend(self, meta: Meta, new_deadline: date, meeting: str) -> None:
        """R25: `meeting` was checked by the caller to be a meeting of this cell."""
        self._require_open(meta.occurred_on)
        if new_deadline <= meta.occurred_on:
            raise DomainError(
                "R25",
                f"{self.key}: the new deadline {new_deadline} is not after {meta.occurred_on}",
            )
        self.trigger(
            self.DeadlineExtended,
            meta,
            meeting=meeting,
            previous=self.deadline,
            deadline=new_deadline,
        )

    def cancel(self, meta: Meta, meeting: str, reason: str) -> None:
        self._require_open(meta.occurred_on)
        self.trigger(self.Cancelled, meta, meeting=meeting, reason=reason)

    def mark_overdue(self, meta: Meta, level: int) -> bool:
        """Marks the item overdue at `level`; False when there is nothing to mark."""
        if not self.is_open or level in self.overdue_levels:
            return False
        if meta.occurred_on <= self.deadline:
            raise DomainError("R24", f"{self.key} is not past its deadline {self.deadline}")
        self.trigger(self.MarkedOverdue, meta, level=level, deadline=self.deadline)
        return True


def communicated_in_time(adopted_on: date, communicated_on: date | None, days: int) -> bool:
    """R22: communicated within `days` (the policy's `communicate_days`) of adoption."""
    return communicated_on is not None and (communicated_on - adopted_on).days <= days
