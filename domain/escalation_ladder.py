"""One rung up: who an escalation left open too long is raised to (issue 13).

The rungs are those of `domain.notices`: the member in charge (or the cell's leaders),
then the organisation secretary, then the body above the organisation where one is
recorded; none is recorded yet, so the organisation secretary is the top. Kept apart
from `notices.py` only while that module is being changed elsewhere: it belongs there.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.notices import Leaders

CLIMBS_BY_ITSELF = frozenset({"resolution_overdue"})
"""Kinds whose own levels already climb (R24's overdue chain): never raised again."""


def raised_to(kind: str, recipients: Sequence[str], leaders: Leaders) -> list[str] | None:
    """The next rung above `recipients`, or None at the top (or for a kind that climbs
    by itself)."""
    if kind in CLIMBS_BY_ITSELF:
        return None
    if leaders.organisation_secretary in recipients:
        return None  # the body above: not recorded yet
    return [leaders.organisation_secretary]
