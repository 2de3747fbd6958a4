"""The inspection register: plans, conclusions and ratings, and which cells were
inspected in a period or a term (R50–R52)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from domain.inspection import Inspection, InspectionStatus
from projections.codec import as_date, from_json, to_json
from projections.projection import Projection, handles
from projections.store import Bulk, ReadStore, Writer


class InspectionRow(BaseModel):
    inspection: str
    cell: str
    kind: str
    status: InspectionStatus
    planned_on: date | None
    concluded_on: date | None
    rating: str | None
    by: list[str]
    findings: str | None
    recommendations: list[str]
    notified_on: date | None


class CoverageRow(BaseModel):
    inspected: list[str]
    not_inspected: list[str]
    rate: float


class InspectionsProjection(Projection):
    name = "inspections"
    tables = ("rm_inspections",)
    ddl = (
        # `by` is an SQL keyword, hence `inspected_by`; `stream` links later events.
        "CREATE TABLE IF NOT EXISTS rm_inspections ("
        " inspection TEXT PRIMARY KEY, stream TEXT NOT NULL UNIQUE, cell TEXT NOT NULL,"
        " kind TEXT NOT NULL, status TEXT NOT NULL, planned_on TEXT, concluded_on TEXT,"
        " rating TEXT, inspected_by TEXT NOT NULL, findings TEXT,"
        " recommendations TEXT NOT NULL, notified_on TEXT)",
        "CREATE INDEX IF NOT EXISTS rm_inspections_concluded"
        " ON rm_inspections (concluded_on, cell)",
    )

    @handles(Inspection.Planned)
    def _planned(self, w: Writer, e: Inspection.Planned, position: int) -> None:
        stream = str(e.originator_id)
        row: list[Any] = [e.key, stream, e.cell, e.kind, "planned", e.planned_on.isoformat()]
        row += [None, None, to_json(e.by), None, "[]", None]
        # Keyed: a conclusion in the same batch (the usual case) changes the row unsent.
        w.insert("rm_inspections", _INSERT, row, key=stream)

    @handles(Inspection.Concluded)
    def _concluded(self, w: Writer, e: Inspection.Concluded, position: int) -> None:
        stream = str(e.originator_id)
        values = [
            "concluded",
            e.occurred_on.isoformat(),
            e.rating,
            to_json(e.by),
            e.findings,
            to_json(e.recommendations),
        ]
        row = w.pending("rm_inspections", stream)
        if row is not None:
            row[4] = values[0]  # status
            row[6:11] = values[1:]  # concluded_on, rating, inspected_by, findings, recommendations
            return
        w.update(_CONCLUDED, (stream, *values[1:]))

    @handles(Inspection.Notified)
    def _notified(self, w: Writer, e: Inspection.Notified, position: int) -> None:
        stream = str(e.originator_id)
        row = w.pending("rm_inspections", stream)
        if row is not None:
            row[11] = e.occurred_on.isoformat()
            return
        w.update(_NOTIFIED, (stream, e.occurred_on.isoformat()))


_CONCLUDED = Bulk(
    "rm_inspections",
    "stream",
    (
        ("stream", "text"),
        ("day", "text"),
        ("rating", "text"),
        ("by", "text"),
        ("findings", "text"),
        ("recommendations", "text"),
    ),
    "status = 'concluded', concluded_on = v.day, rating = v.rating, inspected_by = v.by,"
    " findings = v.findings, recommendations = v.recommendations",
)
_NOTIFIED = Bulk(
    "rm_inspections", "stream", (("stream", "text"), ("day", "text")), "notified_on = v.day"
)
_INSERT = (
    "inspection",
    "stream",
    "cell",
    "kind",
    "status",
    "planned_on",
    "concluded_on",
    "rating",
    "inspected_by",
    "findings",
    "recommendations",
    "notified_on",
)


def _window(cell: str | None, start: date | None, end: date | None) -> tuple[str, list[Any]]:
    """Concluded inspections, of `cell` if given, concluded in [start, end] (inclusive)."""
    clauses = ["status = 'concluded'"]
    params: list[Any] = []
    if cell is not None:
        clauses.append("cell = %s")
        params.append(cell)
    if start is not None:
        clauses.append("concluded_on >= %s")
        params.append(start.isoformat())
    if end is not None:
        clauses.append("concluded_on <= %s")
        params.append(end.isoformat())
    return " AND ".join(clauses), params


def inspections_of(
    store: ReadStore, cell: str | None = None, start: date | None = None, end: date | None = None
) -> list[InspectionRow]:
    """Inspections concluded in [start, end] (either bound optional), oldest first."""
    where, params = _window(cell, start, end)
    rows = store.query(
        "SELECT inspection, cell, kind, status, planned_on, concluded_on, rating,"
        " inspected_by, findings, recommendations, notified_on FROM rm_inspections"
        f" WHERE {where} ORDER BY concluded_on, inspection",
        params,
    )
    return [
        InspectionRow(
            inspection=key,
            cell=cell_,
            kind=kind,
            status=status,
            planned_on=as_date(planned),
            concluded_on=as_date(concluded),
            rating=rating,
            by=from_json(by),
            findings=findings,
            recommendations=from_json(recommendations),
            notified_on=as_date(notified),
        )
        for (
            key,
            cell_,
            kind,
            status,
            planned,
            concluded,
            rating,
            by,
            findings,
            recommendations,
            notified,
        ) in rows
    ]


def inspection_coverage(store: ReadStore, cells: list[str], start: date, end: date) -> CoverageRow:
    """Which of `cells` had an inspection concluded in [start, end]: a period for R50,
    a whole term for R51. The rate has 4 decimals; no cells at all count as covered."""
    where, params = _window(None, start, end)
    done = {
        row[0]
        for row in store.query(f"SELECT DISTINCT cell FROM rm_inspections WHERE {where}", params)
    }
    wanted = sorted(set(cells))
    inspected = [c for c in wanted if c in done]
    not_inspected = [c for c in wanted if c not in done]
    rate = round(len(inspected) / len(wanted), 4) if wanted else 1.0
    return CoverageRow(inspected=inspected, not_inspected=not_inspected, rate=rate)


def ratings(store: ReadStore, start: date, end: date) -> dict[str, int]:
    """How many inspections concluded in [start, end] got each rating."""
    where, params = _window(None, start, end)
    rows = store.query(
        f"SELECT rating, COUNT(*) FROM rm_inspections WHERE {where} GROUP BY rating", params
    )
    return {rating: int(count) for rating, count in sorted(rows)}
