"""Projection benchmark: a province-sized log (≥ 1 000 000 events, generated once and
cached), then, in the same run, (a) the raw read: the same table's rows (the columns a
notification holds; PostgreSQL's in binary, as the product reads them) in pages of PAGE
with `orjson.loads` of each state, no classes;
(b) the product's decode (the recorder and the mapper, no projection work); (c) a full
rebuild of every projection.
Prints events/s of the three and the ratios decode/raw (target ≥ 0.5) and
rebuild/decode (target ≥ 0.5), on PostgreSQL and SQLite.

    .venv/bin/python -m bench.projections [--backend sqlite|postgres|both] [--small]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson
import psycopg
from rich.console import Console
from rich.progress import Progress

from bench.loggen import generate
from domain.application import ChiboApplication
from domain.persistence import read_rows
from projections.projector import fewer_collections
from workers.rebuild import rebuild
from workers.settings import Settings
from workers.wiring import init_db, make_app

FULL: dict[str, Any] = {"orgs": 50, "cells_per_org": 50, "members_per_cell": 20, "months": 120}
SMALL: dict[str, Any] = {"orgs": 5, "cells_per_org": 20, "members_per_cell": 20, "months": 24}
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
console = Console()


def bench_settings(backend: str, small: bool) -> Settings:
    name = "chibo_bench_small" if small else "chibo_bench"
    if backend == "sqlite":
        path = Path("var/bench") / f"{name}.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        return Settings(database_url=f"sqlite:///{path}")
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    return Settings(database_url=PG_ADMIN.rsplit("/", 1)[0] + f"/{name}")


def ensure_log(settings: Settings, sizes: dict[str, Any]) -> int:
    """The cached log, written through the domain's own aggregates and Application."""
    init_db(settings)
    app = make_app(settings)
    try:
        head = app.recorder.max_notification_id() or 0
        if head:
            return head
        with Progress(console=console) as bar:
            task = bar.add_task("generating the log", total=None)
            generate(app, **sizes, progress=lambda n: bar.advance(task, n))
        return app.recorder.max_notification_id() or 0
    finally:
        app.close()


PAGE = 5000
"""Events a page, for the raw read and the decode alike (what a rebuild reads at once)."""


def raw_all(settings: Settings) -> float:
    """Seconds to read every stored event's row and parse its JSON state, nothing more:
    the floor a decode is measured against."""
    columns = "originator_id, originator_version, topic, state"
    with fewer_collections():  # as the product's reads below, for a like comparison
        return _timed_raw(settings, columns)


def _timed_raw(settings: Settings, columns: str) -> float:
    started = time.perf_counter()
    if settings.backend == "sqlite":
        conn = sqlite3.connect(settings.sqlite_path)
        try:
            sql = (
                f"SELECT rowid, {columns} FROM stored_events WHERE rowid > ? ORDER BY rowid LIMIT ?"
            )
            _parse_pages(lambda after: conn.execute(sql, (after, PAGE)).fetchall())
        finally:
            conn.close()
    else:
        with psycopg.connect(settings.database_url) as pg, pg.cursor(binary=True) as cur:
            # Binary results, as the product reads the log (hex text costs twice as much).
            sql = (
                f"SELECT notification_id, {columns} FROM chibo_events"
                " WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
            )
            _parse_pages(lambda after: cur.execute(sql, (after, PAGE)).fetchall())
    return time.perf_counter() - started


def _parse_pages(page_after: Callable[[int], Sequence[Any]]) -> None:
    """Every page of (position, …, state) rows, each state parsed."""
    position = 0
    while rows := page_after(position):
        for row in rows:
            orjson.loads(row[4])
        position = rows[-1][0]


def decode_all(settings: Settings, batch: int = PAGE) -> float:
    """Seconds to read and decode every event as a rebuild reads the log (pages of rows,
    the mapper, the collector's thresholds of a catch-up), no projection work."""
    app = make_app(settings)
    try:
        with fewer_collections():
            return _timed_decode(app, batch)
    finally:
        app.close()


def _timed_decode(app: ChiboApplication, batch: int) -> float:
    started = time.perf_counter()
    position = 0
    decode = app.mapper.decode
    while rows := read_rows(app.recorder, position + 1, batch):
        for _, originator_id, version, topic, state in rows:  # as the projector reads
            decode(originator_id, version, topic, state)
        position = rows[-1][0]
    return time.perf_counter() - started


def rebuild_all(settings: Settings, jobs: int) -> float:
    """Seconds for a full rebuild of every projection, as `chibo projections rebuild
    --jobs` does it (groups of projections in `jobs` processes)."""
    started = time.perf_counter()
    rebuild(settings, jobs=jobs)
    return time.perf_counter() - started


def run(backend: str, small: bool, repeats: int, jobs: int) -> None:
    settings = bench_settings(backend, small)
    events = ensure_log(settings, SMALL if small else FULL)
    raw, decode, rebuild = [], [], []
    for _ in range(repeats):  # interleaved: a noisy moment slows all three alike
        raw.append(raw_all(settings))
        decode.append(decode_all(settings))
        rebuild.append(rebuild_all(settings, jobs))
    raw_rate = events / statistics.median(raw)
    decode_rate = events / statistics.median(decode)
    rebuild_rate = events / statistics.median(rebuild)
    console.print(
        f"{backend:<8} {events:>9} events | raw {raw_rate:>9,.0f} ev/s"
        f" | decode {decode_rate:>9,.0f} ev/s | rebuild {rebuild_rate:>9,.0f} ev/s"
        f" ({jobs} processes) | decode/raw {decode_rate / raw_rate:.2f}"
        f" | rebuild/decode {rebuild_rate / decode_rate:.2f} (medians of {repeats},"
        f" load {os.getloadavg()[0]:.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--small", action="store_true", help="a small log, for a quick look")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="rebuild processes")
    args = parser.parse_args()
    for backend in ["postgres", "sqlite"] if args.backend == "both" else [args.backend]:
        run(backend, args.small, args.repeats, args.jobs)


if __name__ == "__main__":
    main()
