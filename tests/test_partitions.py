"""Two partitions side by side (issue 16): two PostgreSQL databases and two namespaces
of one Temporal server. Each partition's chain verifies alone (and a tampered one is
named alone), each partition's workflows run in its own namespace, and the roll-up of
compliance equals the sum of what each partition's own `chibo compliance` says."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from psycopg import sql
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from api.accounts import AccountStore
from audit.moves import History, begin_move_in, clear_unfinished, history, moves
from audit.signing import generate_key, load_private
from domain.access import Caller
from domain.cell import Cell
from domain.organisation import Organisation
from projections.compliance import compliance
from projections.projector import Projector
from projections.registry import all_projections
from projections.store import ReadStore
from projections.tracking import get_position, set_position
from tests.conftest import PG_ADMIN, _binary
from tests.factories import missed_meeting, report_progress
from tests.test_audit_chain import Store, _flip_byte
from workers import moving
from workers.cli import app as cli
from workers.partitions import Directory, Partition, load_directory
from workers.scenario.format import Scenario
from workers.scenario.importer import Importer
from workers.settings import Settings
from workers.wiring import init_db, make_app, make_read_store
from workers.worker import build_worker
from workflows.activities import ChiboActivities
from workflows.calendar import OrganisationCalendar, calendar_workflow_id
from workflows.dispatcher import Dispatcher
from workflows.escalation import escalation_workflow_id

pytestmark = [pytest.mark.postgres, pytest.mark.temporal]
WARD = Path(__file__).parent / "scenarios" / "ward-q1.yaml"
FIELDS = ("regular_months", "late_regular", "thematic_quarters", "inspections")
RESOLUTIONS = ("adopted", "completed_on_time", "completed_late", "open", "overdue_open")


def _ward(organisation: str) -> Scenario:
    """ward-q1 as the organisation `organisation` (a second province's ward)."""
    data: dict[str, Any] = yaml.safe_load(WARD.read_text(encoding="utf-8"))
    data["organization"]["id"] = organisation
    return Scenario.model_validate(data)


@pytest.fixture
def directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    suffix = uuid.uuid4().hex[:8]
    names = {"bac": f"chibo_part_bac_{suffix}", "nam": f"chibo_part_nam_{suffix}"}
    base = PG_ADMIN.rsplit("/", 1)[0]
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        for db in names.values():
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))
    found = Directory(
        partitions=[
            Partition(
                name="bac",
                database_url=f"{base}/{names['bac']}",
                temporal_namespace=f"chibo-bac-{suffix}",
                organisations=["tb"],
            ),
            Partition(
                name="nam",
                database_url=f"{base}/{names['nam']}",
                temporal_namespace=f"chibo-nam-{suffix}",
                organisations=["q1"],
            ),
        ]
    )
    path = tmp_path / "partitions.yaml"
    path.write_text(yaml.safe_dump(found.model_dump()), encoding="utf-8")
    key = tmp_path / "audit.pem"
    generate_key(key)
    monkeypatch.setenv("CHIBO_AUDIT_KEY_PATH", str(key))
    monkeypatch.setenv("CHIBO_DATA_DIR", str(tmp_path))
    for partition, org in (("bac", "tb"), ("nam", "q1")):
        settings = found.named(partition).settings(Settings(data_dir=tmp_path))
        init_db(settings)
        app, store = make_app(settings), make_read_store(settings)
        try:
            Importer(app, _ward(org)).run()
            Projector(app, store, all_projections()).run_until_caught_up()
        finally:
            store.close()
            app.close()
    try:
        yield path
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            for db in names.values():
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db))
                )


