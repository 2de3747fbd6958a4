"""Policy as versioned data: every number of RULES.md, named, dated, overridable.

A rule is judged under the version in force on the date it concerns, so a change of
policy never rewrites how an earlier month was judged.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DEFAULT_CRITERIA = {
    "duration": 5,
    "attendance": 5,
    "preparation": 10,
    "conduct": 40,
    "principles": 5,
    "previous_resolutions": 30,
    "closing": 5,
}


RENAMED = {
    "min_duration_minutes": "min_minutes",
    "min_combined_duration_minutes": "min_minutes_combined",
    "communication_days": "communicate_days",
}


class Policy(BaseModel):
    """The defaults are those of RULES.md and SCENARIOS.md."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules_version: Literal[1, 2] = 1
    """Which checks run (SCENARIOS.md): 1 the first set; 2 every checked rule (R7, R10,
    R12, R16, R22, R33, R63, R70, R72, R74 too). Stored policies that predate it read as
    1, so an upgrade never judges an organisation's past by rules it did not have; new
    organisations start on 2 (`chibo org create`, the API)."""
    first_week_days: int = Field(default=7, ge=1, le=31)  # R2
    thematic_per_quarter: int = Field(default=1, ge=0)  # R3
    thematic_plan_deadline: str = "01-31"  # R4 (MM-DD)
    forum_meetings_per_year: int = Field(default=0, ge=0)  # R5: off by default
    notice_days: int = Field(default=1, ge=0)  # R7
    min_minutes: int = Field(default=90, ge=0)  # R10
    min_minutes_combined: int = Field(default=120, ge=0)  # R10: regular and thematic together
    minutes_due_days: int = Field(default=2, ge=0)  # R11
    attendance_target: float = Field(default=0.9, ge=0, le=1)  # R13
    absent_streak: int = Field(default=3, ge=1)  # R14
    removal_months: int = Field(default=3, ge=1)  # R15
    communicate_days: int = Field(default=2, ge=0)  # R22
    reminder_days: list[int] = Field(default_factory=lambda: [7, 1])  # R24
    escalation_days: list[int] = Field(default_factory=lambda: [1, 15, 30])  # R24
    escalation_renotify_days: int = Field(default=7, ge=1)  # an open escalation, sent again
    escalation_raise_days: int = Field(default=14, ge=1)  # an open escalation, one level up
    task_assignment_deadline: str = "01-31"  # R30
    new_member_task_days: int = Field(default=30, ge=0)  # R31
    pledge_deadline: str = "01-31"  # R33
    annual_report_deadline: str = "12-20"  # R63
    fees_unpaid_months: int = Field(default=3, ge=1)  # R74
    inspection_interval_months: Literal[6, 12] = 6  # R50
    term_years: int = Field(default=5, ge=1)  # R51
    vote_excludes_excused: bool = True  # R21
    party_group_min_members: int = Field(default=50, ge=0)  # R6
    party_group_meetings_per_year: int = Field(default=3, ge=0)  # R6
    min_official_members: int = Field(default=3, ge=1)  # R70
    cell_committee_from: int = Field(default=9, ge=1)  # R70
    criteria: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_CRITERIA))  # R18

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, values: Any) -> Any:
        """Keys stored under the names they had before SCENARIOS.md version 2 named them."""
        if isinstance(values, dict):
            for old, new in RENAMED.items():
                if old in values:
                    values = {k: v for k, v in values.items() if k != old} | {new: values[old]}
        return values

    @field_validator(
        "thematic_plan_deadline",
        "task_assignment_deadline",
        "pledge_deadline",
        "annual_report_deadline",
    )
    @classmethod
    def _month_day(cls, value: str) -> str:
        month, day = (int(part) for part in value.split("-"))
        date(2024, month, day)  # raises for an impossible day
        return f"{month:02d}-{day:02d}"

    def deadline_in(self, month_day: str, year: int) -> date:
        month, day = (int(part) for part in month_day.split("-"))
        return date(year, month, day)


class PolicyVersion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    effective_from: date
    policy: Policy


DEFAULT_VERSION = PolicyVersion(
    name="RULES.md defaults", effective_from=date(1900, 1, 1), policy=Policy()
)


def policy_on(versions: list[PolicyVersion], on: date) -> Policy:
    """The policy in force on `on`: the latest version effective by then."""
    current = DEFAULT_VERSION
    for version in versions:
        if version.effective_from <= on and version.effective_from >= current.effective_from:
            current = version
    return current.policy


def build_policy(base: Policy, values: dict[str, Any]) -> Policy:
    """A policy with `values` overriding `base`; unknown keys are refused by name."""
    return Policy.model_validate(base.model_dump() | values)
