"""`chibo accounts`: who may log in to the HTTP API (credentials live outside the log)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from api.accounts import AccountError, AccountStore
from domain.access import Caller
from domain.organisation import Organisation
from workers.cli.app import REFUSED, USAGE, accounts_app, console, fail, load_settings
from workers.wiring import make_app, make_read_store


def _store() -> AccountStore:
    return AccountStore(make_read_store(load_settings()))


@accounts_app.command("add")
def accounts_add(
    organisation: Annotated[str, typer.Argument(help="organisation id, e.g. tb")],
    member: Annotated[str, typer.Argument(help="member id, e.g. m04")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
) -> None:
    """Create the account `MEMBER@ORG` for a registered member (password: the first line
    of standard input, without its line ending)."""
    if not password_stdin:
        fail("--password-stdin is required: a password is never an argument", USAGE)
    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 8:
        fail("mật khẩu quá ngắn (password shorter than 8 characters)", USAGE)
    settings = load_settings()
    application = make_app(settings)
    try:
        org = application.view(Organisation.id_for(organisation))
        if not isinstance(org, Organisation) or member not in org.members:
            fail(f"không có đảng viên (no member) {member} in {organisation}", REFUSED)
    finally:
        application.close()
    store = make_read_store(settings)
    try:
        AccountStore(store).add(Caller(organisation, member), password)
    except AccountError as error:
        fail(str(error), REFUSED)
    finally:
        store.close()
    console.print(f"account {member}@{organisation} created", markup=False)


@accounts_app.command("disable")
def accounts_disable(
    organisation: Annotated[str, typer.Argument()],
    member: Annotated[str, typer.Argument()],
) -> None:
    """Disable an account: its tokens stop working at once."""
    accounts = _store()
    try:
        accounts.set_disabled(Caller(organisation, member), True)
    except AccountError as error:
        fail(str(error), REFUSED)
    finally:
        accounts.store.close()
    console.print(f"account {member}@{organisation} disabled", markup=False)


@accounts_app.command("list")
def accounts_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every account, and whether it is disabled (never a password or a hash)."""
    accounts = _store()
    try:
        rows = accounts.accounts()
    finally:
        accounts.store.close()
    if as_json:
        print(json.dumps([r.model_dump() for r in rows], ensure_ascii=False))
        return
    for row in rows:
        state = "disabled" if row.disabled else "active"
        console.print(f"{row.member}@{row.organisation}\t{state}\t{row.created_at}", markup=False)
