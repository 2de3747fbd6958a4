"""What the cell's papers say, drawn from the log at one position: the minutes of a
meeting (biên bản), a resolution (nghị quyết) and the minutes book of a cell-year.

Each builder returns plain data (pydantic): the document is rendered from it, a digest of
it is embedded in the file, and `audit verify-document` draws it again at the same
position and compares. Nothing here formats for print: the templates do.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from documents.sources import created_at, record_at
from domain.application import ChiboApplication
from domain.cell import Cell
from domain.meeting import Meeting
from domain.organisation import Organisation
from domain.resolution import Resolution
from projections.store import ReadStore


class DocumentNotFoundError(LookupError):
    """The record a document is asked for did not exist at the position (or ever)."""


class Person(BaseModel):
    id: str
    name: str


class Excused(BaseModel):
    person: Person
    reason: str


class Header(BaseModel):
    """The header block of every party paper: the superior party organisation and the
    cell on the left, the party's name on the right, place and date below it."""

    party: str
    cell: str
    place: str
    day: date


class VoteCount(BaseModel):
    for_: int
    against: int
    abstain: int


class Deadline(BaseModel):
    decided_on: date
    previous: date
    deadline: date


class ResolutionText(BaseModel):
    key: str
    number: str | None
    """`01-NQ/CB` for a resolution of a meeting (per cell and year); none otherwise."""
    kind: str
    content: str
    requirements: str
    measures: str
    deadline: date
    original_deadline: date
    deadline_changes: list[Deadline]
    executors: list[Person]
    inspector: Person
    votes: VoteCount | None
    minority_opinions: list[str]
    adopted_on: date
    status: str
    closed_on: date | None


class Reviewed(BaseModel):
    key: str
    content: str
    status: str
    deadline: date


class AmendmentText(BaseModel):
    amended_on: date
    reason: str
    change: str


class MinutesPaper(BaseModel):
    header: Header
    meeting: str
    cell: str
    kinds: list[str]
    held_on: date
    online: bool
    place: str
    notice_on: date | None
    duration_minutes: int
    chair: Person | None
    minute_taker: Person | None
    present: list[Person]
    excused: list[Excused]
    absent: list[Person]
    guests: list[Person]
    content: str
    documents: list[str]
    speakers: list[Person]
    opinions: list[str]
    minority_opinions: list[str]
    reviewed: list[Reviewed]
    conclusions: list[ResolutionText]
    minutes_recorded_on: date | None
    minutes_sealed_on: date | None
    amendments: list[AmendmentText]


class ResolutionPaper(BaseModel):
    header: Header
    resolution: ResolutionText
    meeting: str
    meeting_kinds: list[str]
    secretary: Person


class BookPaper(BaseModel):
    header: Header
    cell: str
    cell_name: str
    year: int
    meetings: list[MinutesPaper]


# --- drawing them from the log ----------------------------------------------------------------


