"""Old stored events still load: a v1 `MemberRegistered` (written before members had a
`working` flag) is upcast to today's class, while new events carry their class version.
And every event class is stored under an explicit, unique topic, never a module path.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
from eventsourcing.persistence import StoredEvent

import domain.application  # noqa: F401 - imports every aggregate, so every topic is registered
from domain import commands as c
from domain.aggregate import AGGREGATES, Aggregate, AggregateSnapshot, Created
from domain.application import ChiboApplication
from domain.events import TOPICS, DomainEvent
from domain.organisation import Organisation
from tests.factories import START, cmd, memory_app

MEMBER_REGISTERED = "chibo.Organisation.MemberRegistered"
ORG_ID = Organisation.id_for("tb")


def new_organisation() -> ChiboApplication:
    app = memory_app()
    app.handle(
        cmd(
            c.CreateOrganisation,
            START,
            organisation="tb",
            name="Đảng ủy phường Thạch Bàn",
            secretary="m01",
        )
    )
    return app


def v1_member_registered(version: int, member: str, **extra: Any) -> StoredEvent:
    """A row as the first release wrote it: no `working`, no `class_version`."""
    state = {
        "timestamp": "2025-06-01T08:00:00Z",
        "actor": "m01",
        "command_id": f"legacy-{member}",
        "correlation_id": f"legacy-{member}",
        "occurred_on": "2025-06-01",
        "member": member,
        "name": f"Đảng viên {member}",
        "status": "official",
        **extra,
    }
    return StoredEvent(
        originator_id=ORG_ID,
        originator_version=version,
        topic=MEMBER_REGISTERED,
        state=orjson.dumps(state),
    )


def stored_rows(app: ChiboApplication, topic: str) -> list[Any]:
    rows = app.recorder.select_notifications(1, 10_000, topics=[topic])
    assert all(r.topic == topic for r in rows)
    return list(rows)


def test_a_v1_member_registered_row_loads_as_a_working_member() -> None:
    app = new_organisation()
    app.recorder.insert_events([v1_member_registered(2, "m50")])

    org: Organisation = app.repository.get(ORG_ID)
    assert org.version == 2
    record = org.members["m50"]
    assert record.name == "Đảng viên m50"
    (span,) = record.history
    assert (span.since, span.status, span.working) == (date(2025, 6, 1), "official", True)
    assert org.is_working("m50", date(2026, 1, 1))

    (event,) = list(app.events.get(ORG_ID, gt=1))
    assert isinstance(event, Organisation.MemberRegistered)
    assert event.working is True

    # The upcast record takes further commands, which append after the old row.
    app.handle(
        cmd(c.SetMemberStatus, date(2026, 2, 1), organisation="tb", member="m50", status="exempted")
    )
    later: Organisation = app.repository.get(ORG_ID)
    assert later.version == 3
    assert [(s.status, s.working) for s in later.members["m50"].history] == [
        ("official", True),
        ("exempted", True),
    ]


def test_upcasting_keeps_a_flag_the_old_row_happens_to_carry() -> None:
    """`upcast_v1_v2` only fills in what is missing."""
    app = new_organisation()
    app.recorder.insert_events([v1_member_registered(2, "m51", working=False)])
    org: Organisation = app.repository.get(ORG_ID)
    assert org.members["m51"].history[0].working is False


def test_a_new_member_registered_row_carries_class_version_2_and_round_trips() -> None:
    app = new_organisation()
    app.handle(
        cmd(
            c.RegisterMember,
            START,
            organisation="tb",
            member="m52",
            name="Đảng viên m52",
            status="probationary",
            working=False,
        )
    )
    (row,) = stored_rows(app, MEMBER_REGISTERED)
    state = orjson.loads(row.state)
    assert state["class_version"] == Organisation.MemberRegistered.class_version == 2
    assert state["working"] is False
    assert "originator_id" not in state and "originator_version" not in state

    event = app.mapper.to_domain_event(row)
    (loaded,) = list(app.events.get(ORG_ID, gt=1))
    assert event == loaded
    assert isinstance(event, Organisation.MemberRegistered)
    assert (event.member, event.status, event.working) == ("m52", "probationary", False)
    assert app.mapper.to_stored_event(event).state == row.state

    # Events still at class version 1 are stored without a version at all.
    (created,) = stored_rows(app, Organisation.Registered.TOPIC)
    assert "class_version" not in orjson.loads(created.state)


def test_every_event_class_has_an_explicit_unique_topic() -> None:
    events = {t: cls for t, cls in TOPICS.items() if issubclass(cls, DomainEvent)}
    assert events, "no event classes registered"
    for topic, cls in events.items():
        assert cls.__dict__.get("TOPIC") == topic, f"{cls.__qualname__} inherits its topic"
        assert topic.startswith("chibo."), topic
        assert ":" not in topic and "domain." not in topic, topic
        assert cls.__module__ not in topic
    # One topic per class: no class registered under two names, none left out.
    assert len(set(events.values())) == len(events)
    for cls in concrete_event_classes():
        assert cls.__dict__.get("TOPIC"), f"{cls.__module__}.{cls.__qualname__} has no TOPIC"
        assert TOPICS[cls.TOPIC] is cls
    # Aggregates and snapshots are named the same way.
    assert TOPICS[AggregateSnapshot.TOPIC] is AggregateSnapshot
    for topic, agg in AGGREGATES.items():
        assert issubclass(agg, Aggregate) and topic == agg.TOPIC
        assert ":" not in topic and "domain." not in topic
    assert not set(AGGREGATES) & set(TOPICS)


def concrete_event_classes() -> list[type[DomainEvent]]:
    """Every domain subclass of DomainEvent except the abstract `Created` base."""
    found: list[type[DomainEvent]] = []
    pending = list(DomainEvent.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        base_only = cls is Created or cls.__dict__.get("BASE_ONLY", False)
        if not base_only and cls.__module__.startswith("domain."):
            found.append(cls)
    return found


def test_stored_rows_name_explicit_topics() -> None:
    app = new_organisation()
    app.handle(
        cmd(c.RegisterMember, START, organisation="tb", member="m10", name="A", status="official")
    )
    for row in app.recorder.select_notifications(1, 100):
        assert row.topic in TOPICS
        assert ":" not in row.topic and not row.topic.startswith("domain")
