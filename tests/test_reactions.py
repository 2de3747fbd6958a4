"""The reaction map: every event type is handled by a read model or a workflow, or is
ignored on purpose; `chibo reactions` prints it."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import UUID

from typer.testing import CliRunner

from domain import commands as c
from domain.aggregate import AggregateSnapshot
from domain.application import ChiboApplication
from domain.events import TOPICS
from domain.resolution import Resolution
from projections.registry import PROJECTIONS
from projections.store import ReadStore
from tests.factories import cmd, draft, hold
from workers.cli import app
from workflows.calendar import OrganisationCalendar
from workflows.delivery import NoticeDelivery
from workflows.dispatcher import (
    REACTIONS,
    RULE_REACTIONS,
    Each,
    Signal,
    Signals,
    Starts,
    StartWorkflow,
    actions_for,
)
from workflows.escalation import EscalationFollowUp
from workflows.followup import ResolutionFollowUp
from workflows.models import Clock
from workflows.reactions import IGNORED, event_types, reaction_rows
from workflows.webhook import WebhookDelivery


def handled() -> set[type]:
    return {e for p in PROJECTIONS for e in p.reactions} | set(REACTIONS)


def test_event_types_are_every_registered_event() -> None:
    registered = {cls for cls in TOPICS.values() if cls is not AggregateSnapshot}
    assert set(event_types()) == registered
    assert len(event_types()) == len(registered)


def test_every_event_type_is_handled_or_ignored_not_both() -> None:
    events = set(event_types())
    assert events - handled() - set(IGNORED) == set()
    assert handled() & set(IGNORED) == set()
    assert set(IGNORED) <= events and handled() <= events
    assert all(reason.strip() for reason in IGNORED.values())


def test_tables_name_exact_event_classes() -> None:
    # Projections and the dispatcher look events up by exact class: none is subclassed.
    events = event_types()
    assert not [(a, b) for a in events for b in events if a is not b and issubclass(a, b)]


def test_dispatcher_table_names_workflow_definitions() -> None:
    definitions = {
        OrganisationCalendar.run,
        OrganisationCalendar.schedule,
        ResolutionFollowUp.run,
        ResolutionFollowUp.changed,
        NoticeDelivery.run,
        EscalationFollowUp.run,
        EscalationFollowUp.changed,
        WebhookDelivery.run,
    }
    for entry in REACTIONS.values():
        for reaction in entry.reactions if isinstance(entry, Each) else (entry,):
            assert isinstance(reaction, Starts | Signals)
            target = reaction.run if isinstance(reaction, Starts) else reaction.signal
            assert target in definitions


def test_resolution_adopted_row() -> None:
    row = next(r for r in reaction_rows() if r.event == "Resolution.Adopted")
    assert row.read_models == ["resolutions"]
    assert row.workflow == "start ResolutionFollowUp"
    assert Resolution.Adopted in REACTIONS


def test_cli_prints_the_table() -> None:
    result = CliRunner().invoke(app, ["reactions"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    adopted = next(line for line in lines if line.startswith("Resolution.Adopted "))
    assert adopted.split() == ["Resolution.Adopted", "resolutions", "start", "ResolutionFollowUp"]
    held = next(line for line in lines if line.startswith("Meeting.Held "))
    assert "signal OrganisationCalendar.schedule" in held
    attached = next(line for line in lines if line.startswith("Organisation.CellAttached "))
    assert "ignored:" in attached
    assert len(lines) == 1 + len(event_types())


def test_cli_json() -> None:
    result = CliRunner().invoke(app, ["reactions", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["event"]: row for row in json.loads(result.output)}
    assert rows["Resolution.Completed"]["workflow"] == "signal ResolutionFollowUp.changed"
    assert rows["Resolution.Completed"]["read_models"] == ["resolutions"]
    assert rows["CommandRecord.Accepted"]["ignored"]


def test_a_follow_up_starts_and_is_signalled_with_the_record_as_each_event_left_it(
    ward: tuple[ChiboApplication, ReadStore],
) -> None:
    """The follow-up plans from what its start and its signals carry: each carries the
    resolution as that event left it (not as it stands later), under the policy's days."""
    app, _ = ward
    hold(app, "m-1", on=date(2026, 1, 5))
    resolution = draft("nq-1", deadline=date(2026, 2, 28))
    app.handle(cmd(c.AdoptResolution, date(2026, 1, 5), meeting="m-1", resolution=resolution))
    for meeting, on, deadline in (
        ("m-2", date(2026, 2, 2), date(2026, 3, 31)),
        ("m-3", date(2026, 3, 2), date(2026, 4, 30)),
    ):
        hold(app, meeting, on=on)
        app.handle(
            cmd(c.ExtendDeadline, on, resolution="nq-1", new_deadline=deadline, meeting=meeting)
        )
    app.handle(cmd(c.CompleteResolution, date(2026, 4, 6), resolution="nq-1", by="m12"))

    def record_at(originator_id: UUID, version: int) -> Any:
        return app.repository.get(originator_id, version=version)

    carried: list[tuple[str, str, date]] = []
    res_id = Resolution.id_for("nq-1")
    for event in app.events.get(res_id):
        for action in actions_for(
            event,
            Clock(),
            key_of=lambda _: "nq-1",
            org_of=lambda _: "tb",
            record_at=record_at,
            reactions=RULE_REACTIONS,
            policy_on=app.policy_on,
        ):
            assert isinstance(action, (StartWorkflow, Signal))
            info = action.arg.info
            assert info.reminder_days == [7, 1] and info.escalation_days == [1, 15, 30]
            carried.append((type(action).__name__, info.status, info.deadline))
    assert carried == [
        ("StartWorkflow", "open", date(2026, 2, 28)),
        ("Signal", "open", date(2026, 3, 31)),
        ("Signal", "open", date(2026, 4, 30)),
        ("Signal", "completed", date(2026, 4, 30)),
    ]
