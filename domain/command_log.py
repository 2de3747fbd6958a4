"""The record of every accepted command, saved atomically with its effects.

Its stream id is derived from the command id, so a second, concurrent attempt of
the same command collides in the event store and stores nothing.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.aggregate import Aggregate, Created
from domain.ids import aggregate_id


class CommandRecord(Aggregate):
    TOPIC = "chibo.CommandRecord"
    KIND = "command"

    name: str
    fingerprint: str
    result: dict[str, Any]

    class Accepted(Created):
        TOPIC = "chibo.CommandRecord.Accepted"
        name: str
        fingerprint: str
        result: dict[str, Any]

        def create(self) -> CommandRecord:
            return CommandRecord.start(
                self, name=self.name, fingerprint=self.fingerprint, result=self.result
            )


def command_record_id(command_id: str) -> UUID:
    return aggregate_id("command", command_id)
