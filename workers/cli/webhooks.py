"""`chibo webhooks`: where an organisation's notices are POSTed (kept outside the log)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from domain.organisation import Organisation
from projections import webhooks
from workers.cli.app import REFUSED, USAGE, console, fail, load_settings, webhooks_app
from workers.wiring import make_app, make_read_store


@webhooks_app.command("set")
def webhooks_set(
    organisation: Annotated[str, typer.Argument(help="organisation id, e.g. tb")],
    url: Annotated[str, typer.Option("--url", help="where notices are POSTed")],
    secret_stdin: Annotated[
        bool, typer.Option("--secret-stdin", help="read the signing secret from standard input")
    ] = False,
) -> None:
    """Set the organisation's webhook (secret: the first line of standard input, never an
    argument, never printed). Each notice is then POSTed signed (docs/webhooks.md)."""
    if not secret_stdin:
        fail("--secret-stdin is required: a secret is never an argument", USAGE)
    secret = sys.stdin.readline().rstrip("\r\n")
    problem = webhooks.url_problem(url) or webhooks.secret_problem(secret)
    if problem:
        fail(problem, USAGE)
    settings = load_settings()
    application = make_app(settings)
    try:
        org = application.view(Organisation.id_for(organisation))
        if not isinstance(org, Organisation):
            fail(f"không có tổ chức (no organisation) {organisation}", REFUSED)
    finally:
        application.close()
    store = make_read_store(settings)
    try:
        webhooks.set_webhook(store, organisation, url, secret, by="cli")
    finally:
        store.close()
    console.print(f"webhook of {organisation} set: {url}", markup=False)
