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
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from rich.console import Console

from audit import history as h
from audit.bundle import Window, export_window, verify_bundle
from audit.chain import Report
from audit.replay import LaggingReadModelsError, ReplayFailedError, ReplayReport, replay_live
from audit.signing import KeyFileError, generate_key, load_private, load_public, public_path
from audit.verify import Head, SigningRefusedError, sign_checkpoint, witness_heads
from audit.witness import WitnessError
from domain.application import ChiboApplication
from projections.registry import all_projections
from projections.store import ReadStore
from workers.settings import Settings
from workers.verify import verify_everywhere
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


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        _fail(f"ngày không hợp lệ (invalid date) {option} {text!r}: expected YYYY-MM-DD")


@audit_app.command("show")
def show_command(
    record: Annotated[str, typer.Argument(help=RECORD_HELP)],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help=f"as known at a recording time: {TIME_HELP}")
    ] = None,
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            help="as it stood on a business date (YYYY-MM-DD): only events dated then or"
            " earlier; combines with --as-of",
        ),
    ] = None,
    version: Annotated[int | None, typer.Option("--version", help="after its N-th event")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A record as it stood on a business date, as known at a moment, or at a version
    (trạng thái hồ sơ); now without any."""
    if version is not None and (as_of is not None or on is not None):
        _fail(
            "--version không dùng cùng --as-of/--on"
            " (give --version, or --as-of and/or --on, not both)"
        )
    at = parse_time(as_of) if as_of is not None else None
    day = _day(on, "--on") if on is not None else None
    with _application() as app:
        try:
            cls, agg_id = h.resolve(app, record)
            state: Any
            if version is not None:
                state = h.state_at_version(app, agg_id, version)
            elif day is not None:
                state = h.state_on(app, agg_id, day, at)
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
        "on": day.isoformat() if day else None,
        "version": state.version if state is not None else 0,
        "state": dumped,
    }
    if as_json:
        typer.echo(_dumps(out, indent=1))
        return
    whens = []
    if day is not None:
        whens.append(f"ngày (on) {day.isoformat()}")
    if at is not None:
        whens.append(f"lúc (as of) {at.isoformat()}")
    if not whens:
        whens.append("hiện tại (now)" if version is None else "tại (at)")
    when = ", ".join(whens)
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
        str | None,
        typer.Option(
            help="business date: every section as it stood that day (events dated then or"
            " earlier); default: everything recorded by --as-of, roster on its date"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A cell on a business date, as known at a moment (chi bộ tại thời điểm): roster,
    open items, meetings, escalations."""
    at = parse_time(as_of)
    day = _day(on, "--on") if on is not None else None
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
        head = f"{report.head}:{report.head_hash.hex()}" if report.head_hash else "-"
        console.print(
            f"OK — {what}: {report.events} events chained up to position {report.head},"
            f" {report.checkpoints} signed checkpoints (signed through {report.signed_through});"
            f" đầu chuỗi (head) {head}",
            markup=False,
            soft_wrap=True,
        )
        return
    console.print("[red]BỊ THAY ĐỔI (TAMPERED)[/red] — ", end="")
    console.print(f"{what}: {report.problem}", markup=False, soft_wrap=True)
    raise typer.Exit(1)


def _private_key(settings: Settings) -> Ed25519PrivateKey:
    try:
        return load_private(settings.audit_key_path)
    except KeyFileError as error:
        _fail(f"khóa kiểm toán (audit key): {error}")


def _public_key(path: Path) -> Ed25519PublicKey:
    try:
        return load_public(path)
    except KeyFileError as error:
        _fail(f"khóa kiểm toán (audit key): {error}")


@audit_app.command("keygen")
def keygen() -> None:
    """Create the Ed25519 key that signs checkpoints (kept outside the database)."""
    settings = Settings()
    try:
        generate_key(settings.audit_key_path)
    except FileExistsError as error:
        _fail(f"khóa kiểm toán (audit key): {error}")
    except OSError as error:
        _fail(f"khóa kiểm toán (audit key): cannot write {settings.audit_key_path}: {error}")
    typer.echo(
        f"key written to {settings.audit_key_path} (keep it secret);"
        f" public key {public_path(settings.audit_key_path)}"
    )


@audit_app.command("checkpoint")
def checkpoint() -> None:
    """Verify the chain from the last signed checkpoint, then sign its head (the projector
    also signs every CHIBO_CHECKPOINT_EVERY); refuses (exit 1) a chain that does not verify."""
    settings = Settings()
    key = _private_key(settings)
    app, store = make_app(settings), make_read_store(settings)
    try:
        signed = sign_checkpoint(app, store, key, witness_dir=settings.audit_witness_dir)
    except SigningRefusedError as refused:
        _fail(f"TỪ CHỐI KÝ (refused to sign): {refused.problem}", 1)
    except WitnessError as error:
        _fail(f"nhân chứng (witness): {error}")
    finally:
        store.close()
        app.close()
    if signed is None:
        typer.echo("nothing new to sign")
        return
    typer.echo(
        f"signed position {signed.position} (head {signed.position}:{signed.chain_hash.hex()})"
    )


@audit_app.command("verify")
def verify(
    bundle: Annotated[
        Path | None, typer.Option(help="check an exported bundle, no database")
    ] = None,
    public_key: Annotated[
        Path | None, typer.Option(help="the auditor's copy of the public key (PEM)")
    ] = None,
    witness: Annotated[
        Path | None,
        typer.Option(
            help="a witness directory (default CHIBO_AUDIT_WITNESS_DIR): every checkpoint it"
            " holds must still be in the store as written"
        ),
    ] = None,
    expect_head: Annotated[
        list[str] | None,
        typer.Option(
            "--expect-head",
            help="POSITION:HASH noted from an earlier verify; the log must still hold it",
        ),
    ] = None,
    allow_unsigned: Annotated[
        bool, typer.Option("--allow-unsigned", help="accept a store with no checkpoint yet")
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs", min=1, help="processes, each checking a window of the log (default: cores)"
        ),
    ] = None,
) -> None:
    """Recompute every hash and check every signature; exit 1 at the first problem
    (also: no checkpoint, or a witness's checkpoint or an expected head no longer there)."""
    settings = Settings()
    if bundle is not None:
        key = _public_key(public_key) if public_key else None
        try:
            report = verify_bundle(bundle, key)
        except (OSError, ValueError, KeyError, TypeError) as error:
            _fail(f"không đọc được gói (unreadable bundle) {bundle}: {error}")
        _print(report, str(bundle))
        return
    try:
        heads = [Head.parse(text) for text in expect_head or []]
    except ValueError as error:
        _fail(f"--expect-head: {error}")
    witness_dir = witness or settings.audit_witness_dir
    if witness_dir is not None:
        try:
            heads += witness_heads(witness_dir)
        except WitnessError as error:
            _fail(f"nhân chứng (witness): {error}")
    key_path = public_key or settings.audit_key_path
    if not key_path.exists() and public_path(key_path).exists():
        key_path = public_path(key_path)
    public = _public_key(key_path)
    report = verify_everywhere(
        settings, public, jobs=jobs, allow_unsigned=allow_unsigned, heads=heads
    )
    _print(report, settings.safe_database_url)


