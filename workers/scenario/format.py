"""Scenario files (SCENARIOS.md, version 1): what a file may hold, read and validated."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal

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
    id: str
    name: str
    status: c.MemberStatus
    working: bool = True


class ScenarioOrganisation(Model):
    id: str
    name: str
    secretary: str
    standing_committee: list[str] = Field(default_factory=list)
    committee: list[str] = Field(default_factory=list)
    inspection_commission: list[str] = Field(default_factory=list)


class ScenarioCell(Model):
    id: str
    name: str
    type: c.CellType = "other"
    secretary: str
    deputy: str | None = None
    committee: list[str] = Field(default_factory=list)
    members: list[str] = Field(default_factory=list)
    in_charge: str | None = None
    online_eligible: bool = False
    party_groups: list[str] = Field(default_factory=list)


class TimelineItem(Model):
    model_config = ConfigDict(extra="allow", frozen=True)
    date: date


class Scenario(Model):
    version: Literal[1]
    name: str
    start: date
    end: date
    policy: dict[str, Any] = Field(default_factory=dict)
    organization: ScenarioOrganisation
    members: list[ScenarioMember] = Field(default_factory=list)
    cells: list[ScenarioCell] = Field(default_factory=list)
    timeline: list[TimelineItem] = Field(default_factory=list)


def load_scenario(path: Path) -> Scenario:
    with path.open(encoding="utf-8") as file:
        data = yaml.safe_load(file)
    return Scenario.model_validate(data)