def run(*args: str, code: int = 0, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == code, result.output
    return result.output


def test_each_chain_verifies_alone(directory: Path) -> None:
    out = run("partitions", "verify", "--directory", str(directory), "--allow-unsigned")
    assert "bac: OK" in out and "nam: OK" in out
    bac = load_directory(directory).named("bac")
    _flip_byte(Store(Settings(database_url=bac.database_url)), 7)
    out = run("partitions", "verify", "--directory", str(directory), "--allow-unsigned", code=1)
    assert "bac: KHÔNG HỢP LỆ" in out and "altered at position 7" in out
    assert "nam: OK" in out  # the other partition's log is its own


def test_rollup_is_the_sum_of_each_partitions_own_figures(directory: Path) -> None:
    parts = load_directory(directory)
    expected = dict.fromkeys(FIELDS + RESOLUTIONS + ("cells",), 0)
    for partition in parts.partitions:
        own = json.loads(
            run(
                "compliance",
                "--period",
                "2026-Q1",
                "--json",
                env={"CHIBO_DATABASE_URL": partition.database_url},
            )
        )
        for cell in own["cells"].values():
            expected["cells"] += 1
            for name in FIELDS:
                expected[name] += cell[name]
            for name in RESOLUTIONS:
                expected[name] += cell["resolutions"][name]
    rolled = json.loads(
        run("partitions", "rollup", "--directory", str(directory), "--period", "2026-Q1", "--json")
    )
    total = rolled["total"]
    assert {name: total[name] for name in expected} == expected
    assert expected["cells"] == 4 and total["organisations"] == 2
    # by hand from ward-q1: c1 met in 3 months and c2 in 2, in each partition
    assert total["regular_months"] == 2 * (3 + 2)
    bac, nam = rolled["partitions"]["bac"], rolled["partitions"]["nam"]
    assert total["counted"] == bac["counted"] + nam["counted"] > 0
    assert total["attendance_rate"] == round(total["counted_present"] / total["counted"], 4)


@contextlib.asynccontextmanager
async def _temporal(parts: Directory) -> AsyncIterator[dict[str, Client]]:
    """One local Temporal server with both partitions' namespaces: a client for each
    (by partition name); CHIBO_TEMPORAL_ADDRESS is left to the caller."""
    bac, nam = parts.named("bac"), parts.named("nam")
    env = await WorkflowEnvironment.start_local(
        namespace=bac.temporal_namespace,
        dev_server_existing_path=_binary("temporal"),
        data_converter=pydantic_data_converter,
        dev_server_extra_args=["--namespace", nam.temporal_namespace, "--log-level", "error"],
    )
    try:
        target = env.client.service_client.config.target_host
        yield {
            p.name: await Client.connect(
                target, namespace=p.temporal_namespace, data_converter=pydantic_data_converter
            )
            for p in (bac, nam)
        }
    finally:
        await env.shutdown()


async def _dispatch_all(
    settings: Settings,
    client: Client,
    then: Callable[[Client], Awaitable[None]] | None = None,
    until: Callable[[set[str]], bool] | None = None,
) -> set[str]:
    """Runs the partition's dispatcher (and a worker) until it has caught up and, if
    given, what it started satisfies `until` (the workflows it starts record events of
    their own, which it dispatches too: their reminders come when they come); then
    `then` while the worker still runs. Returns the workflows the dispatcher started."""
    app, store = make_app(settings), make_read_store(settings)
    activities = ChiboActivities(app, functools.partial(make_read_store, settings))
    try:
        async with build_worker(client, settings.task_queue, activities):
            dispatcher = Dispatcher(app, store, client, settings.task_queue)
            deadline = time.monotonic() + 60
            while True:
                while await dispatcher.run_once():
                    pass
                if until is None or until(dispatcher.started):
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"only these started: {sorted(dispatcher.started)}")
                await asyncio.sleep(0.05)  # the workflows' next events: polled for
            if then is not None:
                await then(client)
            return dispatcher.started
    finally:
        activities.close()
        store.close()
        app.close()


