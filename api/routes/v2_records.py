"""The records SCENARIOS.md version 2 added, over HTTP: a resolution's communication
(R22), the members' pledges (R33), the party fees register (R74) and the organisation's
annual report (R63). The commands have `api/routes/actions.py`'s shape (business date,
404 for what the caller may not read, 403 for what they may not do, one domain command
with the `Idempotency-Key` as its id, the answer once the read models show it); each
has its read, for the pages and for people."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from api.commands import AnnualReportBody, CommunicationBody, FeesBody, PledgeBody
from api.deps import CallerDep, OrganisationDep, Services, ServicesDep, cells_of, today
from api.guard import not_found, readable, readable_cell, require_action
from api.problems import ProblemError
from api.reading import RECORD_ERRORS, above
from api.routes.actions import (
    DONE,
    ERRORS,
    IdempotencyKey,
    IdPath,
    Record,
    YearPath,
    apply,
    context,
    current,
)
from domain import commands as c
from domain.access import Caller, may_act_on_organisation, may_keep_fees, may_read
from domain.organisation import Organisation
from domain.resolution import Resolution
from projections import cells as register
from projections.fees import fees_of, paid_months
from projections.organisations import annual_report
from projections.tasks import PledgeRow, pledges

router = APIRouter()

OrganisationPath = Annotated[str, Path(pattern=c.ID_PATTERN, max_length=c.ID_MAX)]


# --- R22: communication ---------------------------------------------------------------------


@router.post("/resolutions/{resolution}/communication", tags=["commands"], **DONE)
def communicate_resolution(
    resolution: IdPath,
    body: CommunicationBody,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    idempotency_key: IdempotencyKey = None,
) -> Record:
    """`communicate_resolution` by the cell (R22): the first communication is recorded
    (`communicated_on`); a later one, or one of an inspection's recommendation, records
    nothing (`recorded` false)."""
    ctx = context(caller, idempotency_key, body.date)
    _, cell = readable(svc, org, caller, Resolution, resolution, ctx.on)
    require_action(org, cell, caller, ctx.on, "cell_business")
    result = apply(svc, body.command(ctx, resolution))
    return {**current(svc, Resolution, resolution), "recorded": bool(result.get("recorded"))}


# --- R33: pledges ---------------------------------------------------------------------------


class Pledge(PledgeRow):
    """A member's pledge (bản cam kết tu dưỡng, rèn luyện) for the year, as last recorded."""

    cell: str
    year: int


class Pledges(BaseModel):
    """The cell's pledges for the year (R33), by member."""

    cell: str
    year: int
    pledges: list[PledgeRow]


@router.put(
    "/cells/{cell}/pledges/{year}/{member}",
    response_model=Pledge,
    tags=["commands"],
    **DONE,
)
def record_pledge(
    cell: IdPath,
    year: YearPath,
    member: IdPath,
    body: PledgeBody,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    idempotency_key: IdempotencyKey = None,
) -> Pledge:
    """`record_pledge`: the member themself, or whoever does the cell's business; a
    member not in the cell on `date` is refused (422, R33)."""
    ctx = context(caller, idempotency_key, body.date)
    found = readable_cell(svc, org, caller, cell, ctx.on)
    if member != caller.member:
        require_action(org, found, caller, ctx.on, "cell_business")
    apply(svc, body.command(ctx, cell, year, member))
    row = next((p for p in pledges(svc.store(), cell, year) if p.member == member), None)
    if row is None:  # stored a moment ago: never expected
        raise not_found("bản cam kết (pledge)", f"{cell}/{year}/{member}")
    return Pledge(**row.model_dump(), cell=cell, year=year)


@router.get(
    "/cells/{cell}/pledges/{year}",
    response_model=Pledges,
    tags=["year records"],
    responses=RECORD_ERRORS,
)
def get_pledges(
    cell: IdPath, year: YearPath, svc: ServicesDep, caller: CallerDep, org: OrganisationDep
) -> Pledges:
    """Every pledge of the cell's members for the year; readers of the cell (R80)."""
    readable_cell(svc, org, caller, cell, today())
    return Pledges(cell=cell, year=year, pledges=pledges(svc.store(), cell, year))


# --- R74: party fees ------------------------------------------------------------------------


class FeePayment(BaseModel):
    """A payment recorded: the months it added and every month the member has paid."""

    member: str
    recorded: list[str] = Field(
        description="The months this payment recorded (empty: all were paid already)."
    )
    paid: dict[str, date] = Field(description="Every month paid (`YYYY-MM` → the day paid).")


class FeeMember(BaseModel):
    member: str
    name: str
    paid: dict[str, date] = Field(description="The year's months paid → the day paid.")


class FeeRegister(BaseModel):
    """The cell's fees register (sổ thu đảng phí) for the year: each member of the cell
    on `on` (the year's last day, or today while it runs) and the months paid."""

    cell: str
    year: int
    on: date
    months: list[str]
    members: list[FeeMember]


