"""`chibo` commands: Running the system: the database, the supervisor, and each process alone."""

from __future__ import annotations

import typer

from workers import processes
from workers.cli.app import app, console, db_app
from workers.settings import Settings
from workers.wiring import init_db


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
    code = processes.run_projector(Settings())
    if code:
        raise typer.Exit(code)


@app.command()
def dispatcher() -> None:
    """Follow the event log and start or signal workflows."""
    processes.configure_logging()
    processes.run_dispatcher(Settings())
