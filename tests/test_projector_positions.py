"""Two projectors on one store: a batch read for positions that another projector has
since moved applies none of those events twice, and the store ends as one projector
would leave it."""

from __future__ import annotations

from typing import Any

from bench.loggen import generate
from projections.projector import Projector
from projections.registry import all_projections
from tests.test_crash_safety import _tables
from workers.settings import Settings
from workers.wiring import make_app, make_read_store

SIZES: dict[str, Any] = {"orgs": 1, "cells_per_org": 3, "members_per_cell": 5, "months": 3}


def test_a_batch_overtaken_by_another_projector_applies_nothing_twice(settings: Settings) -> None:
    app = make_app(settings)
    total = generate(app, **SIZES)
    first_store, second_store = make_read_store(settings), make_read_store(settings)
    try:
        first = Projector(app, first_store, all_projections(), batch_size=10)
        second = Projector(app, second_store, all_projections(), batch_size=10)
        batch = first._read(first._known(), 10)  # read, not yet applied
        assert batch is not None
        assert second.run_once() == 10  # the same ten events, applied by the other
        # Its transaction reads the positions again: none of the ten is applied twice.
        first._apply(batch)
        assert first.positions() == dict.fromkeys(first.names, 10)
        while first.run_once():  # from where the other left off
            pass
        assert first.positions() == dict.fromkeys(first.names, total)
        applied = _tables(first_store)
        # Every row as a single projector's rebuild leaves it: none twice, none lost.
        first.rebuild()
        assert _tables(first_store) == applied
    finally:
        second_store.close()
        first_store.close()
        app.close()
