"""The `chibo` command line."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.progress import Progress

from domain.commands import CreateOrganisation
from domain.errors import DomainError
from domain.periods import bounds
from projections.compliance import compliance, organisation_figures
from projections.escalations import inbox as escalation_inbox
from projections.organisations import list_organisations
from projections.projector import Projector
from projections.registry import all_projections
from workers import processes
from workers.audit import audit_app
from workers.importer import Importer
from workers.labels import KIND_LABELS, STATUS_LABELS
from workers.report import print_compliance, print_report
from workers.scenario import load_scenario
from workers.settings import Settings
from workers.wiring import init_db, make_app, make_read_store

app = typer.Typer(no_args_is_help=True, help="chibo: sinh hoạt chi bộ, nghị quyết, kiểm tra.")
db_app = typer.Typer(no_args_is_help=True, help="The event store and read-model database.")
org_app = typer.Typer(no_args_is_help=True, help="Organisations (đảng ủy cơ sở).")
projections_app = typer.Typer(no_args_is_help=True, help="Read models.")
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(projections_app, name="projections")
app.add_typer(audit_app, name="audit")

console = Console()


@db_app.command("init")
def db_init() -> None:
    """Create every table (events, snapshots, tracking, read models); safe to repeat."""
    settings = Settings()
    tables = init_db(settings)
    console.print(f"database ready at {settings.database_url}: {', '.join(tables)}")


@app.command()
def up() -> None:
    """Start and supervise the whole embedded system (Temporal, worker, projector, dispatcher)."""
    from workers.up import run_up

    settings = Settings()
    init_db(settings)  # once, here: the processes it starts never create tables
    raise typer.Exit(run_up(settings))


@app.command()
def worker() -> None:
    """Run the Temporal worker for every workflow and activity."""
    processes.configure_logging()
    processes.run_worker(Settings())


@app.command()
def projector() -> None:
    """Follow the event log and keep every read model up to date."""
    processes.configure_logging()
    processes.run_projector(Settings())


@app.command()
def dispatcher() -> None:
    """Follow the event log and start or signal workflows."""
    processes.configure_logging()
    processes.run_dispatcher(Settings())


@org_app.command("create")
def org_create(
    organisation: Annotated[str, typer.Option("--id", help="short id, e.g. tb")],
    name: Annotated[str, typer.Option(help="tên đảng ủy")],
    secretary: Annotated[str, typer.Option(help="bí thư (member id)")],
    standing: Annotated[list[str] | None, typer.Option(help="ban thường vụ")] = None,
    committee: Annotated[list[str] | None, typer.Option(help="đảng ủy viên")] = None,
    actor: Annotated[str, typer.Option(help="who records this")] = "cli",
    command_id: Annotated[str | None, typer.Option(help="idempotency key")] = None,
    occurred_on: Annotated[str | None, typer.Option(help="business date (ISO)")] = None,
) -> None:
    """Register a grassroots committee (đảng ủy cơ sở)."""
    settings = Settings()
    application = make_app(settings)
    command = CreateOrganisation(
        actor=actor,
        command_id=command_id or f"org-create-{organisation}",
        occurred_on=date.fromisoformat(occurred_on) if occurred_on else date.today(),
        organisation=organisation,
        name=name,
        secretary=secretary,
        standing_committee=standing or [],
        committee=committee or [],
    )
    try:
        result = application.handle(command)
    except DomainError as error:
        console.print(f"[red]từ chối (refused)[/red] {error}")
        raise typer.Exit(1) from None
    finally:
        application.close()
    console.print(json.dumps(result, ensure_ascii=False))


@org_app.command("list")
def org_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List organisations from the read model."""
    store = make_read_store(Settings())
    try:
        rows = list_organisations(store)
    finally:
        store.close()
    if as_json:
        print(json.dumps([r.model_dump() for r in rows], ensure_ascii=False))
        return
    for row in rows:
        console.print(f"{row.key}\t{row.name}\tbí thư {row.secretary}\t{row.registered_on}")


@projections_app.command("status")
def projections_status() -> None:
    """Position and lag of each projection."""
    settings = Settings()
    application, store = make_app(settings), make_read_store(settings)
    try:
        head = application.recorder.max_notification_id() or 0
        for name, position in Projector(application, store, all_projections()).positions().items():
            console.print(f"{name:<24} position {position:>10}  lag {head - position}")
    finally:
        store.close()
        application.close()


@app.command("import")
def import_scenario(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="scenario YAML")],
    as_json: Annotated[bool, typer.Option("--json", help="print {applied, errors}")] = False,
) -> None:
    """Apply a scenario's organisation, members, cells and timeline as real commands."""
    try:
        scenario = load_scenario(file)
    except (ValidationError, yaml.YAMLError) as error:
        console.print(f"[red]tệp kịch bản không hợp lệ (invalid scenario file)[/red]: {error}")
        raise typer.Exit(2) from None
    settings = Settings()
    application = make_app(settings)
    try:
        importer = Importer(application, scenario)
        if as_json:
            report = importer.run()
        else:
            with Progress(console=console, transient=True) as bar:
                task = bar.add_task("Nhập dữ liệu (importing)", total=len(scenario.timeline))
                report = importer.run(lambda _: bar.advance(task))
    finally:
        application.close()
    if as_json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=1))
        return
    console.print(
        f"{scenario.name}: {report.applied} lệnh mới (new commands), "
        f"{report.repeated} đã có (already applied), {len(report.errors)} bị từ chối (refused)"
    )
    for refusal in report.errors:
        rule = refusal["rule"] or "—"
        console.print(f"  {refusal['on']} mục {refusal['item']}: [{rule}] {refusal['message']}")


