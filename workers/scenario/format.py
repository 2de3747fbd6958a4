"""Scenario files (SCENARIOS.md, versions 1 and 2): what a file may hold, read and validated.

Ids, names and dates have the bounds of the commands they become (`domain.commands`:
ids match `ID_PATTERN`, at most 64 characters), so a file the system cannot store is
refused whole, naming the field, before anything is applied."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain import commands as c

V2_KEYS = ("communicate_resolution", "record_pledge", "pay_fees", "submit_annual_report")
"""Items only a `version: 2` file may hold (a version 1 file's are refused, rule null)."""
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
    *V2_KEYS,
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
    version: Literal[1, 2]
    """1: the first set of checks; 2: every checked rule live (SCENARIOS.md)."""
    name: c.Name
    start: c.Day
    end: c.Day
    policy: c.Values = Field(default_factory=dict)
    organization: ScenarioOrganisation
    members: list[ScenarioMember] = Field(default_factory=list, max_length=c.MAX_ITEMS * 10)
    cells: list[ScenarioCell] = Field(default_factory=list, max_length=c.MAX_ITEMS)
    timeline: list[TimelineItem] = Field(default_factory=list)


MAX_BYTES = 2 * 1024 * 1024
"""A scenario file is at most 2 MiB (the largest known is a few kB)."""
MAX_DEPTH = 32
"""Mappings and lists nest at most this deep (scenario files need 5)."""


class ScenarioError(Exception):
    """A file that is not a scenario: one message naming the problem (nothing applied)."""


class _StrictLoader(yaml.SafeLoader):
    """YAML without surprises: duplicate keys refused, `on`/`yes`/`no` stay text (only
    true/false are booleans), keys are text, nesting is bounded, no aliases."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (*name) are not allowed", event.start_mark
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(
                    None, None, f"nested deeper than {MAX_DEPTH} levels", mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise yaml.constructor.ConstructorError(
                    None, None, f"a key must be text, not {key!r}", key_node.start_mark
                )
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _where(mark: Any) -> str:
    return f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""


def parse_scenario(raw: bytes) -> Scenario:
    """A scenario from a file's bytes, or ScenarioError with one readable message."""
    if len(raw) > MAX_BYTES:
        raise ScenarioError(f"file too large: {len(raw)} bytes, at most {MAX_BYTES}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ScenarioError(f"not UTF-8 text: byte {error.start} cannot be decoded") from None
    if "\x00" in text:
        raise ScenarioError("not a text file: it contains NUL bytes")
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as error:
        problem = error.problem or error.context or "unreadable YAML"
        raise ScenarioError(f"YAML: {problem}{_where(error.problem_mark)}") from None
    except yaml.YAMLError as error:
        raise ScenarioError(f"YAML: {error}") from None
    except RecursionError:
        raise ScenarioError(f"YAML: nested deeper than {MAX_DEPTH} levels") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"expected a mapping of fields (version, name…), got {_kind(data)}")
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(
            "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '(document)'}: {e['msg']}"
                for e in error.errors(include_url=False, include_input=False)
            )
        ) from None


def _kind(data: Any) -> str:
    return "nothing (an empty file)" if data is None else type(data).__name__


def load_scenario(path: Path) -> Scenario:
    """Reads and validates a scenario file; ScenarioError names what is wrong."""
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_BYTES + 1)
    except OSError as error:
        raise ScenarioError(f"cannot read {path}: {error.strerror or error}") from None
    return parse_scenario(raw)
