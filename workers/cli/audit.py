"""`chibo audit …`: commands and their printing, for auditors.

Tamper evidence (keygen, checkpoint, verify, export), a record's full history, any
record or cell at any moment, and the replay check. The work is done in `audit/`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
import yaml
from rich.console import Console

from audit import history as h
from audit.bundle import export_bundle, verify_bundle
from audit.chain import Report
from audit.replay import LaggingReadModelsError, ReplayFailedError, ReplayReport, replay_live
from audit.signing import generate_key, load_private, load_public, public_path, sign_checkpoint
from audit.verify import verify_store
from domain.application import ChiboApplication
from projections.registry import all_projections
from projections.store import ReadStore
from workers.settings import Settings
from workers.wiring import init_db, make_app, make_read_store

audit_app = typer.Typer(no_args_is_help=True, help="Kiểm toán (audit): history and integrity.")
# Commands are listed in the order they are defined here: history first, then integrity.
console = Console()


# --- history, show, cell, replay ---------------------------------------------------------

RECORD_HELP = (
    "record id as users know it (nq-c1-01, c1, c1/2026, meeting_missed/cell=c2/2026-02/1),"
    " kind:id (meeting:c1-2026-01) or its UUID"
)
TIME_HELP = "ISO datetime (UTC unless it says otherwise) or date (= the end of that day, UTC)"


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _refuse(error: h.HistoryError) -> NoReturn:
    """Exit 2 naming what was asked and why it cannot be answered."""
    if isinstance(error, h.AmbiguousRecordError):
        _fail(f"mã hồ sơ không rõ ràng (ambiguous id): {error.message}")
    if isinstance(error, h.UnknownRecordError):
        _fail(f"không tìm thấy hồ sơ (not found): {error.message}")
    _fail(f"không trả lời được (cannot answer): {error.message}")


def parse_time(text: str) -> datetime:
    """An ISO datetime (naive = UTC), a date (the end of that day, UTC) or `now`."""
    value = text.strip()
    if value.lower() == "now":
        return datetime.now(UTC)
    try:
        return datetime.combine(date.fromisoformat(value), time.max, UTC)
    except ValueError:
        pass
    try:
        return h.as_utc(datetime.fromisoformat(value))
    except ValueError:
        _fail(f"thời điểm không hợp lệ (invalid time) {text!r}: {TIME_HELP}")


@contextmanager
def _application() -> Iterator[ChiboApplication]:
    app = make_app(Settings())
    try:
        yield app
    finally:
        app.close()


def _dumps(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent, default=str)


@audit_app.command("history")
def history_command(
    record: Annotated[str, typer.Argument(help=RECORD_HELP)],
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one event a line")] = False,
) -> None:
    """Every event of a record, oldest first (lịch sử hồ sơ): who, why, when."""
    with _application() as app:
        try:
            cls, agg_id = h.resolve(app, record)
            entries = h.history(app, agg_id)
            current: Any = app.repository.get(agg_id)
        except h.HistoryError as error:
            _refuse(error)
    if as_json:
        for entry in entries:
            typer.echo(_dumps(entry.model_dump(mode="json")))
        return
    typer.echo(f"{h.label(cls, current, agg_id)} ({agg_id}): {len(entries)} sự kiện (events)")
    for e in entries:
        where = f"  vị trí (position) {e.position}" if e.position is not None else ""
        typer.echo(
            f"#{e.version} {e.occurred_on} {e.event}"
            f"  ghi lúc (recorded) {e.recorded_at.isoformat()}{where}"
        )
        typer.echo(
            f"    người ghi (actor) {e.actor}  lệnh (command) {e.command_id}"
            f"  chuỗi (correlation) {e.correlation_id}"
        )
        if e.payload:
            typer.echo(f"    {_dumps(e.payload)}")


@audit_app.command("show")
def show_command(
    record: Annotated[str, typer.Argument(help=RECORD_HELP)],
    as_of: Annotated[str | None, typer.Option("--as-of", help=TIME_HELP)] = None,
    version: Annotated[int | None, typer.Option("--version", help="after its N-th event")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A record as it stood at a moment or version (trạng thái hồ sơ); now without either."""
    if as_of is not None and version is not None:
        _fail("--as-of và --version không dùng cùng nhau (give --as-of or --version, not both)")
    at = parse_time(as_of) if as_of is not None else None
    with _application() as app:
        try:
            cls, agg_id = h.resolve(app, record)
            state: Any
            if version is not None:
                state = h.state_at_version(app, agg_id, version)
            elif at is not None:
                state = h.state_as_of(app, agg_id, at)
            else:
                state = app.repository.get(agg_id)
        except h.HistoryError as error:
            _refuse(error)
    dumped = state.model_dump(mode="json") if state is not None else None
    out = {
        "kind": cls.KIND,
        "id": str(agg_id),
        "key": dumped.get("key") if dumped else None,
        "as_of": at.isoformat() if at else None,
        "version": state.version if state is not None else 0,
        "state": dumped,
    }
    if as_json:
        typer.echo(_dumps(out, indent=1))
        return
    if at is not None:
        when = f"lúc (as of) {at.isoformat()}"
    else:
        when = "hiện tại (now)" if version is None else "tại (at)"
    if state is None:
        typer.echo(f"{cls.KIND} {record}: chưa được ghi nhận {when} (not recorded yet)")
        return
    typer.echo(
        f"{h.label(cls, state, agg_id)} ({agg_id}) {when} phiên bản (version) {state.version}"
    )
    typer.echo(yaml.safe_dump(dumped, allow_unicode=True, sort_keys=False).rstrip())


