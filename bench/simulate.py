"""Simulation benchmark: `chibo simulate` on (a) the example scenario and (b) a generated
12-month, 20-cell, 400-member ward year (bench.scenario_gen), through the real system
on Temporal's time-skipping test server and a throw-away store.

For each: wall time (median of the repeats), simulated days/s, events stored/s, and the
escalations, reminders and errors the run produced. Target: the 12-month, 20-cell year
in ≤ 60 s (the ratio wall/60 is printed). As a same-run baseline on a noisy machine,
the same scenarios are also imported with no workflow at all (workers.importer into a
throw-away SQLite store), so the simulation can be read as a multiple of that.

    .venv/bin/python -m bench.simulate [--store sqlite|postgres] [--repeats N]
        [--example-repeats N] [--seed 1] [--save-scenario PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bench.scenario_gen import dump_scenario, generate_scenario
from workers.scenario.format import Scenario, load_scenario
from workers.scenario.importer import Importer
from workers.scenario.simulate import PG_ADMIN, Simulation, throwaway_store, time_skipping_server
from workers.up import test_server_binary
from workers.wiring import make_app

EXAMPLE = Path(__file__).resolve().parent.parent / "tests" / "scenarios" / "ward-q1.yaml"
TARGET_SECONDS = 60.0
console = Console()


@dataclass
class Figures:
    """What one scenario's runs measured (times of every repeat; counts of the last)."""

    name: str
    days: int
    walls: list[float] = field(default_factory=list)
    setups: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    server_cpus: list[float] = field(default_factory=list)
    events: int = 0
    escalations: int = 0
    reminders: int = 0
    errors: int = 0
    fingerprints: set[str] = field(default_factory=set)
    imports: list[float] = field(default_factory=list)
    """Seconds of each import without workflows: one after each run, in the same round."""
    import_events: int = 0

    @property
    def deterministic(self) -> bool:
        """Every repeat gave the same result."""
        return len(self.fingerprints) <= 1

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def import_seconds(self) -> float:
        return statistics.median(self.imports)

    @property
    def setup(self) -> float:
        return statistics.median(self.setups)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)

    @property
    def server_cpu(self) -> float:
        return statistics.median(self.server_cpus)


def _cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _fingerprint(result: dict[str, Any]) -> str:
    """The result with its lists as sets (SCENARIOS.md: their order does not matter)."""
    keyed = {
        key: sorted(json.dumps(x, sort_keys=True, ensure_ascii=False) for x in result[key])
        for key in ("escalations", "reminders", "errors")
    }
    return json.dumps({**result, **keyed}, sort_keys=True, ensure_ascii=False)


async def simulate_once(
    scenario: Scenario,
    store: str,
    server: str,
    pg_admin: str,
    progress: Callable[[date], None] | None = None,
) -> tuple[dict[str, Any], float, float, int]:
    """One run as `workers.scenario.simulate.simulate` does it; returns the result, the wall time
    (store, server and run), the setup part of it (store and server) and the events
    stored (read from the store after the run, before it is thrown away)."""
    started = time.perf_counter()
    with throwaway_store(store, pg_admin) as settings:
        async with time_skipping_server(server) as env:
            ready = time.perf_counter()
            result = await Simulation(scenario, settings, env, progress).run()
        wall = time.perf_counter() - started
        app = make_app(settings)  # run() closed its own
        try:
            events = app.recorder.max_notification_id() or 0
        finally:
            app.close()
    return result, wall, ready - started, events


def import_once(scenario: Scenario) -> tuple[float, int]:
    """Seconds and events of importing the scenario with no workflow (throw-away SQLite)."""
    with throwaway_store("sqlite") as settings:
        app = make_app(settings)
        try:
            started = time.perf_counter()
            Importer(app, scenario).run()
            seconds = time.perf_counter() - started
            return seconds, app.recorder.max_notification_id() or 0
        finally:
            app.close()