@router.post("/members/{member}/fees", response_model=FeePayment, tags=["commands"], **DONE)
def pay_fees(
    member: IdPath,
    body: FeesBody,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    idempotency_key: IdempotencyKey = None,
) -> FeePayment:
    """`pay_fees` on `date`: the leaders of the member's cell that day, or the
    organisation's leaders. A month that is not `YYYY-MM` refuses the whole payment
    (422, R74); months already paid are skipped, so a repeat records nothing."""
    ctx = context(caller, idempotency_key, body.date)
    _fees_keeper(svc, org, caller, member, ctx.on)
    result = apply(svc, body.command(ctx, member))
    recorded = [m for m in str(result.get("months", "")).split(",") if m]
    return FeePayment(
        member=member, recorded=recorded, paid=paid_months(svc.store(), org.key, member)
    )


@router.get(
    "/cells/{cell}/fees/{year}",
    response_model=FeeRegister,
    tags=["year records"],
    responses=RECORD_ERRORS,
)
def fees_register(
    cell: IdPath, year: YearPath, svc: ServicesDep, caller: CallerDep, org: OrganisationDep
) -> FeeRegister:
    """The register of the cell's members for the year; readers of the cell (R80)."""
    day = today()
    readable_cell(svc, org, caller, cell, day)
    on = min(day, date(year, 12, 31))
    store = svc.store()
    paid = fees_of(store, org.key, year)
    members = [
        FeeMember(member=m.member, name=m.name, paid=paid.get(m.member, {}))
        for m in register.roster(store, cell, on)
    ]
    months = [f"{year}-{n:02d}" for n in range(1, 13)]
    return FeeRegister(cell=cell, year=year, on=on, months=months, members=members)


def _fees_keeper(svc: Services, org: Organisation, caller: Caller, member: str, on: date) -> None:
    """403 for a member the caller may read but not keep the fees of; 404 for one they
    may not read, as if unknown."""
    if member not in org.members:
        raise not_found("đảng viên (member)", member)
    cells = [cell for cell in cells_of(svc, org) if cell.is_member_on(member, on)]
    if may_keep_fees(org, cells, caller.member, on):
        return
    if not (above(org, caller) or any(may_read(org, cell, caller.member, on) for cell in cells)):
        raise not_found("đảng viên (member)", member)
    raise ProblemError(
        403,
        "không được phép (not allowed): the leaders of the member's cell or of the"
        " organisation keep the fees register",
    )


# --- R63: the annual report -----------------------------------------------------------------


class AnnualReport(BaseModel):
    """The organisation's report on the year (R63): `submitted_on` null until it is."""

    organisation: str
    year: int
    submitted_on: date | None
    summary: str | None


class AnnualReportAnswer(AnnualReport):
    recorded: bool = Field(description="False: the year's report was submitted before.")


def _annual(svc: Services, org: Organisation, year: int) -> AnnualReport:
    found = annual_report(svc.store(), org.key, year)
    return AnnualReport(
        organisation=org.key,
        year=year,
        submitted_on=found.submitted_on if found else None,
        summary=found.summary if found else None,
    )


@router.put(
    "/organisations/{organisation}/annual-reports/{year}",
    response_model=AnnualReportAnswer,
    tags=["commands"],
    **DONE,
)
def submit_annual_report(
    organisation: OrganisationPath,
    year: YearPath,
    body: AnnualReportBody,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    idempotency_key: IdempotencyKey = None,
) -> AnnualReportAnswer:
    """`submit_annual_report`: the organisation secretary or the standing committee
    (403 for others); once per year (a repeat records nothing)."""
    ctx = context(caller, idempotency_key, body.date)
    if organisation != org.key:
        raise not_found("tổ chức (organisation)", organisation)
    if not may_act_on_organisation(org, caller.member, "organisation_business"):
        raise ProblemError(
            403,
            "không được phép (not allowed): the organisation secretary or the standing"
            " committee submit the annual report",
        )
    result = apply(svc, body.command(ctx, year))
    return AnnualReportAnswer(
        **_annual(svc, org, year).model_dump(), recorded=bool(result.get("recorded"))
    )


@router.get(
    "/organisations/{organisation}/annual-reports/{year}",
    response_model=AnnualReport,
    tags=["year records"],
    responses={**RECORD_ERRORS, **{k: v for k, v in ERRORS.items() if k == 403}},
)
def get_annual_report(
    organisation: OrganisationPath,
    year: YearPath,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
) -> AnnualReport:
    """Whether and when the year's report was submitted; for those who read every cell
    of the organisation (403 for others, R80)."""
    if organisation != org.key:
        raise not_found("tổ chức (organisation)", organisation)
    if not above(org, caller):
        raise ProblemError(
            403,
            "chỉ người đọc được mọi chi bộ (only those who read every cell: R80)",
            rule="R80",
        )
    return _annual(svc, org, year)
