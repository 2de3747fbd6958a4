"""The `chibo` application: its command groups and the console every command prints to."""

from __future__ import annotations

import typer
from rich.console import Console

from workers.cli.audit import audit_app

app = typer.Typer(no_args_is_help=True, help="chibo: sinh hoạt chi bộ, nghị quyết, kiểm tra.")
db_app = typer.Typer(no_args_is_help=True, help="The event store and read-model database.")
org_app = typer.Typer(no_args_is_help=True, help="Organisations (đảng ủy cơ sở).")
members_app = typer.Typer(no_args_is_help=True, help="Members (đảng viên) and their data.")
projections_app = typer.Typer(no_args_is_help=True, help="Read models.")
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(members_app, name="members")
app.add_typer(projections_app, name="projections")
app.add_typer(audit_app, name="audit")

console = Console()
