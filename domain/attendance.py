"""Who is counted (R13), decided once for the aggregates, the read models, the checks
and the figures.

A member counts for attendance on a day when their status that day is official or
probationary: exempted and suspended members, and those in temporary activity
elsewhere, are not counted (RULES.md R13). The members who owe yearly tasks (R30,
R31) are the counted ones who are also working.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.policy import Policy

COUNTED_STATUSES = frozenset({"official", "probationary"})


def counts_for_attendance(status: str) -> bool:
    """R13: whether a member of this status is counted at a meeting."""
    return status in COUNTED_STATUSES


def owes_tasks(status: str, working: bool) -> bool:
    """R30, R31: a working member who is counted (official or probationary)."""
    return working and counts_for_attendance(status)


def attendance_rate(present: int, counted: int) -> float | None:
    """R13: counted members present ÷ counted, to 4 decimals; None when nobody was counted."""
    return round(present / counted, 4) if counted else None


def below_target(rate: float, policy: Policy) -> bool:
    """R13: a rate short of the policy's attendance target."""
    return rate < policy.attendance_target


def speaker_share(meetings: Sequence[tuple[Sequence[str], Sequence[str]]]) -> float | None:
    """R17: Σ speakers who were present ÷ Σ present over (present, speakers) of each
    meeting, to 4 decimals; None when nobody was present."""
    present = sum(len(p) for p, _ in meetings)
    spoke = sum(len(set(s) & set(p)) for p, s in meetings)
    return round(spoke / present, 4) if present else None


def twelve_regular(months_with_regular: set[int]) -> bool:
    """R61: a regular meeting in every one of the year's twelve months."""
    return months_with_regular >= set(range(1, 13))
