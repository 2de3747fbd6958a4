"""The behaviour map: each command, the function that decides it, and the bus that
applies it once.

Handlers load what the rules need through the unit of work, ask the aggregates to
decide (they raise `DomainError` naming the rule), and return a small result that
is stored with the command record, so a repeated command returns it unchanged.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain import commands as c
from domain.access import may_handle_notice
from domain.aggregate import create
from domain.cell import Cell
from domain.command_log import CommandRecord, command_record_id
from domain.errors import CommandIdReusedError, DomainError, UnknownReferenceError
from domain.fees import FeeLedger, checked_months, ledger_key
from domain.inspection import Inspection
from domain.meeting import Meeting
from domain.notices import Escalation, Reminder, escalation_key, reminder_key
from domain.organisation import Organisation
from domain.personal import PersonalDataCipher
from domain.resolution import Resolution, Statement
from domain.tasks import TaskAssignment, assignment_key
from domain.unit_of_work import Repository, UnitOfWork

Result = dict[str, Any]
Handler = Callable[[UnitOfWork, Any], Result]


def _cell_and_org(unit: UnitOfWork, key: str) -> tuple[Cell, Organisation]:
    """The cell to change, and its organisation to read (rules, register, policy)."""
    cell = unit.get(Cell, key)
    return cell, unit.view(Organisation, cell.organisation)


def _known(org: Organisation, members: Iterable[str | None]) -> None:
    org.require_members(members)


def _meeting_of(unit: UnitOfWork, meeting_key: str, cell: str, day: date, rule: str) -> Meeting:
    """The meeting the decision was taken at: of `cell`, held on or before `day`."""
    meeting = unit.find(Meeting, meeting_key)
    if meeting is None:
        # Not (yet) recorded: no meeting of the cell held by that day took this decision.
        raise DomainError(rule, f"{meeting_key} was not held by {day}")
    if meeting.cell != cell:
        raise DomainError(rule, f"{meeting_key} is no meeting of that cell")
    if not meeting.held_by(cell, day):
        raise DomainError(rule, f"{meeting_key} was not held by {day}")
    return meeting


# --- organisation, members, policy ---------------------------------------------------


def create_organisation(unit: UnitOfWork, cmd: c.CreateOrganisation) -> Result:
    if unit.find(Organisation, cmd.organisation) is not None:
        raise DomainError(None, f"organisation {cmd.organisation} already exists")
    unit.add(
        Organisation.register(
            cmd.meta,
            key=cmd.organisation,
            name=cmd.name,
            secretary=cmd.secretary,
            standing_committee=cmd.standing_committee,
            committee=cmd.committee,
            inspection_commission=cmd.inspection_commission,
        )
    )
    return {"organisation": cmd.organisation}


def adopt_policy(unit: UnitOfWork, cmd: c.AdoptPolicy) -> Result:
    org = unit.get(Organisation, cmd.organisation)
    org.adopt_policy(cmd.meta, cmd.name, cmd.effective_from, cmd.values)
    return {"policy": cmd.name}


def register_member(unit: UnitOfWork, cmd: c.RegisterMember) -> Result:
    org = unit.get(Organisation, cmd.organisation)
    org.register_member(cmd.meta, cmd.member, cmd.name, cmd.status, cmd.working)
    return {"member": cmd.member}


def set_member_status(unit: UnitOfWork, cmd: c.SetMemberStatus) -> Result:
    org = unit.get(Organisation, cmd.organisation)
    org.set_member_status(cmd.meta, cmd.member, cmd.status, cmd.working)
    return {"member": cmd.member, "status": cmd.status}


def grant_auditor(unit: UnitOfWork, cmd: c.GrantAuditor) -> Result:
    granted = unit.get(Organisation, cmd.organisation).grant_auditor(cmd.meta, cmd.member)
    return {"member": cmd.member, "auditor": True, "changed": granted}


def withdraw_auditor(unit: UnitOfWork, cmd: c.WithdrawAuditor) -> Result:
    withdrawn = unit.get(Organisation, cmd.organisation).withdraw_auditor(cmd.meta, cmd.member)
    return {"member": cmd.member, "auditor": False, "changed": withdrawn}


def erase_member(unit: UnitOfWork, cmd: c.EraseMember) -> Result:
    org = unit.get(Organisation, cmd.organisation)
    org.erase_member_data(cmd.meta, cmd.member, cmd.legal_basis, cmd.request_ref)
    return {"member": cmd.member, "erased": True}


def change_leadership(unit: UnitOfWork, cmd: c.ChangeLeadership) -> Result:
    org = unit.get(Organisation, cmd.organisation)
    org.change_leadership(
        cmd.meta, cmd.secretary, cmd.standing_committee, cmd.committee, cmd.inspection_commission
    )
    return {"organisation": cmd.organisation}


# --- cells -------------------------------------------------------------------------------


def found_cell(unit: UnitOfWork, cmd: c.FoundCell) -> Result:
    org = unit.get(Organisation, cmd.organisation)
    if unit.find(Cell, cmd.cell) is not None:
        raise DomainError(None, f"cell {cmd.cell} already exists")
    _known(org, [cmd.secretary, cmd.deputy, cmd.in_charge, *cmd.committee, *cmd.members])
    cell = Cell.found(
        cmd.meta,
        key=cmd.cell,
        organisation=cmd.organisation,
        name=cmd.name,
        type=cmd.type,
        secretary=cmd.secretary,
        deputy=cmd.deputy,
        committee=sorted(set(cmd.committee)),
        members=sorted(set(cmd.members)),
        in_charge=cmd.in_charge,
        online_eligible=cmd.online_eligible,
        party_groups=sorted(set(cmd.party_groups)),
    )
    org.attach_cell(cmd.meta, cmd.cell)
    unit.add(cell)
    return {"cell": cmd.cell}


def transfer_in(unit: UnitOfWork, cmd: c.TransferIn) -> Result:
    cell, org = _cell_and_org(unit, cmd.cell)
    _known(org, [cmd.member])
    cell.transfer_in(cmd.meta, cmd.member)
    return {"cell": cmd.cell, "member": cmd.member}


def transfer_out(unit: UnitOfWork, cmd: c.TransferOut) -> Result:
    cell, org = _cell_and_org(unit, cmd.cell)
    _known(org, [cmd.member])
    for key, held in cell.meetings.items():
        # The roster must agree with every minutes book already written.
        if held.held_on >= cmd.occurred_on:
            meeting = unit.get(Meeting, key)
            if cmd.member in {*meeting.present, *meeting.excused, *meeting.absent}:
                raise DomainError(
                    "R71",
                    f"{cmd.member} is recorded at meeting {key} on {held.held_on}:"
                    " a transfer out must come after it",
                )
    cell.transfer_out(cmd.meta, cmd.member)
    return {"cell": cmd.cell, "member": cmd.member}


def assign_in_charge(unit: UnitOfWork, cmd: c.AssignInCharge) -> Result:
    cell, org = _cell_and_org(unit, cmd.cell)
    _known(org, [cmd.member])
    cell.assign_in_charge(cmd.meta, cmd.member)
    return {"cell": cmd.cell, "in_charge": cmd.member}


def set_cell_roles(unit: UnitOfWork, cmd: c.SetCellRoles) -> Result:
    cell, org = _cell_and_org(unit, cmd.cell)
    _known(org, [cmd.secretary, cmd.deputy, *(cmd.committee or [])])
    cell.change_roles(cmd.meta, cmd.secretary, cmd.deputy, cmd.committee)
    return {"cell": cmd.cell}


def set_online_eligibility(unit: UnitOfWork, cmd: c.SetOnlineEligibility) -> Result:
    unit.get(Cell, cmd.cell).set_online_eligibility(cmd.meta, cmd.online_eligible)
    return {"cell": cmd.cell}


def set_party_groups(unit: UnitOfWork, cmd: c.SetPartyGroups) -> Result:
    unit.get(Cell, cmd.cell).set_party_groups(cmd.meta, cmd.party_groups)
    return {"cell": cmd.cell}


def set_thematic_plan(unit: UnitOfWork, cmd: c.SetThematicPlan) -> Result:
    cell, org = _cell_and_org(unit, cmd.cell)
    _known(org, cmd.preparers.values())
    cell.set_thematic_plan(cmd.meta, cmd.year, cmd.topics, cmd.preparers)
    return {"cell": cmd.cell, "year": cmd.year}


# --- meetings ------------------------------------------------------------------------------


def announce_meeting(unit: UnitOfWork, cmd: c.AnnounceMeeting) -> Result:
    cell, org = _cell_and_org(unit, cmd.cell)
    if unit.find(Meeting, cmd.meeting) is not None:
        raise DomainError(None, f"meeting {cmd.meeting} already exists")
    meeting = Meeting.announce(
        cmd.meta,
        key=cmd.meeting,
        cell=cell.key,
        kinds=list(cmd.kind),
        scheduled_on=cmd.scheduled_on,
        place=cmd.place,
        content=cmd.content,
        documents=cmd.documents,
        preparers=cmd.preparers,
    )
    _known(org, cmd.preparers)  # (R7 above refuses only an empty list)
    unit.add(meeting)
    return {"meeting": cmd.meeting}


def record_preparatory_meeting(unit: UnitOfWork, cmd: c.RecordPreparatoryMeeting) -> Result:
    meeting = unit.get(Meeting, cmd.meeting)
    meeting.record_preparatory(cmd.meta, cmd.participants, cmd.agenda)
    return {"meeting": cmd.meeting}


def hold_meeting(unit: UnitOfWork, cmd: c.HoldMeeting) -> Result:
    cell, org = _cell_and_org(unit, cmd.cell)
    existing = unit.find(Meeting, cmd.meeting)
    if existing is not None and (existing.is_held or existing.cell != cmd.cell):
        raise DomainError(None, f"meeting {cmd.meeting} is already recorded")
    session = Meeting.session_of(cell, org, cmd)
    for key in cmd.reviewed:
        if unit.find(Resolution, key) is None:
            raise UnknownReferenceError(f"unknown resolution {key}")
    if existing is not None:
        existing.hold_as_announced(cmd.meta, session)
    else:
        unit.add(Meeting.record_held(cmd.meta, cmd.meeting, cell.key, session))
    cell.record_meeting(cmd.meta, cmd.meeting, list(cmd.kind))
    return {"meeting": cmd.meeting, "absent": session.absent}


def record_meeting(unit: UnitOfWork, cmd: c.RecordMeeting) -> Result:
    """`hold_meeting` and `adopt_resolution` for each resolution, in one unit of work:
    stored whole or not at all. A refused resolution refuses the whole command, naming
    the resolution (`resolutions[N]`, its id) beside the rule and field."""
    held = hold_meeting(unit, c.HoldMeeting(**cmd.model_dump(exclude={"resolutions"})))
    adopted = []
    for n, draft in enumerate(cmd.resolutions):
        adopt = c.AdoptResolution(
            **cmd.model_dump(include=set(c.Command.model_fields)),
            meeting=cmd.meeting,
            resolution=draft,
        )
        where = f"resolutions[{n}] ({draft.id})"
        try:
            adopted.append(adopt_resolution(unit, adopt))
        except UnknownReferenceError as error:
            raise UnknownReferenceError(f"{where}: {error.message}") from None
        except DomainError as error:
            raise DomainError(error.rule, f"{where}: {error.message}") from None
    return {**held, "resolutions": adopted}


def record_minutes(unit: UnitOfWork, cmd: c.RecordMinutes) -> Result:
    unit.get(Meeting, cmd.meeting).record_minutes(cmd.meta)
    return {"meeting": cmd.meeting}


def seal_minutes(unit: UnitOfWork, cmd: c.SealMinutes) -> Result:
    unit.get(Meeting, cmd.meeting).seal_minutes(cmd.meta)
    return {"meeting": cmd.meeting}


def amend_minutes(unit: UnitOfWork, cmd: c.AmendMinutes) -> Result:
    unit.get(Meeting, cmd.meeting).amend_minutes(cmd.meta, cmd.reason, cmd.change)
    return {"meeting": cmd.meeting}


def score_meeting(unit: UnitOfWork, cmd: c.ScoreMeeting) -> Result:
    meeting = unit.get(Meeting, cmd.meeting)
    _, org = _cell_and_org(unit, meeting.cell)
    meeting.score(cmd.meta, cmd.scores, org.policy_on(meeting.held_on or cmd.occurred_on))
    return {"meeting": cmd.meeting, "score": meeting.total_score}


# --- resolutions ---------------------------------------------------------------------------


def adopt_resolution(unit: UnitOfWork, cmd: c.AdoptResolution) -> Result:
    draft = cmd.resolution
    meeting = unit.get(Meeting, cmd.meeting)
    if not meeting.is_held or meeting.held_on is None:
        raise DomainError("R20", f"meeting {cmd.meeting} has not been held")
    if unit.find(Resolution, draft.id) is not None:
        raise DomainError(None, f"resolution {draft.id} already exists")
    cell, org = _cell_and_org(unit, meeting.cell)
    if cmd.occurred_on < meeting.held_on:
        raise DomainError(
            "R21", f"{draft.id} is dated {cmd.occurred_on}, before meeting {cmd.meeting}"
        )
    statement = Statement.checked(draft, cmd.occurred_on)
    _known(org, [*draft.executors, draft.inspector])
    votes = meeting.count_votes(cell, org, draft)
    unit.add(
        Resolution.adopt(
            cmd.meta,
            statement,
            cell=cell.key,
            origin="meeting",
            source=meeting.key,
            kind=draft.kind,
            votes=votes,
        )
    )
    return {"resolution": draft.id, "votes": votes}


def communicate_resolution(unit: UnitOfWork, cmd: c.CommunicateResolution) -> Result:
    res = unit.get(Resolution, cmd.resolution)
    recorded = res.communicate(cmd.meta, cmd.to_upper_committee)
    return {"resolution": cmd.resolution, "recorded": recorded}


def assign_resolution_tasks(unit: UnitOfWork, cmd: c.AssignResolutionTasks) -> Result:
    res = unit.get(Resolution, cmd.resolution)
    _, org = _cell_and_org(unit, res.cell)
    _known(org, cmd.tasks)
    res.assign_tasks(cmd.meta, cmd.tasks)
    return {"resolution": cmd.resolution}


def report_progress(unit: UnitOfWork, cmd: c.ReportProgress) -> Result:
    res = unit.get(Resolution, cmd.resolution)
    _known(_cell_and_org(unit, res.cell)[1], [cmd.by])
    res.report_progress(cmd.meta, cmd.by, cmd.note)
    return {"resolution": cmd.resolution}


def complete_resolution(unit: UnitOfWork, cmd: c.CompleteResolution) -> Result:
    res = unit.get(Resolution, cmd.resolution)
    _known(_cell_and_org(unit, res.cell)[1], [cmd.by])
    res.complete(cmd.meta, cmd.by, cmd.note)
    on_time = cmd.occurred_on <= res.deadline
    return {"resolution": cmd.resolution, "on_time": on_time}


def extend_deadline(unit: UnitOfWork, cmd: c.ExtendDeadline) -> Result:
    res = unit.get(Resolution, cmd.resolution)
    _meeting_of(unit, cmd.meeting, res.cell, cmd.occurred_on, "R25")
    res.extend(cmd.meta, cmd.new_deadline, cmd.meeting)
    return {"resolution": cmd.resolution, "deadline": cmd.new_deadline.isoformat()}


def cancel_resolution(unit: UnitOfWork, cmd: c.CancelResolution) -> Result:
    res = unit.get(Resolution, cmd.resolution)
    _meeting_of(unit, cmd.meeting, res.cell, cmd.occurred_on, "R25")
    res.cancel(cmd.meta, cmd.meeting, cmd.reason)
    return {"resolution": cmd.resolution}


def mark_overdue(unit: UnitOfWork, cmd: c.MarkOverdue) -> Result:
    marked = unit.get(Resolution, cmd.resolution).mark_overdue(cmd.meta, cmd.level)
    return {"resolution": cmd.resolution, "level": cmd.level, "marked": marked}


# --- member tasks ----------------------------------------------------------------------------


def assign_tasks(unit: UnitOfWork, cmd: c.AssignTasks) -> Result:
    cell, org = _cell_and_org(unit, cmd.cell)
    day = cmd.occurred_on
    if cmd.actor not in cell.leaders():
        raise DomainError(
            "R32", f"{cmd.actor} is not on the committee of cell {cell.key}, which drafts tasks"
        )
    _known(org, cmd.tasks)
    for member in cmd.tasks:
        if not cell.is_member_on(member, day):
            raise DomainError("R30", f"{member} is not a member of cell {cell.key} on {day}")
    if cmd.meeting is not None:
        _meeting_of(unit, cmd.meeting, cell.key, day, "R32")
    assignment = unit.find(TaskAssignment, assignment_key(cell.key, cmd.year))
    if assignment is None:
        assignment = TaskAssignment.draft(cmd.meta, cell.key, cmd.year, dict(cmd.tasks))
        unit.add(assignment)
    else:
        assignment.add_tasks(cmd.meta, dict(cmd.tasks))
    if cmd.meeting is not None:
        assignment.adopt(cmd.meta, cmd.meeting)
    return {"task_assignment": assignment.key, "members": sorted(cmd.tasks)}


def record_pledge(unit: UnitOfWork, cmd: c.RecordPledge) -> Result:
    cell, org = _cell_and_org(unit, cmd.cell)
    _known(org, [cmd.member])
    if not cell.is_member_on(cmd.member, cmd.occurred_on):
        raise DomainError("R33", f"{cmd.member} is not a member of cell {cell.key}")
    assignment = unit.find(TaskAssignment, assignment_key(cell.key, cmd.year))
    if assignment is None:
        # A pledge may come before the tasks: the year's record starts with it.
        assignment = TaskAssignment.draft(cmd.meta, cell.key, cmd.year, {})
        unit.add(assignment)
    assignment.record_pledge(cmd.meta, cmd.member, cmd.pledge)
    return {"task_assignment": assignment.key, "member": cmd.member}


def pay_fees(unit: UnitOfWork, cmd: c.PayFees) -> Result:
    org = unit.view(Organisation, cmd.organisation)
    _known(org, [cmd.member])
    months = checked_months(list(cmd.months))  # R74: refused whole before anything
    key = ledger_key(cmd.organisation, cmd.member)
    ledger = unit.find(FeeLedger, key)
    if ledger is None:
        ledger = FeeLedger.open(cmd.meta, cmd.organisation, cmd.member)
        unit.add(ledger)
    new = ledger.pay(cmd.meta, months)
    return {"member": cmd.member, "months": ",".join(new)}


def submit_annual_report(unit: UnitOfWork, cmd: c.SubmitAnnualReport) -> Result:
    org = unit.get(Organisation, cmd.organisation)
    recorded = org.submit_annual_report(cmd.meta, cmd.year, cmd.summary)
    return {"organisation": cmd.organisation, "year": str(cmd.year), "recorded": recorded}


# --- inspections ----------------------------------------------------------------------------


def plan_inspection(unit: UnitOfWork, cmd: c.PlanInspection) -> Result:
    cell, org = _cell_and_org(unit, cmd.cell)
    if unit.find(Inspection, cmd.inspection) is not None:
        raise DomainError(None, f"inspection {cmd.inspection} already exists")
    _known(org, cmd.by)
    unit.add(
        Inspection.plan(
            cmd.meta,
            key=cmd.inspection,
            cell=cell.key,
            kind=cmd.kind,
            planned_on=cmd.planned_on,
            by=cmd.by,
        )
    )
    return {"inspection": cmd.inspection}


def inspect(unit: UnitOfWork, cmd: c.Inspect) -> Result:
    cell, org = _cell_and_org(unit, cmd.cell)
    day = cmd.occurred_on
    _known(org, cmd.by)
    inspection = unit.find(Inspection, cmd.inspection)
    if inspection is not None and inspection.cell != cell.key:
        raise DomainError(None, f"inspection {cmd.inspection} is of cell {inspection.cell}")
    if inspection is None:
        inspection = Inspection.plan(
            cmd.meta, key=cmd.inspection, cell=cell.key, kind=cmd.kind, planned_on=day, by=cmd.by
        )
        unit.add(inspection)
    inspection.conclude(
        cmd.meta,
        by=cmd.by,
        findings=cmd.findings,
        rating=cmd.rating,
        recommendations=[r.id for r in cmd.recommendations],
    )
    for draft in cmd.recommendations:  # R53: followed up like resolutions; all or none
        statement = Statement.checked(draft, day)
        _known(org, [*draft.executors, draft.inspector])
        if unit.find(Resolution, draft.id) is not None:
            raise DomainError(None, f"resolution {draft.id} already exists")
        unit.add(
            Resolution.adopt(
                cmd.meta,
                statement,
                cell=cell.key,
                origin="inspection",
                source=cmd.inspection,
                kind="recommendation",
                votes={},
            )
        )
    return {"inspection": cmd.inspection, "recommendations": [r.id for r in cmd.recommendations]}


def notify_inspection(unit: UnitOfWork, cmd: c.NotifyInspection) -> Result:
    unit.get(Inspection, cmd.inspection).notify(cmd.meta)
    return {"inspection": cmd.inspection}


# --- escalations ------------------------------------------------------------------------------


def _notice_fields(cmd: c.RaiseEscalation | c.SendReminder) -> dict[str, Any]:
    """What an escalation or reminder records of the command that raised it."""
    return cmd.model_dump(exclude=set(c.Command.model_fields))


def raise_escalation(unit: UnitOfWork, cmd: c.RaiseEscalation) -> Result:
    org = unit.view(Organisation, cmd.organisation)
    _known(org, cmd.recipients)
    key = escalation_key(cmd.kind, cmd.subject, cmd.period, cmd.level)
    if unit.find(Escalation, key) is not None:
        return {"escalation": key, "raised": False}
    unit.add(Escalation.raise_(cmd.meta, **_notice_fields(cmd)))
    return {"escalation": key, "raised": True}


def send_reminder(unit: UnitOfWork, cmd: c.SendReminder) -> Result:
    org = unit.view(Organisation, cmd.organisation)
    _known(org, cmd.recipients)
    key = reminder_key(cmd.kind, cmd.subject, cmd.occurred_on)
    if unit.find(Reminder, key) is not None:
        return {"reminder": key, "sent": False}
    unit.add(Reminder.send(cmd.meta, **_notice_fields(cmd)))
    return {"reminder": key, "sent": True}


def notify_escalation(unit: UnitOfWork, cmd: c.NotifyEscalation) -> Result:
    notified = unit.get(Escalation, cmd.escalation).notify(cmd.meta, cmd.recipients, cmd.channel)
    return {"escalation": cmd.escalation, "notified": notified}


def record_delivery(unit: UnitOfWork, cmd: c.RecordDelivery) -> Result:
    notice: Escalation | Reminder = (
        unit.get(Escalation, cmd.key) if cmd.notice == "escalation" else unit.get(Reminder, cmd.key)
    )
    recorded = notice.record_delivery(
        cmd.meta, cmd.channel, cmd.recipient, cmd.message_id, cmd.round
    )
    return {cmd.notice: cmd.key, "message_id": cmd.message_id, "recorded": recorded}


def _supervises(unit: UnitOfWork, esc: Escalation, member: str) -> bool:
    """The organisation's leaders handle any escalation of it (domain/access.py)."""
    org = unit.view(Organisation, esc.organisation)
    return may_handle_notice(org, member, esc.recipients)