@audit_app.command("cell")
def cell_command(
    cell: Annotated[str, typer.Argument(help="cell id, e.g. c1")],
    as_of: Annotated[str, typer.Option("--as-of", help=TIME_HELP)] = "now",
    on: Annotated[
        str | None, typer.Option(help="business date of the roster (default: that of --as-of)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A cell as known at a moment (chi bộ tại thời điểm): roster, open items, meetings."""
    at = parse_time(as_of)
    try:
        day = date.fromisoformat(on) if on is not None else None
    except ValueError:
        _fail(f"ngày không hợp lệ (invalid date) {on!r}: expected YYYY-MM-DD")
    with _application() as app:
        try:
            view = h.cell_as_of(app, cell, at, day)
        except h.HistoryError as error:
            _refuse(error)
    if as_json:
        typer.echo(_dumps(view.model_dump(mode="json") if view else None, indent=1))
        return
    if view is None:
        typer.echo(f"chi bộ (cell) {cell}: chưa thành lập lúc {at.isoformat()} (not founded yet)")
        return
    _print_cell(view)


def _print_cell(view: h.CellView) -> None:
    typer.echo(
        f"{view.cell} — {view.name} ({view.organisation}), lúc (as of) {view.at.isoformat()}"
    )
    typer.echo(
        f"bí thư (secretary) {view.secretary}, phó bí thư (deputy) {view.deputy or '—'},"
        f" đảng ủy viên phụ trách (in charge) {view.in_charge or '—'}"
    )
    typer.echo(f"Danh sách đảng viên (roster) ngày {view.on}: {len(view.roster)}")
    for m in view.roster:
        working = "" if m.working is None or m.working else ", không công tác (not working)"
        typer.echo(f"  {m.member}  {m.status or '?'}{working}")
    typer.echo(
        f"Nghị quyết, kiến nghị chưa hoàn thành (open resolutions): {len(view.open_resolutions)}"
    )
    for r in view.open_resolutions:
        typer.echo(f"  {r.key}  hạn (deadline) {r.deadline}  [{r.kind}, {r.source}]  {r.content}")
    typer.echo(f"Buổi sinh hoạt đã tổ chức (meetings held): {len(view.meetings_held)}")
    for mt in view.meetings_held:
        typer.echo(f"  {mt.held_on}  {mt.meeting}  {', '.join(mt.kinds)}")
    typer.echo(f"Cảnh báo chưa giải quyết (open escalations): {len(view.open_escalations)}")
    for e in view.open_escalations:
        typer.echo(f"  {e.raised_on}  [{e.rule}] {e.key}  {e.status}")


# --- replay -----------------------------------------------------------------------------------


def _open_scratch(url: str) -> ReadStore:
    """The replay's scratch store: every table created in the empty database at `url`."""
    scratch = Settings(database_url=url)
    init_db(scratch)
    return make_read_store(scratch)


@audit_app.command("replay")
def replay_command(
    catch_up: Annotated[
        bool,
        typer.Option(
            "--catch-up", help="first bring the live read models up to the log (writes to them)"
        ),
    ] = False,
    wait: Annotated[
        float, typer.Option(help="seconds to wait for the running projector to catch up")
    ] = 10.0,
    show: Annotated[int, typer.Option(help="differing rows shown per table")] = 20,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Rebuild every read model from the log into a scratch store and compare (đối chiếu)
    it with the live one; exit 1 on any difference."""
    settings = Settings()
    app, live = make_app(settings), make_read_store(settings)
    try:
        report = replay_live(
            app,
            live,
            all_projections(),
            _open_scratch,
            like=settings.database_url,
            batch_size=settings.projector_batch_size,
            catch_up=catch_up,
            wait=wait,
        )
    except LaggingReadModelsError as lag:
        _fail(
            f"read model chưa cập nhật (the live read models lag): at position {lag.behind}"
            f" of {lag.head}; start `chibo projector` or pass --catch-up",
            1,
        )
    except ReplayFailedError as error:
        _fail(f"không đối chiếu được (replay failed): {error}")
    finally:
        live.close()
        app.close()
    _print_replay(report, show, as_json)
    if report.differences:
        raise typer.Exit(1)


def _print_replay(report: ReplayReport, show: int, as_json: bool) -> None:
    if as_json:
        typer.echo(_dumps(report.as_json(), indent=1))
        return
    position = max(report.positions.values(), default=0)
    rows = sum(t.live_rows for t in report.tables)
    if not report.differences:
        typer.echo(
            f"không có khác biệt (no difference): {len(report.tables)} bảng (tables),"
            f" {rows} dòng (rows), đến vị trí (up to position) {position} of {report.head}"
        )
        return
    typer.echo(
        f"KHÁC BIỆT (differences) in {len(report.differences)} of {len(report.tables)} bảng"
        f" (tables), up to position {position}:"
    )
    for diff in report.differences:
        typer.echo(
            f"{diff.table}: {len(diff.missing)} dòng thiếu (missing from live),"
            f" {len(diff.extra)} dòng thừa (extra in live);"
            f" live {diff.live_rows} rows, replay {diff.replayed_rows}"
        )
        for row in diff.missing[:show]:
            typer.echo(f"  - thiếu (missing) {_dumps(list(row))}")
        for row in diff.extra[:show]:
            typer.echo(f"  + thừa (extra)   {_dumps(list(row))}")


# --- tamper evidence ------------------------------------------------------------------------


def _time(text: str, *, end_of_day: bool = False) -> datetime:
    """An ISO datetime, or a date (its first or last instant, UTC)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"not an ISO date or datetime: {text}") from None
    if len(text) == 10:
        moment = datetime.combine(date.fromisoformat(text), time.max if end_of_day else time.min)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _print(report: Report, what: str) -> None:
    if report.problem is None:
        console.print(
            f"OK — {what}: {report.events} events chained up to position {report.head},"
            f" {report.checkpoints} signed checkpoints (signed through {report.signed_through})"
        )
        return
    console.print(f"[red]BỊ THAY ĐỔI (TAMPERED)[/red] — {what}: {report.problem}")
    raise typer.Exit(1)


@audit_app.command("keygen")
def keygen() -> None:
    """Create the Ed25519 key that signs checkpoints (kept outside the database)."""
    settings = Settings()
    try:
        generate_key(settings.audit_key_path)
    except FileExistsError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    console.print(
        f"key written to {settings.audit_key_path} (keep it secret);"
        f" public key {public_path(settings.audit_key_path)}"
    )


@audit_app.command("checkpoint")
def checkpoint() -> None:
    """Sign the chain's head now (the projector also signs every CHIBO_CHECKPOINT_EVERY)."""
    settings = Settings()
    store = make_read_store(settings)
    try:
        signed = sign_checkpoint(store, load_private(settings.audit_key_path))
    finally:
        store.close()
    console.print(f"signed position {signed.position}" if signed else "nothing new to sign")


@audit_app.command("verify")
def verify(
    bundle: Annotated[
        Path | None, typer.Option(help="check an exported bundle, no database")
    ] = None,
    public_key: Annotated[
        Path | None, typer.Option(help="the auditor's copy of the public key (PEM)")
    ] = None,
) -> None:
    """Recompute every hash and check every signature; exit 1 at the first problem."""
    settings = Settings()
    if bundle is not None:
        key = load_public(public_key) if public_key else None
        _print(verify_bundle(bundle, key), str(bundle))
        return
    key_path = public_key or settings.audit_key_path
    if not key_path.exists() and public_path(key_path).exists():
        key_path = public_path(key_path)
    if not key_path.exists():
        console.print(f"[red]no audit key at {key_path}: run `chibo audit keygen`[/red]")
        raise typer.Exit(2)
    app, store = make_app(settings), make_read_store(settings)
    try:
        report = verify_store(app, store, load_public(key_path))
    finally:
        store.close()
        app.close()
    _print(report, settings.safe_database_url)


@audit_app.command("export")
def export(
    file: Annotated[Path, typer.Argument(help="bundle to write (JSON)")],
    start: Annotated[str, typer.Option("--from", help="ISO date or datetime")],
    end: Annotated[str, typer.Option("--to", help="ISO date or datetime")],
) -> None:
    """Write a self-contained bundle of the events recorded between two times."""
    settings = Settings()
    app, store = make_app(settings), make_read_store(settings)
    try:
        count = export_bundle(
            app,
            store,
            load_public(settings.audit_key_path),
            _time(start),
            _time(end, end_of_day=True),
            file,
        )
    finally:
        store.close()
        app.close()
    console.print(f"{count} events written to {file}")
