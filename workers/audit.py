"""`chibo audit …`: tamper evidence (keygen, checkpoint, verify, export) for auditors."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from domain.chain import Report
from workers.audit_chain import (
    export_bundle,
    generate_key,
    load_private,
    load_public,
    public_path,
    sign_checkpoint,
    verify_bundle,
    verify_store,
)
from workers.audit_history import history_app
from workers.settings import Settings
from workers.wiring import make_app, make_read_store

audit_app = typer.Typer(no_args_is_help=True, help="Kiểm toán (audit): history and integrity.")
# history, show, cell, replay: any record at any moment, read models rebuilt and compared.
audit_app.registered_commands.extend(history_app.registered_commands)
console = Console()


def _time(text: str, *, end_of_day: bool = False) -> datetime:
    """An ISO datetime, or a date (its first or last instant, UTC)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"not an ISO date or datetime: {text}") from None
    if len(text) == 10:
        moment = datetime.combine(date.fromisoformat(text), time.max if end_of_day else time.min)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _print(report: Report, what: str) -> None:
    if report.problem is None:
        console.print(
            f"OK — {what}: {report.events} events chained up to position {report.head},"
            f" {report.checkpoints} signed checkpoints (signed through {report.signed_through})"
        )
        return
    console.print(f"[red]BỊ THAY ĐỔI (TAMPERED)[/red] — {what}: {report.problem}")
    raise typer.Exit(1)


@audit_app.command("keygen")
def keygen() -> None:
    """Create the Ed25519 key that signs checkpoints (kept outside the database)."""
    settings = Settings()
    try:
        generate_key(settings.audit_key_path)
    except FileExistsError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    console.print(
        f"key written to {settings.audit_key_path} (keep it secret);"
        f" public key {public_path(settings.audit_key_path)}"
    )


@audit_app.command("checkpoint")
def checkpoint() -> None:
    """Sign the chain's head now (the projector also signs every CHIBO_CHECKPOINT_EVERY)."""
    settings = Settings()
    store = make_read_store(settings)
    try:
        signed = sign_checkpoint(store, load_private(settings.audit_key_path))
    finally:
        store.close()
    console.print(f"signed position {signed.position}" if signed else "nothing new to sign")


@audit_app.command("verify")
def verify(
    bundle: Annotated[
        Path | None, typer.Option(help="check an exported bundle, no database")
    ] = None,
    public_key: Annotated[
        Path | None, typer.Option(help="the auditor's copy of the public key (PEM)")
    ] = None,
) -> None:
    """Recompute every hash and check every signature; exit 1 at the first problem."""
    settings = Settings()
    if bundle is not None:
        key = load_public(public_key) if public_key else None
        _print(verify_bundle(bundle, key), str(bundle))
        return
    key_path = public_key or settings.audit_key_path
    if not key_path.exists() and public_path(key_path).exists():
        key_path = public_path(key_path)
    if not key_path.exists():
        console.print(f"[red]no audit key at {key_path}: run `chibo audit keygen`[/red]")
        raise typer.Exit(2)
    app, store = make_app(settings), make_read_store(settings)
    try:
        report = verify_store(app, store, load_public(key_path))
    finally:
        store.close()
        app.close()
    _print(report, settings.database_url)


@audit_app.command("export")
def export(
    file: Annotated[Path, typer.Argument(help="bundle to write (JSON)")],
    start: Annotated[str, typer.Option("--from", help="ISO date or datetime")],
    end: Annotated[str, typer.Option("--to", help="ISO date or datetime")],
) -> None:
    """Write a self-contained bundle of the events recorded between two times."""
    settings = Settings()
    app, store = make_app(settings), make_read_store(settings)
    try:
        count = export_bundle(
            app,
            store,
            load_public(settings.audit_key_path),
            _time(start),
            _time(end, end_of_day=True),
            file,
        )
    finally:
        store.close()
        app.close()
    console.print(f"{count} events written to {file}")
