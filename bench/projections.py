"""Projection benchmark: a province-sized log (≥ 1 000 000 events, generated once and
cached), then, in the same run, (a) reading and decoding the whole log with no
projection work and (b) a full rebuild of every projection. Prints events/s of both and
their ratio (target: rebuild ≥ 0.5 × decode), on PostgreSQL and SQLite.

    .venv/bin/python -m bench.projections [--backend sqlite|postgres|both] [--small]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.progress import Progress

from bench.loggen import generate
from projections.projector import Projector
from projections.registry import all_projections
from workers.settings import Settings
from workers.wiring import init_db, make_app, make_read_store

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


def decode_all(settings: Settings, batch: int = 500) -> float:
    """Seconds to read and decode every event, no projection work."""
    app = make_app(settings)
    try:
        started = time.perf_counter()
        position = 0
        while notifications := app.recorder.select_notifications(position + 1, batch):
            for notification in notifications:
                app.mapper.to_domain_event(notification)
            position = notifications[-1].id
        return time.perf_counter() - started
    finally:
        app.close()


def rebuild_all(settings: Settings) -> float:
    """Seconds for a full rebuild of every projection."""
    app, store = make_app(settings), make_read_store(settings)
    try:
        projector = Projector(app, store, all_projections())
        started = time.perf_counter()
        projector.rebuild()
        return time.perf_counter() - started
    finally:
        store.close()
        app.close()


def run(backend: str, small: bool, repeats: int) -> None:
    settings = bench_settings(backend, small)
    events = ensure_log(settings, SMALL if small else FULL)
    decode = [decode_all(settings) for _ in range(repeats)]
    rebuild = [rebuild_all(settings) for _ in range(repeats)]
    decode_rate = events / statistics.median(decode)
    rebuild_rate = events / statistics.median(rebuild)
    console.print(
        f"{backend:<8} {events:>9} events | decode {decode_rate:>9,.0f} ev/s"
        f" | rebuild {rebuild_rate:>9,.0f} ev/s | ratio {rebuild_rate / decode_rate:.2f}"
        f" (medians of {repeats})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--small", action="store_true", help="a small log, for a quick look")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for backend in ["postgres", "sqlite"] if args.backend == "both" else [args.backend]:
        run(backend, args.small, args.repeats)


if __name__ == "__main__":
    main()
