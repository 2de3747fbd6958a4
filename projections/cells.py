"""The cell register: members and their status history, cells, rosters over time (R71),
members in charge, thematic plans (R4) and the organisation's leadership.

Events after a stream's first name only the stream (a uuid), so rows keep that id;
later events find the key they need through it (remembered from the first event, else
read from the row).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from domain.attendance import counts_for_attendance
from domain.cell import Cell
from domain.organisation import Organisation
from domain.personal import ERASED
from projections.codec import from_json, to_json
from projections.projection import Lookup, Projection, handles
from projections.store import ReadStore, Writer

# --- what the queries return -------------------------------------------------------------


class RosterEntry(BaseModel):
    member: str
    name: str
    status: str
    working: bool
    roles: list[str]
    """secretary, deputy, committee (the cell's roles now)."""


class CellInfo(BaseModel):
    cell: str
    organisation: str
    name: str
    type: str
    secretary: str
    deputy: str | None
    committee: list[str]
    online_eligible: bool
    party_groups: list[str]
    founded_on: date
    in_charge: str | None
    """Member in charge on the date asked (latest by default), else the org secretary."""


class ThematicPlan(BaseModel):
    cell: str
    year: int
    topics: list[str]
    preparers: dict[str, str]
    set_on: date


class Leadership(BaseModel):
    organisation: str
    secretary: str
    standing_committee: list[str]
    committee: list[str]
    inspection_commission: list[str]


# --- the projection ----------------------------------------------------------------------


class CellsProjection(Projection):
    name = "cells"
    tables = (
        "rm_org_leadership",
        "rm_members",
        "rm_member_status",
        "rm_cells",
        "rm_cell_members",
        "rm_cell_in_charge",
        "rm_thematic_plans",
    )
    ddl = (
        "CREATE TABLE IF NOT EXISTS rm_org_leadership ("
        " organisation TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, secretary TEXT NOT NULL,"
        " standing_committee TEXT NOT NULL, committee TEXT NOT NULL,"
        " inspection_commission TEXT NOT NULL)",
        # Members are per organisation (as in the domain): two may both have `m01`.
        "CREATE TABLE IF NOT EXISTS rm_members ("
        " organisation TEXT NOT NULL, member TEXT NOT NULL, name TEXT NOT NULL,"
        " PRIMARY KEY (organisation, member))",
        # One row per status span; `position` breaks ties between spans of one day
        # the way the domain does (the later entry wins). The key orders spans by date,
        # so "the span in force on a day" is one index probe.
        "CREATE TABLE IF NOT EXISTS rm_member_status ("
        " organisation TEXT NOT NULL, member TEXT NOT NULL, since TEXT NOT NULL,"
        " status TEXT NOT NULL, working INTEGER NOT NULL, position BIGINT NOT NULL,"
        " PRIMARY KEY (organisation, member, since, position))",
        "CREATE TABLE IF NOT EXISTS rm_cells ("
        " cell TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, organisation TEXT NOT NULL,"
        " name TEXT NOT NULL, type TEXT NOT NULL, secretary TEXT NOT NULL, deputy TEXT,"
        " committee TEXT NOT NULL, online_eligible INTEGER NOT NULL,"
        " party_groups TEXT NOT NULL, founded_on TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS rm_cells_organisation ON rm_cells (organisation)",
        # One row per span in the cell: [since, until), until NULL while still a member.
        "CREATE TABLE IF NOT EXISTS rm_cell_members ("
        " cell TEXT NOT NULL, member TEXT NOT NULL, since TEXT NOT NULL, until TEXT,"
        " position BIGINT NOT NULL, PRIMARY KEY (cell, member, position))",
        "CREATE TABLE IF NOT EXISTS rm_cell_in_charge ("
        " cell TEXT NOT NULL, since TEXT NOT NULL, member TEXT NOT NULL,"
        " PRIMARY KEY (cell, since))",
        "CREATE TABLE IF NOT EXISTS rm_thematic_plans ("
        " cell TEXT NOT NULL, year INTEGER NOT NULL, topics TEXT NOT NULL,"
        " preparers TEXT NOT NULL, set_on TEXT NOT NULL, PRIMARY KEY (cell, year))",
    )

    # Not handled here: Organisation.CellAttached (Cell.Founded names the organisation),
    # Cell.MeetingHeld (the meetings projection keeps meetings), policies.

    def __init__(self) -> None:
        self._organisations = Lookup("SELECT organisation FROM rm_org_leadership WHERE id = %s")
        self._cells = Lookup("SELECT cell FROM rm_cells WHERE id = %s")

    def forget(self) -> None:
        self._organisations.forget()
        self._cells.forget()

    @handles(Organisation.Registered)
    def _org_registered(self, w: Writer, e: Organisation.Registered, position: int) -> None:
        w.insert(
            "rm_org_leadership",
            (
                "organisation",
                "id",
                "secretary",
                "standing_committee",
                "committee",
                "inspection_commission",
            ),
            (
                e.key,
                str(e.originator_id),
                e.secretary,
                to_json(e.standing_committee),
                to_json(e.committee),
                to_json(e.inspection_commission),
            ),
        )
        self._organisations.put(str(e.originator_id), (e.key,))

    @handles(Organisation.LeadershipChanged)
    def _leadership_changed(
        self, w: Writer, e: Organisation.LeadershipChanged, position: int
    ) -> None:
        w.update(
            "UPDATE rm_org_leadership SET secretary = %s, standing_committee = %s,"
            " committee = %s, inspection_commission = %s WHERE id = %s",
            (
                e.secretary,
                to_json(e.standing_committee),
                to_json(e.committee),
                to_json(e.inspection_commission),
                str(e.originator_id),
            ),
            key=str(e.originator_id),
        )

    @handles(Organisation.MemberRegistered)
    def _member_registered(
        self, w: Writer, e: Organisation.MemberRegistered, position: int
    ) -> None:
        organisation = self._organisation(w, e)
        w.insert("rm_members", ("organisation", "member", "name"), (organisation, e.member, e.name))
        self._status_span(w, organisation, e.member, e.occurred_on, e.status, e.working, position)

    @handles(Organisation.MemberDataErased)
    def _member_data_erased(
        self, w: Writer, e: Organisation.MemberDataErased, position: int
    ) -> None:
        organisation = self._organisations.get(w, str(e.originator_id))
        if organisation is not None:
            w.update(
                "UPDATE rm_members SET name = %s WHERE member = %s AND organisation = %s",
                (ERASED, e.member, *organisation),
            )

    @handles(Organisation.MemberStatusChanged)
    def _member_status_changed(
        self, w: Writer, e: Organisation.MemberStatusChanged, position: int
    ) -> None:
        organisation = self._organisation(w, e)
        self._status_span(w, organisation, e.member, e.occurred_on, e.status, e.working, position)

    def _organisation(self, w: Writer, e: Any) -> str:
        """The organisation's key (its events after the first name only the stream)."""
        found = self._organisations.get(w, str(e.originator_id))
        if found is None:
            raise LookupError(f"organisation {e.originator_id} was never registered")
        return str(found[0])

    def _status_span(
        self,
        w: Writer,
        organisation: str,
        member: str,
        since: date,
        status: str,
        working: bool,
        position: int,
    ) -> None:
        w.insert(
            "rm_member_status",
            ("organisation", "member", "since", "status", "working", "position"),
            (organisation, member, since.isoformat(), status, int(working), position),
        )

    @handles(Cell.Founded)
    def _cell_founded(self, w: Writer, e: Cell.Founded, position: int) -> None:
        on = e.occurred_on.isoformat()
        w.insert(
            "rm_cells",
            (
                "cell",
                "id",
                "organisation",
                "name",
                "type",
                "secretary",
                "deputy",
                "committee",
                "online_eligible",
                "party_groups",
                "founded_on",
            ),
            (
                e.key,
                str(e.originator_id),
                e.organisation,
                e.name,
                e.type,
                e.secretary,
                e.deputy,
                to_json(e.committee),
                int(e.online_eligible),
                to_json(e.party_groups),
                on,
            ),
        )
        self._cells.put(str(e.originator_id), (e.key,))
        for member in e.members:
            w.insert("rm_cell_members", _CELL_MEMBER, (e.key, member, on, None, position))
        if e.in_charge is not None:
            w.insert("rm_cell_in_charge", ("cell", "since", "member"), (e.key, on, e.in_charge))

    @handles(Cell.MemberTransferredIn)
    def _transferred_in(self, w: Writer, e: Cell.MemberTransferredIn, position: int) -> None:
        cell = self._cells.get(w, str(e.originator_id))
        if cell is not None:
            w.insert(
                "rm_cell_members",
                _CELL_MEMBER,
                (*cell, e.member, e.occurred_on.isoformat(), None, position),
            )

    @handles(Cell.MemberTransferredOut)
    def _transferred_out(self, w: Writer, e: Cell.MemberTransferredOut, position: int) -> None:
        # Close the span covering the date, as the domain does (a late entry may close an
        # earlier span).
        cell = self._cells.get(w, str(e.originator_id))
        if cell is not None:
            day = e.occurred_on.isoformat()
            w.update(
                "UPDATE rm_cell_members SET until = %s WHERE cell = %s AND member = %s"
                " AND since <= %s AND (until IS NULL OR until > %s)",
                (day, *cell, e.member, day, day),
            )

    @handles(Cell.InChargeAssigned)
    def _in_charge_assigned(self, w: Writer, e: Cell.InChargeAssigned, position: int) -> None:
        # Two assignments on one day: the later one stands, as in the domain.
        cell = self._cells.get(w, str(e.originator_id))
        if cell is not None:
            w.update(
                "INSERT INTO rm_cell_in_charge (cell, since, member) VALUES (%s, %s, %s)"
                " ON CONFLICT (cell, since) DO UPDATE SET member = excluded.member",
                (*cell, e.occurred_on.isoformat(), e.member),
            )

    @handles(Cell.RolesChanged)
    def _roles_changed(self, w: Writer, e: Cell.RolesChanged, position: int) -> None:
        w.update(
            "UPDATE rm_cells SET secretary = %s, deputy = %s, committee = %s WHERE id = %s",
            (e.secretary, e.deputy, to_json(e.committee), str(e.originator_id)),
            key=str(e.originator_id),
        )

    @handles(Cell.OnlineEligibilityChanged)
    def _online_eligibility(
        self, w: Writer, e: Cell.OnlineEligibilityChanged, position: int
    ) -> None:
        w.update(
            "UPDATE rm_cells SET online_eligible = %s WHERE id = %s",
            (int(e.online_eligible), str(e.originator_id)),
            key=str(e.originator_id),
        )

    @handles(Cell.PartyGroupsSet)
    def _party_groups(self, w: Writer, e: Cell.PartyGroupsSet, position: int) -> None:
        w.update(
            "UPDATE rm_cells SET party_groups = %s WHERE id = %s",
            (to_json(e.party_groups), str(e.originator_id)),
            key=str(e.originator_id),
        )

    @handles(Cell.ThematicPlanSet)
    def _thematic_plan(self, w: Writer, e: Cell.ThematicPlanSet, position: int) -> None:
        cell = self._cells.get(w, str(e.originator_id))
        if cell is not None:
            w.update(
                "INSERT INTO rm_thematic_plans (cell, year, topics, preparers, set_on)"
                " VALUES (%s, %s, %s, %s, %s)"
                " ON CONFLICT (cell, year) DO UPDATE SET topics = excluded.topics,"
                " preparers = excluded.preparers, set_on = excluded.set_on",
                (
                    *cell,
                    e.year,
                    to_json(e.topics),
                    to_json(e.preparers),
                    e.occurred_on.isoformat(),
                ),
            )


_CELL_MEMBER = ("cell", "member", "since", "until", "position")


# --- queries -----------------------------------------------------------------------------

# The position of the status span in force on a date (one placeholder: the date) for the
# organisation column `{o}` and member column `{m}`: the latest span begun by then, else
# the earliest (as the domain).
_SPAN_ON = (
    "COALESCE("
    "(SELECT s.position FROM rm_member_status s WHERE s.organisation = {o}"
    " AND s.member = {m} AND s.since <= %s ORDER BY s.since DESC, s.position DESC LIMIT 1),"
    " (SELECT s.position FROM rm_member_status s WHERE s.organisation = {o}"
    " AND s.member = {m} ORDER BY s.since, s.position LIMIT 1))"
)


def roster(store: ReadStore, cell: str, on: date) -> list[RosterEntry]:
    """The cell's members on `on` with their status that day (R71)."""
    day = on.isoformat()
    rows = store.query(
        "SELECT cm.member, mb.name, st.status, st.working, c.secretary, c.deputy, c.committee"
        " FROM rm_cell_members cm"
        " JOIN rm_cells c ON c.cell = cm.cell"
        " JOIN rm_members mb ON mb.organisation = c.organisation AND mb.member = cm.member"
        " JOIN rm_member_status st ON st.organisation = c.organisation"
        " AND st.member = cm.member"
        f" AND st.position = {_SPAN_ON.format(o='c.organisation', m='cm.member')}"
        " WHERE cm.cell = %s AND cm.since <= %s AND (cm.until IS NULL OR %s < cm.until)"
        " ORDER BY cm.member",
        (day, cell, day, day),
    )
    entries = []
    for member, name, status, working, secretary, deputy, committee in rows:
        held = [("secretary", secretary), ("deputy", deputy)]
        roles = [role for role, who in held if who == member]
        if member in from_json(committee):
            roles.append("committee")
        entries.append(
            RosterEntry(member=member, name=name, status=status, working=bool(working), roles=roles)
        )
    return entries


def counted_on(store: ReadStore, organisation: str, on: date) -> dict[str, str]:
    """The organisation's members in a cell on `on` whose status that day is counted
    (official or probationary, R13): member → the cell. One query for every cell."""
    day = on.isoformat()
    rows = store.query(
        "SELECT cm.member, cm.cell, st.status FROM rm_cell_members cm"
        " JOIN rm_cells c ON c.cell = cm.cell"
        " JOIN rm_member_status st ON st.organisation = c.organisation"
        " AND st.member = cm.member"
        f" AND st.position = {_SPAN_ON.format(o='c.organisation', m='cm.member')}"
        " WHERE c.organisation = %s AND cm.since <= %s AND (cm.until IS NULL OR %s < cm.until)"
        " ORDER BY cm.member",
        (day, organisation, day, day),
    )
    return {str(m): str(cell) for m, cell, status in rows if counts_for_attendance(str(status))}


def member_status_on(
    store: ReadStore, organisation: str, member: str, on: date
) -> tuple[str, bool] | None:
    """(status, working) of the organisation's `member` on `on`; None for an unknown
    member."""
    span = _SPAN_ON.format(o="st.organisation", m="st.member")
    rows = store.query(
        "SELECT st.status, st.working FROM rm_member_status st"
        f" WHERE st.organisation = %s AND st.member = %s AND st.position = {span}",
        (organisation, member, on.isoformat()),
    )
    return (rows[0][0], bool(rows[0][1])) if rows else None


def member_in_charge_on(store: ReadStore, cell: str, on: date) -> str | None:
    """The committee member in charge of `cell` on `on`, if it has one (no fallback: a
    cell without one owes no R41 visit)."""
    rows = store.query(
        "SELECT member FROM rm_cell_in_charge WHERE cell = %s AND since <= %s"
        " ORDER BY since DESC LIMIT 1",
        (cell, on.isoformat()),
    )
    return rows[0][0] if rows else None


def in_charge_on(store: ReadStore, cell: str, on: date) -> str | None:
    """Who is in charge of `cell` on `on`: its member in charge, else the organisation
    secretary (SCENARIOS "In charge"); None for an unknown cell."""
    rows = store.query(
        "SELECT COALESCE("
        "(SELECT ic.member FROM rm_cell_in_charge ic WHERE ic.cell = c.cell AND ic.since <= %s"
        " ORDER BY ic.since DESC LIMIT 1), l.secretary)"
        " FROM rm_cells c LEFT JOIN rm_org_leadership l ON l.organisation = c.organisation"
        " WHERE c.cell = %s",
        (on.isoformat(), cell),
    )
    return rows[0][0] if rows else None


def cell_info(store: ReadStore, cell: str, on: date | None = None) -> CellInfo | None:
    """The cell as it stands, with who is in charge on `on` (default: the latest)."""
    rows = store.query(
        "SELECT cell, organisation, name, type, secretary, deputy, committee, online_eligible,"
        " party_groups, founded_on FROM rm_cells WHERE cell = %s",
        (cell,),
    )
    if not rows:
        return None
    key, org, name, kind, secretary, deputy, committee, online, groups, founded = rows[0]
    return CellInfo(
        cell=key,
        organisation=org,
        name=name,
        type=kind,
        secretary=secretary,
        deputy=deputy,
        committee=from_json(committee),
        online_eligible=bool(online),
        party_groups=from_json(groups),
        founded_on=date.fromisoformat(founded),
        in_charge=in_charge_on(store, cell, on or date.max),
    )


def cells_of(store: ReadStore, organisation: str) -> list[str]:
    rows = store.query(
        "SELECT cell FROM rm_cells WHERE organisation = %s ORDER BY cell", (organisation,)
    )
    return [row[0] for row in rows]


def thematic_plan(store: ReadStore, cell: str, year: int) -> ThematicPlan | None:
    """The year's thematic plan (R4), as last set."""
    rows = store.query(
        "SELECT topics, preparers, set_on FROM rm_thematic_plans WHERE cell = %s AND year = %s",
        (cell, year),
    )
    if not rows:
        return None
    topics, preparers, set_on = rows[0]
    return ThematicPlan(
        cell=cell,
        year=year,
        topics=from_json(topics),
        preparers=from_json(preparers),
        set_on=date.fromisoformat(set_on),
    )


def leadership(store: ReadStore, organisation: str) -> Leadership | None:
    rows = store.query(
        "SELECT secretary, standing_committee, committee, inspection_commission"
        " FROM rm_org_leadership WHERE organisation = %s",
        (organisation,),
    )
    if not rows:
        return None
    secretary, standing, committee, inspection = rows[0]
    return Leadership(
        organisation=organisation,
        secretary=secretary,
        standing_committee=from_json(standing),
        committee=from_json(committee),
        inspection_commission=from_json(inspection),
    )
