"""Commands: what users (and workflow activities) ask of the domain.

Every command carries who asks (actor), its own id (for idempotency), the business
date it concerns (occurred_on) and, optionally, the id of what caused it.
"""

from __future__ import annotations

import hashlib
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from domain.events import Meta


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: str = Field(min_length=1)
    command_id: str = Field(min_length=1)
    occurred_on: date
    correlation_id: str | None = None

    @property
    def meta(self) -> Meta:
        return Meta(
            actor=self.actor,
            command_id=self.command_id,
            correlation_id=self.correlation_id or self.command_id,
            occurred_on=self.occurred_on,
        )

    def fingerprint(self) -> str:
        """Hash of what the command asks (not of who relayed it or why)."""
        body = self.model_dump_json(exclude={"correlation_id"})
        return hashlib.sha256(f"{type(self).__name__}:{body}".encode()).hexdigest()


class CreateOrganisation(Command):
    """Registers a grassroots committee (đảng ủy cơ sở)."""

    organisation: str = Field(min_length=1)
    name: str = Field(min_length=1)
    secretary: str = Field(min_length=1)
    standing_committee: list[str] = Field(default_factory=list)
    committee: list[str] = Field(default_factory=list)
    inspection_commission: list[str] = Field(default_factory=list)