def acknowledge_escalation(unit: UnitOfWork, cmd: c.AcknowledgeEscalation) -> Result:
    esc = unit.get(Escalation, cmd.escalation)
    esc.acknowledge(cmd.meta, cmd.by, cmd.note, _supervises(unit, esc, cmd.by))
    return {"escalation": cmd.escalation, "status": esc.status}


def resolve_escalation(unit: UnitOfWork, cmd: c.ResolveEscalation) -> Result:
    esc = unit.get(Escalation, cmd.escalation)
    esc.resolve(cmd.meta, cmd.by, cmd.action, _supervises(unit, esc, cmd.by))
    return {"escalation": cmd.escalation, "status": esc.status}


HANDLERS: dict[type[c.Command], Handler] = {
    c.CreateOrganisation: create_organisation,
    c.AdoptPolicy: adopt_policy,
    c.RegisterMember: register_member,
    c.SetMemberStatus: set_member_status,
    c.ChangeLeadership: change_leadership,
    c.EraseMember: erase_member,
    c.GrantAuditor: grant_auditor,
    c.WithdrawAuditor: withdraw_auditor,
    c.FoundCell: found_cell,
    c.TransferIn: transfer_in,
    c.TransferOut: transfer_out,
    c.AssignInCharge: assign_in_charge,
    c.SetCellRoles: set_cell_roles,
    c.SetOnlineEligibility: set_online_eligibility,
    c.SetPartyGroups: set_party_groups,
    c.SetThematicPlan: set_thematic_plan,
    c.AnnounceMeeting: announce_meeting,
    c.RecordPreparatoryMeeting: record_preparatory_meeting,
    c.HoldMeeting: hold_meeting,
    c.RecordMeeting: record_meeting,
    c.RecordMinutes: record_minutes,
    c.SealMinutes: seal_minutes,
    c.AmendMinutes: amend_minutes,
    c.ScoreMeeting: score_meeting,
    c.AdoptResolution: adopt_resolution,
    c.CommunicateResolution: communicate_resolution,
    c.AssignResolutionTasks: assign_resolution_tasks,
    c.ReportProgress: report_progress,
    c.CompleteResolution: complete_resolution,
    c.ExtendDeadline: extend_deadline,
    c.CancelResolution: cancel_resolution,
    c.MarkOverdue: mark_overdue,
    c.AssignTasks: assign_tasks,
    c.RecordPledge: record_pledge,
    c.PayFees: pay_fees,
    c.SubmitAnnualReport: submit_annual_report,
    c.PlanInspection: plan_inspection,
    c.Inspect: inspect,
    c.NotifyInspection: notify_inspection,
    c.RaiseEscalation: raise_escalation,
    c.SendReminder: send_reminder,
    c.NotifyEscalation: notify_escalation,
    c.RecordDelivery: record_delivery,
    c.AcknowledgeEscalation: acknowledge_escalation,
    c.ResolveEscalation: resolve_escalation,
}


