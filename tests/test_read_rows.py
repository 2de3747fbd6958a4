"""Reading the log as rows, leaving out topics (what a rebuild of a group of read models
does), on both backends: the same rows in the same order, less exactly the left-out
ones; and a group rebuilt that way ends at the head of the log, even when the last
events are ones it leaves out."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from domain.persistence import Row, read_rows, uuid_of
from projections.projector import Projector
from projections.registry import all_projections
from tests.factories import missed_meeting
from workers.scenario.format import load_scenario
from workers.scenario.importer import Importer
from workers.settings import Settings
from workers.wiring import make_app, make_read_store

SCENARIOS = Path(__file__).parent / "scenarios"
MEETING_HELD = "chibo.Meeting.Held"


class _NotificationsOnly:
    """The same recorder seen as the library's: only `select_notifications`."""

    def __init__(self, recorder: Any) -> None:
        self._recorder = recorder

    def select_notifications(self, start: int, limit: int, stop: int | None = None) -> Any:
        return self._recorder.select_notifications(start, limit, stop)


def _as_uuids(rows: list[Row]) -> list[Row]:
    """Rows with their ids as UUIDs: SQLite's own rows hold the text, the library's
    notifications a UUID."""
    return [(p, uuid_of(o), v, t, s) for p, o, v, t, s in rows]


def test_rows_leave_out_exactly_the_topics_asked(settings: Settings) -> None:
    app = make_app(settings)
    try:
        Importer(app, load_scenario(SCENARIOS / "ward-q1.yaml")).run()
        every = list(read_rows(app.recorder, 1, 10_000))
        topics = Counter(row[3] for row in every)
        assert topics[MEETING_HELD] == 5  # ward-q1: c1 January to March, c2 not February
        wanted = _as_uuids([row for row in every if row[3] != MEETING_HELD])
        head = every[-1][0]
        for recorder in (app.recorder, _NotificationsOnly(app.recorder)):
            left = list(read_rows(recorder, 1, 10_000, excluding=[MEETING_HELD]))
            assert _as_uuids(left) == wanted
            # Pages of 7, up to the head: the same rows, each once.
            paged: list[Any] = []
            start = 1
            while page := read_rows(recorder, start, 7, head, excluding=[MEETING_HELD]):
                assert len(page) <= 7
                paged += page
                start = page[-1][0] + 1
            assert _as_uuids(paged) == wanted
    finally:
        app.close()


def test_a_group_rebuilt_leaving_events_out_ends_at_the_head(settings: Settings) -> None:
    app, store = make_app(settings), make_read_store(settings)
    try:
        Importer(app, load_scenario(SCENARIOS / "ward-q1.yaml")).run()
        app.handle(
            missed_meeting("tb", "c2", "2026-03", "esc-last")
        )  # the last event: the meetings read model ignores it
        head = app.recorder.max_notification_id()
        [meetings] = [p for p in all_projections() if p.name == "meetings"]
        live = Projector(app, store, [meetings])
        live.run_until_caught_up()
        rows = store.query("SELECT * FROM rm_meetings ORDER BY meeting")
        assert rows

        rebuilt = Projector(app, store, [meetings])
        passed = rebuilt.rebuild()
        assert rebuilt.skipping is False  # only while rebuilding
        assert passed == head  # every position passed, read or left out
        assert rebuilt.positions() == {"meetings": head}
        assert store.query("SELECT * FROM rm_meetings ORDER BY meeting") == rows
    finally:
        store.close()
        app.close()