async def test_each_partition_runs_its_workflows_in_its_own_namespace(
    directory: Path, tmp_path: Path
) -> None:
    parts = load_directory(directory)
    async with _temporal(parts) as clients:
        for name, org in (("bac", "tb"), ("nam", "q1")):

            async def calendar_runs(client: Client, org: str = org) -> None:
                handle = client.get_workflow_handle(calendar_workflow_id(org))
                assert await handle.query(OrganisationCalendar.year) == 2026
                await handle.terminate("test done")

            settings = parts.named(name).settings(Settings(data_dir=tmp_path))
            await _dispatch_all(settings, clients[name], calendar_runs)
        # Each organisation's calendar lives in its partition's namespace only.
        with pytest.raises(RPCError):
            await clients["nam"].get_workflow_handle(calendar_workflow_id("tb")).describe()


# --- moving an organisation (`chibo partitions move`) ---------------------------------


def renamed_ward(organisation: str) -> Scenario:
    """ward-q1 as `organisation`, its cells renamed (`c1` → `{organisation}c1`), so that
    no record id is one another ward of ward-q1 has."""
    text = re.sub(r"\bc([12])\b", rf"{organisation}c\1", WARD.read_text(encoding="utf-8"))
    data: dict[str, Any] = yaml.safe_load(text)
    data["organization"]["id"] = organisation
    return Scenario.model_validate(data)


def _q3_in_nam(directory: Path) -> Directory:
    """A third ward, q3, in partition nam: its records, an escalation, an account."""
    parts = load_directory(directory)
    nam = parts.named("nam")
    parts = Directory(
        partitions=[
            p.model_copy(update={"organisations": [*p.organisations, "q3"]}) if p is nam else p
            for p in parts.partitions
        ]
    )
    directory.write_text(yaml.safe_dump(parts.model_dump()), encoding="utf-8")
    settings = nam.settings(Settings())
    app, store = make_app(settings), make_read_store(settings)
    try:
        Importer(app, renamed_ward("q3")).run()
        app.handle(missed_meeting("q3", "q3c2", "2026-02", "q3-esc-1"))
        Projector(app, store, all_projections()).run_until_caught_up()
        accounts = AccountStore(store)
        accounts.add(Caller("q3", "m10"), "mật-khẩu-q3-m10")
        accounts.add(Caller("q1", "m10"), "mật-khẩu-q1-m10")
    finally:
        store.close()
        app.close()
    return parts


def _q3_figures(settings: Settings) -> dict[str, Any]:
    app, store = make_app(settings), make_read_store(settings)
    try:
        Projector(app, store, all_projections()).run_until_caught_up()
        found = compliance(
            store, date(2026, 1, 1), date(2026, 3, 31), app.policy_on, organisation="q3"
        )
        return found.model_dump(mode="json")
    finally:
        store.close()
        app.close()


def _accounts(settings: Settings) -> dict[tuple[str, str], bool]:
    store = make_read_store(settings)
    try:
        return {(a.organisation, a.member): a.disabled for a in AccountStore(store).accounts()}
    finally:
        store.close()


def _move(directory: Path, organisation: str, code: int = 0) -> str:
    """`chibo partitions move ORG --to bac`, its workflows left alone (none run)."""
    return run(
        "partitions",
        "move",
        organisation,
        "--to",
        "bac",
        "--directory",
        str(directory),
        "--no-stop-workflows",
        code=code,
    )


def _head(settings: Settings) -> int:
    app = make_app(settings)
    try:
        return app.recorder.max_notification_id() or 0
    finally:
        app.close()


def _events(settings: Settings, start: int) -> list[tuple[Any, int, str, bytes]]:
    """The partition's log from `start`: each event's stream, version, topic, state."""
    app = make_app(settings)
    try:
        return [
            (n.originator_id, n.originator_version, n.topic, n.state)
            for n in app.recorder.select_notifications(start=start, limit=10_000)
        ]
    finally:
        app.close()


