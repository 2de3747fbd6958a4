"""Issuing a document and checking one: the way in for the CLI (`chibo export`,
`chibo audit verify-document`), the API's downloads and the pages' buttons.

`issue` reads the read models' positions and the records in one snapshot, takes the
lowest position as the document's, and draws the data as the log stood there.
`verify` reads the provenance back from the file, recomputes the chain up to that
position from the stored events, draws the data again at the same position (the
report's read models rebuilt from the log into a scratch store), and renders the file
again: the document matches the log only if all three agree.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from typing import Any

from pydantic import BaseModel

from audit.chain import verify as verify_chain
from audit.verify import chain_rows, stored_rows
from documents.papers import (
    DocumentNotFoundError,
    book_paper,
    minutes_paper,
    resolution_paper,
)
from documents.provenance import DocumentKind, Embedded, Provenance, canonical, digest
from documents.render import Format, pdf_text, read_document, render, xlsx_values
from documents.report import REPORT_PROJECTIONS, report_paper
from documents.sources import chain_hash_at, positions, snapshot
from domain.application import ChiboApplication
from domain.periods import bounds, judged_on
from projections.store import ReadStore

PAPER_PROJECTIONS = ("meetings", "resolutions")
"""The read models that say which records a paper shows (a cell's meetings, a meeting's
resolutions)."""

Rebuild = Callable[[dict[str, int]], AbstractContextManager[ReadStore]]
"""A scratch store with the read models rebuilt from the log to the given positions
(the composition root makes it: it creates the tables)."""


def subject_of(
    kind: DocumentKind, key: str, extra: str | None = None, today: date | None = None
) -> dict[str, str]:
    """The subject of a request: a meeting, a resolution, a cell and year, or an
    organisation and period (judged on the day after it ends, or today while it runs,
    as `chibo compliance` judges it)."""
    if kind in ("minutes",):
        return {"meeting": key}
    if kind == "resolution":
        return {"resolution": key}
    if kind == "book":
        assert extra is not None
        return {"cell": key, "year": str(int(extra))}
    assert extra is not None
    start, end = bounds(extra)
    end = judged_on(start, end, today or date.today())
    return {
        "organisation": key,
        "period": extra,
        "start": start.isoformat(),
        "end": end.isoformat(),
    }


def draw(
    app: ChiboApplication,
    view: ReadStore,
    chain: ReadStore,
    kind: DocumentKind,
    subject: dict[str, str],
    position: int,
) -> dict[str, Any]:
    """The document's data at `position` (`view`: the read models that choose the
    records; `chain`: the store of the log's chain)."""
    paper: BaseModel
    if kind == "minutes":
        paper = minutes_paper(app, view, subject["meeting"], position)
    elif kind == "resolution":
        paper = resolution_paper(app, view, subject["resolution"], position)
    elif kind == "book":
        paper = book_paper(app, view, subject["cell"], int(subject["year"]), position)
    else:
        paper = report_paper(
            app,
            view,
            chain,
            subject["organisation"],
            subject["period"],
            date.fromisoformat(subject["start"]),
            date.fromisoformat(subject["end"]),
            position,
        )
    data: dict[str, Any] = paper.model_dump(mode="json")
    return data


def issue(
    app: ChiboApplication,
    store: ReadStore,
    kind: DocumentKind,
    subject: dict[str, str],
    issued_on: date,
) -> Embedded:
    names = REPORT_PROJECTIONS if kind == "report" else PAPER_PROJECTIONS
    with snapshot(store) as view:
        at = positions(view, names)
        position = min(at.values(), default=0)
        chain = chain_hash_at(view, position) if position else None
        if chain is None:
            raise DocumentNotFoundError("sổ sự kiện trống (the log is empty)")
        data = draw(app, view, view, kind, subject, position)
    provenance = Provenance(
        kind=kind,
        subject=subject,
        position=position,
        chain_hash=chain,
        positions=at,
        data_digest=digest(data),
        issued_on=issued_on,
    )
    return Embedded(provenance=provenance, data=data)


