"""Inspection (kiểm tra, giám sát) of a cell by the committee or its commission (R50–R53)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from domain.aggregate import Aggregate, Created, create
from domain.errors import DomainError
from domain.events import DomainEvent, Meta
from domain.ids import aggregate_id

InspectionStatus = Literal["planned", "concluded"]


class Inspection(Aggregate):
    TOPIC = "chibo.Inspection"
    KIND = "inspection"

    key: str
    cell: str
    kind: str
    status: InspectionStatus
    planned_on: date | None = None
    by: list[str] = Field(default_factory=list)
    findings: str = ""
    rating: str | None = None
    recommendations: list[str] = Field(default_factory=list)
    concluded_on: date | None = None
    notified_on: date | None = None

    class Planned(Created):
        TOPIC = "chibo.Inspection.Planned"
        key: str
        cell: str
        kind: str
        planned_on: date
        by: list[str]

        def create(self) -> Inspection:
            return Inspection.start(
                self,
                key=self.key,
                cell=self.cell,
                kind=self.kind,
                status="planned",
                planned_on=self.planned_on,
                by=self.by,
            )

    class Concluded(DomainEvent):
        TOPIC = "chibo.Inspection.Concluded"
        by: list[str]
        findings: str
        rating: str
        recommendations: list[str]

        def apply(self, insp: Inspection) -> None:
            insp.status, insp.concluded_on = "concluded", self.occurred_on
            insp.by, insp.findings, insp.rating = self.by, self.findings, self.rating
            insp.recommendations = self.recommendations

    class Notified(DomainEvent):
        """The conclusion was sent to the cell."""

        TOPIC = "chibo.Inspection.Notified"

        def apply(self, insp: Inspection) -> None:
            insp.notified_on = self.occurred_on

    @staticmethod
    def id_for(key: str) -> Any:
        return aggregate_id(Inspection.KIND, key)

    @classmethod
    def plan(
        cls, meta: Meta, *, key: str, cell: str, kind: str, planned_on: date, by: list[str]
    ) -> Inspection:
        insp: Inspection = create(
            cls.Planned,
            cls.id_for(key),
            meta,
            key=key,
            cell=cell,
            kind=kind,
            planned_on=planned_on,
            by=sorted(set(by)),
        )
        return insp

    def conclude(
        self,
        meta: Meta,
        *,
        by: list[str],
        findings: str | None,
        rating: str | None,
        recommendations: list[str],
    ) -> None:
        """R52: who inspected, what was found, a rating; recommendations follow up (R53)."""
        if self.status == "concluded":
            raise DomainError("R52", f"inspection {self.key} is already concluded")
        inspectors = sorted(set(by or self.by))
        if not inspectors:
            raise DomainError("R52", f"inspection {self.key} names no inspector")
        if not findings or not findings.strip():
            raise DomainError("R52", f"inspection {self.key} has no findings")
        if rating is None:
            raise DomainError("R52", f"inspection {self.key} has no rating")
        self.trigger(
            self.Concluded,
            meta,
            by=inspectors,
            findings=findings,
            rating=rating,
            recommendations=recommendations,
        )

    def notify(self, meta: Meta) -> None:
        if self.status != "concluded":
            raise DomainError("R52", f"inspection {self.key} has no conclusion to send")
        self.trigger(self.Notified, meta)
