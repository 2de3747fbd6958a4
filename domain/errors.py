"""Refusals: every one names the rule it enforces and says why in plain words."""

from __future__ import annotations


class DomainError(Exception):
    """A command was refused; nothing was stored.

    `rule` is the RULES.md id (e.g. "R20"), or None for a reference to something unknown.
    """

    def __init__(self, rule: str | None, message: str) -> None:
        super().__init__(f"{rule}: {message}" if rule else message)
        self.rule = rule
        self.message = message


class UnknownReferenceError(DomainError):
    """The command names a cell, member, meeting, resolution… that does not exist."""

    def __init__(self, message: str) -> None:
        super().__init__(None, message)


class CommandIdReusedError(DomainError):
    """The same command id arrived again with a different payload."""

    def __init__(self, command_id: str) -> None:
        super().__init__(None, f"command id {command_id} was already used for a different command")
