"""Bounded input at the door (issue 10): whatever a command accepts, the projector, the
dispatcher's mapping and `audit verify` accept on both backends; the values that stalled
the log are refused naming the field, with nothing stored; members are per organisation
in the read models too."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import suppress
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from audit.signing import generate_key, load_private, load_public
from audit.verify import sign_checkpoint, verify_store
from domain import commands as c
from domain.application import ChiboApplication
from domain.errors import DomainError
from projections.cells import member_status_on, roster
from projections.meetings import meeting
from projections.projector import Projector
from projections.registry import all_projections
from projections.store import ReadStore
from workers.settings import Settings
from workers.wiring import make_app, make_read_store
from workflows.dispatcher import actions_for
from workflows.models import Clock

_ids = itertools.count()

ID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"
ids = st.from_regex(c.ID_PATTERN, fullmatch=True) | st.builds(
    lambda head, tail: head + tail,
    st.sampled_from("aZ9"),
    st.text(alphabet=ID_CHARS, min_size=c.ID_MAX - 1, max_size=c.ID_MAX - 1),
)
_printable = st.characters(exclude_categories=["Cc", "Cs"])
names = st.text(alphabet=_printable, min_size=1, max_size=40) | st.builds(
    lambda ch: ch * c.NAME_MAX, st.sampled_from(["a", "ạ", "𝔸", "'", "\\", "%"])
)
texts = st.text(
    alphabet=st.characters(
        exclude_categories=["Cs"],
        exclude_characters=[chr(n) for n in [*range(9), *range(11, 32), 127]],
    ),
    max_size=60,
) | st.just("x\n\t" * (c.TEXT_MAX // 3))
days = st.dates(c.FIRST_DAY, c.LAST_DAY) | st.sampled_from([c.FIRST_DAY, c.LAST_DAY])
years = st.integers(c.FIRST_DAY.year, c.LAST_DAY.year)


def _cmd(cls: type[c.Command], actor: str, on: date, **fields: Any) -> Any:
    return cls(actor=actor, command_id=f"b-{next(_ids)}", occurred_on=on, **fields)


@st.composite
def histories(draw: st.DrawFn) -> list[c.Command]:
    """An organisation, members, a cell, a meeting with a resolution, a plan, tasks."""
    org, cell, meeting, res = draw(st.lists(ids, min_size=4, max_size=4, unique=True))
    members = draw(st.lists(ids, min_size=2, max_size=4, unique=True))
    secretary, other = members[0], members[1]
    day = draw(st.dates(c.FIRST_DAY, date(2099, 1, 1)))
    return [
        _cmd(
            c.CreateOrganisation,
            secretary,
            day,
            organisation=org,
            name=draw(names),
            secretary=secretary,
            committee=[secretary],
        ),
        *[
            _cmd(
                c.RegisterMember,
                secretary,
                day,
                organisation=org,
                member=m,
                name=draw(names),
                status="official",
            )
            for m in members
        ],
        _cmd(
            c.FoundCell,
            secretary,
            day,
            organisation=org,
            cell=cell,
            name=draw(names),
            secretary=secretary,
            members=members,
            party_groups=[draw(names)],
        ),
        _cmd(
            c.SetThematicPlan,
            secretary,
            day,
            cell=cell,
            year=draw(years),
            topics=[draw(names)],
            preparers={draw(names): other},
        ),
        _cmd(
            c.HoldMeeting,
            secretary,
            day,
            meeting=meeting,
            cell=cell,
            kind=["regular"],
            notice_on=day,
            duration_minutes=draw(st.integers(0, 1440)),
            chair=secretary,
            minute_taker=other,
            present=members,
            opinions=[draw(texts)],
        ),
        _cmd(
            c.AdoptResolution,
            secretary,
            day,
            meeting=meeting,
            resolution=c.ResolutionDraft(
                id=res,
                content=draw(texts) or "x",
                requirements=draw(names),
                measures=draw(names),
                deadline=draw(days),
                executors=[other],
                inspector=secretary,
                votes=c.Votes.model_validate({"for": draw(st.integers(0, c.MAX_COUNT))}),
            ),
        ),
        _cmd(c.ReportProgress, other, day, resolution=res, by=other, note=draw(texts)),
        _cmd(
            c.AssignTasks,
            secretary,
            day,
            cell=cell,
            year=draw(years),
            tasks={m: draw(texts) or "x" for m in members},
        ),
        _cmd(
            c.SetMemberStatus,
            secretary,
            draw(days),
            organisation=org,
            member=other,
            status=draw(st.sampled_from(["probationary", "exempted", "suspended"])),
        ),
    ]


@pytest.fixture
def audited(
    settings: Settings, tmp_path: Path
) -> Iterator[tuple[ChiboApplication, ReadStore, Path]]:
    key = tmp_path / "audit.pem"
    generate_key(key)
    app, store = make_app(settings), make_read_store(settings)
    try:
        yield app, store, key
    finally:
        store.close()
        app.close()


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_accepted_command_projects_dispatches_and_verifies(
    audited: tuple[ChiboApplication, ReadStore, Path], data: st.DataObject
) -> None:
    app, store, key = audited
    for command in data.draw(histories()):
        with suppress(DomainError):  # refused by a rule: nothing stored, nothing to project
            app.handle(command)
    projector = Projector(app, store, all_projections())
    projector.run_until_caught_up()
    assert projector.failures == {}
    head = projector.head()
    assert min(projector.positions().values()) == head

    def key_of(originator_id: UUID) -> str:
        return str(app.repository.get(originator_id).key)

    clock = Clock()
    for notification in app.recorder.select_notifications(start=1, limit=head + 1):
        event = app.mapper.to_domain_event(notification)
        # (An event of a record without a key or cell has no organisation to look up.)
        with suppress(LookupError, AttributeError):
            actions_for(event, clock, key_of, key_of)
    sign_checkpoint(app, store, load_private(key))
    assert verify_store(app, store, load_public(key)).problem is None


# --- the values that stalled the log are refused, naming the field --------------------


def _org(**fields: Any) -> Any:
    base = {"organisation": "tb", "name": "Đảng ủy", "secretary": "m01"}
    return _cmd(c.CreateOrganisation, "m01", date(2026, 1, 1), **(base | fields))


REFUSED: list[tuple[str, Any]] = [
    (
        "year",
        lambda: _cmd(
            c.SetThematicPlan, "m01", date(2026, 1, 1), cell="c1", year=99999999999, topics=["x"]
        ),
    ),
    ("name", lambda: _org(name="Đảng\x00ủy")),
    ("organisation", lambda: _org(organisation="o" * 10_000)),
    (
        "duration_minutes",
        lambda: _cmd(
            c.HoldMeeting,
            "m01",
            date(2026, 1, 1),
            meeting="x",
            cell="c1",
            kind=["regular"],
            chair="m01",
            minute_taker="m01",
            duration_minutes=10**30,
        ),
    ),
    (
        "member",
        lambda: _cmd(
            c.RegisterMember,
            "m01",
            date(2026, 1, 1),
            organisation="tb",
            member="",
            name="A",
            status="official",
        ),
    ),
    (
        "occurred_on",
        lambda: c.CreateOrganisation(
            actor="m01",
            command_id="x",
            occurred_on=date(1, 1, 1),
            organisation="tb",
            name="N",
            secretary="m01",
        ),
    ),
]


@pytest.mark.parametrize(("field", "build"), REFUSED, ids=[f for f, _ in REFUSED])
def test_unstorable_values_are_refused_naming_the_field(field: str, build: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        build()
    assert field in {str(e["loc"][0]) for e in refused.value.errors()}


def test_an_unstorable_scenario_item_is_refused_and_stores_nothing(
    read_side: tuple[ChiboApplication, ReadStore], tmp_path: Path
) -> None:
    from workers.scenario.format import load_scenario
    from workers.scenario.importer import Importer

    app, _ = read_side
    path = tmp_path / "s.yaml"
    path.write_text(
        "version: 1\nname: s\nstart: 2026-01-01\nend: 2026-12-31\n"
        "organization: {id: tb, name: T, secretary: m01}\n"
        "members: [{id: m01, name: A, status: official}]\n"
        "cells: [{id: c1, name: C, secretary: m01, members: [m01]}]\n"
        "timeline:\n"
        "  - date: 2026-02-01\n"
        "    hold_meeting: {id: x1, cell: c1, kind: regular, present: [m01],"
        " duration_minutes: 1000000000000000000000000000000}\n"
        "  - date: 2026-02-02\n"
        "    hold_meeting: {id: x2, cell: c1, kind: regular, present: [m01, '']}\n"
    )
    report = Importer(app, load_scenario(path)).run()
    messages = [e["message"] for e in report.errors]
    assert len(messages) == 2
    assert "duration_minutes" in messages[0]
    assert "present.1" in messages[1]
    # Only the setup (organisation, member, cell) was stored: neither meeting.
    topics = [n.topic for n in app.recorder.select_notifications(start=1, limit=1000)]
    assert topics and not any("Meeting" in topic for topic in topics)


def test_a_bad_scenario_file_names_the_field(tmp_path: Path) -> None:
    from workers.scenario.format import ScenarioError, load_scenario

    path = tmp_path / "s.yaml"
    path.write_text(
        "version: 1\nname: s\nstart: 2026-01-01\nend: 2026-12-31\n"
        f"organization: {{id: {'o' * 10_000}, name: T, secretary: m01}}\n"
    )
    with pytest.raises(ScenarioError, match=r"organization\.id: String should match pattern"):
        load_scenario(path)


# --- members are per organisation --------------------------------------------------------


def test_two_organisations_with_the_same_member_id_both_project(
    read_side: tuple[ChiboApplication, ReadStore],
) -> None:
    app, store = read_side
    day = date(2026, 1, 1)
    for org, cell, name, status in [
        ("o1", "c1", "An", "official"),
        ("o2", "c2", "Bình", "suspended"),
    ]:
        app.handle(_org(organisation=org))
        app.handle(
            _cmd(
                c.RegisterMember,
                "m01",
                day,
                organisation=org,
                member="m01",
                name=name,
                status=status,
            )
        )
        app.handle(
            _cmd(
                c.FoundCell,
                "m01",
                day,
                organisation=org,
                cell=cell,
                name="C",
                secretary="m01",
                members=["m01"],
            )
        )
    # Then each cell meets with its m01 present: counted (R13) only where that
    # organisation's m01 is official, whichever registration came last.
    for cell in ("c1", "c2"):
        app.handle(
            _cmd(
                c.HoldMeeting,
                "m01",
                date(2026, 1, 5),
                meeting=f"{cell}-01",
                cell=cell,
                kind=["regular"],
                chair="m01",
                minute_taker="m01",
                present=["m01"],
            )
        )
    projector = Projector(app, store, all_projections())
    projector.run_until_caught_up()
    assert projector.failures == {}
    assert [(e.member, e.name, e.status) for e in roster(store, "c1", day)] == [
        ("m01", "An", "official")
    ]
    assert [(e.member, e.name, e.status) for e in roster(store, "c2", day)] == [
        ("m01", "Bình", "suspended")
    ]
    assert member_status_on(store, "o1", "m01", day) == ("official", True)
    assert member_status_on(store, "o2", "m01", day) == ("suspended", True)
    first, second = meeting(store, "c1-01"), meeting(store, "c2-01")
    assert first is not None and second is not None
    assert first.counted == ["m01"]
    assert second.counted == []


# --- the projector never stalls silently ---------------------------------------------------


def test_a_failed_projection_is_named_the_others_go_on_and_the_process_exits_1(
    settings: Settings,
) -> None:
    import os
    import subprocess
    import sys

    app, store = make_app(settings), make_read_store(settings)
    try:
        app.handle(_org())
        app.handle(
            _cmd(
                c.RegisterMember,
                "m01",
                date(2026, 1, 1),
                organisation="tb",
                member="m01",
                name="An",
                status="official",
            )
        )
        # A row in the way: the cells projection cannot apply Organisation.Registered.
        with store.transaction() as cur:
            cur.execute(
                "INSERT INTO rm_org_leadership VALUES (%s, %s, %s, %s, %s, %s)",
                ("tb", "in-the-way", "x", "[]", "[]", "[]"),
            )
        head = app.recorder.max_notification_id() or 0
    finally:
        store.close()
        app.close()
    env = dict(os.environ, CHIBO_DATABASE_URL=settings.database_url)
    root = Path(__file__).parent.parent
    done = subprocess.run(
        [sys.executable, "-m", "workers", "projector"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "projection cells cannot apply the event at position 1" in done.stderr
    status = subprocess.run(
        [sys.executable, "-m", "workers", "projections", "status"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert status.returncode == 1
    lines = {line.split()[0]: line for line in status.stdout.splitlines() if line.strip()}
    assert "FAILED at position 1" in lines["cells"]
    assert "Integrity" in lines["cells"] or "UniqueViolation" in lines["cells"]
    others = [line for name, line in lines.items() if name != "cells"]
    assert others and all(f"position {head:>10}" in line for line in others)
    assert all("FAILED" not in line for line in others)
