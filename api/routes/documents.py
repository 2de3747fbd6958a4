"""Official documents drawn from the log (documents/): a meeting's minutes, a
resolution, a cell's minutes book for a year, and the organisation's report. Each is
what `chibo export` writes, issued today; whoever may read the record may download it
(the report: only those who read every cell of the organisation)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from fastapi.responses import Response

from api.deps import CallerDep, OrganisationDep, ServicesDep, today
from api.guard import not_found, readable, readable_cell
from api.problems import ProblemError, errors
from api.reading import RECORD_ERRORS, above
from api.routes.compliance import period_bounds
from documents.issue import make, subject_of
from documents.papers import DocumentNotFoundError
from documents.provenance import DocumentKind
from documents.render import MEDIA_TYPES, Format
from domain import commands as c
from domain.meeting import Meeting
from domain.resolution import Resolution

router = APIRouter(tags=["documents"])

PDF_ONLY: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The document (PDF, its provenance embedded), as an attachment.",
        "content": {MEDIA_TYPES["pdf"]: {"schema": {"type": "string", "format": "binary"}}},
    },
    **RECORD_ERRORS,
}
REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report (PDF or XLSX, its provenance embedded), as an attachment.",
        "content": {
            MEDIA_TYPES[fmt]: {"schema": {"type": "string", "format": "binary"}}
            for fmt in ("pdf", "xlsx")
        },
    },
    **errors(401, 403, 404, 422),
}
Year = Annotated[int, Path(ge=1900, le=2999, description="e.g. 2026")]


def _document(
    svc: ServicesDep, kind: DocumentKind, subject: dict[str, str], fmt: Format, name: str
) -> Response:
    """The document made now, or 404 when the log has no such record (a meeting only
    announced has no minutes)."""
    try:
        content = make(svc.app, svc.store(), kind, subject, fmt, today())
    except DocumentNotFoundError as missing:
        raise ProblemError(404, f"không tìm thấy (not found): {missing}") from None
    return Response(
        content,
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}.{fmt}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/meetings/{meeting}/minutes.pdf", response_class=Response, responses=PDF_ONLY)
def minutes_document(
    meeting: str, svc: ServicesDep, caller: CallerDep, org: OrganisationDep
) -> Response:
    """Biên bản: the minutes of a held meeting in the party's form (as `chibo export
    minutes`); 404 for a meeting only announced."""
    readable(svc, org, caller, Meeting, meeting, today())
    return _document(svc, "minutes", subject_of("minutes", meeting), "pdf", f"bien-ban-{meeting}")


@router.get("/resolutions/{resolution}/document.pdf", response_class=Response, responses=PDF_ONLY)
def resolution_document(
    resolution: str, svc: ServicesDep, caller: CallerDep, org: OrganisationDep
) -> Response:
    """Nghị quyết: a resolution, numbered per cell and year (as `chibo export
    resolution`)."""
    readable(svc, org, caller, Resolution, resolution, today())
    subject = subject_of("resolution", resolution)
    return _document(svc, "resolution", subject, "pdf", f"nghi-quyet-{resolution}")


@router.get("/cells/{cell}/minutes-book/{year}.pdf", response_class=Response, responses=PDF_ONLY)
def book_document(
    cell: str, year: Year, svc: ServicesDep, caller: CallerDep, org: OrganisationDep
) -> Response:
    """Sổ biên bản: every held meeting of the cell in the year, with an index (as
    `chibo export book`)."""
    readable_cell(svc, org, caller, cell, today())
    subject = subject_of("book", cell, str(year))
    return _document(svc, "book", subject, "pdf", f"so-bien-ban-{cell}-{year}")


@router.get(
    "/organisations/{organisation}/reports/{period}.{fmt}",
    response_class=Response,
    responses=REPORT_RESPONSES,
)
def report_document(
    organisation: Annotated[str, Path(pattern=c.ID_PATTERN, max_length=c.ID_MAX)],
    period: Annotated[
        str, Path(max_length=16, description="`2026-03`, `2026-Q1`, `2026-H1` or `2026`")
    ],
    fmt: Annotated[Literal["pdf", "xlsx"], Path(description="`pdf` or `xlsx`")],
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
) -> Response:
    """Báo cáo: every cell's compliance over the period, committee visits, inspections
    and the figures against their targets (R13, R30, R51, R60), as `chibo export
    report`; judged on the day after the period, or today while it runs. Only for
    those who read every cell of the organisation (leaders, committee, inspection
    commission, auditors): 403 for others (R80)."""
    if organisation != org.key:
        raise not_found("tổ chức (organisation)", organisation)
    period_bounds(period)
    if not above(org, caller):
        raise ProblemError(
            403,
            "báo cáo có hồ sơ của mọi chi bộ; chỉ người đọc được mọi chi bộ"
            " (the report holds every cell's records: R80)",
            rule="R80",
        )
    subject = subject_of("report", org.key, period, today())
    return _document(svc, "report", subject, fmt, f"bao-cao-{org.key}-{period}")
