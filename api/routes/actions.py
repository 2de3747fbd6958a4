"""Every command of API.md's "Commands" table, one route each, in the same shape:

1. the body (`api/commands.py`, the scenario item's fields plus `date`) is parsed;
2. the business date is fixed (default today; a future date is refused, 422);
3. the record in the path must be readable by the caller (else 404, as if unknown) and
   the action allowed by `domain/access.py` (else 403);
4. ONE domain command is built, with the authenticated member as actor and the
   `Idempotency-Key` (namespaced by the caller) or a fresh id as its command id;
5. it is applied (`ChiboApplication.apply`: stored whole or refused whole; a repeat
   returns the first result and stores nothing), the read models are caught up
   (read-your-writes), and the resulting record is the answer: 201 where a record is
   created, 200 otherwise.

Refusals are the domain's (422 with the rule), lost races 409 (`api/problems.py`).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query

from api import deps
from api.commands import (
    AcknowledgementBody,
    AmendmentBody,
    AnnouncementBody,
    AuditorBody,
    CancellationBody,
    ContactBody,
    Context,
    EscalationResolutionBody,
    ExtensionBody,
    InspectionBody,
    MeetingBody,
    MinutesBody,
    ProgressBody,
    ResolutionBody,
    SealBody,
    TasksBody,
    ThematicPlanBody,
    TransferInBody,
    TransferOutBody,
    business_date,
)
from api.contacts import Contact, ContactStore
from api.deps import CallerDep, OrganisationDep, Services, ServicesDep, cells_of
from api.guard import not_found, readable, readable_cell, record, require_action
from api.problems import ProblemError, errors
from domain import commands as c
from domain.access import (
    ABOVE,
    Caller,
    may_act_on_organisation,
    may_handle_notice,
    may_read,
    may_report,
    organisation_roles,
)
from domain.aggregate import Aggregate
from domain.cell import Cell
from domain.inspection import Inspection
from domain.meeting import Meeting
from domain.notices import Escalation
from domain.organisation import Organisation
from domain.resolution import Resolution
from domain.tasks import TaskAssignment, assignment_key

router = APIRouter(tags=["commands"])

KEY_PATTERN = r"^[A-Za-z0-9_.:-]{1,200}$"

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=KEY_PATTERN,
        description="The command id: the same key with the same body returns the first"
        " answer and stores nothing; with another body, 422.",
    ),
]
IdPath = Annotated[str, Path(pattern=c.ID_PATTERN, max_length=c.ID_MAX)]
YearPath = Annotated[int, Path(ge=c.FIRST_DAY.year, le=c.LAST_DAY.year)]
EscalationPath = Annotated[str, Path(min_length=1, max_length=c.TOKEN_MAX)]

Record = dict[str, Any]
ERRORS = errors(401, 403, 404, 409, 413, 422)
CREATED: dict[str, Any] = {"status_code": 201, "responses": ERRORS}
DONE: dict[str, Any] = {"status_code": 200, "responses": ERRORS}


def command_id(caller: Caller, key: str | None) -> str:
    """The `Idempotency-Key`, namespaced by the caller (two people's keys never meet)."""
    if key is None:
        return f"api:{uuid.uuid4()}"
    return f"api:{caller.organisation}:{caller.member}:{key}"


def context(caller: Caller, key: str | None, given: date | None) -> Context:
    on = business_date(given, deps.today())
    return Context(caller.organisation, caller.member, command_id(caller, key), on)


def apply(svc: Services, command: c.Command) -> dict[str, Any]:
    """Stored whole or refused whole; the answer waits for the read models."""
    outcome = svc.app.apply(command)
    svc.caught_up()
    return outcome.result


def as_record(agg: Aggregate) -> Record:
    """A record's state as the answer: `id` is the key users know it by."""
    state = agg.model_dump(mode="json", exclude={"id", "created_on", "modified_on"})
    return {"id": state.pop("key", None), **state}


def current(svc: Services, cls: type[Aggregate], key: str) -> Record:
    found = record(svc, cls, key)
    if found is None:  # stored a moment ago: never expected
        raise not_found(cls.KIND, key)
    return as_record(found)


# --- meetings ------------------------------------------------------------------------------


@router.post("/cells/{cell}/announcements", **CREATED)
def announce_meeting(
    cell: IdPath,
    body: AnnouncementBody,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    idempotency_key: IdempotencyKey = None,
) -> Record:
    """`announce_meeting`: content, time, place, documents and preparers (R6, R7); the
    meeting is recorded held later with `POST /cells/{cell}/meetings` and the same id."""
    ctx = context(caller, idempotency_key, body.date)
    found = readable_cell(svc, org, caller, cell, ctx.on)
    require_action(org, found, caller, ctx.on, "cell_business")
    apply(svc, body.command(ctx, cell))
    return current(svc, Meeting, body.id)


@router.post("/cells/{cell}/meetings", **CREATED)
def hold_meeting(
    cell: IdPath,
    body: MeetingBody,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    idempotency_key: IdempotencyKey = None,
) -> Record:
    """`hold_meeting` with its resolutions, stored whole or not at all (a refused
    resolution: 422 naming `resolutions[N]`, its id, the field and the rule)."""
    ctx = context(caller, idempotency_key, body.date)
    found = readable_cell(svc, org, caller, cell, ctx.on)
    require_action(org, found, caller, ctx.on, "cell_business")
    result = apply(svc, body.command(ctx, found))
    adopted = [current(svc, Resolution, r["resolution"]) for r in result.get("resolutions", [])]
    return {**current(svc, Meeting, body.id), "resolutions": adopted}


@router.post("/meetings/{meeting}/minutes", **DONE)
def record_minutes(
    meeting: IdPath,
    body: MinutesBody,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    idempotency_key: IdempotencyKey = None,
) -> Record:
    """`record_minutes` of an earlier meeting (R11)."""
    ctx = context(caller, idempotency_key, body.date)
    _, cell = readable(svc, org, caller, Meeting, meeting, ctx.on)
    require_action(org, cell, caller, ctx.on, "cell_business")
    apply(svc, body.command(ctx, meeting))
    return current(svc, Meeting, meeting)


@router.post("/meetings/{meeting}/seal", **DONE)
def seal_minutes(
    meeting: IdPath,
    body: SealBody,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    idempotency_key: IdempotencyKey = None,
) -> Record:
    """`seal_minutes`: the recorded minutes approved and closed to change (R11)."""
    ctx = context(caller, idempotency_key, body.date)
    _, cell = readable(svc, org, caller, Meeting, meeting, ctx.on)
    require_action(org, cell, caller, ctx.on, "cell_business")
    apply(svc, body.command(ctx, meeting))
    return current(svc, Meeting, meeting)


@router.post("/meetings/{meeting}/amendments", **DONE)
def amend_minutes(
    meeting: IdPath,
    body: AmendmentBody,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    idempotency_key: IdempotencyKey = None,
) -> Record:
    """`amend_minutes`: a reasoned correction of recorded (or sealed) minutes (R11)."""
    ctx = context(caller, idempotency_key, body.date)
    _, cell = readable(svc, org, caller, Meeting, meeting, ctx.on)
    require_action(org, cell, caller, ctx.on, "cell_business")
    apply(svc, body.command(ctx, meeting))
    return current(svc, Meeting, meeting)


@router.post("/meetings/{meeting}/resolutions", **CREATED)
def adopt_resolution(
    meeting: IdPath,
    body: ResolutionBody,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    idempotency_key: IdempotencyKey = None,
) -> Record:
    """A resolution decided at a meeting already recorded (R20, R21)."""
    ctx = context(caller, idempotency_key, body.date)
    _, cell = readable(svc, org, caller, Meeting, meeting, ctx.on)
    require_action(org, cell, caller, ctx.on, "cell_business")
    apply(svc, body.command(ctx, meeting))
    return current(svc, Resolution, body.id)


# --- resolutions --------------------------------------------------------------------------


def _reportable(
    svc: Services, org: Organisation, caller: Caller, key: str, on: date
) -> tuple[Resolution, Cell]:
    res, cell = readable(svc, org, caller, Resolution, key, on)
    if not may_report(org, cell, caller.member, on, res.executors, res.inspector):
        raise ProblemError(
            403, f"không được phép (not allowed): only executors and the inspector report on {key}"
        )
    return res, cell


@router.post("/resolutions/{resolution}/progress", **DONE)
def report_progress(
    resolution: IdPath,
    body: ProgressBody,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    idempotency_key: IdempotencyKey = None,
) -> Record:
    """`report_progress` by an executor or the inspector (`by` is the caller)."""
    ctx = context(caller, idempotency_key, body.date)
    _reportable(svc, org, caller, resolution, ctx.on)
    apply(svc, body.command(ctx, resolution))
    return current(svc, Resolution, resolution)


@router.post("/resolutions/{resolution}/completion", **DONE)
def complete_resolution(
    resolution: IdPath,
    body: ProgressBody,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    idempotency_key: IdempotencyKey = None,
) -> Record:
    """`complete_resolution` by an executor or the inspector (`by` is the caller)."""
    ctx = context(caller, idempotency_key, body.date)
    _reportable(svc, org, caller, resolution, ctx.on)
    apply(svc, body.completion(ctx, resolution))
    return current(svc, Resolution, resolution)


@router.post("/resolutions/{resolution}/extension", **DONE)
def extend_deadline(
    resolution: IdPath,
    body: ExtensionBody,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    idempotency_key: IdempotencyKey = None,
) -> Record:
    """`extend_deadline` by a decision of the cell at `meeting` (R25)."""
    ctx = context(caller, idempotency_key, body.date)
    _, cell = readable(svc, org, caller, Resolution, resolution, ctx.on)
    require_action(org, cell, caller, ctx.on, "cell_business")
    apply(svc, body.command(ctx, resolution))
    return current(svc, Resolution, resolution)


@router.post("/resolutions/{resolution}/cancellation", **DONE)
def cancel_resolution(
    resolution: IdPath,
    body: CancellationBody,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    idempotency_key: IdempotencyKey = None,
) -> Record:
    """`cancel_resolution` by a decision of the cell at `meeting` (R25)."""
    ctx = context(caller, idempotency_key, body.date)
    _, cell = readable(svc, org, caller, Resolution, resolution, ctx.on)
    require_action(org, cell, caller, ctx.on, "cell_business")
    apply(svc, body.command(ctx, resolution))
    return current(svc, Resolution, resolution)


# --- the cell's year ------------------------------------------------------------------------


@router.put("/cells/{cell}/thematic-plans/{year}", **DONE)
def set_thematic_plan(
    cell: IdPath,
    year: YearPath,
    body: ThematicPlanBody,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    idempotency_key: IdempotencyKey = None,
) -> Record:
    """`set_thematic_plan`: the year's thematic meetings (R4)."""
    ctx = context(caller, idempotency_key, body.date)
    found = readable_cell(svc, org, caller, cell, ctx.on)
    require_action(org, found, caller, ctx.on, "cell_business")
    apply(svc, body.command(ctx, cell, year))
    plans = current(svc, Cell, cell)["thematic_plans"]
    return {"cell": cell, "year": year, "topics": plans.get(str(year), plans.get(year, []))}


@router.put("/cells/{cell}/tasks/{year}", **DONE)
def assign_tasks(
    cell: IdPath,
    year: YearPath,
    body: TasksBody,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    idempotency_key: IdempotencyKey = None,
) -> Record:
    """`assign_tasks`: members' tasks for the year, drafted by the cell committee (R30–R32)."""
    ctx = context(caller, idempotency_key, body.date)
    found = readable_cell(svc, org, caller, cell, ctx.on)
    require_action(org, found, caller, ctx.on, "cell_business")
    apply(svc, body.command(ctx, cell, year))
    return current(svc, TaskAssignment, assignment_key(cell, year))


def _roster(svc: Services, cell: str, on: date) -> Record:
    found = record(svc, Cell, cell)
    if found is None:
        raise not_found("chi bộ (cell)", cell)
    return {"cell": cell, "on": on.isoformat(), "members": found.members_on(on)}


@router.post("/cells/{cell}/members", **CREATED)
def transfer_in(
    cell: IdPath,
    body: TransferInBody,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    idempotency_key: IdempotencyKey = None,
) -> Record:
    """`transfer_in`: a registered member joins the cell."""
    ctx = context(caller, idempotency_key, body.date)
    found = readable_cell(svc, org, caller, cell, ctx.on)
    require_action(org, found, caller, ctx.on, "cell_business")
    apply(svc, body.command(ctx, cell))
    return {**_roster(svc, cell, ctx.on), "member": body.member}


@router.delete("/cells/{cell}/members/{member}", **DONE)
def transfer_out(
    cell: IdPath,
    member: IdPath,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    on: Annotated[
        date | None, Query(alias="date", description="the business date (default today)")
    ] = None,
    idempotency_key: IdempotencyKey = None,
) -> Record:
    """`transfer_out`: the member leaves the cell (`?date=` the business date)."""
    body = TransferOutBody(date=on, member=member)
    ctx = context(caller, idempotency_key, body.date)
    found = readable_cell(svc, org, caller, cell, ctx.on)
    require_action(org, found, caller, ctx.on, "cell_business")
    apply(svc, body.command(ctx, cell))
    return {**_roster(svc, cell, ctx.on), "member": member}


# --- inspections ------------------------------------------------------------------------------


@router.post("/cells/{cell}/inspections", **CREATED)
def inspect(
    cell: IdPath,
    body: InspectionBody,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    idempotency_key: IdempotencyKey = None,
) -> Record:
    """`inspect`: concluded with findings, rating and recommendations (R50–R53), by the
    committee, the inspection commission or the organisation's leaders."""
    ctx = context(caller, idempotency_key, body.date)
    found = readable_cell(svc, org, caller, cell, ctx.on)
    require_action(org, found, caller, ctx.on, "inspection")
    apply(svc, body.command(ctx, cell))
    recommendations = [current(svc, Resolution, r.id) for r in body.recommendations]
    return {**current(svc, Inspection, body.id), "recommendations": recommendations}


# --- escalations -------------------------------------------------------------------------------


def _handled_escalation(
    svc: Services, org: Organisation, caller: Caller, key: str, on: date
) -> Escalation:
    """Readable: recipients, the bodies above the cells, readers of its cell (else 404);
    handled by recipients and the organisation's leaders (else 403)."""
    esc = record(svc, Escalation, key)
    if esc is None or esc.organisation != org.key:
        raise not_found("cảnh báo (escalation)", key)
    cell = record(svc, Cell, esc.subject.get("cell", ""))
    if not (
        caller.member in esc.recipients
        or organisation_roles(org, caller.member) & ABOVE
        or (cell is not None and may_read(org, cell, caller.member, on))
    ):
        raise not_found("cảnh báo (escalation)", key)
    if not may_handle_notice(org, caller.member, esc.recipients):
        raise ProblemError(
            403, f"không được phép (not allowed): only recipients handle escalation {key}"
        )
    return esc


@router.post("/escalations/{escalation:path}/acknowledgement", **DONE)
def acknowledge_escalation(
    escalation: EscalationPath,
    body: AcknowledgementBody,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    idempotency_key: IdempotencyKey = None,
) -> Record:
    """Seen: the escalation leaves the open inbox (status `acknowledged`)."""
    ctx = context(caller, idempotency_key, body.date)
    _handled_escalation(svc, org, caller, escalation, ctx.on)
    apply(svc, body.command(ctx, escalation))
    return current(svc, Escalation, escalation)


@router.post("/escalations/{escalation:path}/resolution", **DONE)
def resolve_escalation(
    escalation: EscalationPath,
    body: EscalationResolutionBody,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    idempotency_key: IdempotencyKey = None,
) -> Record:
    """Resolved, recording what was done (`action`): status `resolved`."""
    ctx = context(caller, idempotency_key, body.date)
    _handled_escalation(svc, org, caller, escalation, ctx.on)
    apply(svc, body.command(ctx, escalation))
    return current(svc, Escalation, escalation)


# --- the organisation ------------------------------------------------------------------------


def _auditor_answer(svc: Services, org: str, member: str) -> Record:
    found = record(svc, Organisation, org)
    return {"member": member, "auditor": found is not None and member in found.auditors}


@router.put("/auditors/{member}", **DONE)
def grant_auditor(
    member: IdPath,
    body: AuditorBody,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    idempotency_key: IdempotencyKey = None,
) -> Record:
    """The organisation secretary (or standing committee) grants the auditor role."""
    ctx = context(caller, idempotency_key, body.date)
    if not may_act_on_organisation(org, caller.member, "grant_auditor"):
        raise ProblemError(403, "không được phép (not allowed): granting auditors")
    apply(svc, body.command(ctx, member))
    return _auditor_answer(svc, org.key, member)


@router.delete("/auditors/{member}", **DONE)
def withdraw_auditor(
    member: IdPath,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    idempotency_key: IdempotencyKey = None,
) -> Record:
    """The auditor role withdrawn."""
    ctx = context(caller, idempotency_key, None)
    if not may_act_on_organisation(org, caller.member, "grant_auditor"):
        raise ProblemError(403, "không được phép (not allowed): withdrawing auditors")
    apply(svc, AuditorBody().withdrawal(ctx, member))
    return _auditor_answer(svc, org.key, member)


# --- contact (outside the log) ----------------------------------------------------------------


@router.put(
    "/members/{member}/contact",
    response_model=Contact,
    responses={k: v for k, v in ERRORS.items() if k != 409},
)
def set_contact(
    member: IdPath, body: ContactBody, svc: ServicesDep, caller: CallerDep, org: OrganisationDep
) -> Contact:
    """Where the member's notices go: the member themself or their cell secretary.
    Personal data kept outside the event log, so it can be changed and erased."""
    _contact_keeper(svc, org, caller, member)
    return ContactStore(svc.store(), svc.app.personal).set(
        org.key, member, body.email, body.digest, caller.member, list(body.kinds)
    )


@router.get(
    "/members/{member}/contact",
    response_model=Contact,
    responses=errors(401, 403, 404, 422),
)
def get_contact(
    member: IdPath, svc: ServicesDep, caller: CallerDep, org: OrganisationDep
) -> Contact:
    """Where the member's notices go now (no address yet: `email` null); readable by
    whoever may set it."""
    _contact_keeper(svc, org, caller, member)
    found = ContactStore(svc.store(), svc.app.personal).get(org.key, member)
    return found if found is not None else Contact(member=member, email=None, digest=False)


def _contact_keeper(svc: Services, org: Organisation, caller: Caller, member: str) -> None:
    """The member themself or their cell secretary (403); 404 for a member the caller
    may not read, as if unknown."""
    day = deps.today()
    if member not in org.members:
        raise not_found("đảng viên (member)", member)
    cells = [cell for cell in cells_of(svc, org) if cell.is_member_on(member, day)]
    if member != caller.member and not any(cell.secretary == caller.member for cell in cells):
        readable_by_caller = bool(organisation_roles(org, caller.member) & ABOVE) or any(
            may_read(org, cell, caller.member, day) for cell in cells
        )
        if not readable_by_caller:
            raise not_found("đảng viên (member)", member)
        raise ProblemError(
            403, "không được phép (not allowed): the member themself or their cell secretary"
        )