class _Reader:
    """The log at `position`, with the organisation's register and numbering cached."""

    def __init__(self, app: ChiboApplication, view: ReadStore, position: int) -> None:
        self.app, self.view, self.position = app, view, position
        self._orgs: dict[str, Organisation | None] = {}
        self._numbers: dict[tuple[str, int], dict[str, int]] = {}

    def cell(self, key: str) -> Cell:
        found = record_at(self.app, self.view, Cell, key, self.position)
        if found is None:
            raise DocumentNotFoundError(f"chi bộ (cell) {key}")
        return found

    def organisation(self, key: str) -> Organisation | None:
        if key not in self._orgs:
            self._orgs[key] = record_at(self.app, self.view, Organisation, key, self.position)
        return self._orgs[key]

    def person(self, org: str, member: str) -> Person:
        register = self.organisation(org)
        record = register.members.get(member) if register is not None else None
        return Person(id=member, name=record.name if record is not None else member)

    def people(self, org: str, members: list[str]) -> list[Person]:
        return [self.person(org, m) for m in members if m]

    def header(self, cell: Cell, day: date, place: str = "") -> Header:
        register = self.organisation(cell.organisation)
        org_name = register.name if register is not None else cell.organisation
        town = locality(org_name)
        return Header(
            party=party_body(org_name).upper(),
            cell=cell.name.upper(),
            place=place.strip() or town,
            day=day,
        )

    def number(self, resolution: Resolution) -> str | None:
        """Resolutions of a cell's meetings are numbered per cell and year in the order
        they were recorded (a paper register's order: a later record never renumbers an
        earlier one)."""
        if resolution.origin != "meeting" or resolution.kind != "resolution":
            return None
        year = resolution.adopted_on.year
        numbers = self._numbers.get((resolution.cell, year))
        if numbers is None:
            rows = self.view.query(
                "SELECT resolution FROM rm_resolutions WHERE cell = %s AND origin = 'meeting'"
                " AND kind = 'resolution' AND adopted_on >= %s AND adopted_on <= %s",
                (resolution.cell, f"{year}-01-01", f"{year}-12-31"),
            )
            ordered = sorted(
                (created_at(self.view, Resolution, str(r[0])), str(r[0])) for r in rows
            )
            numbers = {
                key: n
                for n, (at, key) in enumerate(
                    ((at, key) for at, key in ordered if 0 < at <= self.position), start=1
                )
            }
            self._numbers[(resolution.cell, year)] = numbers
        found = numbers.get(resolution.key)
        return None if found is None else f"{found:02d}-NQ/CB"

    def resolution(self, key: str) -> Resolution:
        found = record_at(self.app, self.view, Resolution, key, self.position)
        if found is None:
            raise DocumentNotFoundError(f"nghị quyết (resolution) {key}")
        return found

    def resolution_text(self, org: str, r: Resolution) -> ResolutionText:
        votes = r.votes or {}
        return ResolutionText(
            key=r.key,
            number=self.number(r),
            kind=r.kind,
            content=r.content,
            requirements=r.requirements,
            measures=r.measures,
            deadline=r.deadline,
            original_deadline=(
                r.deadline_changes[0].previous if r.deadline_changes else r.deadline
            ),
            deadline_changes=[
                Deadline(decided_on=c.decided_on, previous=c.previous, deadline=c.deadline)
                for c in r.deadline_changes
            ],
            executors=self.people(org, r.executors),
            inspector=self.person(org, r.inspector),
            votes=(
                VoteCount(
                    for_=votes.get("for", 0),
                    against=votes.get("against", 0),
                    abstain=votes.get("abstain", 0),
                )
                if votes
                else None
            ),
            minority_opinions=list(r.minority_opinions),
            adopted_on=r.adopted_on,
            status=r.status,
            closed_on=r.closed_on,
        )

    def minutes(self, key: str) -> MinutesPaper:
        meeting = record_at(self.app, self.view, Meeting, key, self.position)
        if meeting is None or meeting.status != "held" or meeting.held_on is None:
            raise DocumentNotFoundError(f"cuộc họp đã tổ chức (held meeting) {key}")
        cell = self.cell(meeting.cell)
        org = cell.organisation
        adopted = self.view.query(
            "SELECT resolution FROM rm_resolutions WHERE source = %s AND origin = 'meeting'",
            (key,),
        )
        conclusions = []
        for (rkey,) in adopted:
            found = record_at(self.app, self.view, Resolution, str(rkey), self.position)
            if found is not None:
                conclusions.append((created_at(self.view, Resolution, found.key), found))
        reviewed = []
        for rkey in meeting.reviewed:
            r = record_at(self.app, self.view, Resolution, rkey, self.position)
            if r is not None:
                reviewed.append(
                    Reviewed(key=r.key, content=r.content, status=r.status, deadline=r.deadline)
                )
        return MinutesPaper(
            header=self.header(cell, meeting.held_on, meeting.place),
            meeting=meeting.key,
            cell=cell.key,
            kinds=list(meeting.kinds),
            held_on=meeting.held_on,
            online=meeting.online,
            place=meeting.place,
            notice_on=meeting.notice_on,
            duration_minutes=meeting.duration_minutes,
            chair=self.person(org, meeting.chair) if meeting.chair else None,
            minute_taker=self.person(org, meeting.minute_taker) if meeting.minute_taker else None,
            present=self.people(org, meeting.present),
            excused=[
                Excused(person=self.person(org, m), reason=reason)
                for m, reason in meeting.excused.items()
            ],
            absent=self.people(org, meeting.absent),
            guests=self.people(org, meeting.guests),
            content=meeting.content,
            documents=list(meeting.documents),
            speakers=self.people(org, meeting.speakers),
            opinions=list(meeting.opinions),
            minority_opinions=list(meeting.minority_opinions),
            reviewed=reviewed,
            conclusions=[
                self.resolution_text(org, r) for _, r in sorted(conclusions, key=lambda x: x[0])
            ],
            minutes_recorded_on=meeting.minutes_recorded_on,
            minutes_sealed_on=meeting.minutes_sealed_on,
            amendments=[
                AmendmentText(amended_on=a.amended_on, reason=a.reason, change=a.change)
                for a in meeting.amendments
            ],
        )


def party_body(org_name: str) -> str:
    """`Đảng ủy phường X` → `Đảng bộ phường X`: the paper names the party organisation,
    not its committee."""
    for committee in ("Đảng ủy", "Đảng uỷ"):
        if org_name.startswith(committee):
            return "Đảng bộ" + org_name[len(committee) :]
    return org_name


def locality(org_name: str) -> str:
    body = party_body(org_name)
    rest = body[len("Đảng bộ") :].strip() if body.startswith("Đảng bộ") else body
    return rest[:1].upper() + rest[1:] if rest else org_name


def minutes_paper(
    app: ChiboApplication, view: ReadStore, meeting: str, position: int
) -> MinutesPaper:
    return _Reader(app, view, position).minutes(meeting)


def resolution_paper(
    app: ChiboApplication, view: ReadStore, resolution: str, position: int
) -> ResolutionPaper:
    reader = _Reader(app, view, position)
    r = reader.resolution(resolution)
    cell = reader.cell(r.cell)
    meeting = record_at(app, view, Meeting, r.source, position) if r.origin == "meeting" else None
    return ResolutionPaper(
        header=reader.header(cell, r.adopted_on, meeting.place if meeting is not None else ""),
        resolution=reader.resolution_text(cell.organisation, r),
        meeting=r.source,
        meeting_kinds=list(meeting.kinds) if meeting is not None else [],
        secretary=reader.person(cell.organisation, cell.secretary),
    )


def book_paper(
    app: ChiboApplication, view: ReadStore, cell: str, year: int, position: int
) -> BookPaper:
    reader = _Reader(app, view, position)
    record = reader.cell(cell)
    rows = view.query(
        "SELECT meeting FROM rm_meetings WHERE cell = %s AND status = 'held'"
        " AND held_on >= %s AND held_on <= %s",
        (cell, f"{year}-01-01", f"{year}-12-31"),
    )
    meetings = []
    for (key,) in rows:
        try:
            meetings.append(reader.minutes(str(key)))
        except DocumentNotFoundError:
            continue  # recorded after the position
    meetings.sort(key=lambda m: (m.held_on, m.meeting))
    return BookPaper(
        # dated by its last meeting: the book as it stands, not a day still to come
        header=reader.header(record, meetings[-1].held_on if meetings else date(year, 1, 1)),
        cell=cell,
        cell_name=record.name,
        year=year,
        meetings=meetings,
    )