def test_an_organisation_moves_with_its_history_and_both_chains_verify(
    directory: Path,
) -> None:
    parts = _q3_in_nam(directory)
    bac, nam = parts.named("bac").settings(Settings()), parts.named("nam").settings(Settings())
    before = _q3_figures(nam)
    assert set(before["cells"]) == {"q3c1", "q3c2"}
    assert before["cells"]["q3c1"]["resolutions"]["adopted"] > 0
    bac_head, nam_head = _head(bac), _head(nam)

    out = _move(directory, "q3")
    assert "q3: nam → bac" in out
    # The directory now names bac, and only bac, for q3.
    moved = load_directory(directory)
    assert moved.partition_of("q3").name == "bac" and "q3" not in moved.named("nam").organisations

    # Every q3 event of nam, and nothing else, was appended to bac's log after its head.
    copied, source = _events(bac, bac_head + 1), _events(nam, 1)
    q3_streams = {row[0] for row in copied}
    assert copied == [row for row in source if row[0] in q3_streams]
    assert Organisation.id_for("q3") in q3_streams and Cell.id_for("q3c1") in q3_streams
    assert Cell.id_for("c1") not in q3_streams  # q1's cell c1 stays in nam
    assert any(topic == "chibo.Escalation.Raised" for _, _, topic, _ in copied)
    assert not any(topic.startswith("chibo.CommandRecord") for _, _, topic, _ in copied)
    assert _head(nam) == nam_head  # the source's log is never rewritten

    # Both chains verify alone, each from its own checkpoint signed by the move.
    out = run("partitions", "verify", "--directory", str(directory))
    assert "bac: OK" in out and "nam: OK" in out
    # The target's read models say of q3 what the source's did.
    assert _q3_figures(bac) == before
    # Each store records the move; the target's range is the copied events.
    bac_store, nam_store = make_read_store(bac), make_read_store(nam)
    try:
        (into,), (out_of,) = moves(bac_store), moves(nam_store)
    finally:
        bac_store.close()
        nam_store.close()
    assert (into.direction, into.partition, into.first, into.last) == (
        "in",
        "nam",
        bac_head + 1,
        bac_head + len(copied),
    )
    assert (out_of.direction, out_of.partition, out_of.events) == ("out", "bac", len(copied))
    assert out_of.source_head == nam_head and into.source_hash == out_of.source_hash
    # q3's account went with it; in nam it is disabled, q1's untouched.
    assert _accounts(bac) == {("q3", "m10"): False}
    assert _accounts(nam)[("q3", "m10")] is True and _accounts(nam)[("q1", "m10")] is False

    # Moving it again is refused: it is in bac now.
    out = _move(directory, "q3", code=1)
    assert "đã ở phân vùng bac" in out


def test_a_move_onto_record_ids_the_target_has_is_refused_and_changes_nothing(
    directory: Path,
) -> None:
    parts = _q3_in_nam(directory)
    bac, nam = parts.named("bac").settings(Settings()), parts.named("nam").settings(Settings())
    bac_head, text = _head(bac), directory.read_text(encoding="utf-8")
    # q1's cells are c1 and c2, as tb's in bac.
    out = _move(directory, "q1", code=1)
    assert "TỪ CHỐI CHUYỂN" in out and "trùng mã" in out
    assert _head(bac) == bac_head and directory.read_text(encoding="utf-8") == text
    assert _accounts(nam)[("q1", "m10")] is False  # enabled again
    assert _accounts(bac) == {}


def test_a_source_that_does_not_verify_is_not_moved(directory: Path) -> None:
    parts = _q3_in_nam(directory)
    bac, nam = parts.named("bac").settings(Settings()), parts.named("nam").settings(Settings())
    bac_head = _head(bac)
    _flip_byte(Store(Settings(database_url=nam.database_url)), 3)
    out = _move(directory, "q3", code=1)
    assert "chuỗi của phân vùng nguồn nam không hợp lệ" in out and "position 3" in out
    assert _head(bac) == bac_head
    assert _accounts(nam)[("q3", "m10")] is False


