"""The meeting-week peak on PostgreSQL: commands per second with concurrent writers to
different cells, as processes (each its own Application and connection pool), beside
the same work done by one process in the same run.

A "meeting" is what a cell's secretary records in the first week of a month: the
meeting with its attendance and two resolutions (`RecordMeeting`, stored whole), both
resolutions communicated (R22) and the minutes sealed: four commands through the
command bus, each with its command record, as the API applies them.

The national peak: about 250 000 cells each hold their meeting in the first week, five
working days of eight hours. Divided by the partitions (34 provinces by default), that
is what one partition's database must absorb; the margin printed is the measured rate
over that need (the plan asks for at least 10×).

    .venv/bin/python -m bench.writes [--processes 4] [--seconds 20] [--cells 80]
        [--partitions 34]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import time
from datetime import date, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.loggen import generate
from domain import commands as c
from projections.scratch import scratch_database
from workers.settings import Settings
from workers.wiring import init_db, make_app

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
CELLS_NATIONAL = 250_000
PEAK_SECONDS = 5 * 8 * 3600  # five working days of eight hours
COMMANDS_PER_MEETING = 4
MEMBERS = 20
console = Console()


def _draft(key: str, day: date, cell: str) -> c.ResolutionDraft:
    return c.ResolutionDraft(
        id=key,
        content="Vận động hộ gia đình phân loại rác tại nguồn",
        requirements="100% hộ tham gia",
        measures="Tuyên truyền, họp tổ dân phố",
        deadline=day + timedelta(days=60),
        executors=[f"{cell}-m02"],
        inspector=f"{cell}-m01",
    )


def meeting_commands(cell: str, n: int, writer: str) -> list[c.Command]:
    """The four commands of one recorded meeting of `cell` (its `n`-th in this run)."""
    day = date(2026, 3, 2) + timedelta(days=n % 5)
    key = f"{cell}-w{writer}-{n}"
    members = [f"{cell}-m{i:02d}" for i in range(MEMBERS)]
    meta: dict[str, Any] = {"actor": f"{cell}-m00", "occurred_on": day}
    resolutions = [_draft(f"{key}-nq{i}", day, cell) for i in (1, 2)]
    return [
        c.RecordMeeting(
            command_id=f"{key}:record",
            meeting=key,
            cell=cell,
            kind=["regular"],
            notice_on=day - timedelta(days=3),
            duration_minutes=120,
            chair=f"{cell}-m00",
            minute_taker=f"{cell}-m01",
            present=members[:18],
            excused={members[18]: "công tác"},
            speakers=members[:4],
            resolutions=resolutions,
            **meta,
        ),
        *(
            c.CommunicateResolution(command_id=f"{r.id}:communicate", resolution=r.id, **meta)
            for r in resolutions
        ),
        c.SealMinutes(command_id=f"{key}:seal", meeting=key, **meta),
    ]


def _writer(
    url: str, cells: list[str], seconds: float, name: str, start: Any, results: Any
) -> None:
    """One writing process: meetings of its own cells, round-robin, until time is up."""
    app = make_app(Settings(database_url=url))
    try:
        app.recorder.max_notification_id()  # connected before the start
        start.wait()
        begun = time.perf_counter()
        commands = meetings = 0
        while time.perf_counter() - begun < seconds:
            cell = cells[meetings % len(cells)]
            for command in meeting_commands(cell, meetings, name):
                app.handle(command)
                commands += 1
            meetings += 1
        results.put((meetings, commands, time.perf_counter() - begun))
    finally:
        app.close()


def run(url: str, processes: int, cells: list[str], seconds: float, tag: str) -> dict[str, float]:
    """`processes` writers, each with its share of `cells`; events counted from the log."""
    ctx = mp.get_context("spawn")
    # Every writer and this process meet at the barrier: all start together, connected.
    start, results = ctx.Barrier(processes + 1), ctx.Queue()
    shares = [cells[i::processes] for i in range(processes)]
    app = make_app(Settings(database_url=url))
    try:
        before = app.recorder.max_notification_id() or 0
        workers = [
            ctx.Process(target=_writer, args=(url, share, seconds, f"{tag}{i}", start, results))
            for i, share in enumerate(shares)
        ]
        for worker in workers:
            worker.start()
        start.wait()
        done = [results.get(timeout=seconds + 120) for _ in workers]
        for worker in workers:
            worker.join()
        events = (app.recorder.max_notification_id() or 0) - before
    finally:
        app.close()
    wall = max(elapsed for _, _, elapsed in done)
    return {
        "meetings/s": sum(m for m, _, _ in done) / wall,
        "commands/s": sum(n for _, n, _ in done) / wall,
        "events/s": events / wall,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--cells", type=int, default=80)
    parser.add_argument("--partitions", type=int, default=34)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    with scratch_database(PG_ADMIN, "writes") as url:
        settings = Settings(database_url=url)
        init_db(settings)
        app = make_app(settings)
        try:
            generate(app, orgs=1, cells_per_org=args.cells, members_per_cell=MEMBERS, months=0)
        finally:
            app.close()
        cells = [f"org000-c{i:03d}" for i in range(args.cells)]
        one: list[dict[str, float]] = []
        many: list[dict[str, float]] = []
        for r in range(args.repeats):  # in turn, so a passing load falls on both
            with console.status(f"round {r + 1}/{args.repeats}: one process"):
                one.append(run(url, 1, cells, args.seconds, f"a{r}-"))
            with console.status(f"round {r + 1}/{args.repeats}: {args.processes} processes"):
                many.append(run(url, args.processes, cells, args.seconds, f"b{r}-"))
    med = {k: statistics.median(x[k] for x in one) for k in one[0]}
    par = {k: statistics.median(x[k] for x in many) for k in many[0]}
    table = Table(title=f"writes on PostgreSQL, {args.cells} cells, medians of {args.repeats}")
    table.add_column("")
    table.add_column("1 process", justify="right")
    table.add_column(f"{args.processes} processes", justify="right")
    table.add_column("ratio", justify="right")
    for key in med:
        table.add_row(key, f"{med[key]:.1f}", f"{par[key]:.1f}", f"{par[key] / med[key]:.2f}×")
    console.print(table)
    need = CELLS_NATIONAL / PEAK_SECONDS / args.partitions
    console.print(
        f"national peak: {CELLS_NATIONAL:,} meetings in 5 working days = "
        f"{CELLS_NATIONAL / PEAK_SECONDS:.2f} meetings/s; per partition ({args.partitions}):"
        f" {need:.3f} meetings/s ({need * COMMANDS_PER_MEETING:.2f} commands/s)"
    )
    console.print(
        f"margin on this machine: {par['meetings/s'] / need:,.0f}× with {args.processes}"
        f" processes ({med['meetings/s'] / need:,.0f}× with one) — target ≥ 10×"
    )


if __name__ == "__main__":
    main()
