"""`chibo` commands: Scenario files: importing records, simulating a timeline."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from api.accounts import AccountStore
from domain import commands as c
from domain.access import Caller
from workers.cli.app import REFUSED, USAGE, app, console, fail, load_settings
from workers.cli.printing import print_report
from workers.scenario.format import Scenario, ScenarioError, load_scenario
from workers.scenario.importer import Importer
from workers.wiring import make_app, make_read_store


def _load(file: Path) -> Scenario:
    """The scenario, or exit 2 with one line naming the problem (nothing applied)."""
    try:
        return load_scenario(file)
    except ScenarioError as error:
        fail(f"tệp kịch bản không hợp lệ (invalid scenario file) {file}: {error}")


@app.command("import")
def import_scenario(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="scenario YAML")],
    as_json: Annotated[bool, typer.Option("--json", help="print {applied, errors}")] = False,
) -> None:
    """Apply a scenario's organisation, members, cells and timeline as real commands."""
    scenario = _load(file)
    settings = load_settings()
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
    else:
        console.print(
            f"{scenario.name}: {report.applied} lệnh mới (new commands), {report.repeated}"
            f" đã có (already applied), {len(report.errors)} bị từ chối (refused)",
            markup=False,
        )
        for refusal in report.errors:
            rule = refusal["rule"] or "—"
            console.print(
                f"  {refusal['on']} mục {refusal['item']}: [{rule}] {refusal['message']}",
                markup=False,
            )
    if report.errors:  # some items refused: the import is not complete
        raise typer.Exit(REFUSED)


@app.command()
def simulate(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="scenario YAML")],
    as_json: Annotated[bool, typer.Option("--json", help="the SCENARIOS.md JSON")] = False,
    store: Annotated[str, typer.Option(help="throw-away store: sqlite or postgres")] = "sqlite",
) -> None:
    """Run a scenario's timeline through the real system on Temporal's time-skipping server."""
    from workers.scenario.simulate import simulate as run_simulation
    from workers.up import test_server_binary

    if store not in ("sqlite", "postgres"):
        raise typer.BadParameter("sqlite or postgres", param_hint="'--store'")
    scenario = _load(file)
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


DEMO = Path(__file__).parent.parent / "scenario" / "demo.yaml"
DEMO_ACCOUNTS = {
    "m01": "bí thư đảng ủy (organisation secretary)",
    "m03": "đảng ủy viên phụ trách chi bộ c1 (member in charge of c1)",
    "m10": "bí thư chi bộ c1 (secretary of cell c1)",
    "m12": "đảng viên chi bộ c1 (member of c1)",
    "m20": "bí thư chi bộ c2 (secretary of cell c2)",
    "m30": "kiểm tra (auditor)",
}
DEMO_AUDITOR = "m30"


@app.command()
def demo(
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="the accounts' password from standard input")
    ] = False,
) -> None:
    """Load the demo ward (Thạch Bàn, two cells, the first quarter of 2026) and one account
    per kind of user, so a newcomer has something to open in the pages. Run it again:
    nothing is applied twice."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else "chibo-demo-2026"
    if len(password) < 8:
        fail("mật khẩu quá ngắn (password shorter than 8 characters)", USAGE)
    scenario = _load(DEMO)
    settings = load_settings()
    application = make_app(settings)
    try:
        report = Importer(application, scenario).run()
        org = scenario.organization.id
        secretary = scenario.organization.secretary
        application.apply(
            c.GrantAuditor(
                actor=secretary,
                command_id=f"demo:grant-auditor:{DEMO_AUDITOR}",
                occurred_on=scenario.start,
                organisation=org,
                member=DEMO_AUDITOR,
            )
        )
    finally:
        application.close()
    store = make_read_store(settings)
    try:
        accounts = AccountStore(store)
        existing = {(row.organisation, row.member) for row in accounts.accounts()}
        for member in DEMO_ACCOUNTS:
            if (org, member) not in existing:
                accounts.add(Caller(org, member), password)
    finally:
        store.close()
    console.print(
        f"{scenario.name}: {report.applied} lệnh mới (new commands), {report.repeated} đã có"
        " (already applied)",
        markup=False,
    )
    console.print(f"Tài khoản (accounts), mật khẩu (password) {password!r}:", markup=False)
    for member, role in DEMO_ACCOUNTS.items():
        console.print(f"  {member}@{org:<4} {role}", markup=False)
