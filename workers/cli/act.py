"""`chibo act`: the HTTP API's commands for administrators and scripts.

Each verb takes the API body as JSON (`--json-file FILE`, or standard input), the
organisation (`--org`), who acts (`--as MEMBER`, recorded as the actor) and the business
date (`--date`, default today; a future one is refused), and applies the same domain
command the API builds (`api/commands.py`). Access is the operator's (whoever reaches the
database); every rule is still the domain's, against the member given as actor.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel

from api.commands import (
    AcknowledgementBody,
    AuditorBody,
    CancellationBody,
    Context,
    EscalationResolutionBody,
    ExtensionBody,
    InspectionBody,
    MeetingBody,
    MinutesBody,
    ProgressBody,
    TasksBody,
    ThematicPlanBody,
    TransferInBody,
    TransferOutBody,
    business_date,
)
from domain.application import ChiboApplication
from domain.cell import Cell
from domain.errors import DomainError
from domain.organisation import Organisation
from workers.cli.app import REFUSED, act_app, fail, load_settings
from workers.wiring import make_app

B = TypeVar("B", bound=BaseModel)

Org = Annotated[str, typer.Option("--org", help="organisation id, e.g. tb")]
As = Annotated[str, typer.Option("--as", help="the member who acts (recorded as actor)")]
On = Annotated[str | None, typer.Option("--date", help="business date YYYY-MM-DD (default today)")]
JsonFile = Annotated[
    Path | None, typer.Option("--json-file", help="the body as JSON (default: standard input)")
]
Key = Annotated[
    str | None, typer.Option("--key", help="command id suffix: a repeat stores nothing")
]


def _body(model: type[B], json_file: Path | None, on: str | None) -> B:
    text = json_file.read_text(encoding="utf-8") if json_file else sys.stdin.read()
    try:
        data: Any = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as error:
        fail(f"JSON không hợp lệ (invalid JSON): line {error.lineno}: {error.msg}")
    if not isinstance(data, dict):
        fail("JSON body must be an object")
    if on is not None:
        data["date"] = on
    return model.model_validate(data)  # a ValidationError: the safety net names the field


def _run(
    org: str, actor: str, key: str | None, given: date | None, build: Callable[..., Any]
) -> None:
    """Builds the command with the context, applies it, prints the result as JSON."""
    application = make_app(load_settings())
    try:
        found = application.view(Organisation.id_for(org))
        if not isinstance(found, Organisation) or actor not in found.members:
            fail(f"không có đảng viên (no member) {actor} in {org}", REFUSED)
        command_id = f"cli:{org}:{actor}:{key}" if key else f"cli:{uuid.uuid4()}"
        try:
            ctx = Context(org, actor, command_id, business_date(given, date.today()))
            command = build(ctx, application)
            outcome = application.apply(command)
        except DomainError as error:
            fail(f"bị từ chối (refused): {error}", REFUSED)
        typer.echo(json.dumps({"stored": outcome.stored, **outcome.result}, default=str))
    finally:
        application.close()


def _cell(application: ChiboApplication, key: str) -> Cell:
    found = application.view(Cell.id_for(key))
    if not isinstance(found, Cell):
        fail(f"không có chi bộ (no cell) {key}", REFUSED)
    return found


@act_app.command("hold-meeting")
def hold_meeting(
    cell: str, org: Org, actor: As, on: On = None, json_file: JsonFile = None, key: Key = None
) -> None:
    """A meeting held, with its resolutions, stored whole or not at all."""
    body = _body(MeetingBody, json_file, on)
    _run(org, actor, key, body.date, lambda ctx, a: body.command(ctx, _cell(a, cell)))


def _simple(name: str, model: type[B], target: str, build: str, doc: str) -> None:
    """A verb whose command needs only the key of one record (`target`)."""

    def verb(
        record: Annotated[str, typer.Argument(help="the key of the meeting, resolution, cell…")],
        org: Org,
        actor: As,
        on: On = None,
        json_file: JsonFile = None,
        key: Key = None,
    ) -> None:
        body = _body(model, json_file, on)
        make = getattr(body, build)
        _run(org, actor, key, getattr(body, "date", None), lambda ctx, _: make(ctx, record))

    verb.__doc__ = f"{doc} ({target.upper()}: the {target}'s key.)"
    act_app.command(name)(verb)


def _yearly(name: str, model: type[B], doc: str) -> None:
    def verb(
        cell: str,
        year: int,
        org: Org,
        actor: As,
        on: On = None,
        json_file: JsonFile = None,
        key: Key = None,
    ) -> None:
        body = _body(model, json_file, on)
        make = getattr(body, "command")  # noqa: B009 - the models share the method
        _run(org, actor, key, getattr(body, "date", None), lambda ctx, _: make(ctx, cell, year))

    verb.__doc__ = doc
    act_app.command(name)(verb)


_simple("record-minutes", MinutesBody, "meeting", "command", "Minutes of an earlier meeting.")
_simple("report-progress", ProgressBody, "resolution", "command", "Progress of a resolution.")
_simple("complete", ProgressBody, "resolution", "completion", "A resolution carried out.")
_simple("extend", ExtensionBody, "resolution", "command", "A deadline moved (R25).")
_simple("cancel", CancellationBody, "resolution", "command", "A resolution withdrawn (R25).")
_simple("transfer-in", TransferInBody, "cell", "command", "A member joins the cell.")
_simple("transfer-out", TransferOutBody, "cell", "command", "A member leaves the cell.")
_simple("inspect", InspectionBody, "cell", "command", "An inspection concluded (R50–R53).")
_simple("acknowledge", AcknowledgementBody, "escalation", "command", "An escalation seen.")
_simple("resolve", EscalationResolutionBody, "escalation", "command", "An escalation resolved.")
_simple("grant-auditor", AuditorBody, "member", "command", "The auditor role granted.")
_simple("withdraw-auditor", AuditorBody, "member", "withdrawal", "The auditor role withdrawn.")
_yearly("thematic-plan", ThematicPlanBody, "The year's thematic plan (R4).")
_yearly("assign-tasks", TasksBody, "Members' tasks for the year (R30–R32).")
