"""Inputs, signals and query results of workflows: small pydantic models, passed through."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class Clock(BaseModel):
    """Business time = workflow time + offset. Production runs at offset 0; the simulator
    shifts a scenario's dates onto the test server's clock."""

    offset_seconds: float = 0.0


class Check(BaseModel):
    """A check due on a business day: `month:2026-02`, `meeting:c1-2026-03`, …"""

    on: date
    id: str


class CalendarInput(BaseModel):
    organisation: str
    year: int
    since: date | None = None
    """Only periods beginning on or after this date are checked."""
    clock: Clock = Field(default_factory=Clock)
    pending: list[Check] = Field(default_factory=list)
    """Checks carried over from the previous year (continue-as-new keeps every plan)."""
    signals: int = 0
    """Signals seen by earlier runs, so progress counts on across years."""


class PlanRequest(BaseModel):
    organisation: str
    year: int
    since: date | None


class CheckRequest(BaseModel):
    organisation: str
    check: Check
    workflow_id: str


class CheckResult(BaseModel):
    raised: int
    schedule: list[Check] = Field(default_factory=list)


class CalendarState(BaseModel):
    organisation: str
    year: int
    pending: list[Check]
    done: int


class FollowUpInput(BaseModel):
    """One resolution or inspection recommendation to follow until it closes (R24, R53)."""

    resolution: str
    clock: Clock = Field(default_factory=Clock)


class FollowUpInfo(BaseModel):
    """What the follow-up needs to plan, read from the record by an activity."""

    resolution: str
    cell: str
    status: str
    adopted_on: date
    deadline: date
    reminder_days: list[int]
    escalation_days: list[int]


class Change(BaseModel):
    """A signal: the record changed (progress, completion, extension, cancellation)."""

    kind: str
    on: date


class Step(BaseModel):
    """One planned act of a follow-up: a reminder or an overdue escalation level."""

    kind: str  # reminder | overdue
    on: date
    deadline: date
    days: int = 0
    level: int = 0

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.deadline.isoformat()}-{self.on.isoformat()}-{self.level}"


class StepRequest(BaseModel):
    resolution: str
    step: Step
    workflow_id: str


class FollowUpState(BaseModel):
    """Query result: where the follow-up stands."""

    resolution: str
    status: str
    deadline: date | None
    done: list[str]
    next: Step | None


class Progress(BaseModel):
    """Query result every long workflow answers: how far it has got. A driver (the
    simulator) waits until each workflow has seen its signals, is idle and has nothing
    due before the day it is about to play."""

    signals: int
    busy: bool
    next_due: date | None
    finished: bool = False
