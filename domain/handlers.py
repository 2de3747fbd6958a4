"""The behaviour map: each command type and the function that handles it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain import commands as c
from domain.errors import DomainError
from domain.organisation import Organisation
from domain.unit import Unit

Result = dict[str, Any]
Handler = Callable[[Unit, Any], Result]


def create_organisation(unit: Unit, cmd: c.CreateOrganisation) -> Result:
    if unit.find(Organisation, cmd.organisation) is not None:
        raise DomainError(None, f"organisation {cmd.organisation} already exists")
    org = Organisation.register(
        cmd.meta,
        key=cmd.organisation,
        name=cmd.name,
        secretary=cmd.secretary,
        standing_committee=cmd.standing_committee,
        committee=cmd.committee,
        inspection_commission=cmd.inspection_commission,
    )
    unit.add(org)
    return {"organisation": cmd.organisation}


HANDLERS: dict[type[c.Command], Handler] = {
    c.CreateOrganisation: create_organisation,
}
