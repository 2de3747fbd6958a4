"""`chibo` commands on read models: positions, rebuilds, what reacts to each event."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.progress import Progress

from projections.projector import Projector
from projections.registry import all_projections
from workers.cli.app import app, console, load_settings, projections_app
from workers.rebuild import RebuildError, rebuild
from workers.wiring import make_app, make_read_store


@projections_app.command("status")
def projections_status() -> None:
    """Position and lag of each projection; a failed one with the position of the event
    it cannot apply and why (exit 1 then)."""
    settings = load_settings()
    application, store = make_app(settings), make_read_store(settings)
    try:
        head = application.recorder.max_notification_id() or 0
        projector = Projector(application, store, all_projections())
        failures = projector.stored_failures()
        for name, position in projector.positions().items():
            line = f"{name:<24} position {position:>10}  lag {head - position}"
            failure = failures.get(name)
            if failure is not None:
                line += f"  FAILED at position {failure.position}: {failure.reason}"
            print(line)
    finally:
        store.close()
        application.close()
    if failures:
        raise typer.Exit(1)


@projections_app.command("rebuild")
def projections_rebuild(
    name: Annotated[str | None, typer.Argument(help="one projection; all when omitted")] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="processes (default: the cores)")
    ] = None,
) -> None:
    """Drop and rebuild read models from the whole event log, groups of them in parallel
    processes."""
    settings = load_settings()
    known = [p.name for p in all_projections()]
    chosen = [n for n in known if name in (None, n)]
    if not chosen:
        console.print(f"[red]không có read model {name}[/red] (known: {', '.join(known)})")
        raise typer.Exit(2)
    application = make_app(settings)
    try:
        head = application.recorder.max_notification_id() or 0
    finally:
        application.close()
    try:
        with Progress(console=console) as bar:
            task = bar.add_task("Dựng lại (rebuilding)", total=head)
            count = rebuild(settings, chosen, jobs, lambda n: bar.advance(task, n))
    except RebuildError as error:
        console.print(f"[red]dựng lại không thành công[/red] (rebuild failed): {error}")
        raise typer.Exit(1) from None
    console.print(f"rebuilt {', '.join(chosen)} from {count} events")


@app.command()
def reactions(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """What each event type changes: the read models it updates, the workflow it starts
    or signals; or why nobody reacts to it."""
    from workflows.reactions import reaction_rows

    rows = reaction_rows()
    if as_json:
        print(json.dumps([r.model_dump() for r in rows], ensure_ascii=False, indent=1))
        return
    table = [("event", "read models", "workflow")]
    for r in rows:
        reaction = r.workflow or ("" if r.read_models else f"ignored: {r.ignored}")
        table.append((r.event, ", ".join(r.read_models) or "—", reaction or "—"))
    widths = [max(len(row[i]) for row in table) for i in range(2)]
    for event, models, reaction in table:
        print(f"{event:<{widths[0]}}  {models:<{widths[1]}}  {reaction}")
