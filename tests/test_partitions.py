"""Two partitions side by side (issue 16): two PostgreSQL databases and two namespaces
of one Temporal server. Each partition's chain verifies alone (and a tampered one is
named alone), each partition's workflows run in its own namespace, and the roll-up of
compliance equals the sum of what each partition's own `chibo compliance` says."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from psycopg import sql
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from audit.signing import generate_key
from projections.projector import Projector
from projections.registry import all_projections
from tests.conftest import PG_ADMIN, _binary
from tests.test_audit_chain import Store, _flip_byte
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


async def test_each_partition_runs_its_workflows_in_its_own_namespace(
    directory: Path, tmp_path: Path
) -> None:
    parts = load_directory(directory)
    bac, nam = parts.named("bac"), parts.named("nam")
    env = await WorkflowEnvironment.start_local(
        namespace=bac.temporal_namespace,
        dev_server_existing_path=_binary("temporal"),
        data_converter=pydantic_data_converter,
        dev_server_extra_args=["--namespace", nam.temporal_namespace, "--log-level", "error"],
    )
    try:
        target = env.client.service_client.config.target_host
        for partition, org in ((bac, "tb"), (nam, "q1")):
            settings = partition.settings(Settings(data_dir=tmp_path))
            client = await Client.connect(
                target,
                namespace=partition.temporal_namespace,
                data_converter=pydantic_data_converter,
            )
            app, store = make_app(settings), make_read_store(settings)
            try:
                activities = ChiboActivities(app, functools.partial(make_read_store, settings))
                async with build_worker(client, settings.task_queue, activities):
                    dispatcher = Dispatcher(app, store, client, settings.task_queue)
                    while await dispatcher.run_once():
                        pass
                    handle = client.get_workflow_handle(calendar_workflow_id(org))
                    assert await handle.query(OrganisationCalendar.year) == 2026
                    await handle.terminate("test done")
            finally:
                activities.close()
                store.close()
                app.close()
        # Each organisation's calendar lives in its partition's namespace only.
        other = await Client.connect(
            target, namespace=nam.temporal_namespace, data_converter=pydantic_data_converter
        )
        with pytest.raises(RPCError):
            await other.get_workflow_handle(calendar_workflow_id("tb")).describe()
    finally:
        await env.shutdown()
