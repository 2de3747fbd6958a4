"""Who receives each escalation and reminder: the `to` columns of SCENARIOS.md, decided
once for the period and meeting checks and for the follow-up of resolutions.

"In charge" is the cell's committee member in charge on the day, or the organisation
secretary where the cell has none; the organisation secretary is also the supervisor
of last resort.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Audience = Literal["in_charge", "cell_secretary", "cell_secretary_and_in_charge", "secretary"]


@dataclass(frozen=True)
class Leaders:
    """Who leads a cell on a day, as the recipient rules read it."""

    organisation_secretary: str
    cell_secretary: str | None = None
    in_charge: str | None = None
    """The committee member in charge of the cell, if it has one."""

    @property
    def supervisor(self) -> str:
        """The one "in charge": the member in charge, else the organisation secretary."""
        return self.in_charge or self.organisation_secretary

    @property
    def secretary_of_cell(self) -> str:
        return self.cell_secretary or self.organisation_secretary


ESCALATED_TO: dict[str, Audience] = {
    "meeting_missed": "in_charge",  # R1
    "thematic_missed": "in_charge",  # R3
    "thematic_plan_missing": "in_charge",  # R4
    "minutes_missing": "in_charge",  # R11
    "attendance_below_target": "in_charge",  # R13
    "absent_streak": "cell_secretary_and_in_charge",  # R14
    "removal_review": "cell_secretary_and_in_charge",  # R15
    "task_assignment_incomplete": "in_charge",  # R30
    "new_member_unassigned": "in_charge",  # R31
    "committee_attendance_missed": "secretary",  # R40, R41
    "inspection_overdue": "secretary",  # R50
}


def _audience(audience: Audience, leaders: Leaders) -> list[str]:
    if audience == "in_charge":
        return [leaders.supervisor]
    if audience == "cell_secretary":
        return [leaders.secretary_of_cell]
    if audience == "cell_secretary_and_in_charge":
        return sorted({leaders.secretary_of_cell, leaders.supervisor})
    return [leaders.organisation_secretary]


def escalated_to(kind: str, leaders: Leaders) -> list[str]:
    """Who an escalation of `kind` (other than an overdue resolution) goes to."""
    return _audience(ESCALATED_TO[kind], leaders)


def overdue_escalated_to(level: int, leaders: Leaders, inspector: str) -> list[str]:
    """R24: one rung up per level: the cell secretary and the inspector, then the member
    in charge, then the organisation secretary."""
    if level == 1:
        return [leaders.secretary_of_cell, inspector]
    if level == 2:
        return [leaders.supervisor]
    return [leaders.organisation_secretary]


def deadline_reminded_to(executors: Sequence[str], inspector: str) -> list[str]:
    """R24: a resolution's executors and its inspector, before its deadline."""
    return [*executors, inspector]


def task_reminder_to(leaders: Leaders) -> list[str]:
    """R30: the cell secretary, of a cell with members still without tasks."""
    return _audience("cell_secretary", leaders)


def committee_reminder_to(member: str) -> list[str]:
    """R40, R41: the member who would be escalated."""
    return [member]
