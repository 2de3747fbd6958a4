"""The cell register: members and their status history, cells, rosters over time (R71),
members in charge, thematic plans (R4) and the organisation's leadership.

Events after a stream's first name only the stream (a uuid), so rows keep that id
and later events find their row through it inside the same statement.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from pydantic import BaseModel

from domain.cell import Cell
from domain.organisation import Organisation
from projections.codec import from_json, to_json
from projections.projection import Projection
from projections.store import Cursor, ReadStore

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
        "CREATE TABLE IF NOT EXISTS rm_members ("
        " member TEXT PRIMARY KEY, organisation TEXT NOT NULL, name TEXT NOT NULL)",
        # One row per status span; `position` breaks ties between spans of one day
        # the way the domain does (the later entry wins). The key orders spans by date,
        # so "the span in force on a day" is one index probe.
        "CREATE TABLE IF NOT EXISTS rm_member_status ("
        " member TEXT NOT NULL, since TEXT NOT NULL, status TEXT NOT NULL,"
        " working INTEGER NOT NULL, position BIGINT NOT NULL,"
        " PRIMARY KEY (member, since, position))",
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

    def apply(self, cur: Cursor, event: Any, position: int) -> None:
        # Exact-class lookup: event classes are never subclassed, and a dict hit is
        # cheaper than a chain of isinstance checks over a million events.
        handler = _HANDLERS.get(type(event))
        if handler is not None:
            handler(cur, event, position)


def _org_registered(cur: Cursor, e: Organisation.Registered, position: int) -> None:
    cur.execute(
        "INSERT INTO rm_org_leadership (organisation, id, secretary, standing_committee,"
        " committee, inspection_commission) VALUES (%s, %s, %s, %s, %s, %s)",
        (
            e.key,
            str(e.originator_id),
            e.secretary,
            to_json(e.standing_committee),
            to_json(e.committee),
            to_json(e.inspection_commission),
        ),
    )


def _leadership_changed(cur: Cursor, e: Organisation.LeadershipChanged, position: int) -> None:
    cur.execute(
        "UPDATE rm_org_leadership SET secretary = %s, standing_committee = %s, committee = %s,"
        " inspection_commission = %s WHERE id = %s",
        (
            e.secretary,
            to_json(e.standing_committee),
            to_json(e.committee),
            to_json(e.inspection_commission),
            str(e.originator_id),
        ),
    )


def _member_registered(cur: Cursor, e: Organisation.MemberRegistered, position: int) -> None:
    cur.execute(
        "INSERT INTO rm_members (member, organisation, name)"
        " SELECT %s, organisation, %s FROM rm_org_leadership WHERE id = %s",
        (e.member, e.name, str(e.originator_id)),
    )
    _status_span(cur, e.member, e.occurred_on, e.status, e.working, position)


def _member_status_changed(cur: Cursor, e: Organisation.MemberStatusChanged, position: int) -> None:
    _status_span(cur, e.member, e.occurred_on, e.status, e.working, position)


def _status_span(
    cur: Cursor, member: str, since: date, status: str, working: bool, position: int
) -> None:
    cur.execute(
        "INSERT INTO rm_member_status (member, since, status, working, position)"
        " VALUES (%s, %s, %s, %s, %s)",
        (member, since.isoformat(), status, int(working), position),
    )


def _cell_founded(cur: Cursor, e: Cell.Founded, position: int) -> None:
    on = e.occurred_on.isoformat()
    cur.execute(
        "INSERT INTO rm_cells (cell, id, organisation, name, type, secretary, deputy, committee,"
        " online_eligible, party_groups, founded_on)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
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
    cur.executemany(
        "INSERT INTO rm_cell_members (cell, member, since, until, position)"
        " VALUES (%s, %s, %s, NULL, %s)",
        [(e.key, member, on, position) for member in e.members],
    )
    if e.in_charge is not None:
        cur.execute(
            "INSERT INTO rm_cell_in_charge (cell, since, member) VALUES (%s, %s, %s)",
            (e.key, on, e.in_charge),
        )


def _transferred_in(cur: Cursor, e: Cell.MemberTransferredIn, position: int) -> None:
    cur.execute(
        "INSERT INTO rm_cell_members (cell, member, since, until, position)"
        " SELECT cell, %s, %s, NULL, %s FROM rm_cells WHERE id = %s",
        (e.member, e.occurred_on.isoformat(), position, str(e.originator_id)),
    )


def _transferred_out(cur: Cursor, e: Cell.MemberTransferredOut, position: int) -> None:
    # Close the span covering the date, as the domain does (a late entry may close an
    # earlier span).
    day = e.occurred_on.isoformat()
    cur.execute(
        "UPDATE rm_cell_members SET until = %s WHERE member = %s AND since <= %s"
        " AND (until IS NULL OR until > %s)"
        " AND cell = (SELECT cell FROM rm_cells WHERE id = %s)",
        (day, e.member, day, day, str(e.originator_id)),
    )


def _in_charge_assigned(cur: Cursor, e: Cell.InChargeAssigned, position: int) -> None:
    # Two assignments on one day: the later one stands, as in the domain.
    cur.execute(
        "INSERT INTO rm_cell_in_charge (cell, since, member)"
        " SELECT cell, %s, %s FROM rm_cells WHERE id = %s"
        " ON CONFLICT (cell, since) DO UPDATE SET member = excluded.member",
        (e.occurred_on.isoformat(), e.member, str(e.originator_id)),
    )


def _roles_changed(cur: Cursor, e: Cell.RolesChanged, position: int) -> None:
    cur.execute(
        "UPDATE rm_cells SET secretary = %s, deputy = %s, committee = %s WHERE id = %s",
        (e.secretary, e.deputy, to_json(e.committee), str(e.originator_id)),
    )


def _online_eligibility(cur: Cursor, e: Cell.OnlineEligibilityChanged, position: int) -> None:
    cur.execute(
        "UPDATE rm_cells SET online_eligible = %s WHERE id = %s",
        (int(e.online_eligible), str(e.originator_id)),
    )


def _party_groups(cur: Cursor, e: Cell.PartyGroupsSet, position: int) -> None:
    cur.execute(
        "UPDATE rm_cells SET party_groups = %s WHERE id = %s",
        (to_json(e.party_groups), str(e.originator_id)),
    )


def _thematic_plan(cur: Cursor, e: Cell.ThematicPlanSet, position: int) -> None:
    cur.execute(
        "INSERT INTO rm_thematic_plans (cell, year, topics, preparers, set_on)"
        " SELECT cell, %s, %s, %s, %s FROM rm_cells WHERE id = %s"
        " ON CONFLICT (cell, year) DO UPDATE SET topics = excluded.topics,"
        " preparers = excluded.preparers, set_on = excluded.set_on",
        (
            e.year,
            to_json(e.topics),
            to_json(e.preparers),
            e.occurred_on.isoformat(),
            str(e.originator_id),
        ),
    )


Handler = Callable[[Cursor, Any, int], None]

# The behaviour map. Not here: Organisation.CellAttached (Cell.Founded names the
# organisation), Cell.MeetingHeld (the meetings projection keeps meetings), policies.
_HANDLERS: dict[type[Any], Handler] = {
    Organisation.Registered: _org_registered,
    Organisation.LeadershipChanged: _leadership_changed,
    Organisation.MemberRegistered: _member_registered,
    Organisation.MemberStatusChanged: _member_status_changed,
    Cell.Founded: _cell_founded,
    Cell.MemberTransferredIn: _transferred_in,
    Cell.MemberTransferredOut: _transferred_out,
    Cell.InChargeAssigned: _in_charge_assigned,
    Cell.RolesChanged: _roles_changed,
    Cell.OnlineEligibilityChanged: _online_eligibility,
    Cell.PartyGroupsSet: _party_groups,
    Cell.ThematicPlanSet: _thematic_plan,
}


# --- queries -----------------------------------------------------------------------------

# The position of the status span in force on a date (one placeholder: the date) for the
# member column `{m}`: the latest span begun by then, else the earliest (as the domain).
_SPAN_ON = (
    "COALESCE("
    "(SELECT s.position FROM rm_member_status s WHERE s.member = {m} AND s.since <= %s"
    " ORDER BY s.since DESC, s.position DESC LIMIT 1),"
    " (SELECT s.position FROM rm_member_status s WHERE s.member = {m}"
    " ORDER BY s.since, s.position LIMIT 1))"
)


def roster(store: ReadStore, cell: str, on: date) -> list[RosterEntry]:
    """The cell's members on `on` with their status that day (R71)."""
    day = on.isoformat()
    rows = store.query(
        "SELECT cm.member, mb.name, st.status, st.working, c.secretary, c.deputy, c.committee"
        " FROM rm_cell_members cm"
        " JOIN rm_cells c ON c.cell = cm.cell"
        " JOIN rm_members mb ON mb.member = cm.member"
        " JOIN rm_member_status st ON st.member = cm.member"
        f" AND st.position = {_SPAN_ON.format(m='cm.member')}"
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


def member_status_on(store: ReadStore, member: str, on: date) -> tuple[str, bool] | None:
    """(status, working) of `member` on `on`; None for an unknown member."""
    rows = store.query(
        "SELECT st.status, st.working FROM rm_member_status st"
        f" WHERE st.member = %s AND st.position = {_SPAN_ON.format(m='st.member')}",
        (member, on.isoformat()),
    )
    return (rows[0][0], bool(rows[0][1])) if rows else None


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
