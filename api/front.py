"""One front process for every partition: each request goes to the site (API and pages)
of the partition that holds the caller's organisation.

Who the caller is travels with every request, so routing needs no shared state and no
lookup in any partition: a session token and a calendar token start with their
organisation (`tb~…`, see `api/accounts.py`), and a login names it (`m10@tb`). A request
that names none (the login page, static files, the API's description) goes to the
first partition; one naming an organisation outside the directory too, which then
answers as it would for any unknown caller (401, 404)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.accounts import token_organisation
from api.deps import SESSION_COOKIE

LOGINS = {("POST", "/api/token"), ("POST", "/login")}
"""Where the organisation is in the form's `username`, not yet in a token."""
MAX_LOGIN_BODY = 64 * 1024
_CALENDAR = re.compile(r"^/api/calendar/([^/]+)\.ics$")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def organisation_in(scope: Scope) -> str | None:
    """The organisation the request's credentials name, without its body."""
    authorization = _header(scope, b"authorization")
    if authorization and authorization.lower().startswith("bearer "):
        return token_organisation(authorization[7:].strip())
    cookie = _header(scope, b"cookie")
    if cookie:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(cookie)
        except Exception:  # a malformed cookie header names nobody
            jar = SimpleCookie()
        if SESSION_COOKIE in jar:
            return token_organisation(jar[SESSION_COOKIE].value)
    found = _CALENDAR.match(scope.get("path", ""))
    return token_organisation(found.group(1)) if found else None


class PartitionRouter:
    """An ASGI app sending each request to `apps[partition_of(organisation)]`."""

    def __init__(
        self, apps: Mapping[str, ASGIApp], partition_of: Callable[[str], str | None]
    ) -> None:
        if not apps:
            raise ValueError("a front needs at least one partition")
        self.apps = dict(apps)
        self.partition_of = partition_of
        self.first = next(iter(self.apps.values()))

    def app_for(self, organisation: str | None) -> ASGIApp:
        name = self.partition_of(organisation) if organisation else None
        return self.apps.get(name or "", self.first)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            await self.first(scope, receive, send)
            return
        if (scope.get("method"), scope.get("path")) in LOGINS:
            organisation, receive = await self._login_organisation(receive)
        else:
            organisation = organisation_in(scope)
        await self.app_for(organisation)(scope, receive, send)

    @staticmethod
    async def _login_organisation(receive: Receive) -> tuple[str | None, Receive]:
        """Reads a login form (small, bounded) for its username's organisation, and gives
        back a `receive` that replays the body to the partition's app."""
        messages: list[Message] = []
        body = b""
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body") or len(body) > MAX_LOGIN_BODY:
                break
        username = parse_qs(body[:MAX_LOGIN_BODY].decode("utf-8", "replace")).get("username")
        organisation = username[0].strip().rpartition("@")[2] or None if username else None

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        return organisation, replay

    @staticmethod
    async def _lifespan(receive: Receive, send: Send) -> None:
        """The partitions' sites keep no state over the process's life: just agree."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
