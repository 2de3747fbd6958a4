"""`chibo export …` (official documents drawn from the log) and
`chibo audit verify-document FILE`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from documents.issue import make, subject_of, verify
from documents.papers import DocumentNotFoundError
from documents.provenance import DocumentKind, UnreadableDocumentError
from documents.render import FORMATS, Format
from workers.cli.app import REFUSED, app, fail, load_settings
from workers.cli.audit import audit_app
from workers.wiring import document_rebuild, make_app, make_read_store

export_app = typer.Typer(
    no_args_is_help=True,
    help="Văn bản (documents): minutes, resolutions, the minutes book, reports.",
)
app.add_typer(export_app, name="export")

OUTPUT = typer.Option("-o", "--output", help="the file to write (.pdf, or .xlsx for a report)")


def _format(kind: DocumentKind, output: Path) -> Format:
    suffix = output.suffix.lower().lstrip(".")
    if suffix not in FORMATS[kind]:
        allowed = ", ".join(f".{f}" for f in FORMATS[kind])
        raise typer.BadParameter(
            f"định dạng không hỗ trợ (unsupported format) {output.suffix!r}: {allowed}",
            param_hint="'-o'",
        )
    return suffix


def _export(kind: DocumentKind, subject: dict[str, str], output: Path) -> None:
    fmt = _format(kind, output)
    settings = load_settings()
    application, store = make_app(settings), make_read_store(settings)
    try:
        content = make(application, store, kind, subject, fmt, date.today())
    except DocumentNotFoundError as missing:
        fail(f"không có (not found): {missing}", REFUSED)
    finally:
        store.close()
        application.close()
    output.write_bytes(content)
    typer.echo(f"{output} ({len(content)} bytes)")


@export_app.command("minutes")
def export_minutes(
    meeting: Annotated[str, typer.Argument(help="meeting id, e.g. c1-2026-01")],
    output: Annotated[Path, OUTPUT],
) -> None:
    """Biên bản: the minutes of a held meeting, in the party's form."""
    _export("minutes", subject_of("minutes", meeting), output)


@export_app.command("resolution")
def export_resolution(
    resolution: Annotated[str, typer.Argument(help="resolution id, e.g. nq-c1-01")],
    output: Annotated[Path, OUTPUT],
) -> None:
    """Nghị quyết: a resolution, numbered per cell and year."""
    _export("resolution", subject_of("resolution", resolution), output)


@export_app.command("book")
def export_book(
    cell: Annotated[str, typer.Argument(help="cell id, e.g. c1")],
    year: Annotated[int, typer.Argument(min=1900, max=2999, help="e.g. 2026")],
    output: Annotated[Path, OUTPUT],
) -> None:
    """Sổ biên bản: every held meeting of a cell in a year, with an index."""
    _export("book", subject_of("book", cell, str(year)), output)


@export_app.command("report")
def export_report(
    organisation: Annotated[str, typer.Argument(help="organisation id, e.g. tb")],
    output: Annotated[Path, OUTPUT],
    period: Annotated[
        str | None, typer.Option(help="2026-03, 2026-Q1, 2026-H1 or 2026 (default: this year)")
    ] = None,
) -> None:
    """Báo cáo: every cell's compliance, committee visits, inspections and the figures
    against their targets (R13, R30, R51, R60), as XLSX or PDF."""
    from workers.cli.records import _period

    value = period or str(date.today().year)
    _period(value)  # a clear error naming --period
    _export("report", subject_of("report", organisation, value), output)


@audit_app.command("verify-document")
def verify_document_command(
    file: Annotated[Path, typer.Argument(help="a PDF or XLSX made by `chibo export`")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Whether the document matches the log at the position it names: the chain up to
    it, the data drawn again there, and the file rendered again (exit 0 when it
    matches, 1 when not)."""
    try:
        content = file.read_bytes()
    except OSError as error:
        fail(f"không đọc được tệp (cannot read) {file}: {error.strerror}")
    settings = load_settings()
    application, store = make_app(settings), make_read_store(settings)
    try:
        verdict = verify(application, store, content, document_rebuild(settings, application))
    except UnreadableDocumentError as error:
        fail(f"{file}: {error}", REFUSED)
    finally:
        store.close()
        application.close()
    if as_json:
        typer.echo(json.dumps(verdict.model_dump(mode="json"), ensure_ascii=False, indent=1))
    elif verdict.matches:
        typer.echo(
            f"KHỚP (matches): {file} — {verdict.kind} {verdict.subject} tại vị trí"
            f" {verdict.position}, chuỗi {verdict.chain_hash}"
        )
    else:
        typer.echo(f"KHÔNG KHỚP (does not match): {file}")
        for problem in verdict.problems:
            typer.echo(f"  - {problem}")
    if not verdict.matches:
        raise typer.Exit(REFUSED)
