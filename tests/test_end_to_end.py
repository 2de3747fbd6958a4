"""The thin slice, end to end: command → event → projector → read model → dispatcher → workflow."""

from __future__ import annotations

from datetime import date

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from domain.commands import CreateOrganisation, FoundCell, RegisterMember
from projections.organisations import list_organisations
from projections.projector import Projector
from projections.registry import all_projections
from tests.factories import cmd, hold
from workers.settings import Settings
from workers.wiring import make_app, make_read_store
from workers.worker import build_worker
from workflows.activities import ChiboActivities
from workflows.calendar import OrganisationCalendar, calendar_workflow_id
from workflows.dispatcher import Dispatcher

pytestmark = pytest.mark.temporal


async def test_command_reaches_read_model_and_starts_workflow(
    settings: Settings, temporal_dev: WorkflowEnvironment
) -> None:
    app, store = make_app(settings), make_read_store(settings)
    org = f"tb-{settings.task_queue}"  # workflow ids outlive a test on the shared server
    try:
        result = app.handle(
            CreateOrganisation(
                actor="m01",
                command_id="create-tb",
                occurred_on=date(2026, 1, 1),
                organisation=org,
                name="Đảng ủy phường Thạch Bàn",
                secretary="m01",
                standing_committee=["m01", "m02"],
            )
        )
        assert result == {"organisation": org}

        projector = Projector(app, store, all_projections())
        assert projector.run_until_caught_up() == 2  # the registration and its command record
        [row] = list_organisations(store)
        assert (row.key, row.name, row.secretary, row.registered_on) == (
            org,
            "Đảng ủy phường Thạch Bàn",
            "m01",
            "2026-01-01",
        )

        client = temporal_dev.client
        async with build_worker(
            client, settings.task_queue, ChiboActivities(app, lambda: make_read_store(settings))
        ):
            dispatcher = Dispatcher(app, store, client, settings.task_queue)
            assert await dispatcher.run_once() == 2
            assert dispatcher.position() == app.recorder.max_notification_id()
            handle = client.get_workflow_handle(calendar_workflow_id(org))
            assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
            assert await handle.query(OrganisationCalendar.year) == 2026
            await handle.terminate("test done")
    finally:
        store.close()
        app.close()


async def test_a_batch_reaches_several_workflows_each_in_the_order_raised(
    settings: Settings, temporal_dev: WorkflowEnvironment
) -> None:
    """One batch starts two calendars and signals the first: the workflows are reached
    side by side, and the signal only after the start it follows (sent before its
    workflow existed it would find nobody, and count for nothing)."""
    app, store = make_app(settings), make_read_store(settings)
    first, second = f"a-{settings.task_queue}", f"b-{settings.task_queue}"
    try:
        for org in (first, second):
            app.handle(
                cmd(
                    CreateOrganisation,
                    organisation=org,
                    name=f"Đảng ủy {org}",
                    secretary="m01",
                    standing_committee=["m01"],
                )
            )
        for member in ("m01", "m10", "m11"):
            app.handle(
                cmd(
                    RegisterMember,
                    organisation=first,
                    member=member,
                    name=member,
                    status="official",
                )
            )
        app.handle(
            cmd(
                FoundCell,
                organisation=first,
                cell="c1",
                name="Chi bộ 1",
                type="residential",
                secretary="m10",
                members=["m10", "m11"],
                in_charge="m01",
            )
        )
        hold(app, "c1-2026-01", present=["m10", "m11"])
        Projector(app, store, all_projections()).run_until_caught_up()  # the cell's keys
        client = temporal_dev.client
        dispatcher = Dispatcher(app, store, client, settings.task_queue)
        head = app.recorder.max_notification_id()
        assert head is not None and head < dispatcher.batch_size  # one batch
        assert await dispatcher.run_once() == head
        calendars = [calendar_workflow_id(org) for org in (first, second)]
        assert dispatcher.started == set(calendars)
        assert dispatcher.signals_sent == {calendars[0]: 1}
        assert dispatcher.position() == head
        for workflow_id in calendars:
            handle = client.get_workflow_handle(workflow_id)
            assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
            await handle.terminate("test done")
    finally:
        store.close()
        app.close()
