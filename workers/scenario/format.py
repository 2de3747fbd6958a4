"""Scenario files (SCENARIOS.md, version 1): what a file may hold, read and validated.

Ids, names and dates have the bounds of the commands they become (`domain.commands`:
ids match `ID_PATTERN`, at most 64 characters), so a file the system cannot store is
refused whole, naming the field, before anything is applied."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from domain import commands as c

TIMELINE_KEYS = (
    "hold_meeting",
    "record_minutes",
    "report_progress",
    "complete_resolution",
    "extend_deadline",
    "cancel_resolution",
    "set_thematic_plan",
    "assign_tasks",
    "transfer_in",
    "transfer_out",
    "set_member_status",
    "assign_in_charge",
    "inspect",
)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScenarioMember(Model):
    id: c.Id
    name: c.Name
    status: c.MemberStatus
    working: bool = True


class ScenarioOrganisation(Model):
    id: c.Id
    name: c.Name
    secretary: c.Id
    standing_committee: c.Ids = Field(default_factory=list)
    committee: c.Ids = Field(default_factory=list)
    inspection_commission: c.Ids = Field(default_factory=list)


class ScenarioCell(Model):
    id: c.Id
    name: c.Name
    type: c.CellType = "other"
    secretary: c.Id
    deputy: c.Id | None = None
    committee: c.Ids = Field(default_factory=list)
    members: c.Ids = Field(default_factory=list)
    in_charge: c.Id | None = None
    online_eligible: bool = False
    party_groups: c.Names = Field(default_factory=list)


class TimelineItem(Model):
    model_config = ConfigDict(extra="allow", frozen=True)
    date: c.Day


class Scenario(Model):
    version: Literal[1]
    name: c.Name
    start: c.Day
    end: c.Day
    policy: c.Values = Field(default_factory=dict)
    organization: ScenarioOrganisation
    members: list[ScenarioMember] = Field(default_factory=list, max_length=c.MAX_ITEMS * 10)
    cells: list[ScenarioCell] = Field(default_factory=list, max_length=c.MAX_ITEMS)
    timeline: list[TimelineItem] = Field(default_factory=list)


def load_scenario(path: Path) -> Scenario:
    with path.open(encoding="utf-8") as file:
        data = yaml.safe_load(file)
    return Scenario.model_validate(data)
