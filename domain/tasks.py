"""TaskAssignment (phân công nhiệm vụ đảng viên): one per cell and year (R30–R33)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from domain.aggregate import Aggregate, Created, create
from domain.events import DomainEvent, Meta
from domain.ids import aggregate_id


def assignment_key(cell: str, year: int) -> str:
    return f"{cell}/{year}"


class TaskAssignment(Aggregate):
    TOPIC = "chibo.TaskAssignment"
    KIND = "task_assignment"

    key: str
    cell: str
    year: int
    drafted_by: str
    tasks: dict[str, str]
    assigned_on: dict[str, date]
    adopted_at: str | None = None
    pledges: dict[str, str] = Field(default_factory=dict)

    class Drafted(Created):
        """Drafted by the cell committee (R32)."""

        TOPIC = "chibo.TaskAssignment.Drafted"
        key: str
        cell: str
        year: int
        tasks: dict[str, str]

        def create(self) -> TaskAssignment:
            return TaskAssignment.start(
                self,
                key=self.key,
                cell=self.cell,
                year=self.year,
                drafted_by=self.actor,
                tasks=self.tasks,
                assigned_on=dict.fromkeys(self.tasks, self.occurred_on),
            )

    class TasksAdded(DomainEvent):
        """Tasks for further members (e.g. transferred in later, R31) or revised ones."""

        TOPIC = "chibo.TaskAssignment.TasksAdded"
        tasks: dict[str, str]

        def apply(self, ta: TaskAssignment) -> None:
            ta.tasks = {**ta.tasks, **self.tasks}
            ta.assigned_on = {**dict.fromkeys(self.tasks, self.occurred_on), **ta.assigned_on}

    class Adopted(DomainEvent):
        """Discussed and voted by the cell at a meeting (R32)."""

        TOPIC = "chibo.TaskAssignment.Adopted"
        meeting: str

        def apply(self, ta: TaskAssignment) -> None:
            ta.adopted_at = self.meeting

    class PledgeRecorded(DomainEvent):
        TOPIC = "chibo.TaskAssignment.PledgeRecorded"
        member: str
        pledge: str

        def apply(self, ta: TaskAssignment) -> None:
            ta.pledges = {**ta.pledges, self.member: self.pledge}

    @staticmethod
    def id_for(key: str) -> Any:
        return aggregate_id(TaskAssignment.KIND, key)

    @classmethod
    def draft(cls, meta: Meta, cell: str, year: int, tasks: dict[str, str]) -> TaskAssignment:
        key = assignment_key(cell, year)
        ta: TaskAssignment = create(
            cls.Drafted, cls.id_for(key), meta, key=key, cell=cell, year=year, tasks=tasks
        )
        return ta

    def add_tasks(self, meta: Meta, tasks: dict[str, str]) -> None:
        changed = {m: t for m, t in tasks.items() if self.tasks.get(m) != t}
        if changed:
            self.trigger(self.TasksAdded, meta, tasks=changed)

    def adopt(self, meta: Meta, meeting: str) -> None:
        if self.adopted_at != meeting:
            self.trigger(self.Adopted, meta, meeting=meeting)

    def record_pledge(self, meta: Meta, member: str, pledge: str) -> None:
        self.trigger(self.PledgeRecorded, meta, member=member, pledge=pledge)