def make(
    app: ChiboApplication,
    store: ReadStore,
    kind: DocumentKind,
    subject: dict[str, str],
    fmt: Format,
    issued_on: date,
) -> bytes:
    return render(issue(app, store, kind, subject, issued_on), fmt)


# --- checking a document ------------------------------------------------------------------


class Verdict(BaseModel):
    matches: bool
    kind: str
    subject: dict[str, str]
    position: int
    chain_hash: str
    problems: list[str]


def _first_difference(a: Any, b: Any, path: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                return _first_difference(a.get(key), b.get(key), f"{path}.{key}")
    if isinstance(a, list) and isinstance(b, list):
        for index, (x, y) in enumerate(zip(a, b, strict=False)):
            if x != y:
                return _first_difference(x, y, f"{path}[{index}]")
        if len(a) != len(b):
            return f"{path}: {len(a)} mục trong văn bản, {len(b)} trong sổ (items)"
    return f"{path or 'data'}: văn bản ghi {a!r}, sổ sự kiện ghi {b!r}"


def _file_problem(content: bytes, embedded: Embedded, fmt: Format) -> str | None:
    expected = render(embedded, fmt)
    if fmt == "pdf":
        if content == expected:
            return None
        seen, wanted = pdf_text(content), pdf_text(expected)
        for page, (a, b) in enumerate(zip(seen, wanted, strict=False), start=1):
            if a != b:
                return f"chữ ở trang {page} đã bị sửa (the text of page {page} was edited)"
        if len(seen) != len(wanted):
            return f"số trang đã bị đổi (pages: {len(seen)}, expected {len(wanted)})"
        return "tệp đã bị sửa ngoài phần chữ (the file was altered, not its text)"
    seen_values, wanted_values = xlsx_values(content), xlsx_values(expected)
    if seen_values == wanted_values:
        return None
    for sheet, rows in wanted_values.items():
        if seen_values.get(sheet) != rows:
            return f"trang tính {sheet!r} đã bị sửa (the sheet {sheet!r} was edited)"
    return "bảng tính đã bị sửa (the workbook was edited)"


def verify(app: ChiboApplication, store: ReadStore, content: bytes, rebuild: Rebuild) -> Verdict:
    """Whether the file is what the log at its stated position produces
    (UnreadableDocumentError when it carries no chibo provenance)."""
    fmt, embedded = read_document(content)
    prov = embedded.provenance
    problems: list[str] = []
    if digest(embedded.data) != prov.data_digest:
        problems.append("dữ liệu nhúng không khớp mã dữ liệu (embedded data ≠ its digest)")
    chain = verify_chain(
        stored_rows(app, 1, prov.position),
        chain_rows(store, 1, prov.position),
        [],
        lambda _: True,
    )
    if chain.problem is not None:
        problems.append(f"sổ sự kiện đã bị thay đổi (the log was altered): {chain.problem}")
    elif chain.head != prov.position or chain.head_hash.hex() != prov.chain_hash:
        problems.append(
            f"mã chuỗi tại vị trí {prov.position} không khớp"
            f" (the chain hash at {prov.position} differs: the log was rewritten)"
        )
    else:
        try:
            if prov.kind == "report":
                with rebuild(prov.positions) as rebuilt:
                    data = draw(app, rebuilt, store, prov.kind, prov.subject, prov.position)
            else:
                data = draw(app, store, store, prov.kind, prov.subject, prov.position)
        except DocumentNotFoundError as missing:
            problems.append(f"sổ sự kiện không còn {missing} (the log no longer has it)")
        else:
            if canonical(data) != canonical(embedded.data):
                problems.append(
                    "nội dung không khớp sổ sự kiện (content differs from the log): "
                    + _first_difference(embedded.data, data)
                )
    edited = _file_problem(content, embedded, fmt)
    if edited is not None:
        problems.append(edited)
    return Verdict(
        matches=not problems,
        kind=prov.kind,
        subject=prov.subject,
        position=prov.position,
        chain_hash=prov.chain_hash,
        problems=problems,
    )
