"""The reaction map: each domain event type → the read models it changes → the workflow
it starts or signals. Read from the projections' and the dispatcher's own tables
(`Projection.reactions`, `REACTIONS`), so it cannot drift from what runs; events nobody
reacts to are listed in `IGNORED`, with why. `chibo reactions` prints it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from domain.aggregate import AGGREGATES, Aggregate
from domain.cell import Cell
from domain.command_log import CommandRecord
from domain.events import DomainEvent
from domain.inspection import Inspection
from domain.meeting import Meeting
from domain.notices import Escalation, Reminder
from domain.organisation import Organisation
from domain.resolution import Resolution
from domain.tasks import TaskAssignment
from projections.registry import PROJECTIONS
from workflows.dispatcher import REACTIONS

IGNORED: dict[type[Any], str] = {
    Organisation.CellAttached: "Cell.Founded names the organisation",
    Organisation.PolicyAdopted: "read from the organisation's record, on the date in force",
    Organisation.AuditorGranted: "roles are read from the organisation's record (domain/access)",
    Organisation.AuditorWithdrawn: "roles are read from the organisation's record (domain/access)",
    Cell.MeetingHeld: "the cell's own index (R6, R25); the meetings read model has Meeting.Held",
    Resolution.TasksAssigned: "kept on the resolution's record; no read model shows it yet",
    CommandRecord.Accepted: "the command log: idempotency and audit, not a read model",
}
"""Events no read model and no workflow reacts to, each with why."""


class ReactionRow(BaseModel):
    event: str
    """`Aggregate.Event`, e.g. `Resolution.Adopted`."""
    topic: str
    read_models: list[str]
    """The projections it changes, by name."""
    workflow: str | None
    """`start Workflow` or `signal Workflow.signal`."""
    ignored: str | None = None
    """Why nobody reacts to it (`IGNORED`)."""


def event_types() -> list[type[DomainEvent]]:
    """Every event class of every aggregate, aggregate by aggregate (in the order a
    record's life usually runs), each's as declared."""
    aggregates: list[type[Aggregate]] = [Organisation, Cell, Meeting, Resolution, Inspection]
    aggregates += [TaskAssignment, Escalation, Reminder, CommandRecord]
    others = sorted((a for a in AGGREGATES.values() if a not in aggregates), key=lambda a: a.TOPIC)
    return [
        member
        for aggregate in (*aggregates, *others)
        for member in vars(aggregate).values()
        if isinstance(member, type) and issubclass(member, DomainEvent)
    ]


def reaction_rows() -> list[ReactionRow]:
    rows = []
    for event in event_types():
        reaction = REACTIONS.get(event)
        rows.append(
            ReactionRow(
                event=event.__qualname__,
                topic=event.TOPIC,
                read_models=[p.name for p in PROJECTIONS if event in p.reactions],
                workflow=reaction.describe() if reaction is not None else None,
                ignored=IGNORED.get(event),
            )
        )
    return rows