MAX_ATTEMPTS = 10
"""How many times a command losing races is decided again before the error is raised."""
BACKOFF_SECONDS = 0.005
"""The first retry waits up to this long (jittered), doubling with each attempt."""


@dataclass(frozen=True)
class Outcome:
    result: Result
    stored: bool


class CommandBus:
    """`handle`: how every command, from every way in, reaches its handler: once, with
    its effects and its record saved together (mixed into `ChiboApplication`)."""

    if TYPE_CHECKING:

        @property
        def repository(self) -> Repository: ...

        def view(self, agg_id: UUID) -> Any: ...

        def save(self, *objs: Any, **kwargs: Any) -> Any: ...

        _personal: PersonalDataCipher | None

    def handle(self, command: c.Command) -> Result:
        """Applies `command` once: a repeat with the same command id returns the first result.

        A refused command raises `DomainError` and stores nothing.
        """
        return self.apply(command).result

    def apply(self, command: c.Command) -> Outcome:
        """Like `handle`, and says whether this call stored anything.

        A command that loses a race (another writer saved to one of its records, or its
        own record, first) is decided again on fresh state, until it is stored or
        refused. If meanwhile another process applied this very command, the outcome is
        that process's result with `stored=False`, never a refusal."""
        for attempt in range(MAX_ATTEMPTS):
            previous = self._previous_result(command)
            if previous is not None:
                return Outcome(result=previous, stored=False)
            unit = UnitOfWork(self)  # fresh: every attempt loads the records anew
            try:
                result = HANDLERS[type(command)](unit, command)
            except DomainError:
                # Decided on state that may already hold this command's own effects.
                previous = self._previous_result(command)
                if previous is not None:
                    return Outcome(result=previous, stored=False)
                raise
            record: CommandRecord = create(
                CommandRecord.Accepted,
                command_record_id(command.command_id),
                command.meta,
                name=type(command).__name__,
                fingerprint=self._fingerprint(command, create=True),
                result=result,
            )
            try:
                self.save(*unit.changed(), record)
            except IntegrityError:
                # Another writer got there first: look again, then decide again.
                if attempt + 1 == MAX_ATTEMPTS:
                    raise
                time.sleep(random.uniform(0, BACKOFF_SECONDS * 2**attempt))
                continue
            return Outcome(result=result, stored=True)
        raise AssertionError("unreachable")

    def _fingerprint(self, command: c.Command, *, create: bool) -> str | None:
        """The command's fingerprint, personal fields keyed by their member's key (made
        if `create`); None when such a key is gone (erased)."""
        cipher = self._personal
        if cipher is None:
            return command.fingerprint()

        def mac(subject: str, context: str, value: str) -> str | None:
            return cipher.mac(subject, context, value, create=create)

        return command.fingerprint(mac)

    def _previous_result(self, command: c.Command) -> Result | None:
        try:
            record: Any = self.repository.get(command_record_id(command.command_id))
        except AggregateNotFoundError:
            return None
        fingerprint = self._fingerprint(command, create=False)
        if fingerprint is None:
            # It carried personal data of a member erased since: it cannot be matched.
            raise DomainError(
                None,
                f"command id {command.command_id} was used for a command carrying personal"
                " data since erased: it cannot be checked or applied again",
            )
        if record.fingerprint != fingerprint:
            raise CommandIdReusedError(command.command_id)
        result: Result = record.result
        return result
