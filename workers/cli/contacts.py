"""`chibo contacts set | show`: where a member's notices go, set by an administrator
(the member and their cell secretary use `PUT /api/members/{member}/contact`)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from pydantic import ValidationError

from api.commands import ContactBody
from api.contacts import ContactStore
from domain.organisation import Organisation
from workers.cli.app import REFUSED, USAGE, app, console, fail, load_settings, validation_lines
from workers.settings import Settings
from workers.wiring import make_app, make_read_store, personal_keys

contacts_app = typer.Typer(
    no_args_is_help=True, help="Where members' notices go (e-mail, daily digest)."
)
app.add_typer(contacts_app, name="contacts")

ADMIN = "cli"
"""Recorded as who changed a contact from the command line."""


def _registered(settings: Settings, organisation: str, member: str) -> None:
    """Exit 1 unless the member is registered in the organisation."""
    application = make_app(settings)
    try:
        org = application.view(Organisation.id_for(organisation))
        if not isinstance(org, Organisation):
            fail(f"không có tổ chức (no organisation) {organisation}", REFUSED)
        if member not in org.members:
            fail(f"không có đảng viên (no member) {member} in {organisation}", REFUSED)
    finally:
        application.close()


@contacts_app.command("set")
def contacts_set(
    organisation: Annotated[str, typer.Argument(help="organisation id, e.g. tb")],
    member: Annotated[str, typer.Argument(help="member id, e.g. m12")],
    email: Annotated[str, typer.Option("--email", help="the member's e-mail address")],
    digest: Annotated[
        bool, typer.Option("--digest", help="one message a day instead of one per notice")
    ] = False,
    kinds: Annotated[
        list[str] | None,
        typer.Option("--kind", help="a notice kind wanted by e-mail (repeat; none: every kind)"),
    ] = None,
) -> None:
    """Set a registered member's e-mail address, digest choice and the kinds of notice
    they want by e-mail (replaces the old)."""
    try:
        body = ContactBody.model_validate({"email": email, "digest": digest, "kinds": kinds or []})
    except ValidationError as error:
        fail("không hợp lệ (invalid): " + "; ".join(validation_lines(error)), USAGE)
    settings = load_settings()
    _registered(settings, organisation, member)
    store = make_read_store(settings)
    try:
        ContactStore(store, personal_keys(settings)).set(
            organisation, member, body.email, body.digest, ADMIN, list(body.kinds)
        )
    finally:
        store.close()
    mode = "daily digest" if body.digest else "each notice"
    console.print(f"contact of {member}@{organisation}: {body.email} ({mode})", markup=False)


@contacts_app.command("show")
def contacts_show(
    organisation: Annotated[str, typer.Argument()],
    member: Annotated[str, typer.Argument()],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Where a member's notices go (nothing set yet: no address)."""
    settings = load_settings()
    _registered(settings, organisation, member)
    store = make_read_store(settings)
    try:
        found = ContactStore(store, personal_keys(settings)).get(organisation, member)
    finally:
        store.close()
    email = found.email if found is not None else None
    digest = found.digest if found is not None else False
    if as_json:
        print(json.dumps({"member": member, "email": email, "digest": digest}, ensure_ascii=False))
        return
    mode = "daily digest" if digest else "each notice"
    console.print(
        f"{member}@{organisation}\t{email or '(chưa có địa chỉ / no address)'}\t{mode}",
        markup=False,
    )