@audit_app.command("export")
def export(
    file: Annotated[Path, typer.Argument(help="bundle to write (JSON)")],
    start: Annotated[
        str | None, typer.Option("--from", help="recorded from (ISO date or datetime)")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="recorded up to (ISO date or datetime)")
    ] = None,
    from_date: Annotated[
        str | None, typer.Option("--from-date", help="business date from (YYYY-MM-DD)")
    ] = None,
    to_date: Annotated[
        str | None, typer.Option("--to-date", help="business date up to (YYYY-MM-DD)")
    ] = None,
) -> None:
    """Write a self-contained bundle of the events recorded between two times
    (--from/--to), or dated between two business dates (--from-date/--to-date)."""
    by_time, by_date = (start, end) != (None, None), (from_date, to_date) != (None, None)
    if by_time == by_date:
        _fail(
            "give --from/--to (recording time) or --from-date/--to-date (business date), one window"
        )
    window: Window
    if by_time:
        window = Window.recorded(
            _time(start) if start else None, _time(end, end_of_day=True) if end else None
        )
    else:
        window = Window.business(
            _day(from_date, "--from-date") if from_date else None,
            _day(to_date, "--to-date") if to_date else None,
        )
    settings = Settings()
    public = _public_key(settings.audit_key_path)
    app, store = make_app(settings), make_read_store(settings)
    try:
        count = export_window(app, store, public, window, file)
    finally:
        store.close()
        app.close()
    typer.echo(f"{count} events written to {file} ({window.describe()})")