@projections_app.command("rebuild")
def projections_rebuild(
    name: Annotated[str | None, typer.Argument(help="one projection; all when omitted")] = None,
) -> None:
    """Drop and rebuild read models from the whole event log."""
    settings = Settings()
    application, store = make_app(settings), make_read_store(settings)
    chosen = [p for p in all_projections() if name in (None, p.name)]
    if not chosen:
        names = ", ".join(p.name for p in all_projections())
        console.print(f"[red]không có read model {name}[/red] (known: {names})")
        raise typer.Exit(2)
    try:
        projector = Projector(application, store, chosen)
        with Progress(console=console) as bar:
            task = bar.add_task("Dựng lại (rebuilding)", total=projector.head())
            count = projector.rebuild(lambda n: bar.advance(task, n))
    finally:
        store.close()
        application.close()
    console.print(f"rebuilt {', '.join(p.name for p in chosen)} from {count} events")


@app.command()
def inbox(
    member: Annotated[str, typer.Argument(help="member id, e.g. m03")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    everything: Annotated[
        bool, typer.Option("--all", help="also acknowledged and resolved")
    ] = False,
) -> None:
    """A member's escalations (hộp thư cảnh báo): open ones unless --all."""
    store = make_read_store(Settings())
    try:
        rows = escalation_inbox(store, member, status=None if everything else "open")
    finally:
        store.close()
    if as_json:
        print(json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False, indent=1))
        return
    if not rows:
        console.print(f"{member}: không có cảnh báo (no escalations)")
    for row in rows:
        console.print(
            f"{row.raised_on} [{row.rule}] {KIND_LABELS.get(row.kind, row.kind)}"
            f" {row.cell or row.member or ''} {row.period or ''} cấp {row.level}"
            f" — {STATUS_LABELS.get(row.status, row.status)}  ({row.key})"
        )


@app.command()
def simulate(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="scenario YAML")],
    as_json: Annotated[bool, typer.Option("--json", help="the SCENARIOS.md JSON")] = False,
    store: Annotated[str, typer.Option(help="throw-away store: sqlite or postgres")] = "sqlite",
) -> None:
    """Run a scenario's timeline through the real system on Temporal's time-skipping server."""
    from workers.simulate import simulate as run_simulation
    from workers.up import test_server_binary

    if store not in ("sqlite", "postgres"):
        console.print("[red]--store must be sqlite or postgres[/red]")
        raise typer.Exit(2)
    try:
        scenario = load_scenario(file)
    except (ValidationError, yaml.YAMLError) as error:
        console.print(f"[red]tệp kịch bản không hợp lệ (invalid scenario file)[/red]: {error}")
        raise typer.Exit(2) from None
    days = (scenario.end - scenario.start).days + 1
    with Progress(console=Console(stderr=True), transient=True, disable=as_json) as bar:
        task = bar.add_task("Mô phỏng (simulating)", total=days)

        def advance(day: date) -> None:
            bar.update(task, completed=(day - scenario.start).days + 1)

        result = asyncio.run(run_simulation(scenario, store, test_server_binary(), advance))
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return
    print_report(console, result)


@app.command("compliance")
def compliance_command(
    cell: Annotated[str | None, typer.Option(help="one cell")] = None,
    period: Annotated[
        str | None, typer.Option(help="2026-03, 2026-Q1, 2026-H1 or 2026 (default: this year)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Compliance of each cell over a period (months and quarters ended by its end)."""
    start, end = bounds(period or str(date.today().year))
    # A period is judged on the day after it ends (today, if it has not ended yet).
    end = min(end + timedelta(days=1), max(date.today(), start))
    settings = Settings()
    application, store = make_app(settings), make_read_store(settings)
    try:
        result = compliance(store, start, end, application.policy_on, cell=cell)
    finally:
        store.close()
        application.close()
    if as_json:
        print(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=1))
        return
    print_compliance(console, result)


@app.command("figures")
def figures_command(
    organisation: Annotated[str, typer.Argument(help="organisation id, e.g. tb")],
    period: Annotated[str | None, typer.Option(help="2026-Q1, 2026-H1 or 2026")] = None,
    target: Annotated[
        float | None,
        typer.Option(help="attendance target (R13); default: the policy's in force"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """An organisation's figures against its targets: attendance (R13), member tasks
    (R30), cells inspected (R51), ratings (R60)."""
    start, end = bounds(period or str(date.today().year))
    settings = Settings()
    application, store = make_app(settings), make_read_store(settings)
    try:
        result = organisation_figures(
            store, organisation, start, end, application.policy_on, attendance_target=target
        )
    finally:
        store.close()
        application.close()
    if as_json:
        print(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=1))
        return
    rate = "—" if result.attendance_rate is None else f"{result.attendance_rate:.1%}"
    console.print(f"{organisation} {start} → {end}")
    console.print(f"  tỷ lệ dự họp (attendance) {rate} / chỉ tiêu {result.attendance_target:.0%}")
    console.print(f"  phân công nhiệm vụ (tasks) {result.task_coverage:.0%} / 100%")
    console.print(f"  chi bộ được kiểm tra (inspected) {result.inspection_coverage:.0%} / 100%")
    console.print(f"  xếp loại (ratings) {result.ratings}")


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


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
