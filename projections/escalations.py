"""The escalation inbox: what supervisors must see, with its evidence, and what they
did about it."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from domain.notices import Escalation, EscalationStatus
from projections.codec import as_date, from_json, to_json
from projections.projection import Projection, handles
from projections.store import Bulk, ReadStore, Row, Writer


class EscalationRow(BaseModel):
    key: str
    organisation: str
    kind: str
    rule: str
    subject: dict[str, str]
    cell: str | None
    member: str | None
    meeting: str | None
    resolution: str | None
    period: str | None
    level: int
    raised_on: date
    status: EscalationStatus
    recipients: list[str]
    evidence: list[str]
    details: dict[str, Any]
    acknowledged_by: str | None
    acknowledgement: str | None
    resolved_by: str | None
    action: str | None
    last_notified_on: date | None
    notices: int


class EscalationsProjection(Projection):
    name = "escalations"
    tables = ("rm_escalations", "rm_escalation_recipients")
    ddl = (
        # Subject fields get their own columns so the inbox filters without JSON functions;
        # recipients are kept twice: as JSON for the row, as rows for the inbox.
        "CREATE TABLE IF NOT EXISTS rm_escalations ("
        " escalation TEXT PRIMARY KEY, stream TEXT NOT NULL UNIQUE,"
        " organisation TEXT NOT NULL, kind TEXT NOT NULL, rule TEXT NOT NULL,"
        " subject TEXT NOT NULL, cell TEXT, member TEXT, meeting TEXT, resolution TEXT,"
        " period TEXT, level INTEGER NOT NULL, raised_on TEXT NOT NULL, status TEXT NOT NULL,"
        " recipients TEXT NOT NULL, evidence TEXT NOT NULL, details TEXT NOT NULL,"
        " acknowledged_by TEXT, acknowledgement TEXT, resolved_by TEXT, action TEXT,"
        " last_notified_on TEXT, notices INTEGER NOT NULL)",
        "CREATE INDEX IF NOT EXISTS rm_escalations_org ON rm_escalations (organisation, kind)",
        "CREATE INDEX IF NOT EXISTS rm_escalations_cell ON rm_escalations (cell)",
        "CREATE TABLE IF NOT EXISTS rm_escalation_recipients ("
        " escalation TEXT NOT NULL, member TEXT NOT NULL, PRIMARY KEY (escalation, member))",
        "CREATE INDEX IF NOT EXISTS rm_escalation_recipients_member"
        " ON rm_escalation_recipients (member)",
    )

    @handles(Escalation.Raised)
    def _raised(self, w: Writer, e: Escalation.Raised, position: int) -> None:
        recipients = sorted(set(e.recipients))
        subject = e.subject
        w.insert(
            "rm_escalations",
            _INSERT,
            (
                e.key,
                str(e.originator_id),
                e.organisation,
                e.kind,
                e.rule,
                to_json(subject),
                subject.get("cell"),
                subject.get("member"),
                subject.get("meeting"),
                subject.get("resolution"),
                e.period,
                e.level,
                e.occurred_on.isoformat(),
                "open",
                to_json(recipients),
                to_json(e.evidence),
                to_json(e.details),
                0,
            ),
        )
        for member in recipients:
            w.insert("rm_escalation_recipients", ("escalation", "member"), (e.key, member))

    @handles(Escalation.Notified)
    def _notified(self, w: Writer, e: Escalation.Notified, position: int) -> None:
        # Only the raised recipients may act (the domain checks), so notices add no inbox rows.
        w.update(_NOTIFIED, (str(e.originator_id), e.occurred_on.isoformat()))

    @handles(Escalation.Acknowledged)
    def _acknowledged(self, w: Writer, e: Escalation.Acknowledged, position: int) -> None:
        w.update(_ACKNOWLEDGED, (str(e.originator_id), e.by, e.note))

    @handles(Escalation.Resolved)
    def _resolved(self, w: Writer, e: Escalation.Resolved, position: int) -> None:
        w.update(_RESOLVED, (str(e.originator_id), e.by, e.action))


def _by_stream(assign: str, *values: str) -> Bulk:
    """An update of one escalation, found by its stream (every value text)."""
    return Bulk("rm_escalations", "stream", tuple((v, "text") for v in ("stream", *values)), assign)


_NOTIFIED = _by_stream("last_notified_on = v.day, notices = t.notices + 1", "day")
_ACKNOWLEDGED = _by_stream(
    "status = 'acknowledged', acknowledged_by = v.by, acknowledgement = v.note", "by", "note"
)
_RESOLVED = _by_stream("status = 'resolved', resolved_by = v.by, action = v.action", "by", "action")
_INSERT = (
    "escalation",
    "stream",
    "organisation",
    "kind",
    "rule",
    "subject",
    "cell",
    "member",
    "meeting",
    "resolution",
    "period",
    "level",
    "raised_on",
    "status",
    "recipients",
    "evidence",
    "details",
    "notices",
)

_COLUMNS = (
    "e.escalation, e.organisation, e.kind, e.rule, e.subject, e.cell, e.member, e.meeting,"
    " e.resolution, e.period, e.level, e.raised_on, e.status, e.recipients, e.evidence,"
    " e.details, e.acknowledged_by, e.acknowledgement, e.resolved_by, e.action,"
    " e.last_notified_on, e.notices"
)


def _row(row: Row) -> EscalationRow:
    (key, organisation, kind, rule, subject, cell, member, meeting, resolution, period) = row[:10]
    (level, raised_on, status, recipients, evidence, details) = row[10:16]
    acknowledged_by, acknowledgement, resolved_by, action, notified_on, notices = row[16:]
    return EscalationRow(
        key=key,
        organisation=organisation,
        kind=kind,
        rule=rule,
        subject=from_json(subject),
        cell=cell,
        member=member,
        meeting=meeting,
        resolution=resolution,
        period=period,
        level=int(level),
        raised_on=date.fromisoformat(raised_on),
        status=status,
        recipients=from_json(recipients),
        evidence=from_json(evidence),
        details=from_json(details),
        acknowledged_by=acknowledged_by,
        acknowledgement=acknowledgement,
        resolved_by=resolved_by,
        action=action,
        last_notified_on=as_date(notified_on),
        notices=int(notices),
    )


def _select(store: ReadStore, where: str, params: list[Any]) -> list[EscalationRow]:
    rows = store.query(
        f"SELECT {_COLUMNS} FROM rm_escalations e WHERE {where} ORDER BY e.raised_on, e.escalation",
        params,
    )
    return [_row(row) for row in rows]


def inbox(store: ReadStore, member: str, status: str | None = "open") -> list[EscalationRow]:
    """Escalations `member` received, oldest first; `status` None lists every one."""
    where = "e.escalation IN (SELECT r.escalation FROM rm_escalation_recipients r"
    where += " WHERE r.member = %s)"
    params: list[Any] = [member]
    if status is not None:
        where += " AND e.status = %s"
        params.append(status)
    return _select(store, where, params)


def known_recipient(store: ReadStore, member: str) -> bool:
    """Whether `member` is a registered member or has ever received an escalation."""
    rows = store.query(
        "SELECT 1 FROM rm_members WHERE member = %s"
        " UNION ALL SELECT 1 FROM rm_escalation_recipients WHERE member = %s LIMIT 1",
        (member, member),
    )
    return bool(rows)


def escalation(store: ReadStore, key: str) -> EscalationRow | None:
    rows = _select(store, "e.escalation = %s", [key])
    return rows[0] if rows else None


def escalations(
    store: ReadStore,
    organisation: str | None = None,
    kind: str | None = None,
    cell: str | None = None,
) -> list[EscalationRow]:
    """Every escalation, oldest first, narrowed by organisation, kind and subject cell."""
    clauses = ["1 = 1"]
    params: list[Any] = []
    for column, value in (("organisation", organisation), ("kind", kind), ("cell", cell)):
        if value is not None:
            clauses.append(f"e.{column} = %s")
            params.append(value)
    return _select(store, " AND ".join(clauses), params)


def raised_members(store: ReadStore, organisation: str, kind: str, period: str) -> set[str]:
    """The members an escalation of `kind` for `period` was raised about already
    (whatever cell it named: R74's is once per member and year)."""
    rows = store.query(
        "SELECT DISTINCT member FROM rm_escalations WHERE organisation = %s AND kind = %s"
        " AND period = %s AND member IS NOT NULL",
        (organisation, kind, period),
    )
    return {str(r[0]) for r in rows}
