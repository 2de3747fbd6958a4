"""The read store's reads: a snapshot that neither waits for a writer nor sees its work."""

from __future__ import annotations

from projections.projector import Projector
from projections.registry import all_projections
from projections.tracking import get_position, set_position
from workers.settings import Settings
from workers.wiring import make_app, make_read_store


def test_a_read_neither_waits_for_an_open_write_nor_sees_it(settings: Settings) -> None:
    writer, reader = make_read_store(settings), make_read_store(settings)
    app = make_app(settings)
    try:
        with writer.transaction() as cur:
            set_position(cur, "meetings", 7)
        with writer.transaction() as cur:
            # An open write (on SQLite it holds the database's write lock).
            set_position(cur, "meetings", 9)
            # Before `reading()`, SQLite's reads took the write lock too: this waited
            # for the busy timeout (30 s) and failed with "database is locked".
            rows = reader.query(
                "SELECT position FROM chibo_tracking WHERE name = %s", ("meetings",)
            )
            assert [tuple(r) for r in rows] == [(7,)]
            assert Projector(app, reader, all_projections()).positions()["meetings"] == 7
            with reader.reading() as rcur:
                assert get_position(rcur, "meetings") == 7
        assert Projector(app, reader, all_projections()).positions()["meetings"] == 9
    finally:
        app.close()
        reader.close()
        writer.close()


def test_a_rebuild_drops_without_zeroing_and_the_store_zeroes_again_after(
    settings: Settings,
) -> None:
    """SQLite's secure_delete is off for the drop of read models about to be refilled
    from the log, and only then: data erased later must still be overwritten."""
    store = make_read_store(settings)
    try:
        if settings.backend != "sqlite":
            with store.dropping() as cur:  # a plain transaction there
                cur.execute("SELECT 1")
                assert [tuple(r) for r in cur.fetchall()] == [(1,)]
            return
        with store.transaction() as cur:
            cur.execute("PRAGMA secure_delete = 1")
        with store.dropping() as cur:
            cur.execute("PRAGMA secure_delete")
            assert [tuple(r) for r in cur.fetchall()] == [(0,)]
        with store.transaction() as cur:
            cur.execute("PRAGMA secure_delete")
            assert [tuple(r) for r in cur.fetchall()] == [(1,)]
    finally:
        store.close()
