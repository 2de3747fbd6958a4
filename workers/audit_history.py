"""`chibo audit …`: a record's full history, any record at any moment, and a replay check.

`history`, `show` and `cell` read only the event log (domain.history). `replay` rebuilds
every read model from the log into a scratch store and compares it, table by table,
with the live read models; it never writes to the live store unless `--catch-up`.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Any, NoReturn, cast
from urllib.parse import urlsplit, urlunsplit

import psycopg
import typer
import yaml
from eventsourcing.persistence import Notification
from psycopg import sql

from domain import history as h
from domain.application import ChiboApplication
from projections.projection import Projection
from projections.projector import Projector
from projections.registry import all_projections
from projections.store import ReadStore, Row
from projections.tracking import get_position
from workers.settings import Settings
from workers.wiring import init_db, make_app, make_read_store

history_app = typer.Typer(
    no_args_is_help=True,
    help="Kiểm toán (audit): full history of any record, any record at any moment, replay.",
)

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


# --- history, show, cell -------------------------------------------------------------------


@history_app.command("history")
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


@history_app.command("show")
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


@history_app.command("cell")
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


class _RecorderUpTo:
    """The live recorder seen only up to `stop`: the scratch rebuild stops where the live
    read models stand, even while the log grows."""

    def __init__(self, recorder: Any, stop: int) -> None:
        self._recorder = recorder
        self._stop = stop

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        bound = self._stop if stop is None else min(stop, self._stop)
        rows: Sequence[Notification] = self._recorder.select_notifications(
            start, limit, bound, topics, inclusive_of_start=inclusive_of_start
        )
        return rows

    def max_notification_id(self) -> int:
        return min(self._recorder.max_notification_id() or 0, self._stop)


class _LogUpTo:
    def __init__(self, app: ChiboApplication, stop: int) -> None:
        self.recorder = _RecorderUpTo(app.recorder, stop)
        self.mapper = app.mapper


@dataclass
class TableDiff:
    table: str
    live_rows: int
    replayed_rows: int
    missing: list[Row] = field(default_factory=list)
    """Rows the replay has and the live read model lacks."""
    extra: list[Row] = field(default_factory=list)
    """Rows the live read model has and the replay does not."""

    @property
    def differs(self) -> bool:
        return bool(self.missing or self.extra)


@dataclass
class ReplayReport:
    head: int
    positions: dict[str, int]
    tables: list[TableDiff]

    @property
    def differences(self) -> list[TableDiff]:
        return [t for t in self.tables if t.differs]

    def as_json(self) -> dict[str, Any]:
        return {
            "head": self.head,
            "positions": self.positions,
            "differences": len(self.differences),
            "tables": {
                t.table: {
                    "live_rows": t.live_rows,
                    "replayed_rows": t.replayed_rows,
                    "missing": [list(r) for r in t.missing],
                    "extra": [list(r) for r in t.extra],
                }
                for t in self.tables
            },
        }


def _key(value: Any) -> Any:
    """A hashable stand-in for a column value (JSON columns may come back as dicts)."""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _snapshot(
    store: ReadStore, projections: Sequence[Projection]
) -> tuple[dict[str, int], dict[str, list[Row]]]:
    """Positions and every row of `projections`, read in one consistent transaction."""
    with store.transaction() as cur:
        if store.backend == "postgres":
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        positions = {p.name: get_position(cur, p.name) for p in projections}
        rows = {}
        for projection in projections:
            for table in projection.tables:
                cur.execute(f"SELECT * FROM {table}")
                rows[table] = list(cur.fetchall())
    return positions, rows


def compare_rows(table: str, live: list[Row], replayed: list[Row]) -> TableDiff:
    """The two tables as multisets of rows."""
    live_keys = Counter(tuple(map(_key, r)) for r in live)
    replayed_keys = Counter(tuple(map(_key, r)) for r in replayed)
    return TableDiff(
        table=table,
        live_rows=len(live),
        replayed_rows=len(replayed),
        missing=sorted((replayed_keys - live_keys).elements(), key=repr),
        extra=sorted((live_keys - replayed_keys).elements(), key=repr),
    )


@contextmanager
def scratch_store(settings: Settings) -> Iterator[ReadStore]:
    """An empty, initialised store of the live one's kind, removed afterwards: a SQLite
    file in a temporary directory, or a database `<db>_replay_<random>` beside the live one."""
    if settings.backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="chibo-replay-") as tmp:
            scratch = Settings(database_url=f"sqlite:///{Path(tmp) / 'replay.db'}")
            init_db(scratch)
            store = make_read_store(scratch)
            try:
                yield store
            finally:
                store.close()
        return
    live_url = settings.database_url.replace("postgres://", "postgresql://", 1)
    parts = urlsplit(live_url)
    name = f"{(parts.path.lstrip('/') or 'postgres')[:40]}_replay_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(live_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        scratch = Settings(database_url=urlunsplit(parts._replace(path=f"/{name}")))
        init_db(scratch)
        store = make_read_store(scratch)
        try:
            yield store
        finally:
            store.close()
    finally:
        with psycopg.connect(live_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def replay_and_compare(
    app: ChiboApplication,
    live: ReadStore,
    scratch: ReadStore,
    projections: Sequence[Projection],
    batch_size: int = 500,
) -> ReplayReport:
    """Rebuilds `projections` into `scratch` from `app`'s log up to the positions the live
    read models stand at, then compares every table."""
    head = app.recorder.max_notification_id() or 0
    positions, live_rows = _snapshot(live, projections)
    for position in sorted(set(positions.values())):
        chosen = [p for p in projections if positions[p.name] == position]
        log = cast(Any, _LogUpTo(app, position))
        Projector(log, scratch, chosen, batch_size).run_until_caught_up()
    _, replayed_rows = _snapshot(scratch, projections)
    tables = [compare_rows(t, live_rows[t], replayed_rows[t]) for t in live_rows]
    return ReplayReport(head=head, positions=positions, tables=tables)


@history_app.command("replay")
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
    projections = all_projections()
    app, live = make_app(settings), make_read_store(settings)
    try:
        projector = Projector(app, live, projections, settings.projector_batch_size)
        head = projector.head()
        if catch_up:
            projector.run_until_caught_up()
        try:
            projector.wait_for(head, timeout=wait)
        except TimeoutError:
            behind = min(projector.positions().values(), default=0)
            _fail(
                f"read model chưa cập nhật (the live read models lag): at position {behind}"
                f" of {head}; start `chibo projector` or pass --catch-up",
                1,
            )
        try:
            with scratch_store(settings) as scratch:
                report = replay_and_compare(
                    app, live, scratch, projections, settings.projector_batch_size
                )
        except (psycopg.Error, sqlite3.Error, OSError) as error:
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
