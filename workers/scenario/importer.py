"""`chibo import`: a scenario's records applied as real commands at their business dates.

Each item becomes domain commands here (`Translator`), with only the file format's
defaults (notice three days before, chair the secretary…): every rule is judged by
the domain, never here.

No workflow runs: this is how historical records are loaded. A refused command is
reported in SCENARIOS.md's error shape and the import goes on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import orjson
from pydantic import Field, ValidationError

from domain import commands as c
from domain.application import ChiboApplication
from domain.errors import DomainError
from domain.meeting import default_roles
from workers.scenario.format import (
    TIMELINE_KEYS,
    V2_KEYS,
    Model,
    Scenario,
    ScenarioCell,
    TimelineItem,
)

SIMPLE_ITEMS: dict[str, type[c.Command]] = {
    "record_minutes": c.RecordMinutes,
    "report_progress": c.ReportProgress,
    "complete_resolution": c.CompleteResolution,
    "extend_deadline": c.ExtendDeadline,
    "cancel_resolution": c.CancelResolution,
    "set_thematic_plan": c.SetThematicPlan,
    "assign_tasks": c.AssignTasks,
    "transfer_in": c.TransferIn,
    "transfer_out": c.TransferOut,
    "set_member_status": c.SetMemberStatus,
    "assign_in_charge": c.AssignInCharge,
    "communicate_resolution": c.CommunicateResolution,
    "record_pledge": c.RecordPledge,
    "pay_fees": c.PayFees,
    "submit_annual_report": c.SubmitAnnualReport,
}
ORGANISATION_ITEMS = frozenset({"set_member_status", "pay_fees", "submit_annual_report"})
"""Items whose command names the organisation (the file's)."""


class ItemError(Exception):
    """A timeline item that is not of the file format (a field missing or malformed)."""


def _problems(error: ValidationError) -> str:
    """`field.path: message; …`, never quoting the input."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(item)'}: {e['msg']}"
        for e in error.errors(include_url=False, include_input=False)
    )


UNFIT = (ValidationError, TypeError, ValueError, OverflowError)
"""What building a command from a file's fields may raise: the item is refused."""


# --- bodies of timeline items ---------------------------------------------------------


class ResolutionItem(Model):
    id: c.Id
    kind: c.ResolutionKind = "resolution"
    content: c.Text | None = None
    requirements: c.Text | None = None
    measures: c.Text | None = None
    deadline: c.Day | None = None
    executors: list[c.IdOrBlank] = Field(default_factory=list, max_length=c.MAX_ITEMS)
    inspector: c.IdOrBlank | None = None
    votes: c.Votes | None = None
    minority_opinions: list[c.Text] = Field(default_factory=list, max_length=c.MAX_ITEMS)

    def draft(self) -> c.ResolutionDraft:
        return c.ResolutionDraft.model_validate(self.model_dump(by_alias=True))


class HoldMeetingItem(Model):
    id: c.Id
    cell: c.Id
    kind: c.MeetingKind | list[c.MeetingKind]
    online: bool = False
    notice_on: c.Day | None = None
    duration_minutes: c.Minutes = 120
    chair: c.IdOrBlank | None = None
    minute_taker: c.IdOrBlank | None = None
    present: c.Ids = Field(default_factory=list)
    excused: dict[c.Id, c.Line] = Field(default_factory=dict, max_length=c.MAX_ITEMS)
    guests: c.Ids = Field(default_factory=list)
    speakers: c.Ids = Field(default_factory=list)
    reviewed: c.Ids = Field(default_factory=list)
    minutes: bool = True
    resolutions: list[ResolutionItem] = Field(default_factory=list, max_length=c.MAX_ITEMS)


class InspectItem(Model):
    id: c.Id
    cell: c.Id
    kind: c.InspectionKind
    by: c.Ids = Field(default_factory=list)
    findings: c.Text | None = None
    rating: c.Rating | None = None
    recommendations: list[ResolutionItem] = Field(default_factory=list)


@dataclass(frozen=True)
class Step:
    """One command of a timeline item; `part` orders the commands of one item."""

    command: c.Command
    part: str


def _impersonal(body: Any) -> Any:
    """`body` without the personal data a scenario item may hold: the name beside a
    member id, and the reasons of `excused` (only who was excused stays)."""
    if not isinstance(body, dict):
        return body
    kept = {k: v for k, v in body.items() if not (k == "name" and "member" in body)}
    if isinstance(kept.get("excused"), dict):
        kept["excused"] = sorted(kept["excused"])
    return kept


@dataclass(frozen=True)
class Unfit:
    """A setup record whose fields make no valid command: reported, never applied."""

    part: str
    message: str


class Translator:
    """Turns a scenario into commands, with stable command ids so a re-import is a no-op."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.org = scenario.organization.id
        self.cells = {cell.id: cell for cell in scenario.cells}
        self.meeting_cells: dict[str, str] = {}

    def _id(self, index: int | str, part: str, body: Any) -> str:
        """A stable id from the item's place and its content, leaving out personal data
        (a member's name, excuse reasons): an id must not let anyone confirm a guess of
        it once the member's key is erased. An item whose personal data alone changed
        gets the same id, so its command is refused as reused, never applied twice."""
        digest = hashlib.sha256(
            orjson.dumps(_impersonal(body), default=str, option=orjson.OPT_SORT_KEYS)
        )
        return f"import:{self.org}:{index}:{part}:{digest.hexdigest()[:12]}"

    def _secretary(self, cell: str) -> str:
        known = self.cells.get(cell)
        return known.secretary if known else self.scenario.organization.secretary

    def setup(self) -> Iterator[Step | Unfit]:
        """The organisation, its policy, members and cells, as of `start`."""
        s, org, day = self.scenario, self.scenario.organization, self.scenario.start
        actor = org.secretary

        def cmd(cls: type[c.Command], part: str, **fields: Any) -> Step | Unfit:
            try:
                return Step(
                    cls(
                        actor=actor,
                        command_id=self._id("setup", part, fields),
                        occurred_on=day,
                        **fields,
                    ),
                    part,
                )
            except ValidationError as error:
                return Unfit(part, f"{part}: {_problems(error)}")
            except UNFIT as error:
                return Unfit(part, f"{part}: {error}")

        yield cmd(
            c.CreateOrganisation,
            "organisation",
            organisation=org.id,
            name=org.name,
            secretary=org.secretary,
            standing_committee=org.standing_committee,
            committee=org.committee,
            inspection_commission=org.inspection_commission,
        )
        # Version 2 turns every checked rule on (the policy's `rules_version`).
        values = {"rules_version": 2, **s.policy} if s.version == 2 else dict(s.policy)
        if values:
            yield cmd(
                c.AdoptPolicy,
                "policy",
                organisation=org.id,
                name=f"{s.name} policy",
                effective_from=day,
                values=values,
            )
        for member in s.members:
            yield cmd(
                c.RegisterMember,
                f"member-{member.id}",
                organisation=org.id,
                member=member.id,
                name=member.name,
                status=member.status,
                working=member.working,
            )
        for cell in s.cells:
            yield cmd(
                c.FoundCell,
                f"cell-{cell.id}",
                organisation=org.id,
                cell=cell.id,
                name=cell.name,
                type=cell.type,
                secretary=cell.secretary,
                deputy=cell.deputy,
                committee=cell.committee,
                members=cell.members,
                in_charge=cell.in_charge,
                online_eligible=cell.online_eligible,
                party_groups=cell.party_groups,
            )

    def item(self, index: int, item: TimelineItem) -> list[Step]:
        """The commands of timeline item `index`; raises ItemError for a malformed item."""
        extra = dict(item.model_extra or {})
        keys = [k for k in extra if k in TIMELINE_KEYS]
        if len(keys) != 1 or len(extra) != 1:
            got = ", ".join(extra) or "none"
            raise ItemError(f"item needs exactly one of {', '.join(TIMELINE_KEYS)}; got {got}")
        key = keys[0]
        if key in V2_KEYS and self.scenario.version < 2:
            raise ItemError(f"{key}: an item of scenario version 2 (this file is version 1)")
        body = extra[key]
        if not isinstance(body, dict):
            raise ItemError(f"{key}: expected a mapping of fields")
        try:
            if key in SIMPLE_ITEMS:
                return [self._simple(key, index, item.date, body)]
            return list(getattr(self, f"_{key}")(index, item.date, body))
        except ValidationError as error:
            raise ItemError(f"{key}: {_problems(error)}") from None
        except UNFIT as error:  # e.g. a field given twice, a number too large to hash
            raise ItemError(f"{key}: {error}") from None

    def _step(
        self,
        cls: type[c.Command],
        index: int,
        day: date,
        actor: str,
        body: Any,
        part: str = "main",
        **fields: Any,
    ) -> Step:
        command_id = self._id(index, part, body)
        return Step(cls(actor=actor, command_id=command_id, occurred_on=day, **fields), part)

    def _actor(self, body: dict[str, Any]) -> str:
        """Who records the item: the one who acts, else the secretary of its cell."""
        if body.get("by"):
            return str(body["by"])
        cell = body.get("cell") or self.meeting_cells.get(str(body.get("meeting", "")), "")
        return self._secretary(str(cell))

    def _simple(self, key: str, index: int, day: date, body: dict[str, Any]) -> Step:
        """Items whose fields are exactly the command's."""
        cls = SIMPLE_ITEMS[key]
        fields = {"organisation": self.org, **body} if key in ORGANISATION_ITEMS else body
        return self._step(cls, index, day, self._actor(body), body, **fields)

    def _hold_meeting(self, index: int, day: date, body: dict[str, Any]) -> Iterator[Step]:
        m = HoldMeetingItem.model_validate(body)
        self.meeting_cells[m.id] = m.cell
        kinds = m.kind if isinstance(m.kind, list) else [m.kind]
        cell = self.cells.get(m.cell)
        chair, minute_taker = _default_roles(cell, m)
        yield self._step(
            c.HoldMeeting,
            index,
            day,
            self._secretary(m.cell),
            body,
            meeting=m.id,
            cell=m.cell,
            kind=kinds,
            online=m.online,
            notice_on=m.notice_on or day - timedelta(days=3),
            duration_minutes=m.duration_minutes,
            chair=chair,
            minute_taker=minute_taker,
            present=m.present,
            excused=m.excused,
            guests=m.guests,
            speakers=m.speakers,
            reviewed=m.reviewed,
            minutes_recorded=m.minutes,
        )
        for n, res in enumerate(m.resolutions):
            yield self._step(
                c.AdoptResolution,
                index,
                day,
                self._secretary(m.cell),
                res.model_dump(mode="json", by_alias=True),
                part=f"resolution-{n}",
                meeting=m.id,
                resolution=res.draft(),
            )

    def _inspect(self, index: int, day: date, body: dict[str, Any]) -> Iterator[Step]:
        i = InspectItem.model_validate(body)
        actor = i.by[0] if i.by else self.scenario.organization.secretary
        yield self._step(
            c.Inspect,
            index,
            day,
            actor,
            body,
            inspection=i.id,
            cell=i.cell,
            kind=i.kind,
            by=i.by,
            findings=i.findings,
            rating=i.rating,
            recommendations=[r.draft() for r in i.recommendations],
        )


def _default_roles(cell: ScenarioCell | None, m: HoldMeetingItem) -> tuple[str, str]:
    """Chair and minute-taker by SCENARIOS.md's defaults (`domain.meeting.default_roles`)."""
    leaders = [cell.secretary, cell.deputy] if cell else []
    return default_roles(leaders, m.present, m.guests, m.chair, m.minute_taker)


@dataclass
class ImportReport:
    applied: int = 0
    repeated: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"applied": self.applied, "errors": self.errors}


def _error(on: Any, item: int | None, rule: str | None, message: str) -> dict[str, Any]:
    return {"on": on.isoformat(), "item": item, "rule": rule, "message": message}


class Importer:
    def __init__(self, app: ChiboApplication, scenario: Scenario) -> None:
        self.app = app
        self.scenario = scenario
        self.translator = Translator(scenario)
        self.report = ImportReport()

    def _run(self, step: Step, item: int | None) -> bool:
        try:
            outcome = self.app.apply(step.command)
        except DomainError as error:
            self.report.errors.append(
                _error(step.command.occurred_on, item, error.rule, error.message)
            )
            return False
        except (ValueError, OverflowError) as error:  # a value the store cannot hold
            message = f"không lưu được (cannot store): {type(error).__name__}: {error}"
            self.report.errors.append(_error(step.command.occurred_on, item, None, message))
            return False
        if outcome.stored:
            self.report.applied += 1
        else:
            self.report.repeated += 1
        return True

    def setup(self) -> None:
        """The setup commands, all built (bounds checked) before any is applied: a setup
        record that makes no valid command is reported and nothing is applied."""
        steps = list(self.translator.setup())
        unfit = [step for step in steps if isinstance(step, Unfit)]
        for refused in unfit:
            self.report.errors.append(_error(self.scenario.start, None, None, refused.message))
        if unfit:
            return
        for step in steps:
            if isinstance(step, Step):
                self._run(step, None)

    def apply_item(self, index: int) -> None:
        """Applies timeline item `index`; inside a meeting each resolution stands alone."""
        item = self.scenario.timeline[index]
        try:
            steps = self.translator.item(index, item)
        except ItemError as error:
            self.report.errors.append(_error(item.date, index, None, str(error)))
            return
        first, *rest = steps
        if self._run(first, index):
            for step in rest:
                self._run(step, index)

    def run(self, progress: Callable[[int], None] | None = None) -> ImportReport:
        self.setup()
        for index in range(len(self.scenario.timeline)):
            self.apply_item(index)
            if progress:
                progress(index)
        return self.report
