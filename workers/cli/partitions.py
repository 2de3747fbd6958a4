"""`chibo partitions …`: the directory of partitions, each one's chain verified alone,
and roll-ups of every partition's figures."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from audit.signing import KeyFileError, load_private, load_public
from domain.periods import judged_on
from projections.compliance import compliance
from projections.rollup import Totals, totals
from workers.cli.app import REFUSED, USAGE, app, console, fail, load_settings
from workers.cli.records import _period
from workers.moving import (
    MoveIncompleteError,
    MoveRefusedError,
    move_organisation,
    moved_directory,
    stop_workflows,
    write_directory,
)
from workers.partitions import Directory, DirectoryError, load_directory
from workers.settings import Settings, redact_url
from workers.verify import verify_everywhere
from workers.wiring import connect_temporal, make_app, make_read_store

partitions_app = typer.Typer(
    no_args_is_help=True, help="Phân vùng (partitions): one store per province, roll-ups."
)
app.add_typer(partitions_app, name="partitions")

DIRECTORY = typer.Option("--directory", help="the partitions file (default: CHIBO_PARTITIONS_FILE)")


def _directory(path: Path | None) -> Directory:
    chosen = path or load_settings().partitions_file
    if chosen is None:
        fail(
            "không có danh mục phân vùng (no partitions file):"
            " --directory or CHIBO_PARTITIONS_FILE",
            USAGE,
        )
    try:
        return load_directory(chosen)
    except DirectoryError as error:
        fail(f"danh mục phân vùng không hợp lệ (invalid partitions file): {error}", USAGE)


@partitions_app.command("list")
def list_command(directory: Annotated[Path | None, DIRECTORY] = None) -> None:
    """Each partition: its store, its Temporal namespace and its organisations."""
    found = _directory(directory)
    table = Table("phân vùng (partition)", "namespace", "database", "đảng ủy (organisations)")
    for p in found.partitions:
        table.add_row(
            p.name, p.temporal_namespace, redact_url(p.database_url), ", ".join(p.organisations)
        )
    console.print(table)


def partition_totals(directory: Directory, start: date, end: date) -> dict[str, Totals]:
    """Each partition's own totals over the window, read from its own read models."""
    base = load_settings()
    found: dict[str, Totals] = {}
    for partition in directory.partitions:
        settings = partition.settings(base)
        application, store = make_app(settings), make_read_store(settings)
        try:
            summed = Totals()
            for org in partition.organisations:
                figures = compliance(store, start, end, application.policy_on, organisation=org)
                summed += totals(store, org, figures)
            found[partition.name] = summed
        finally:
            store.close()
            application.close()
    return found