async def test_a_move_stops_the_sources_workflows_and_the_target_does_not_notify_again(
    directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = _q3_in_nam(directory)
    bac, nam = parts.named("bac"), parts.named("nam")
    async with _temporal(parts) as clients:
        nam_client, bac_client = clients["nam"], clients["bac"]
        monkeypatch.setenv("CHIBO_TEMPORAL_ADDRESS", nam_client.service_client.config.target_host)
        escalation = escalation_workflow_id("meeting_missed/cell=q3c2/2026-02/1")

        def notices_of_q3(started: set[str]) -> set[str]:
            return {w for w in started if w.startswith(("delivery-", "webhook-")) and "q3" in w}

        # The escalation's two rounds and the reminders of q3's follow-ups.
        started = await _dispatch_all(
            nam.settings(Settings()), nam_client, until=lambda s: len(notices_of_q3(s)) >= 4
        )
        # In nam, q3's escalation was news: delivered, and followed up.
        assert escalation in started
        assert any(w.startswith("delivery-escalation-") for w in started)

        # A copy under way holds bac's dispatcher at the head it began after.
        bac_settings = bac.settings(Settings())
        await _dispatch_all(bac_settings, bac_client)
        bac_head = _head(bac_settings)
        store = make_read_store(bac_settings)
        try:
            with store.transaction() as cur:
                begin_move_in(cur, "q9", "nam", 1, "00", bac_head - 5)
                set_position(cur, "dispatcher", bac_head - 10)
            held = await _dispatch_all(bac_settings, bac_client)
            with store.transaction() as cur:
                assert get_position(cur, "dispatcher") == bac_head - 5
                clear_unfinished(cur, "q9")
        finally:
            store.close()
        assert held == set()  # tb's calendar is already running: nothing new

        # The command runs its own event loop, as from a shell.
        await asyncio.to_thread(
            run, "partitions", "move", "q3", "--to", "bac", "--directory", str(directory)
        )
        # q3's calendar no longer runs in nam; q1's still does.
        q3_calendar = await nam_client.get_workflow_handle(calendar_workflow_id("q3")).describe()
        q1_calendar = await nam_client.get_workflow_handle(calendar_workflow_id("q1")).describe()
        assert q3_calendar.status == WorkflowExecutionStatus.TERMINATED
        assert q1_calendar.status == WorkflowExecutionStatus.RUNNING

        # In bac, its duties go on (its calendar, the escalation's follow-up); the
        # escalation's notice and webhook went out from nam and are not sent again.
        moved = await _dispatch_all(bac_settings, bac_client)
        assert {calendar_workflow_id("q3"), escalation} <= moved
        sent_from_nam = notices_of_q3(started)
        assert len(sent_from_nam) >= 4
        assert not sent_from_nam & moved
        handle = bac_client.get_workflow_handle(calendar_workflow_id("q3"))
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING


def _late_progress(nam: Settings) -> None:
    """What an activity still running in nam could record of q3's during a move: a
    progress report on its resolution."""
    app = make_app(nam)
    try:
        report_progress(app, "late-progress", resolution="nq-q3c2-01")
    finally:
        app.close()


@pytest.mark.parametrize("late", [False, True], ids=["", "and-the-source-wrote-since"])
def test_a_move_that_died_after_its_copy_is_finished_by_running_it_again(
    directory: Path, monkeypatch: pytest.MonkeyPatch, late: bool
) -> None:
    parts = _q3_in_nam(directory)
    bac = parts.named("bac").settings(Settings())
    bac_head = _head(bac)

    def dies(*args: Any) -> None:
        raise KeyboardInterrupt  # the process ends here: the copy is committed, no more

    with monkeypatch.context() as patched:
        patched.setattr(moving, "finish_move_in", dies)
        with pytest.raises(KeyboardInterrupt):
            moving.move_organisation(
                load_directory(directory),
                Settings(),
                "q3",
                "bac",
                load_private(Path(os.environ["CHIBO_AUDIT_KEY_PATH"])),
                lambda ids: 0,
            )
    store = make_read_store(bac)
    try:
        (unfinished,) = moves(store)
        assert unfinished.first is None  # bac's dispatcher is held at its head before
        assert history_of(store).hold_after == bac_head
    finally:
        store.close()

    copied = _head(bac) - bac_head
    if late:
        _late_progress(parts.named("nam").settings(Settings()))
    _move(directory, "q3")  # again: nothing copied twice, the move finished
    store = make_read_store(bac)
    try:
        into, *after = moves(store)
        # The died copy's range is where it put the events, the late event a range after.
        assert (into.first, into.last, into.events) == (bac_head + 1, bac_head + copied, copied)
        if late:
            (more,) = after
            assert (more.first, more.last, more.events) == (bac_head + copied + 1,) * 2 + (1,)
        else:
            assert after == []
        assert history_of(store).hold_after is None
    finally:
        store.close()
    assert load_directory(directory).partition_of("q3").name == "bac"
    assert _accounts(bac) == {("q3", "m10"): False}  # as they were before the first run
    out = run("partitions", "verify", "--directory", str(directory))
    assert "bac: OK" in out and "nam: OK" in out


def test_what_the_source_records_during_a_move_is_copied_by_running_it_again(
    directory: Path,
) -> None:
    """An activity already running when its workflow is stopped may still record an
    event of the organisation in the source, after the head the move signed: the move
    says it is not finished, and running it again copies just those events."""
    parts = _q3_in_nam(directory)
    bac, nam = parts.named("bac").settings(Settings()), parts.named("nam").settings(Settings())
    bac_head, text = _head(bac), directory.read_text(encoding="utf-8")

    def late_writes(ids: list[str]) -> int:
        # While the workflows are being stopped: an event on one of q3's records (a
        # progress report on its resolution) and a new record of q3's (an escalation).
        _late_progress(nam)
        app = make_app(nam)
        try:
            app.handle(missed_meeting("q3", "q3c2", "2026-03", "late-escalation"))
        finally:
            app.close()
        return 0

    key = load_private(Path(os.environ["CHIBO_AUDIT_KEY_PATH"]))
    with pytest.raises(moving.MoveIncompleteError, match=r"^2 sự kiện của q3 .*run the move again"):
        moving.move_organisation(
            load_directory(directory), Settings(), "q3", "bac", key, late_writes
        )
    assert directory.read_text(encoding="utf-8") == text  # still nam's
    first_copy = _head(bac) - bac_head

    out = _move(directory, "q3")  # again: the two late events, nothing twice
    assert "q3: nam → bac" in out
    assert load_directory(directory).partition_of("q3").name == "bac"
    assert _head(bac) == bac_head + first_copy + 2
    copied, source = _events(bac, bac_head + 1), _events(nam, 1)
    q3_streams = {row[0] for row in copied}
    assert copied == [row for row in source if row[0] in q3_streams]  # all, in order
    assert [topic for _, _, topic, _ in copied[-2:]] == [
        "chibo.Resolution.ProgressReported",
        "chibo.Escalation.Raised",
    ]
    store = make_read_store(bac)
    try:
        first_in, second_in = moves(store)
    finally:
        store.close()
    assert (first_in.first, first_in.last) == (bac_head + 1, bac_head + first_copy)
    assert (second_in.first, second_in.last, second_in.events) == (
        bac_head + first_copy + 1,
        bac_head + first_copy + 2,
        2,
    )
    assert _accounts(bac) == {("q3", "m10"): False}  # copied once, as they were before
    out = run("partitions", "verify", "--directory", str(directory))
    assert "bac: OK" in out and "nam: OK" in out


def history_of(store: ReadStore) -> History:
    with store.transaction() as cur:
        return history(cur, store.backend)
