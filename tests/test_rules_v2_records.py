"""The records version 2 adds (SCENARIOS.md "Version 2"): party fees (R74), the annual
report (R63), a resolution communicated (R22) and pledges (R33). Each is recorded once:
a repeat, or a retried command, changes nothing; a bad month refuses the whole payment
naming R74 and stores nothing. Expected values come from SCENARIOS.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from domain import commands as c
from domain.application import ChiboApplication
from domain.errors import DomainError
from domain.fees import FeeLedger, ledger_key
from domain.organisation import Organisation
from domain.resolution import Resolution, communicated_in_time
from domain.tasks import TaskAssignment, assignment_key
from tests.factories import cmd, draft, hold, memory_app, seed_ward


@pytest.fixture
def app() -> Iterator[ChiboApplication]:
    application = memory_app()
    seed_ward(application)
    yield application
    application.close()


def ledger(app: ChiboApplication, member: str) -> FeeLedger:
    found: FeeLedger = app.repository.get(FeeLedger.id_for(ledger_key("tb", member)))
    return found


def test_r74_fees_paid_in_advance_and_late_once_each(app: ChiboApplication) -> None:
    app.handle(
        cmd(
            c.PayFees,
            date(2026, 1, 3),
            organisation="tb",
            member="m12",
            months=["2026-01", "2026-02", "2026-03"],
        )
    )
    before = ledger(app, "m12").version
    # the same months again (a second payment, or the form sent twice): only the
    # command's own record is kept, the ledger is unchanged
    app.handle(
        cmd(
            c.PayFees,
            date(2026, 1, 4),
            organisation="tb",
            member="m12",
            months=["2026-03", "2026-02"],
        )
    )
    assert ledger(app, "m12").version == before
    app.handle(
        cmd(
            c.PayFees,
            date(2026, 6, 9),
            organisation="tb",
            member="m12",
            months=["2026-05", "2026-04", "2026-05"],
        )
    )
    assert ledger(app, "m12").paid == {
        "2026-01": date(2026, 1, 3),
        "2026-02": date(2026, 1, 3),
        "2026-03": date(2026, 1, 3),
        "2026-04": date(2026, 6, 9),  # late
        "2026-05": date(2026, 6, 9),
    }


def test_a_retried_payment_command_changes_nothing(app: ChiboApplication) -> None:
    command = cmd(c.PayFees, organisation="tb", member="m20", months=["2026-01"])
    app.handle(command)
    before = app.recorder.max_notification_id()
    app.handle(command)
    assert app.recorder.max_notification_id() == before


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-01", "2026-00", "januar", ""])
def test_r74_a_bad_month_refuses_the_whole_payment(app: ChiboApplication, month: str) -> None:
    before = app.recorder.max_notification_id()
    with pytest.raises(DomainError) as caught:
        app.handle(cmd(c.PayFees, organisation="tb", member="m12", months=["2026-01", month]))
    assert caught.value.rule == "R74" and repr(month) in caught.value.message
    assert app.recorder.max_notification_id() == before


def test_fees_of_an_unknown_member_are_refused_without_a_rule(app: ChiboApplication) -> None:
    with pytest.raises(DomainError) as caught:
        app.handle(cmd(c.PayFees, organisation="tb", member="m99", months=["2026-01"]))
    assert caught.value.rule is None and "m99" in caught.value.message


def test_r63_the_annual_report_once_a_year(app: ChiboApplication) -> None:
    app.handle(cmd(c.SubmitAnnualReport, date(2026, 12, 10), organisation="tb", year=2026))
    before: int = app.repository.get(Organisation.id_for("tb")).version
    app.handle(cmd(c.SubmitAnnualReport, date(2026, 12, 15), organisation="tb", year=2026))
    org: Organisation = app.repository.get(Organisation.id_for("tb"))
    assert org.version == before
    assert org.annual_reports == {2026: date(2026, 12, 10)}


def test_r22_first_communication_counts_and_recommendations_change_nothing(
    app: ChiboApplication,
) -> None:
    hold(app, "c1-2026-01", on=date(2026, 1, 5))
    app.handle(
        cmd(
            c.AdoptResolution,
            date(2026, 1, 5),
            actor="m10",
            meeting="c1-2026-01",
            resolution=draft("nq1"),
        )
    )
    app.handle(cmd(c.CommunicateResolution, date(2026, 1, 7), actor="m10", resolution="nq1"))
    before: int = app.repository.get(Resolution.id_for("nq1")).version
    app.handle(cmd(c.CommunicateResolution, date(2026, 1, 20), actor="m10", resolution="nq1"))
    res: Resolution = app.repository.get(Resolution.id_for("nq1"))
    assert res.version == before
    assert res.communicated_on == date(2026, 1, 7)
    assert communicated_in_time(res.adopted_on, res.communicated_on, 2)  # 2 days: in time
    assert not communicated_in_time(res.adopted_on, date(2026, 1, 8), 2)
    assert not communicated_in_time(res.adopted_on, None, 2)


def test_r33_a_pledge_before_the_tasks_and_only_by_a_member_of_the_cell(
    app: ChiboApplication,
) -> None:
    app.handle(
        cmd(
            c.RecordPledge,
            date(2026, 1, 10),
            actor="m12",
            cell="c1",
            year=2026,
            member="m12",
            pledge="Gương mẫu",
        )
    )
    record: TaskAssignment = app.repository.get(TaskAssignment.id_for(assignment_key("c1", 2026)))
    assert record.pledges == {"m12": "Gương mẫu"} and record.tasks == {}
    before = app.recorder.max_notification_id()
    with pytest.raises(DomainError) as caught:
        app.handle(
            cmd(
                c.RecordPledge,
                date(2026, 1, 10),
                actor="m10",
                cell="c1",
                year=2026,
                member="m20",
                pledge="Gương mẫu",
            )
        )
    assert caught.value.rule == "R33" and "m20" in caught.value.message
    assert app.recorder.max_notification_id() == before
