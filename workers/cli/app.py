"""The `chibo` application: its command groups, the console every command prints to,
and how failures are reported.

Exit codes, on every path: 0 done; 1 refused (a rule, an unknown record, some items of
an import), tampered, or an unexpected failure; 2 usage or configuration (a bad option,
a bad file, settings or a database that cannot be used). Never a traceback: an
unexpected exception prints one line.
"""

from __future__ import annotations

import sqlite3
from typing import Any, NoReturn

import psycopg
import typer
from pydantic import ValidationError
from rich.console import Console
from typer.core import TyperGroup

from workers.cli.audit import audit_app
from workers.settings import Settings
from workers.wiring import ConfigurationError

USAGE, REFUSED = 2, 1


def validation_lines(error: ValidationError) -> list[str]:
    """`field.path: message`, one a line, never quoting the input (it may be a secret)."""
    return [
        f"{'.'.join(str(p) for p in e['loc']) or '(document)'}: {e['msg']}"
        for e in error.errors(include_url=False, include_input=False)
    ]


def fail(message: str, code: int = USAGE) -> NoReturn:
    """One plain line on stderr (no Rich markup is read in it), then exit `code`."""
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _settings_failure(error: ValidationError) -> NoReturn:
    fail(
        "cấu hình không hợp lệ (invalid settings): "
        + "; ".join(
            f"CHIBO_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in error.errors(include_url=False, include_input=False)
        )
    )


def load_settings() -> Settings:
    """The settings, or exit 2 with one line per problem."""
    try:
        return Settings()
    except ValidationError as error:
        _settings_failure(error)


class SafetyNet(TyperGroup):
    """Turns what no command handled into one line and an honest exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException, KeyboardInterrupt):
            raise
        except ConfigurationError as error:
            fail(str(error))
        except ValidationError as error:
            if error.title == Settings.__name__:
                _settings_failure(error)
            fail("không hợp lệ (invalid): " + "; ".join(validation_lines(error)))
        except (psycopg.OperationalError, sqlite3.DatabaseError) as error:
            first = (str(error).strip().splitlines() or [""])[0]
            fail(f"cơ sở dữ liệu không dùng được (database unusable): {first}")
        except TimeoutError as error:  # an OSError, but no file's fault
            fail(f"hết thời gian chờ (timed out): {error}", REFUSED)
        except OSError as error:
            fail(f"không đọc/ghi được tệp (file error): {error}")
        except Exception as error:
            first = (str(error).strip().splitlines() or [""])[0]
            fail(
                f"lỗi không mong đợi (unexpected error): {type(error).__name__}: {first}",
                REFUSED,
            )


app = typer.Typer(
    cls=SafetyNet,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="chibo: sinh hoạt chi bộ, nghị quyết, kiểm tra.",
)
db_app = typer.Typer(no_args_is_help=True, help="The event store and read-model database.")
org_app = typer.Typer(no_args_is_help=True, help="Organisations (đảng ủy cơ sở).")
members_app = typer.Typer(no_args_is_help=True, help="Members (đảng viên) and their data.")
projections_app = typer.Typer(no_args_is_help=True, help="Read models.")
accounts_app = typer.Typer(no_args_is_help=True, help="Accounts of the HTTP API.")
act_app = typer.Typer(
    no_args_is_help=True, help="Record what happened, as a member (the HTTP API's commands)."
)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(members_app, name="members")
app.add_typer(projections_app, name="projections")
app.add_typer(accounts_app, name="accounts")
app.add_typer(act_app, name="act")
webhooks_app = typer.Typer(no_args_is_help=True, help="Webhooks of organisations (notices).")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(audit_app, name="audit")

console = Console()
