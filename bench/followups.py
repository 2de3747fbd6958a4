"""Waiting follow-ups: how many resolution follow-ups one partition's workers and a
Temporal server hold, and what a day of their timers costs, beside the alternative
design of one workflow per cell holding all its deadlines, in the same run.

On the Temporal dev server (real time, `temporal server start-dev`, its SQLite database
in a file as a persisted server keeps it, `--db`, so the histories are not all held in
memory) and a throw-away SQLite store: `--count` open resolutions (default 100 000)
over cells of five open resolutions each, deadlines spread over the coming year, then:

1. every `ResolutionFollowUp` started (the product's workflow, one per resolution, as
   the dispatcher starts them): start rate, until every one has read its record and
   waits on its timer; then the server's and this process's (the worker's) memory;
2. a day of timers: the resolutions whose reminder falls today (count ÷ 365, at the
   same density) started with their first step due at once: how long their steps take
   (each a real `followup_step_then_info` activity recording a reminder through the
   domain, then reading the record for the steps after it);
3. the alternative: one workflow per cell (count ÷ 5) holding its five deadlines with
   one timer to the next (`CellDeadlines`, defined here only to be measured): its start
   rate and memory on a fresh server.

    .venv/bin/python -m bench.followups [--count 100000] [--concurrency 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from temporalio import activity, workflow
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
    UnsandboxedWorkflowRunner,
    Worker,
)

from bench.loggen import generate
from domain.commands import ResolutionDraft
from domain.events import Meta
from domain.resolution import Resolution, Statement
from workers.scenario.simulate import throwaway_store
from workers.up import temporal_binary
from workers.wiring import make_app, make_read_store
from workers.worker import WORKFLOWS
from workflows.activities import ChiboActivities
from workflows.followup import ResolutionFollowUp, followup_workflow_id
from workflows.models import FollowUpInput

QUEUE = "bench-followups"
PER_CELL = 5
console = Console()


@workflow.defn(name="BenchCellDeadlines")
class CellDeadlines:
    """The alternative measured: one workflow per cell, its deadlines in one list, one
    durable timer to the next (what it would do when one falls is not measured)."""

    @workflow.run
    async def run(self, deadlines: list[str]) -> int:
        done = 0
        for day in sorted(deadlines):
            due = date.fromisoformat(day)
            now = workflow.now().date()
            if due > now:
                await workflow.sleep(timedelta(days=(due - now).days))
            done += 1
        return done


def _rss(pid: int | str = "self") -> float:
    """Resident memory of a process, MiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _server_pid() -> int | None:
    """The newest `temporal server start-dev` process (the one this run started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"start-dev" in cmd and b"temporal" in cmd:
                found.append(int(entry.name))
    return max(found) if found else None


def seed(app: Any, count: int, today: date, due_now: int) -> tuple[list[str], list[str]]:
    """`count` open resolutions with deadlines over the coming year (quiet: nothing due
    before tomorrow), and `due_now` whose first reminder is due today."""
    rnd = random.Random(3)
    cells = max(1, (count + due_now) // PER_CELL)
    per_org = 500
    orgs = max(1, -(-cells // per_org))
    generate(app, orgs=orgs, cells_per_org=min(cells, per_org), members_per_cell=6, months=0)
    cell_keys = [f"org{o:03d}-c{c:03d}" for o in range(orgs) for c in range(min(cells, per_org))]
    quiet: list[str] = []
    now: list[str] = []
    batch: list[Any] = []
    reminder = 7  # the policy's first reminder: 7 days before the deadline
    for n in range(count + due_now):
        cell = cell_keys[n % len(cell_keys)]
        key = f"nq-b{n:07d}"
        urgent = n >= count
        deadline = today + timedelta(days=reminder if urgent else rnd.randint(reminder + 2, 365))
        # Adopted a month ago: a reminder falls only on a day after the adoption (R24).
        adopted = today - timedelta(days=30)
        meta = Meta(
            actor="bench", command_id=f"bench-{n}", correlation_id="bench", occurred_on=adopted
        )
        draft = ResolutionDraft(
            id=key,
            content="Nội dung",
            requirements="Yêu cầu",
            measures="Biện pháp",
            deadline=deadline,
            executors=[f"{cell}-m02"],
            inspector=f"{cell}-m01",
        )
        batch.append(
            Resolution.adopt(
                meta,
                Statement.checked(draft, adopted),
                cell=cell,
                origin="meeting",
                source=f"{cell}-bench",
                kind="resolution",
                votes={"for": 5, "against": 0, "abstain": 0},
            )
        )
        (now if urgent else quiet).append(key)
        if len(batch) == 500:
            app.save(*batch)
            batch = []
    if batch:
        app.save(*batch)
    return quiet, now


class Tenths:
    """Tells a line each time a count passes a tenth of its total (a run stopped early
    still says how far it came, and when)."""

    def __init__(self, label: str, total: int, what: str) -> None:
        self.label, self.total, self.what = label, total, what
        self.began = time.perf_counter()
        self.told = 0

    def tell(self, done: int) -> None:
        while self.told < 9 and done >= self.total * (self.told + 1) // 10:
            self.told += 1
            console.print(
                f"{self.label}: {done:,} of {self.total:,} {self.what}"
                f" in {time.perf_counter() - self.began:,.0f} s"
            )


async def start_all(
    label: str, ids: list[str], start: Callable[[str], Awaitable[Any]], concurrency: int
) -> float:
    """Starts one workflow per id, `concurrency` at a time; returns seconds."""
    gate = asyncio.Semaphore(concurrency)
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=len(ids))

        started = [0]
        tenths = Tenths(label, len(ids), "started")

        async def one(key: str) -> None:
            async with gate:
                await start(key)
                bar.advance(task)
                started[0] += 1
                tenths.tell(started[0])

        began = time.perf_counter()
        await asyncio.gather(*(one(key) for key in ids))
        return time.perf_counter() - began


class Counting(Interceptor):
    """Counts the activities the worker has completed, by name: a follow-up waits on its
    timer once its first `followup_info` is done, and a due step is done once its
    `followup_step_then_info` is. chibo's activities are synchronous: the chain runs in
    the worker's threads and returns the activity's value."""

    def __init__(self) -> None:
        self.done: Counter[str] = Counter()
        self.lock = threading.Lock()

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        counting = self

        class Count(ActivityInboundInterceptor):
            def execute_activity(self, input: ExecuteActivityInput) -> Any:
                result = super().execute_activity(input)
                with counting.lock:
                    counting.done[activity.info().activity_type] += 1
                return result

        return Count(next)


async def until_done(counting: Counting, name: str, total: int, stall: float = 120.0) -> float:
    """Seconds until the worker has completed `total` activities `name` (polled); a
    TimeoutError when none completes for `stall` seconds. Shown as a bar, and told in a
    line at each tenth."""
    began = last_move = time.perf_counter()
    seen = -1
    tenths = Tenths(name, total, "done after the last start")
    columns = (TextColumn(name), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(name, total=total)
        while counting.done[name] < total:
            done = counting.done[name]
            if done != seen:
                seen, last_move = done, time.perf_counter()
                bar.update(task, completed=done)
                tenths.tell(done)
            elif time.perf_counter() - last_move > stall:
                raise TimeoutError(f"{name}: {seen} of {total} done, none for {stall:.0f} s")
            await asyncio.sleep(0.05)
    return time.perf_counter() - began


async def main_async(args: argparse.Namespace) -> None:
    today = date.today()
    due_now = max(1, args.count // 365)
    with throwaway_store("sqlite") as settings:
        app = make_app(settings)
        with console.status(f"seeding {args.count + due_now:,} open resolutions"):
            quiet, now = seed(app, args.count, today, due_now)
        activities = ChiboActivities(app, lambda: make_read_store(settings))
        figures: dict[str, str] = {}
        db = Path(args.db)
        db.parent.mkdir(parents=True, exist_ok=True)
        for stale in db.parent.glob(db.name + "*"):
            stale.unlink()
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=temporal_binary(),
            data_converter=pydantic_data_converter,
            dev_server_database_filename=str(db),
            dev_server_extra_args=["--log-level", "error"],
        )
        try:
            client = env.client
            server = _server_pid()
            rss_before = _rss()
            counting = Counting()
            worker = Worker(
                client,
                task_queue=QUEUE,
                max_cached_workflows=args.cache,
                workflows=WORKFLOWS,
                activities=activities.all(),
                activity_executor=ThreadPoolExecutor(max_workers=8),
                interceptors=[counting],
            )
            async with worker:

                async def start(key: str) -> None:
                    await client.start_workflow(
                        ResolutionFollowUp.run,
                        FollowUpInput(resolution=key),
                        id=followup_workflow_id(key),
                        task_queue=QUEUE,
                    )

                seconds = await start_all("follow-ups", quiet, start, args.concurrency)
                settle = await until_done(counting, "followup_info", len(quiet))
                figures["follow-ups started"] = f"{len(quiet):,}"
                figures["start rate"] = f"{len(quiet) / seconds:,.0f} workflows/s"
                figures["then all waiting on their timers after"] = f"{settle:.1f} s more"
                if server:
                    figures["server RSS"] = f"{_rss(server):,.0f} MiB"
                figures["worker RSS (this process)"] = (
                    f"{_rss():,.0f} MiB (+{_rss() - rss_before:,.0f})"
                )
                size = sum(f.stat().st_size for f in db.parent.glob(db.name + "*"))
                figures["server database on disk"] = f"{size / 2**20:,.0f} MiB"
                began = time.perf_counter()
                await start_all("a day's reminders", now, start, args.concurrency)
                await until_done(counting, "followup_step_then_info", len(now))
                day = time.perf_counter() - began
                figures["a day of timers"] = (
                    f"{len(now):,} reminders recorded in {day:.1f} s"
                    f" ({len(now) / day:,.0f}/s: {day / 86400:.4%} of the day)"
                )
        finally:
            await env.shutdown()
            activities.close()
            app.close()
    # The alternative, on a fresh server: one workflow per cell holding its deadlines.
    cells = max(1, args.count // PER_CELL)
    rnd = random.Random(3)
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_binary(),
        data_converter=pydantic_data_converter,
        dev_server_extra_args=["--log-level", "error"],
    )
    try:
        client = env.client
        server = _server_pid()
        # Defined beside the benchmark's own imports: run outside the sandbox (it only
        # sleeps on timers, deterministic by construction).
        async with Worker(
            client,
            task_queue=QUEUE + "-cells",
            workflows=[CellDeadlines],
            workflow_runner=UnsandboxedWorkflowRunner(),
        ):

            async def start_cell(key: str) -> None:
                days = [
                    (today + timedelta(days=rnd.randint(9, 365))).isoformat()
                    for _ in range(PER_CELL)
                ]
                await client.start_workflow(
                    CellDeadlines.run, days, id=f"cell-{key}", task_queue=QUEUE + "-cells"
                )

            ids = [f"c{n:06d}" for n in range(cells)]
            seconds = await start_all("cell workflows", ids, start_cell, args.concurrency)
            figures["alternative: cell workflows started"] = (
                f"{cells:,} ({cells * PER_CELL:,} deadlines) at {cells / seconds:,.0f}/s"
                f" = {cells * PER_CELL / seconds:,.0f} deadlines/s"
            )
            if server:
                figures["alternative: server RSS"] = f"{_rss(server):,.0f} MiB"
    finally:
        await env.shutdown()
    table = Table(title=f"waiting follow-ups on the dev server ({os.cpu_count()} CPUs)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in figures.items():
        table.add_row(name, value)
    console.print(table)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--cache", type=int, default=1000, help="workflows kept in the worker")
    parser.add_argument("--db", default="var/bench/temporal-followups.db", help="server database")
    asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
