"""Erasing a member's personal data on lawful request (docs/personal-data.md §3)."""

from __future__ import annotations

from api.calendar import CalendarTokens
from api.contacts import ContactStore
from domain import commands as c
from domain.application import ChiboApplication
from domain.handlers import Outcome
from workers.keystore import FileKeyStore


def erase_member(
    app: ChiboApplication,
    keys: FileKeyStore | None,
    command: c.EraseMember,
    contacts: ContactStore | None = None,
    calendar: CalendarTokens | None = None,
) -> Outcome:
    """Records the erasure (`Organisation.MemberDataErased`: the read models blank the
    member's name and excuse reasons as soon as the projector reads it), then destroys
    the member's key. The record comes first, so a crash in between is finished by
    running the same command again (it reports "already applied" and erases the key)."""
    outcome = app.apply(command)
    if keys is not None:
        keys.erase(command.member)
    if contacts is not None:  # the e-mail address lives outside the log: deleted outright
        contacts.erase(command.organisation, command.member)
    if calendar is not None:  # the feed's link would still name the member's meetings
        calendar.erase(command.organisation, command.member)
    return outcome
