"""Reads the embedded mail sink's folder (`workers/mailsink.py` writes it): the `.eml`
files, newest first, parsed with the standard `email` package. Lives in `web/` because
the page `/mail` shows it and `web/` may not import `workers/`.

A message is shown only as data: the plain-text part as text, the HTML part handed to a
sandboxed frame by the template; nothing of a message is ever trusted."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from email.utils import getaddresses
from pathlib import Path

MESSAGE_ID = re.compile(r"^[0-9]{8}T[0-9]{12}Z-[0-9a-f]{16}(?:-[0-9]+)?$")
"""A file stem the sink writes (`workers/mailsink.MailFolder.keep`); nothing else is read."""


@dataclass(frozen=True)
class MailSummary:
    """One line of the list: what a mail client shows before it is opened."""

    id: str
    arrived: datetime
    to: list[str]
    subject: str
    message_id: str
    recipients: frozenset[str] = field(default_factory=frozenset)
    """Every address it was delivered to (To, Cc and the envelope), lower case."""

    @property
    def arrived_here(self) -> datetime:
        """The arrival in this server's time zone, as the page shows it."""
        return self.arrived.astimezone()

    @property
    def digest(self) -> str:
        """The Message-ID's digest: two files sharing it are one message stored twice."""
        return self.id.split("-")[1]


@dataclass(frozen=True)
class MailDetail:
    summary: MailSummary
    sender: str
    date: str
    text: str | None
    html: str | None


def _arrival(stem: str) -> datetime:
    return datetime.strptime(stem[:22], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)


def _order(stem: str) -> tuple[str, int]:
    """Arrival, then the number a name taken in the same microsecond was given."""
    return stem[:39], int(stem[40:] or 0)


def _addresses(values: list[str]) -> list[str]:
    return [address for _, address in getaddresses(values) if address]


def _summary(stem: str, headers: EmailMessage) -> MailSummary:
    to = [str(v) for v in headers.get_all("To", [])]
    delivered = [str(v) for k in ("To", "Cc", "X-RcptTo") for v in headers.get_all(k, [])]
    return MailSummary(
        id=stem,
        arrived=_arrival(stem),
        to=_addresses(to),
        subject=str(headers.get("Subject", "")),
        message_id=str(headers.get("Message-ID", "")),
        recipients=frozenset(a.lower() for a in _addresses(delivered)),
    )


def list_mail(folder: Path) -> list[MailSummary]:
    """Every message in the folder, newest first (by arrival, which the name holds)."""
    if not folder.is_dir():
        return []
    parser = BytesHeaderParser(policy=default_policy)
    found = []
    names = [p for p in folder.glob("*.eml") if MESSAGE_ID.match(p.stem)]
    for path in sorted(names, key=lambda p: _order(p.stem), reverse=True):
        try:
            with path.open("rb") as source:
                headers = parser.parse(source)
        except OSError:
            continue  # gone since the listing: not shown
        found.append(_summary(path.stem, headers))
    return found


def read_mail(folder: Path, mail_id: str) -> MailDetail | None:
    """One message by its id (a file stem the sink wrote; anything else is None)."""
    if not MESSAGE_ID.match(mail_id):
        return None
    path = folder / f"{mail_id}.eml"
    try:
        data = path.read_bytes()
    except OSError:
        return None
    message = message_from_bytes(data, policy=default_policy)
    return MailDetail(
        summary=_summary(mail_id, message),
        sender=str(message.get("From", "")),
        date=str(message.get("Date", "")),
        text=_part(message, "plain"),
        html=_part(message, "html"),
    )


def _part(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return None
    try:
        return str(part.get_content())
    except (LookupError, ValueError):  # an unknown charset or a broken encoding
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else None


def addressed_to(mail: list[MailSummary], address: str) -> list[MailSummary]:
    """The messages delivered to `address` (compared as mail servers do, case aside)."""
    wanted = address.strip().lower()
    return [m for m in mail if wanted in m.recipients]
