"""The enforced rules of RULES.md (R6, R9, R11, R20, R21, R25, R32, R52, R71, R80).

For each rule: the valid case is accepted, and each distinct way of breaking it is
refused with a `DomainError` naming the rule and the thing concerned, storing nothing
(no new notification, no command record, the aggregates concerned unchanged). Also:
references to unknown records (rule None, SCENARIOS.md "Errors") and command-id
idempotency. Expected values come from RULES.md and SCENARIOS.md.

The ward is `tests.factories.seed_ward`: cell c1 = m10 (secretary), m11 (deputy),
m12, m13, m14 (official, not working), in charge m03; cell c2 = m20 (secretary), m21,
m22 (probationary), in charge m04; m30 is registered but in no cell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import AggregateNotFoundError

from domain import commands as c
from domain.aggregate import Aggregate
from domain.application import ChiboApplication
from domain.cell import Cell
from domain.command_log import command_record_id
from domain.errors import CommandIdReusedError, DomainError, UnknownReferenceError
from domain.inspection import Inspection
from domain.meeting import Meeting
from domain.organisation import Organisation
from domain.resolution import DeadlineChange, Resolution
from domain.tasks import TaskAssignment, assignment_key
from tests.factories import START, cmd, draft, hold, memory_app, seed_ward

JAN5 = date(2026, 1, 5)
C1_MEMBERS = ["m10", "m11", "m12", "m13", "m14"]
C2_MEMBERS = ["m20", "m21", "m22"]
WARD = (Organisation.id_for("tb"), Cell.id_for("c1"), Cell.id_for("c2"))


# --- helpers ------------------------------------------------------------------------------


@pytest.fixture
def app() -> Iterator[ChiboApplication]:
    application = memory_app()
    seed_ward(application)
    yield application
    application.close()


def state(app: ChiboApplication, aggregate_id: UUID) -> dict[str, Any] | None:
    """The stored state of one record, or None when there is no such record."""
    try:
        record: Aggregate = app.repository.get(aggregate_id)
        return record.model_dump()
    except AggregateNotFoundError:
        return None


def refused(
    app: ChiboApplication,
    command: c.Command,
    rule: str | None,
    *names: str,
    unchanged: Iterable[UUID] = (),
) -> DomainError:
    """Asserts `command` is refused citing `rule`, its message naming each of `names`,
    and that nothing was stored: no notification, and the ward, the command's record
    (absent unless its id was used before) and the records in `unchanged` as they were."""
    watched = [*WARD, command_record_id(command.command_id), *unchanged]
    before = app.recorder.max_notification_id()
    states = [state(app, aggregate_id) for aggregate_id in watched]
    with pytest.raises(DomainError) as caught:
        app.handle(command)
    error = caught.value
    assert error.rule == rule, error
    for name in names:
        assert name in error.message, f"{name!r} not named in {error.message!r}"
    assert app.recorder.max_notification_id() == before
    assert [state(app, aggregate_id) for aggregate_id in watched] == states
    return error


def hold_cmd(meeting: str, cell: str = "c1", on: date = JAN5, **fields: Any) -> c.HoldMeeting:
    """A HoldMeeting command with everyone of the cell present (as `factories.hold`)."""
    defaults: dict[str, Any] = {
        "kind": ["regular"],
        "chair": "m10" if cell == "c1" else "m20",
        "minute_taker": "m11" if cell == "c1" else "m21",
        "present": C1_MEMBERS if cell == "c1" else C2_MEMBERS,
    }
    command: c.HoldMeeting = cmd(
        c.HoldMeeting, on, meeting=meeting, cell=cell, **(defaults | fields)
    )
    return command


def adopt_cmd(meeting: str, resolution: c.ResolutionDraft, on: date = JAN5) -> c.AdoptResolution:
    command: c.AdoptResolution = cmd(c.AdoptResolution, on, meeting=meeting, resolution=resolution)
    return command


def votes(for_: int, against: int = 0, abstain: int = 0) -> c.Votes:
    return c.Votes.model_validate({"for": for_, "against": against, "abstain": abstain})


def meeting(app: ChiboApplication, key: str) -> Meeting:
    result: Meeting = app.repository.get(Meeting.id_for(key))
    return result


def resolution(app: ChiboApplication, key: str) -> Resolution:
    result: Resolution = app.repository.get(Resolution.id_for(key))
    return result


def cell(app: ChiboApplication, key: str) -> Cell:
    result: Cell = app.repository.get(Cell.id_for(key))
    return result


def found_large_cell(app: ChiboApplication, size: int, party_groups: list[str]) -> list[str]:
    """Registers `size` official members b000… and founds cell c3 of all of them."""
    members = [f"b{n:03d}" for n in range(size)]
    for member in members:
        app.handle(
            cmd(
                c.RegisterMember,
                START,
                organisation="tb",
                member=member,
                name=f"Đảng viên {member}",
                status="official",
            )
        )
    app.handle(
        cmd(
            c.FoundCell,
            START,
            organisation="tb",
            cell="c3",
            name="Chi bộ Khu đô thị mới",
            secretary=members[0],
            deputy=members[1],
            members=members,
            in_charge="m03",
            party_groups=party_groups,
        )
    )
    return members


def party_group_cmd(key: str, members: list[str], on: date) -> c.HoldMeeting:
    return hold_cmd(
        key,
        cell="c3",
        on=on,
        kind=["party_group"],
        chair=members[0],
        minute_taker=members[1],
        present=members[:12],
    )


# --- R6: meeting kinds, online meetings, party-group meetings -----------------------------


def test_r6_accepts_regular_and_thematic_in_one_session(app: ChiboApplication) -> None:
    hold(app, "c1-2026-01", kind=["regular", "thematic"], duration_minutes=150)

    assert meeting(app, "c1-2026-01").kinds == ["regular", "thematic"]
    assert cell(app, "c1").meetings["c1-2026-01"].kinds == ["regular", "thematic"]


@pytest.mark.parametrize(
    "kinds",
    [
        ["regular", "forum"],
        ["thematic", "forum"],
        ["regular", "party_group"],
        ["thematic", "party_group"],
        ["regular", "thematic", "forum"],
    ],
)
def test_r6_refuses_combined_kinds_other_than_regular_and_thematic(
    app: ChiboApplication, kinds: list[str]
) -> None:
    refused(
        app,
        hold_cmd("c1-2026-01", kind=kinds),
        "R6",
        "regular",
        "thematic",
        unchanged=[Meeting.id_for("c1-2026-01")],
    )


@pytest.mark.parametrize(
    "kinds",
    [["regular", "regular"], ["regular", "thematic", "regular"]],
    ids=["regular-twice", "regular-thematic-regular"],
)
def test_r6_refuses_the_same_kind_twice_in_one_session(
    app: ChiboApplication, kinds: list[str]
) -> None:
    refused(
        app,
        hold_cmd("c1-2026-01", kind=kinds),
        "R6",
        "regular",
        unchanged=[Meeting.id_for("c1-2026-01")],
    )


def test_r6_refuses_online_meeting_in_cell_not_eligible(app: ChiboApplication) -> None:
    refused(
        app,
        hold_cmd("c1-2026-01", online=True),
        "R6",
        "c1",
        "online",
        unchanged=[Meeting.id_for("c1-2026-01")],
    )


def test_r6_accepts_online_meeting_once_cell_is_eligible(app: ChiboApplication) -> None:
    app.handle(cmd(c.SetOnlineEligibility, START, cell="c1", online_eligible=True))

    hold(app, "c1-2026-01", online=True)

    assert meeting(app, "c1-2026-01").online is True


def test_r6_refuses_party_group_meeting_in_cell_without_groups(app: ChiboApplication) -> None:
    members = found_large_cell(app, 50, party_groups=[])

    refused(
        app,
        party_group_cmd("c3-to-01", members, date(2026, 2, 10)),
        "R6",
        "c3",
        unchanged=[Cell.id_for("c3"), Meeting.id_for("c3-to-01")],
    )


def test_r6_refuses_party_group_meeting_in_small_cell(app: ChiboApplication) -> None:
    app.handle(cmd(c.SetPartyGroups, START, cell="c1", party_groups=["tổ 1", "tổ 2"]))

    refused(
        app,
        hold_cmd("c1-to-01", kind=["party_group"]),
        "R6",
        "c1",
        "50",
        unchanged=[Meeting.id_for("c1-to-01")],
    )


def test_r6_refuses_party_group_meeting_in_cell_of_49_members(app: ChiboApplication) -> None:
    members = found_large_cell(app, 49, party_groups=["tổ 1", "tổ 2"])

    refused(
        app,
        party_group_cmd("c3-to-01", members, date(2026, 2, 10)),
        "R6",
        "c3",
        "49",
        unchanged=[Cell.id_for("c3"), Meeting.id_for("c3-to-01")],
    )


def test_r6_refuses_a_fourth_party_group_meeting_in_a_year(app: ChiboApplication) -> None:
    members = found_large_cell(app, 50, party_groups=["tổ 1", "tổ 2"])
    for key, day in [
        ("c3-to-01", date(2026, 2, 10)),
        ("c3-to-02", date(2026, 5, 12)),
        ("c3-to-03", date(2026, 8, 11)),
    ]:
        app.handle(party_group_cmd(key, members, day))
    assert cell(app, "c3").party_group_meetings_in(2026) == 3

    refused(
        app,
        party_group_cmd("c3-to-04", members, date(2026, 11, 10)),
        "R6",
        "c3",
        "2026",
        unchanged=[Cell.id_for("c3"), Meeting.id_for("c3-to-04")],
    )

    app.handle(party_group_cmd("c3-to-05", members, date(2027, 1, 12)))
    assert meeting(app, "c3-to-05").kinds == ["party_group"]
    assert cell(app, "c3").party_group_meetings_in(2027) == 1


# --- R9: opening of the meeting -----------------------------------------------------------


def test_r9_accepts_a_well_opened_meeting_and_derives_unexcused_absence(
    app: ChiboApplication,
) -> None:
    result = hold(
        app,
        "c1-2026-01",
        present=["m10", "m11", "m12"],
        excused={"m14": "ốm"},
        guests=["m03"],
        speakers=["m10", "m03"],
    )

    held = meeting(app, "c1-2026-01")
    assert (held.chair, held.minute_taker) == ("m10", "m11")
    assert held.excused == {"m14": "ốm"}
    assert held.guests == ["m03"]
    # Cell members neither present nor excused were absent without reason.
    assert held.absent == ["m13"]
    assert result["absent"] == ["m13"]


@pytest.mark.parametrize(
    ("fields", "names"),
    [
        pytest.param({"chair": ""}, ["c1-2026-01", "no chair"], id="no-chair"),
        pytest.param({"minute_taker": ""}, ["c1-2026-01", "no minute-taker"], id="no-minute-taker"),
        pytest.param(
            {"present": [*C1_MEMBERS, "m20"]}, ["m20", "c1"], id="present-not-in-the-cell"
        ),
        pytest.param(
            {"present": C1_MEMBERS, "excused": {"m12": "công tác"}},
            ["m12"],
            id="both-present-and-excused",
        ),
        pytest.param(
            {"present": ["m10", "m11", "m12", "m13"], "excused": {"m14": ""}},
            ["m14"],
            id="excused-without-reason",
        ),
        pytest.param(
            {"present": ["m10", "m11", "m12", "m13"], "excused": {"m14": "   "}},
            ["m14"],
            id="excused-with-blank-reason",
        ),
        pytest.param(
            {"present": ["m10", "m11", "m12"], "guests": ["m13"]},
            ["m13", "c1"],
            id="cell-member-as-guest",
        ),
        pytest.param(
            {"present": ["m10", "m11", "m12"], "chair": "m13"},
            ["chair", "m13"],
            id="chair-not-attending",
        ),
        pytest.param(
            {"present": ["m10", "m11", "m13"], "minute_taker": "m12"},
            ["minute-taker", "m12"],
            id="minute-taker-not-attending",
        ),
    ],
)
def test_r9_refuses_a_badly_opened_meeting(
    app: ChiboApplication, fields: dict[str, Any], names: list[str]
) -> None:
    refused(
        app,
        hold_cmd("c1-2026-01", **fields),
        "R9",
        *names,
        unchanged=[Meeting.id_for("c1-2026-01")],
    )


# --- R11: minutes -------------------------------------------------------------------------


def test_r11_refuses_a_speaker_who_was_not_at_the_meeting(app: ChiboApplication) -> None:
    refused(
        app,
        hold_cmd(
            "c1-2026-01",
            present=["m10", "m11", "m12", "m13"],
            excused={"m14": "ốm"},
            speakers=["m10", "m14"],
        ),
        "R11",
        "m14",
        unchanged=[Meeting.id_for("c1-2026-01")],
    )


def test_r11_refuses_recording_minutes_twice(app: ChiboApplication) -> None:
    hold(app, "c1-2026-01")  # minutes recorded the same day by default
    before = state(app, Meeting.id_for("c1-2026-01"))
    assert before is not None and before["minutes_recorded_on"] == JAN5

    refused(
        app,
        cmd(c.RecordMinutes, date(2026, 1, 6), meeting="c1-2026-01"),
        "R11",
        "c1-2026-01",
        unchanged=[Meeting.id_for("c1-2026-01")],
    )


def test_r11_refuses_minutes_dated_before_the_meeting(app: ChiboApplication) -> None:
    hold(app, "c1-2026-01", minutes_recorded=False)

    refused(
        app,
        cmd(c.RecordMinutes, date(2026, 1, 4), meeting="c1-2026-01"),
        "R11",
        "c1-2026-01",
        unchanged=[Meeting.id_for("c1-2026-01")],
    )

    app.handle(cmd(c.RecordMinutes, date(2026, 1, 6), meeting="c1-2026-01"))
    assert meeting(app, "c1-2026-01").minutes_recorded_on == date(2026, 1, 6)


def test_r11_sealed_minutes_change_only_by_a_reasoned_amendment(app: ChiboApplication) -> None:
    hold(app, "c1-2026-01", present=["m10", "m11", "m12", "m13"], excused={"m14": "ốm"})
    app.handle(cmd(c.SealMinutes, date(2026, 1, 7), meeting="c1-2026-01"))
    sealed = meeting(app, "c1-2026-01")
    assert sealed.minutes_sealed_on == date(2026, 1, 7)
    watched = [Meeting.id_for("c1-2026-01")]

    refused(
        app,
        cmd(c.RecordMinutes, date(2026, 1, 8), meeting="c1-2026-01"),
        "R11",
        "c1-2026-01",
        "sealed",
        unchanged=watched,
    )
    for blank in ["", "  "]:
        refused(
            app,
            cmd(
                c.AmendMinutes,
                date(2026, 1, 8),
                meeting="c1-2026-01",
                reason=blank,
                change="m13 phát biểu về công tác khuyến học",
            ),
            "R11",
            "c1-2026-01",
            unchanged=watched,
        )

    app.handle(
        cmd(
            c.AmendMinutes,
            date(2026, 1, 9),
            meeting="c1-2026-01",
            reason="Bổ sung ý kiến bị bỏ sót",
            change="m13 phát biểu về công tác khuyến học",
        )
    )

    amended = meeting(app, "c1-2026-01")
    [amendment] = amended.amendments
    assert (amendment.amended_on, amendment.reason) == (
        date(2026, 1, 9),
        "Bổ sung ý kiến bị bỏ sót",
    )
    assert amended.version == sealed.version + 1  # a new event...
    # ...and the sealed record itself is untouched, now and in the history.
    assert amended.model_dump(exclude={"version", "modified_on", "amendments"}) == (
        sealed.model_dump(exclude={"version", "modified_on", "amendments"})
    )
    original: Meeting = app.repository.get(Meeting.id_for("c1-2026-01"), version=sealed.version)
    assert original.amendments == []
    assert original.minutes_sealed_on == date(2026, 1, 7)


# --- R20: what a resolution states --------------------------------------------------------


def test_r20_accepts_a_resolution_stating_everything(app: ChiboApplication) -> None:
    hold(app, "c1-2026-01")

    result = app.handle(adopt_cmd("c1-2026-01", draft("nq-c1-01")))

    assert result["resolution"] == "nq-c1-01"
    res = resolution(app, "nq-c1-01")
    assert (res.cell, res.origin, res.source, res.kind) == (
        "c1",
        "meeting",
        "c1-2026-01",
        "resolution",
    )
    assert (res.content, res.requirements, res.measures) == (
        "Vận động phân loại rác",
        "100% hộ tham gia",
        "Tuyên truyền",
    )
    assert (res.deadline, res.executors, res.inspector) == (date(2026, 2, 28), ["m12"], "m11")
    assert (res.adopted_on, res.status) == (JAN5, "open")


@pytest.mark.parametrize(
    ("field", "missing"),
    [
        ("content", None),
        ("content", ""),
        ("requirements", None),
        ("measures", None),
        ("deadline", None),
        ("executors", []),
        ("inspector", None),
        ("inspector", ""),
    ],
)
def test_r20_refuses_a_resolution_missing_a_part(
    app: ChiboApplication, field: str, missing: Any
) -> None:
    hold(app, "c1-2026-01")

    error = refused(
        app,
        adopt_cmd("c1-2026-01", draft("nq-c1-01", **{field: missing})),
        "R20",
        unchanged=[Resolution.id_for("nq-c1-01"), Meeting.id_for("c1-2026-01")],
    )
    assert error.message == f"nq-c1-01 has no {field}"


@pytest.mark.parametrize("deadline", [JAN5, date(2026, 1, 4)], ids=["same-day", "before"])
def test_r20_refuses_a_deadline_not_after_the_meeting(
    app: ChiboApplication, deadline: date
) -> None:
    hold(app, "c1-2026-01")

    refused(
        app,
        adopt_cmd("c1-2026-01", draft("nq-c1-01", deadline=deadline)),
        "R20",
        "nq-c1-01",
        deadline.isoformat(),
        unchanged=[Resolution.id_for("nq-c1-01")],
    )


def test_r20_scenario_error_leaves_the_meeting_and_other_resolutions(
    app: ChiboApplication,
) -> None:
    """ward-q1: at c2-2026-01, nq-c2-00 names no inspector; nq-c2-01 is adopted."""
    day = date(2026, 1, 8)
    hold(app, "c2-2026-01", cell="c2", on=day)
    no_inspector = draft(
        "nq-c2-00",
        content="Nâng cao chất lượng dạy học",
        requirements="Tỷ lệ học sinh khá giỏi tăng",
        measures="Dự giờ, thao giảng",
        deadline=date(2026, 5, 31),
        executors=["m21"],
        inspector=None,
    )

    error = refused(
        app,
        adopt_cmd("c2-2026-01", no_inspector, on=day),
        "R20",
        unchanged=[Resolution.id_for("nq-c2-00"), Meeting.id_for("c2-2026-01")],
    )
    assert error.message == "nq-c2-00 has no inspector"

    app.handle(
        adopt_cmd(
            "c2-2026-01",
            draft("nq-c2-01", deadline=date(2026, 3, 15), executors=["m21"], inspector="m20"),
            on=day,
        )
    )
    assert meeting(app, "c2-2026-01").is_held
    assert resolution(app, "nq-c2-01").source == "c2-2026-01"


def test_r20_refuses_a_resolution_with_blank_content(app: ChiboApplication) -> None:
    hold(app, "c1-2026-01")

    error = refused(
        app,
        adopt_cmd("c1-2026-01", draft("nq-c1-01", content="   ")),
        "R20",
        unchanged=[Resolution.id_for("nq-c1-01")],
    )
    assert error.message == "nq-c1-01 has no content"


def test_r20_refuses_a_resolution_whose_only_executor_is_blank(app: ChiboApplication) -> None:
    hold(app, "c1-2026-01")

    with pytest.raises(DomainError):
        app.handle(adopt_cmd("c1-2026-01", draft("nq-c1-01", executors=[""])))
    assert state(app, Resolution.id_for("nq-c1-01")) is None


@pytest.mark.parametrize("planned", [False, True], ids=["unplanned", "planned"])
def test_r20_refuses_an_inspection_with_one_bad_recommendation_whole(
    app: ChiboApplication, planned: bool
) -> None:
    day = date(2026, 6, 20)
    if planned:
        app.handle(
            cmd(
                c.PlanInspection,
                date(2026, 6, 1),
                inspection="kt-c1-2026-h1",
                cell="c1",
                kind="periodic",
                planned_on=day,
                by=["m02"],
            )
        )
    good = draft("kn-c1-01", deadline=date(2026, 9, 30), executors=["m10"], inspector="m03")
    bad = draft("kn-c1-02", deadline=date(2026, 9, 30), executors=["m10"], inspector=None)

    error = refused(
        app,
        cmd(
            c.Inspect,
            day,
            inspection="kt-c1-2026-h1",
            cell="c1",
            kind="periodic",
            by=["m02"],
            findings="Sổ biên bản ghi chưa đầy đủ ý kiến",
            rating="fair",
            recommendations=[good, bad],
        ),
        "R20",
        unchanged=[
            Inspection.id_for("kt-c1-2026-h1"),
            Resolution.id_for("kn-c1-01"),
            Resolution.id_for("kn-c1-02"),
        ],
    )
    assert error.message == "kn-c1-02 has no inspector"
    assert state(app, Resolution.id_for("kn-c1-01")) is None
    inspection = state(app, Inspection.id_for("kt-c1-2026-h1"))
    assert (inspection or {}).get("status") == ("planned" if planned else None)


# --- R21: vote of the official members ----------------------------------------------------


def test_r21_probationary_members_do_not_count(app: ChiboApplication) -> None:
    """c2 has 3 members present but only 2 official ones: 1 vote for is not a majority."""
    hold(app, "c2-2026-01", cell="c2", on=date(2026, 1, 8))
    day = date(2026, 1, 8)

    refused(
        app,
        adopt_cmd("c2-2026-01", draft("nq-c2-01", votes=votes(1, 1)), on=day),
        "R21",
        "nq-c2-01",
        unchanged=[Resolution.id_for("nq-c2-01")],
    )

    result = app.handle(adopt_cmd("c2-2026-01", draft("nq-c2-01", votes=votes(2)), on=day))
    assert result["votes"] == {"for": 2, "against": 0, "abstain": 0}


def test_r21_default_vote_counts_present_official_members_only(app: ChiboApplication) -> None:
    hold(app, "c2-2026-01", cell="c2", on=date(2026, 1, 8))

    app.handle(adopt_cmd("c2-2026-01", draft("nq-c2-01"), on=date(2026, 1, 8)))

    assert resolution(app, "nq-c2-01").votes == {"for": 2, "against": 0, "abstain": 0}


@pytest.mark.parametrize(("for_", "against", "abstain"), [(2, 3, 0), (2, 1, 2), (0, 0, 0)], ids=str)
def test_r21_refuses_half_or_fewer_of_five_official_members(
    app: ChiboApplication, for_: int, against: int, abstain: int
) -> None:
    hold(app, "c1-2026-01")

    refused(
        app,
        adopt_cmd("c1-2026-01", draft("nq-c1-01", votes=votes(for_, against, abstain))),
        "R21",
        "nq-c1-01",
        unchanged=[Resolution.id_for("nq-c1-01")],
    )


def test_r21_exactly_half_is_not_enough(app: ChiboApplication) -> None:
    """One excused: 4 counted official members; 2 for is half, 3 for is more."""
    hold(app, "c1-2026-01", present=["m10", "m11", "m12", "m13"], excused={"m14": "ốm"})

    refused(
        app,
        adopt_cmd("c1-2026-01", draft("nq-c1-01", votes=votes(2, 2))),
        "R21",
        "nq-c1-01",
        unchanged=[Resolution.id_for("nq-c1-01")],
    )
    app.handle(adopt_cmd("c1-2026-01", draft("nq-c1-01", votes=votes(3, 1))))
    assert resolution(app, "nq-c1-01").votes == {"for": 3, "against": 1, "abstain": 0}


def test_r21_accepts_more_than_half_and_records_minority_opinions(
    app: ChiboApplication,
) -> None:
    hold(app, "c1-2026-01")
    minority = ["m13: nên kéo dài thời hạn đến quý II"]

    app.handle(
        adopt_cmd(
            "c1-2026-01",
            draft("nq-c1-01", votes=votes(3, 1, 1), minority_opinions=minority),
        )
    )

    res = resolution(app, "nq-c1-01")
    assert res.votes == {"for": 3, "against": 1, "abstain": 1}
    assert res.minority_opinions == minority


def _c1_with_two_excused(app: ChiboApplication) -> None:
    hold(
        app,
        "c1-2026-01",
        present=["m10", "m11", "m14"],
        excused={"m12": "ốm", "m13": "công tác"},
    )


def test_r21_excused_official_members_are_left_out_of_the_count(
    app: ChiboApplication,
) -> None:
    """5 officials, 2 excused: 3 counted, so 2 for is more than half (not of 5)."""
    _c1_with_two_excused(app)

    app.handle(adopt_cmd("c1-2026-01", draft("nq-c1-01", votes=votes(2, 1))))

    assert resolution(app, "nq-c1-01").votes == {"for": 2, "against": 1, "abstain": 0}


def test_r21_excused_members_count_when_the_policy_says_so(app: ChiboApplication) -> None:
    app.handle(
        cmd(
            c.AdoptPolicy,
            START,
            organisation="tb",
            name="Biểu quyết trên tổng số đảng viên chính thức",
            effective_from=START,
            values={"vote_excludes_excused": False},
        )
    )
    _c1_with_two_excused(app)

    refused(
        app,
        adopt_cmd("c1-2026-01", draft("nq-c1-01", votes=votes(2, 1))),
        "R21",
        "nq-c1-01",
        "5",
        unchanged=[Resolution.id_for("nq-c1-01")],
    )


def test_r21_a_policy_not_yet_in_force_does_not_change_the_count(
    app: ChiboApplication,
) -> None:
    app.handle(
        cmd(
            c.AdoptPolicy,
            START,
            organisation="tb",
            name="Biểu quyết trên tổng số đảng viên chính thức",
            effective_from=date(2026, 2, 1),
            values={"vote_excludes_excused": False},
        )
    )
    _c1_with_two_excused(app)

    # Adopted later, but judged under the policy in force at the meeting (5 January).
    app.handle(adopt_cmd("c1-2026-01", draft("nq-c1-01", votes=votes(2, 1)), on=date(2026, 2, 3)))

    assert resolution(app, "nq-c1-01").votes["for"] == 2


@pytest.mark.parametrize(
    ("cell_key", "ballot"),
    [("c2", votes(2, 1)), ("c1", votes(3, 1, 2))],
    ids=["c2-three-votes-from-two-officials", "c1-six-votes-from-five"],
)
def test_r21_refuses_more_votes_than_voters(
    app: ChiboApplication, cell_key: str, ballot: c.Votes
) -> None:
    hold(app, "m-2026-01", cell=cell_key)

    refused(
        app,
        adopt_cmd("m-2026-01", draft("nq-01", votes=ballot)),
        "R21",
        "nq-01",
        unchanged=[Resolution.id_for("nq-01")],
    )


# --- R25: deadlines change only by a decision of the cell at a meeting --------------------


@pytest.fixture
def followed(app: ChiboApplication) -> ChiboApplication:
    """nq-c1-01 (deadline 28 February) adopted at c1-2026-01 on 5 January; c2 met on
    8 January, c1 again on 3 March; c1-2026-04 is only announced."""
    hold(app, "c1-2026-01")
    app.handle(adopt_cmd("c1-2026-01", draft("nq-c1-01", deadline=date(2026, 2, 28))))
    hold(app, "c2-2026-01", cell="c2", on=date(2026, 1, 8))
    hold(app, "c1-2026-03", on=date(2026, 3, 3))
    app.handle(
        cmd(
            c.AnnounceMeeting,
            date(2026, 3, 30),
            meeting="c1-2026-04",
            cell="c1",
            kind=["regular"],
            scheduled_on=date(2026, 4, 6),
        )
    )
    return app


def _extend(on: date, meeting_key: str, new_deadline: date) -> c.ExtendDeadline:
    command: c.ExtendDeadline = cmd(
        c.ExtendDeadline,
        on,
        resolution="nq-c1-01",
        new_deadline=new_deadline,
        meeting=meeting_key,
    )
    return command


def _cancel(on: date, meeting_key: str) -> c.CancelResolution:
    command: c.CancelResolution = cmd(
        c.CancelResolution,
        on,
        resolution="nq-c1-01",
        meeting=meeting_key,
        reason="Không còn phù hợp",
    )
    return command


NQ = [Resolution.id_for("nq-c1-01")]


def test_r25_accepts_an_extension_decided_at_a_meeting_and_keeps_history(
    followed: ChiboApplication,
) -> None:
    followed.handle(_extend(date(2026, 3, 3), "c1-2026-03", date(2026, 4, 30)))

    res = resolution(followed, "nq-c1-01")
    assert res.deadline == date(2026, 4, 30)
    assert res.deadline_changes == [
        DeadlineChange(
            decided_on=date(2026, 3, 3),
            meeting="c1-2026-03",
            previous=date(2026, 2, 28),
            deadline=date(2026, 4, 30),
        )
    ]
    assert res.deadline_on(date(2026, 2, 1)) == date(2026, 2, 28)
    assert res.deadline_on(date(2026, 3, 3)) == date(2026, 4, 30)


def test_r25_accepts_a_cancellation_decided_at_a_meeting(followed: ChiboApplication) -> None:
    followed.handle(_cancel(date(2026, 3, 3), "c1-2026-03"))

    res = resolution(followed, "nq-c1-01")
    assert (res.status, res.closed_on, res.cancel_reason) == (
        "cancelled",
        date(2026, 3, 3),
        "Không còn phù hợp",
    )


@pytest.mark.parametrize(
    "command",
    [
        _extend(date(2026, 3, 25), "c2-2026-01", date(2026, 4, 30)),
        _cancel(date(2026, 3, 25), "c2-2026-01"),
    ],
    ids=["extend", "cancel"],
)
def test_r25_refuses_a_meeting_of_another_cell(
    followed: ChiboApplication, command: c.Command
) -> None:
    error = refused(followed, command, "R25", unchanged=NQ)
    assert error.message == "c2-2026-01 is no meeting of that cell"


@pytest.mark.parametrize(
    "command",
    [
        _extend(date(2026, 2, 20), "c1-2026-03", date(2026, 4, 30)),
        _cancel(date(2026, 2, 20), "c1-2026-03"),
        _extend(date(2026, 4, 1), "c1-2026-04", date(2026, 4, 30)),
        _cancel(date(2026, 4, 1), "c1-2026-04"),
    ],
    ids=["extend-held-later", "cancel-held-later", "extend-not-held", "cancel-not-held"],
)
def test_r25_refuses_a_meeting_not_held_by_the_decision_date(
    followed: ChiboApplication, command: c.ExtendDeadline | c.CancelResolution
) -> None:
    refused(followed, command, "R25", command.meeting, unchanged=NQ)


@pytest.mark.parametrize(
    "command",
    [
        _extend(date(2026, 3, 3), "c1-2026-99", date(2026, 4, 30)),
        _cancel(date(2026, 3, 3), "c1-2026-99"),
    ],
    ids=["extend", "cancel"],
)
def test_r25_refuses_a_meeting_not_recorded(followed: ChiboApplication, command: c.Command) -> None:
    """A meeting not (yet) recorded is no meeting of the cell held by that date (R25):
    in a dated timeline, a meeting held later is always one not recorded yet."""
    error = refused(followed, command, "R25", "c1-2026-99", unchanged=NQ)
    assert error.message == "c1-2026-99 was not held by 2026-03-03"


@pytest.mark.parametrize("new_deadline", [date(2026, 3, 3), date(2026, 3, 1)], ids=str)
def test_r25_refuses_a_new_deadline_not_after_the_decision(
    followed: ChiboApplication, new_deadline: date
) -> None:
    refused(
        followed,
        _extend(date(2026, 3, 3), "c1-2026-03", new_deadline),
        "R25",
        "nq-c1-01",
        new_deadline.isoformat(),
        unchanged=NQ,
    )


def test_r24_refuses_extending_a_completed_resolution(followed: ChiboApplication) -> None:
    followed.handle(cmd(c.CompleteResolution, date(2026, 2, 25), resolution="nq-c1-01", by="m12"))

    refused(
        followed,
        _extend(date(2026, 3, 3), "c1-2026-03", date(2026, 4, 30)),
        "R24",
        "nq-c1-01",
        "completed",
        unchanged=NQ,
    )


# --- R32: the cell committee drafts member tasks, the cell votes them ---------------------


TASKS = {"m10": "Phụ trách chung", "m12": "Công tác môi trường"}
ASSIGNMENT = TaskAssignment.id_for(assignment_key("c1", 2026))


def test_r32_accepts_tasks_drafted_by_the_secretary_and_voted_at_a_meeting(
    app: ChiboApplication,
) -> None:
    hold(app, "c1-2026-01")

    app.handle(
        cmd(
            c.AssignTasks,
            date(2026, 1, 20),
            actor="m10",
            cell="c1",
            year=2026,
            tasks=TASKS,
            meeting="c1-2026-01",
        )
    )

    assignment: TaskAssignment = app.repository.get(ASSIGNMENT)
    assert (assignment.drafted_by, assignment.adopted_at) == ("m10", "c1-2026-01")
    assert assignment.tasks == TASKS


def test_r32_accepts_a_draft_by_the_deputy_or_a_cell_committee_member(
    app: ChiboApplication,
) -> None:
    app.handle(cmd(c.SetCellRoles, START, cell="c1", committee=["m10", "m11", "m13"]))

    app.handle(
        cmd(c.AssignTasks, date(2026, 1, 20), actor="m11", cell="c1", year=2026, tasks=TASKS)
    )
    app.handle(
        cmd(
            c.AssignTasks,
            date(2026, 1, 21),
            actor="m13",
            cell="c1",
            year=2026,
            tasks={"m13": "Khuyến học"},
        )
    )

    assignment: TaskAssignment = app.repository.get(ASSIGNMENT)
    assert assignment.drafted_by == "m11"
    assert assignment.adopted_at is None  # drafted, not yet voted
    assert sorted(assignment.tasks) == ["m10", "m12", "m13"]


@pytest.mark.parametrize("actor", ["m12", "m03", "m20"])
def test_r32_refuses_tasks_drafted_outside_the_cell_committee(
    app: ChiboApplication, actor: str
) -> None:
    refused(
        app,
        cmd(c.AssignTasks, date(2026, 1, 20), actor=actor, cell="c1", year=2026, tasks=TASKS),
        "R32",
        actor,
        "c1",
        unchanged=[ASSIGNMENT],
    )


def test_r32_refuses_a_vote_at_a_meeting_of_another_cell(app: ChiboApplication) -> None:
    hold(app, "c2-2026-01", cell="c2", on=date(2026, 1, 8))

    error = refused(
        app,
        cmd(
            c.AssignTasks,
            date(2026, 1, 20),
            actor="m10",
            cell="c1",
            year=2026,
            tasks=TASKS,
            meeting="c2-2026-01",
        ),
        "R32",
        unchanged=[ASSIGNMENT],
    )
    assert error.message == "c2-2026-01 is no meeting of that cell"


def test_r32_refuses_a_vote_at_a_meeting_held_later(app: ChiboApplication) -> None:
    hold(app, "c1-2026-02", on=date(2026, 2, 3))

    refused(
        app,
        cmd(
            c.AssignTasks,
            date(2026, 1, 20),
            actor="m10",
            cell="c1",
            year=2026,
            tasks=TASKS,
            meeting="c1-2026-02",
        ),
        "R32",
        "c1-2026-02",
        unchanged=[ASSIGNMENT],
    )


# --- R52: an inspection has inspectors, findings and a rated conclusion -------------------


def _inspect(**fields: Any) -> c.Inspect:
    values: dict[str, Any] = {
        "inspection": "kt-c1-2026-h1",
        "cell": "c1",
        "kind": "periodic",
        "by": ["m02", "m03"],
        "findings": "Sổ biên bản ghi chưa đầy đủ ý kiến phát biểu",
        "rating": "fair",
        "recommendations": [
            draft(
                "kn-c1-01",
                content="Ghi biên bản đầy đủ",
                deadline=date(2026, 9, 30),
                executors=["m11"],
                inspector="m03",
            )
        ],
    }
    command: c.Inspect = cmd(c.Inspect, date(2026, 6, 20), **(values | fields))
    return command


INSPECTION = [Inspection.id_for("kt-c1-2026-h1"), Resolution.id_for("kn-c1-01")]


def test_r52_accepts_an_inspection_and_follows_its_recommendations(
    app: ChiboApplication,
) -> None:
    app.handle(_inspect())

    inspection: Inspection = app.repository.get(Inspection.id_for("kt-c1-2026-h1"))
    assert (inspection.status, inspection.concluded_on) == ("concluded", date(2026, 6, 20))
    assert (inspection.by, inspection.rating) == (["m02", "m03"], "fair")
    assert inspection.recommendations == ["kn-c1-01"]
    recommendation = resolution(app, "kn-c1-01")
    assert (recommendation.origin, recommendation.source) == ("inspection", "kt-c1-2026-h1")
    assert (recommendation.cell, recommendation.kind, recommendation.status) == (
        "c1",
        "recommendation",
        "open",
    )
    assert (recommendation.deadline, recommendation.executors, recommendation.inspector) == (
        date(2026, 9, 30),
        ["m11"],
        "m03",
    )


def test_r52_a_planned_inspection_keeps_its_inspectors(app: ChiboApplication) -> None:
    app.handle(
        cmd(
            c.PlanInspection,
            date(2026, 6, 1),
            inspection="kt-c1-2026-h1",
            cell="c1",
            kind="periodic",
            planned_on=date(2026, 6, 20),
            by=["m02"],
        )
    )

    app.handle(_inspect(by=[]))

    inspection: Inspection = app.repository.get(Inspection.id_for("kt-c1-2026-h1"))
    assert (inspection.status, inspection.by) == ("concluded", ["m02"])


@pytest.mark.parametrize(
    ("fields", "word"),
    [
        pytest.param({"findings": None}, "findings", id="no-findings"),
        pytest.param({"findings": "  "}, "findings", id="blank-findings"),
        pytest.param({"rating": None}, "rating", id="no-rating"),
        pytest.param({"by": []}, "inspector", id="no-inspectors"),
    ],
)
def test_r52_refuses_an_incomplete_inspection(
    app: ChiboApplication, fields: dict[str, Any], word: str
) -> None:
    refused(app, _inspect(**fields), "R52", "kt-c1-2026-h1", word, unchanged=INSPECTION)


def test_r52_refuses_concluding_an_inspection_twice(app: ChiboApplication) -> None:
    app.handle(_inspect())

    refused(
        app,
        _inspect(rating="good", recommendations=[]),
        "R52",
        "kt-c1-2026-h1",
        unchanged=INSPECTION,
    )


# --- R71: the roster changes only by recorded events --------------------------------------


def test_r71_roster_on_past_dates_is_reconstructible(app: ChiboApplication) -> None:
    app.handle(cmd(c.TransferIn, date(2026, 2, 1), cell="c1", member="m30"))
    app.handle(cmd(c.TransferOut, date(2026, 3, 1), cell="c1", member="m13"))
    app.handle(cmd(c.TransferIn, date(2026, 5, 1), cell="c1", member="m13"))

    roster = cell(app, "c1")
    assert roster.members_on(date(2026, 1, 15)) == ["m10", "m11", "m12", "m13", "m14"]
    assert roster.members_on(date(2026, 2, 1)) == ["m10", "m11", "m12", "m13", "m14", "m30"]
    assert roster.members_on(date(2026, 3, 1)) == ["m10", "m11", "m12", "m14", "m30"]
    assert roster.members_on(date(2026, 4, 30)) == ["m10", "m11", "m12", "m14", "m30"]
    assert roster.members_on(date(2026, 5, 1)) == ["m10", "m11", "m12", "m13", "m14", "m30"]
    assert roster.members_on(date(2025, 12, 31)) == []


def test_r71_refuses_transferring_in_a_current_member(app: ChiboApplication) -> None:
    refused(
        app,
        cmd(c.TransferIn, date(2026, 2, 1), cell="c1", member="m12"),
        "R71",
        "m12",
        "c1",
    )


@pytest.mark.parametrize("member", ["m20", "m30"])
def test_r71_refuses_transferring_out_a_non_member(app: ChiboApplication, member: str) -> None:
    refused(
        app,
        cmd(c.TransferOut, date(2026, 2, 1), cell="c1", member=member),
        "R71",
        member,
        "c1",
    )


def test_r71_refuses_transferring_out_a_member_who_already_left(app: ChiboApplication) -> None:
    app.handle(cmd(c.TransferOut, date(2026, 3, 1), cell="c1", member="m13"))

    refused(
        app,
        cmd(c.TransferOut, date(2026, 4, 1), cell="c1", member="m13"),
        "R71",
        "m13",
        "c1",
    )


def test_r71_refuses_founding_a_cell_whose_secretary_is_not_a_member(
    app: ChiboApplication,
) -> None:
    refused(
        app,
        cmd(
            c.FoundCell,
            START,
            organisation="tb",
            cell="c3",
            name="Chi bộ Tổ dân phố số 3",
            secretary="m30",
            members=["m01", "m02", "m03"],
        ),
        "R71",
        "m30",
        "c3",
        unchanged=[Cell.id_for("c3")],
    )


def test_r71_a_late_transfer_out_keeps_the_roster_right(app: ChiboApplication) -> None:
    """m13 left on 1 March and came back on 1 April; a late entry then records an earlier
    departure on 1 February. Either it is refused, or the roster reflects every event."""
    app.handle(cmd(c.TransferOut, date(2026, 3, 1), cell="c1", member="m13"))
    app.handle(cmd(c.TransferIn, date(2026, 4, 1), cell="c1", member="m13"))
    try:
        app.handle(cmd(c.TransferOut, date(2026, 2, 1), cell="c1", member="m13"))
    except DomainError as error:
        assert error.rule == "R71"
        return

    roster = cell(app, "c1")
    assert roster.is_member_on("m13", date(2026, 1, 31))
    assert not roster.is_member_on("m13", date(2026, 3, 15))
    assert not roster.is_member_on("m13", date(2026, 2, 15))
    assert roster.is_member_on("m13", date(2026, 4, 15))


# --- R80: records stay within the cell and the levels above it ----------------------------


@pytest.mark.parametrize(
    "reader",
    ["m12", "m14", "m03", "m04", "m01"],
    ids=["cell-member", "retired-cell-member", "in-charge", "committee", "org-secretary"],
)
def test_r80_members_and_committee_may_read_a_meeting(app: ChiboApplication, reader: str) -> None:
    hold(app, "c1-2026-01")
    before = app.recorder.max_notification_id()

    record = app.read(Meeting, "c1-2026-01", reader, date(2026, 1, 10))

    assert (record.key, record.cell) == ("c1-2026-01", "c1")
    assert app.recorder.max_notification_id() == before


@pytest.mark.parametrize("reader", ["m20", "m22", "m30"])
def test_r80_refuses_a_reader_from_outside_the_cell(app: ChiboApplication, reader: str) -> None:
    hold(app, "c1-2026-01")
    app.handle(adopt_cmd("c1-2026-01", draft("nq-c1-01")))
    before = app.recorder.max_notification_id()

    records: list[tuple[type[Aggregate], str]] = [
        (Meeting, "c1-2026-01"),
        (Resolution, "nq-c1-01"),
    ]
    for cls, key in records:
        with pytest.raises(DomainError) as caught:
            app.read(cls, key, reader, date(2026, 1, 10))
        assert caught.value.rule == "R80"
        assert reader in caught.value.message
        assert "c1" in caught.value.message
    assert app.recorder.max_notification_id() == before


def test_r80_a_member_who_left_reads_no_more(app: ChiboApplication) -> None:
    hold(app, "c1-2026-01")
    app.handle(cmd(c.TransferOut, date(2026, 3, 1), cell="c1", member="m13"))

    assert app.read(Meeting, "c1-2026-01", "m13", date(2026, 2, 1)).key == "c1-2026-01"
    with pytest.raises(DomainError) as caught:
        app.read(Meeting, "c1-2026-01", "m13", date(2026, 3, 2))
    assert caught.value.rule == "R80"
    assert "m13" in caught.value.message


# --- unknown references (rule None) -------------------------------------------------------


UNKNOWN: list[tuple[str, Callable[[], c.Command], str]] = [
    ("unknown-cell", lambda: hold_cmd("c9-2026-01", cell="c9", present=["m10"]), "c9"),
    (
        "unknown-present-member",
        lambda: hold_cmd("c1-2026-09", present=[*C1_MEMBERS, "m99"]),
        "m99",
    ),
    ("unknown-guest", lambda: hold_cmd("c1-2026-09", guests=["m99"]), "m99"),
    ("unknown-reviewed", lambda: hold_cmd("c1-2026-09", reviewed=["nq-9"]), "nq-9"),
    ("unknown-meeting", lambda: adopt_cmd("c1-2026-99", draft("nq-c1-09")), "c1-2026-99"),
    (
        "unknown-executor",
        lambda: adopt_cmd("c1-2026-01", draft("nq-c1-09", executors=["m99"])),
        "m99",
    ),
    (
        "unknown-inspector",
        lambda: adopt_cmd("c1-2026-01", draft("nq-c1-09", inspector="m99")),
        "m99",
    ),
    (
        "unknown-resolution",
        lambda: cmd(
            c.ExtendDeadline,
            date(2026, 3, 3),
            resolution="nq-9",
            new_deadline=date(2026, 4, 30),
            meeting="c1-2026-01",
        ),
        "nq-9",
    ),
    (
        "unknown-resolution-completed",
        lambda: cmd(c.CompleteResolution, date(2026, 3, 3), resolution="nq-9", by="m12"),
        "nq-9",
    ),
    ("unknown-transfer", lambda: cmd(c.TransferIn, START, cell="c1", member="m99"), "m99"),
    ("unknown-transfer-cell", lambda: cmd(c.TransferIn, START, cell="c9", member="m30"), "c9"),
    ("unknown-inspector-of-inspection", lambda: _inspect(by=["m99"]), "m99"),
]


def test_r32_refuses_tasks_voted_at_a_meeting_not_recorded(app: ChiboApplication) -> None:
    command = cmd(
        c.AssignTasks,
        date(2026, 1, 20),
        actor="m10",
        cell="c1",
        year=2026,
        tasks=TASKS,
        meeting="c1-2026-99",
    )
    refused(app, command, "R32", "c1-2026-99", unchanged=[ASSIGNMENT])


@pytest.mark.parametrize(
    ("build", "name"), [(build, name) for _, build, name in UNKNOWN], ids=[i for i, *_ in UNKNOWN]
)
def test_unknown_references_are_refused_without_a_rule(
    app: ChiboApplication, build: Callable[[], c.Command], name: str
) -> None:
    hold(app, "c1-2026-01")

    error = refused(
        app,
        build(),
        None,
        name,
        unchanged=[
            Meeting.id_for("c1-2026-01"),
            Meeting.id_for("c1-2026-09"),
            Resolution.id_for("nq-c1-09"),
            Inspection.id_for("kt-c1-2026-h1"),
            ASSIGNMENT,
        ],
    )
    assert isinstance(error, UnknownReferenceError)


# --- idempotency --------------------------------------------------------------------------


def test_a_retried_command_returns_the_first_result_and_stores_nothing(
    app: ChiboApplication,
) -> None:
    command = hold_cmd("c1-2026-01", present=["m10", "m11", "m12"], excused={"m14": "ốm"})
    first = app.apply(command)
    after_first = app.recorder.max_notification_id()
    held = state(app, Meeting.id_for("c1-2026-01"))

    again = app.apply(command)

    assert first.stored and not again.stored
    assert again.result == first.result == {"meeting": "c1-2026-01", "absent": ["m13"]}
    assert app.handle(command) == first.result
    assert app.recorder.max_notification_id() == after_first
    assert state(app, Meeting.id_for("c1-2026-01")) == held


def test_a_command_id_reused_for_another_command_is_refused(app: ChiboApplication) -> None:
    first = hold_cmd("c1-2026-01")
    app.handle(first)
    reused = first.model_copy(update={"meeting": "c1-2026-02"})
    assert reused.command_id == first.command_id

    error = refused(
        app,
        reused,
        None,
        first.command_id,
        unchanged=[Meeting.id_for("c1-2026-01"), Meeting.id_for("c1-2026-02")],
    )
    assert isinstance(error, CommandIdReusedError)


def test_r71_refuses_a_back_dated_transfer_in_before_a_recorded_stay(
    app: ChiboApplication,
) -> None:
    app.handle(cmd(c.TransferIn, date(2026, 4, 1), cell="c1", member="m30"))
    error = refused(
        app,
        cmd(c.TransferIn, date(2026, 3, 1), cell="c1", member="m30"),
        "R71",
        unchanged=[Cell.id_for("c1")],
    )
    assert "m30" in error.message