async def measure(
    name: str,
    scenario: Scenario,
    repeats: int,
    store: str,
    server: str,
    pg_admin: str,
    *,
    figures: Figures | None = None,
    baseline: bool = True,
) -> Figures:
    """`repeats` runs of the scenario, added to `figures` (new ones by default), then
    (if `baseline`) its import without workflows."""
    days = (scenario.end - scenario.start).days + 1
    figures = figures or Figures(name=name, days=days)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("days"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        for n in range(repeats):
            task = bar.add_task(f"{name} {n + 1}/{repeats}", total=days)

            def advance(day: date, task: Any = task) -> None:
                bar.update(task, completed=(day - scenario.start).days + 1)

            cpu, children = (
                _cpu_seconds(resource.RUSAGE_SELF),
                _cpu_seconds(resource.RUSAGE_CHILDREN),
            )
            result, wall, setup, events = await simulate_once(
                scenario, store, server, pg_admin, advance
            )
            figures.cpus.append(_cpu_seconds(resource.RUSAGE_SELF) - cpu)
            # The test server is a child process, waited for when the run ends.
            figures.server_cpus.append(_cpu_seconds(resource.RUSAGE_CHILDREN) - children)
            bar.update(task, completed=days)
            figures.walls.append(wall)
            figures.setups.append(setup)
            figures.events = events
            figures.escalations = len(result["escalations"])
            figures.reminders = len(result["reminders"])
            figures.errors = len(result["errors"])
            figures.fingerprints.add(_fingerprint(result))
            console.log(
                f"{name} run {n + 1}: {wall:.2f} s, {events} events,"
                f" {figures.escalations} escalations, {figures.reminders} reminders,"
                f" {figures.errors} errors"
            )
    if baseline:
        with console.status(f"{name}: importing without workflows (baseline)"):
            seconds, figures.import_events = import_once(scenario)
            figures.imports.append(seconds)
    return figures


async def measure_in_turn(
    runs: list[tuple[str, Scenario, int]], store: str, server: str, pg_admin: str
) -> list[Figures]:
    """Each round runs every scenario once, in turn, so a load that comes and goes on
    this shared machine falls on all of them alike (their ratio is what is quoted)."""
    figures: dict[str, Figures] = {}
    for round_ in range(max(repeats for _, _, repeats in runs)):
        for name, scenario, repeats in runs:
            if round_ < repeats:
                figures[name] = await measure(
                    name,
                    scenario,
                    1,
                    store,
                    server,
                    pg_admin,
                    figures=figures.get(name),
                    # Each round: the baseline's median is taken like the runs'.
                    baseline=True,
                )
    return [figures[name] for name, _, _ in runs]


def report(all_figures: list[Figures], store: str) -> None:
    """One column per scenario, one row per figure (narrow enough for a log file)."""
    table = Table(title=f"chibo simulate on {store} (time-skipping test server)")
    table.add_column("figure")
    for f in all_figures:
        table.add_column(f.name, justify="right")
    rows: list[tuple[str, Callable[[Figures], str]]] = [
        ("simulated days", lambda f: str(f.days)),
        ("runs", lambda f: str(len(f.walls))),
        ("wall s (median)", lambda f: f"{f.wall:.2f}"),
        ("  of which setup s (store, server)", lambda f: f"{f.setup:.2f}"),
        ("CPU s, this process (all threads)", lambda f: f"{f.cpu:.2f}"),
        ("CPU s, Temporal test server", lambda f: f"{f.server_cpu:.2f}"),
        ("simulated days/s", lambda f: f"{f.days / f.wall:.1f}"),
        ("events stored", lambda f: str(f.events)),
        ("events/s", lambda f: f"{f.events / f.wall:.0f}"),
        ("escalations", lambda f: str(f.escalations)),
        ("reminders", lambda f: str(f.reminders)),
        ("errors", lambda f: str(f.errors)),
        ("baseline: import s (no workflows, median)", lambda f: f"{f.import_seconds:.2f}"),
        ("baseline: events", lambda f: str(f.import_events)),
        ("baseline: events/s", lambda f: f"{f.import_events / f.import_seconds:.0f}"),
        ("wall ÷ baseline", lambda f: f"{f.wall / f.import_seconds:.1f}×"),
    ]
    for label, cell in rows:
        table.add_row(label, *(cell(f) for f in all_figures))
    console.print(table)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    console.print(f"load average now: {load} on {os.cpu_count()} CPUs")
    for f in all_figures:
        if not f.deterministic:
            console.print(f"[red]{f.name}: the repeats gave different results")
    year, year_v2 = all_figures[-2], all_figures[-1]
    cost = year_v2.wall / year.wall
    console.print(
        f"version 2 ÷ version 1 (same year, every checked rule live): {cost:.2f}×"
        f" (target ≤ 1.5×: {'[green]met' if cost <= 1.5 else '[red]missed'}[/])"
    )
    ratio = year.wall / TARGET_SECONDS
    verdict = "[green]met" if ratio <= 1 else "[red]missed"
    console.print(
        f"target: the 12-month, 20-cell year in ≤ {TARGET_SECONDS:.0f} s —"
        f" {year.wall:.1f} s, wall/60 = {ratio:.2f} ({verdict}[/])"
    )


async def main_async(args: argparse.Namespace) -> None:
    server = args.test_server or test_server_binary()
    generated = generate_scenario(cells=20, members=400, months=12, seed=args.seed)
    if args.save_scenario:
        args.save_scenario.write_text(dump_scenario(generated), encoding="utf-8")
    year = Scenario.model_validate(generated)
    year_v2 = Scenario.model_validate(
        generate_scenario(cells=20, members=400, months=12, seed=args.seed, version=2)
    )
    runs: list[tuple[str, Scenario, int]] = []
    if args.example_repeats > 0:
        runs.append(("example ward-q1", load_scenario(EXAMPLE), args.example_repeats))
    runs.append((f"year 20 cells/400 members (seed {args.seed})", year, args.repeats))
    runs.append(
        (f"the same year, version 2 ({len(year_v2.timeline)} items)", year_v2, args.repeats)
    )
    console.print(
        f"generated year: {len(year.timeline)} items, {year.start} → {year.end};"
        f" store {args.store}; server {server}"
    )
    figures = await measure_in_turn(runs, args.store, server, args.pg_admin)
    report(figures, args.store)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--repeats", type=int, default=1, help="runs of the year (median)")
    parser.add_argument(
        "--example-repeats", type=int, default=3, help="runs of the example (0: skip it)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated year")
    parser.add_argument("--pg-admin", default=PG_ADMIN, help="admin URL (postgres store)")
    parser.add_argument("--test-server", help="temporal-test-server binary (default: found)")
    parser.add_argument("--save-scenario", type=Path, help="also write the generated year here")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
