"""Documents benchmark: how long the minutes book of a cell-year and the organisation's
report for 50 cells take to generate, on a generated ward year (bench.scenario_gen: 50
cells, 1 000 members, 12 months) imported into a throw-away store and projected.

For each document: the median wall time over the repeats of (a) drawing its data from
the log (records folded at the position, read models in one snapshot), (b) the whole
document (data + Typst or openpyxl), and (c) `audit verify-document` on it. As a
same-run baseline, the read the data needs anyway: `chibo compliance` over the same
period and cells for the report, and loading the cell-year's meetings as they stand now
(`app.repository.get`) for the book. Ratios to the baseline are printed, since this
machine is noisy.

    .venv/bin/python -m bench.documents [--store sqlite|postgres] [--cells 50]
        [--members 1000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bench.scenario_gen import generate_scenario
from documents.issue import draw, issue, make, subject_of, verify
from documents.sources import chain_hash_at, snapshot
from domain.meeting import Meeting
from projections.compliance import compliance
from projections.projector import Projector
from projections.registry import all_projections
from workers.scenario.format import Scenario
from workers.scenario.importer import Importer
from workers.scenario.simulate import throwaway_store
from workers.wiring import document_rebuild, make_app, make_read_store

console = Console()


def _median(fn: Callable[[], Any], repeats: int, bar: Progress, label: str) -> float:
    task = bar.add_task(label, total=repeats)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
        bar.advance(task)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--cells", type=int, default=50)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    scenario = Scenario.model_validate(generate_scenario(cells=args.cells, members=args.members))
    org, year, period = scenario.organization.id, scenario.start.year, str(scenario.start.year)
    with throwaway_store(args.store) as settings:
        app, store = make_app(settings), make_read_store(settings)
        try:
            with console.status("importing and projecting the generated year"):
                Importer(app, scenario).run()
                Projector(app, store, all_projections()).run_until_caught_up()
            events = app.recorder.max_notification_id() or 0
            held = "SELECT 1 FROM rm_meetings WHERE cell = %s"
            cell = max(
                (c.id for c in scenario.cells), key=lambda key: len(store.query(held, (key,)))
            )
            book_subject = subject_of("book", cell, str(year))
            report_subject = subject_of("report", org, period, today=date(year + 1, 1, 15))
            start, end = (
                date.fromisoformat(report_subject["start"]),
                date.fromisoformat(report_subject["end"]),
            )
            meetings = [
                str(r[0])
                for r in store.query(
                    "SELECT meeting FROM rm_meetings WHERE cell = %s AND status = 'held'", (cell,)
                )
            ]
            today = date(year + 1, 1, 15)
            rebuild = document_rebuild(settings, app)
            book_pdf = make(app, store, "book", book_subject, "pdf", today)
            report_xlsx = make(app, store, "report", report_subject, "xlsx", today)
            report_pdf = make(app, store, "report", report_subject, "pdf", today)

            def draw_at_head(kind: Any, subject: dict[str, str]) -> None:
                with snapshot(store) as view:
                    position = int(view.query("SELECT MAX(position) FROM chibo_chain")[0][0])
                    chain_hash_at(view, position)
                    draw(app, view, view, kind, subject, position)

            rows: list[tuple[str, float, float]] = []
            with Progress(console=console, transient=True) as bar:
                n = args.repeats
                book_base = _median(
                    lambda: [app.repository.get(Meeting.id_for(m)) for m in meetings],
                    n,
                    bar,
                    "baseline: the cell-year's meetings",
                )
                report_base = _median(
                    lambda: compliance(store, start, end, app.policy_on, organisation=org),
                    n,
                    bar,
                    "baseline: chibo compliance",
                )
                for label, fn, base in (
                    ("book: data", lambda: draw_at_head("book", book_subject), book_base),
                    (
                        "book: PDF",
                        lambda: make(app, store, "book", book_subject, "pdf", today),
                        book_base,
                    ),
                    (
                        "book: verify",
                        lambda: verify(app, store, book_pdf, rebuild),
                        book_base,
                    ),
                    (
                        "report: data",
                        lambda: issue(app, store, "report", report_subject, today),
                        report_base,
                    ),
                    (
                        "report: XLSX",
                        lambda: make(app, store, "report", report_subject, "xlsx", today),
                        report_base,
                    ),
                    (
                        "report: PDF",
                        lambda: make(app, store, "report", report_subject, "pdf", today),
                        report_base,
                    ),
                    (
                        "report: verify XLSX",
                        lambda: verify(app, store, report_xlsx, rebuild),
                        report_base,
                    ),
                    (
                        "report: verify PDF",
                        lambda: verify(app, store, report_pdf, rebuild),
                        report_base,
                    ),
                ):
                    rows.append((label, _median(fn, n, bar, label), base))
        finally:
            store.close()
            app.close()
    table = Table(
        title=(
            f"Documents on {args.store}: {args.cells} cells, {args.members} members, {events}"
            f" events; book of {cell} ({len(meetings)} meetings); median of {args.repeats}"
        )
    )
    for column in ("what", "median s", "baseline s", "× baseline"):
        table.add_column(column, justify="right" if column != "what" else "left")
    table.add_row("baseline: the cell-year's meetings", f"{book_base:.3f}", "", "")
    table.add_row("baseline: chibo compliance (org, year)", f"{report_base:.3f}", "", "")
    for label, seconds, base in rows:
        table.add_row(label, f"{seconds:.3f}", f"{base:.3f}", f"{seconds / base:.1f}")
    console.print(table)
    console.print(
        f"sizes: book {len(book_pdf) / 1024:.0f} KiB, report XLSX"
        f" {len(report_xlsx) / 1024:.0f} KiB, report PDF {len(report_pdf) / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
