"""`chibo` commands: Running the system: the database, the supervisor, and each process alone."""

from __future__ import annotations

import typer

from audit.signing import KeyFileError, generate_key
from workers import processes
from workers.cli.app import app, console, db_app, load_settings
from workers.wiring import init_db


@db_app.command("init")
def db_init() -> None:
    """Create every table (events, snapshots, tracking, read models); safe to repeat."""
    settings = load_settings()
    tables = init_db(settings)
    console.print(
        f"database ready at {settings.safe_database_url}: {', '.join(tables)}", markup=False
    )


@app.command()
def up() -> None:
    """Start and supervise the whole embedded system (Temporal, worker, projector, dispatcher,
    API and pages; the local mail sink when CHIBO_SMTP_URL is empty)."""
    from workers.up import run_up

    settings = load_settings()
    init_db(settings)  # once, here: the processes it starts never create tables
    if not settings.audit_key_path.exists():
        # The embedded default signs its checkpoints from the start (`audit verify`
        # wants one); the key lives outside the data directory, never beside it.
        generate_key(settings.audit_key_path)
        console.print(f"audit key created at {settings.audit_key_path}", markup=False)
    raise typer.Exit(run_up(settings))


@app.command()
def worker() -> None:
    """Run the Temporal worker for every workflow and activity."""
    processes.configure_logging()
    processes.run_worker(load_settings())


@app.command()
def projector() -> None:
    """Follow the event log and keep every read model up to date."""
    processes.configure_logging()
    try:
        code = processes.run_projector(load_settings())
    except KeyFileError as error:  # configuration, never "tampered" (exit 1)
        typer.echo(f"khóa kiểm toán (audit key): {error}", err=True)
        raise typer.Exit(2) from None
    if code:
        raise typer.Exit(code)


@app.command()
def dispatcher() -> None:
    """Follow the event log and start or signal workflows."""
    processes.configure_logging()
    processes.run_dispatcher(load_settings())


@app.command()
def mailsink() -> None:
    """Run the local mail sink alone: an SMTP server on 127.0.0.1:CHIBO_MAIL_SINK_PORT
    that keeps every message under the data directory's `mail/` (the page /mail lists
    them); `chibo up` runs it when CHIBO_SMTP_URL is empty."""
    from workers.mailsink import run_mailsink

    processes.configure_logging()
    code = run_mailsink(load_settings())
    if code:
        raise typer.Exit(code)


@app.command()
def api() -> None:
    """Serve the HTTP API and the pages (uvicorn) on CHIBO_HTTP_HOST:CHIBO_HTTP_PORT,
    reading the read models that a running `chibo projector` keeps. With a partitions
    file (CHIBO_PARTITIONS_FILE), one front for every partition, each request routed to
    its caller's organisation's partition."""
    import uvicorn

    from web.site import create_site
    from workers.partitions import front, load_directory
    from workers.wiring import make_api_services

    processes.configure_logging()
    settings = load_settings()
    if settings.partitions_file is not None:
        path = settings.partitions_file
        site, services = front(load_directory(path), settings, path)
    else:
        single = make_api_services(settings)
        site, services = create_site(single), [single]
    try:
        uvicorn.run(
            site,
            proxy_headers=True,
            host=settings.http_host,
            port=settings.http_port,
            log_config=None,
            access_log=False,  # our middleware logs requests without secrets
        )
    finally:
        for found in services:
            found.close()