@partitions_app.command("rollup")
def rollup_command(
    directory: Annotated[Path | None, DIRECTORY] = None,
    period: Annotated[str | None, typer.Option(help="2026-03, 2026-Q1, 2026-H1 or 2026")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Compliance summed over every partition: each partition's own totals, and the
    whole (the attendance rate recomputed from the summed counts, R13)."""
    found = _directory(directory)
    start, end = _period(period)
    end = judged_on(start, end, date.today())  # as `chibo compliance` judges a period
    parts = partition_totals(found, start, end)
    whole = sum(parts.values(), Totals())
    if as_json:
        out = {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "partitions": {
                n: t.model_dump() | {"attendance_rate": t.attendance_rate} for n, t in parts.items()
            },
            "total": whole.model_dump() | {"attendance_rate": whole.attendance_rate},
        }
        typer.echo(json.dumps(out, ensure_ascii=False, indent=1))
        return
    table = Table(
        "",
        "đảng ủy",
        "chi bộ",
        "tháng có họp",
        "tỷ lệ dự họp",
        "NQ ban hành",
        "NQ quá hạn",
        "kiểm tra",
    )
    rows = [*parts.items(), ("toàn bộ (total)", whole)]
    for name, t in rows:
        rate = "—" if t.attendance_rate is None else f"{t.attendance_rate:.1%}"
        table.add_row(
            name,
            str(t.organisations),
            str(t.cells),
            str(t.regular_months),
            rate,
            str(t.adopted),
            str(t.overdue_open),
            str(t.inspections),
        )
    console.print(f"{start} → {end}")
    console.print(table)


@partitions_app.command("verify")
def verify_command(
    directory: Annotated[Path | None, DIRECTORY] = None,
    allow_unsigned: Annotated[bool, typer.Option("--allow-unsigned")] = False,
) -> None:
    """Each partition's chain verified alone (exit 1 naming the first that does not)."""
    found = _directory(directory)
    base = load_settings()
    try:
        public = load_public(base.audit_key_path)
    except KeyFileError as error:
        fail(f"khóa kiểm toán (audit key): {error}", USAGE)
    failed = False
    for partition in found.partitions:
        settings = partition.settings(base)
        report = verify_everywhere(settings, public, allow_unsigned=allow_unsigned)
        if report.problem is None:
            console.print(
                f"{partition.name}: OK — {report.events} events,"
                f" head {report.head}:{report.head_hash.hex()}",
                markup=False,
            )
        else:
            failed = True
            console.print(
                f"{partition.name}: KHÔNG HỢP LỆ (does not verify) — {report.problem}", markup=False
            )
    if failed:
        raise typer.Exit(REFUSED)


@partitions_app.command("move")
def move_command(
    organisation: Annotated[str, typer.Argument(help="the organisation (đảng ủy) to move")],
    to: Annotated[str, typer.Option("--to", help="the partition that will hold it")],
    directory: Annotated[Path | None, DIRECTORY] = None,
    stop_workflows_too: Annotated[
        bool,
        typer.Option(
            "--stop-workflows/--no-stop-workflows",
            help="end its workflows in the source's Temporal namespace (default); without,"
            " they must already be stopped",
        ),
    ] = True,
) -> None:
    """Moves an organisation's history to another partition: its writes stopped in the
    source, the source's chain verified and signed, its records copied into the target's
    log, its accounts, contacts and webhook with them, the target signed, and the
    directory file rewritten to name the target (refused, nothing copied, if the source
    does not verify or the target already has one of its record ids)."""
    path = directory or load_settings().partitions_file
    found = _directory(path)
    assert path is not None  # _directory has refused otherwise
    base = load_settings()
    try:
        key = load_private(base.audit_key_path)
    except KeyFileError as error:
        fail(f"khóa kiểm toán (audit key): {error}", USAGE)

    def stop(ids: list[str]) -> int:
        if not stop_workflows_too:
            return 0
        source = found.partition_of(organisation).settings(base)
        return asyncio.run(_stop_in(source, ids, organisation, to))

    try:
        report = move_organisation(found, base, organisation, to, key, stop)
    except MoveRefusedError as refused:
        fail(f"TỪ CHỐI CHUYỂN (move refused): {refused}", REFUSED)
    except MoveIncompleteError as error:
        fail(f"CHƯA XONG (move not finished): {error}", REFUSED)
    write_directory(path, moved_directory(found, organisation, to))
    console.print(
        f"{report.organisation}: {report.source} → {report.target}: {report.streams} hồ sơ"
        f" (records), {report.events} sự kiện (events) at positions"
        f" {report.first}–{report.last}; source head {report.source_head}:"
        f"{report.source_hash}; {report.workflows_stopped} workflows stopped in the source;"
        f" side rows {report.side_rows}; directory {path} updated",
        markup=False,
    )


async def _stop_in(settings: Settings, ids: list[str], organisation: str, target: str) -> int:
    try:
        client = await connect_temporal(settings)
    except RuntimeError as error:
        raise MoveRefusedError(
            f"không kết nối được Temporal (cannot reach Temporal at"
            f" {settings.effective_temporal_address}): {error}"
        ) from None
    return await stop_workflows(client, ids, f"{organisation} moved to partition {target}")
