"""Activities: where workflows touch the records. Every write is a domain command whose
id derives from the workflow id and step, so a retried activity changes nothing twice.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from temporalio import activity

from domain import commands as c
from domain.application import ChiboApplication
from domain.cell import Cell
from domain.escalation_ladder import raised_to
from domain.notices import (
    Escalation,
    Leaders,
    Reminder,
    deadline_reminded_to,
    digest_message_id,
    is_delivered,
    notice_message_id,
    overdue_escalated_to,
)
from domain.organisation import Organisation
from domain.periods import bounds, previous, quarter_of
from domain.policy import Policy
from domain.resolution import Resolution
from projections import escalations as escalation_register
from projections import meetings as meeting_register
from projections import reminders as reminder_register
from projections import resolutions as resolution_register
from projections import webhooks
from projections.projector import Projector
from projections.registry import all_projections
from projections.store import ReadStore
from workflows import activity_defs as defs
from workflows import checks
from workflows.activity_defs import implements
from workflows.delivery import DIGEST_LOOKBACK
from workflows.messages import Envelope, NoticeView, compose, compose_digest
from workflows.models import (
    Check,
    CheckRequest,
    CheckResult,
    ChecksRequest,
    DeliveryOutcome,
    DeliveryRequest,
    DigestInput,
    DigestResult,
    EscalationInfo,
    EscalationStepRequest,
    FollowUpInfo,
    MeetingCheck,
    MemberCheck,
    PeriodCheck,
    PeriodCheckKind,
    PlanRequest,
    StepRequest,
    WebhookInput,
)

SYSTEM_ACTOR = "chibo"


class ContactLike(Protocol):
    @property
    def member(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def digest(self) -> bool: ...
    def wants(self, kind: str) -> bool: ...


class ContactBook(Protocol):
    """Where members' addresses are kept (`api.contacts.ContactStore`, given by the
    composition root: contacts live outside the event log, above this room)."""

    def get(self, organisation: str, member: str) -> ContactLike | None: ...
    def digest_members(self, organisation: str) -> Sequence[ContactLike]: ...


@dataclass(frozen=True)
class MailConfig:
    """How messages leave: the server (`smtp://`, `smtps://`), the sender, the pages'
    base URL for links (from `workers.settings`)."""

    smtp_url: str
    sender: str
    public_url: str
    timeout: float = 20.0
    """Seconds per SMTP operation: below the activity's timeout (workflows/delivery.py)."""


def send_mail(url: str, message: EmailMessage, timeout: float) -> None:
    """Hands `message` to the server at `url`; returns once it answered 250 to the data
    (from then on the message is the server's), raises otherwise."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    client: smtplib.SMTP
    if parts.scheme == "smtps":
        context = ssl.create_default_context()
        client = smtplib.SMTP_SSL(host, parts.port or 465, timeout=timeout, context=context)
    elif parts.scheme == "smtp":
        client = smtplib.SMTP(host, parts.port or 25, timeout=timeout)
    else:
        raise ValueError(f"CHIBO_SMTP_URL: unsupported scheme {parts.scheme!r}")
    with client:
        client.ehlo()
        if parts.scheme == "smtp" and client.has_extn("starttls"):
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


def latest_round(notice: Escalation | Reminder, member: str, first: date, last: date) -> int | None:
    """The last notification round of `notice` to `member` dated from `first` to `last`
    (0: the first notification, n: the n-th re-notification), if any."""
    rounds: list[tuple[int, date, list[str]]]
    if isinstance(notice, Reminder):
        rounds = [(0, notice.sent_on, notice.recipients)]
    else:
        rounds = [(0, notice.raised_on, notice.recipients)]
        rounds += [(i, n.notified_on, n.recipients) for i, n in enumerate(notice.notices, 1)]
    found = [r for r, on, to in rounds if first <= on <= last and member in to]
    return found[-1] if found else None


def notice_view(notice: Escalation | Reminder, round: int) -> NoticeView:
    """What a message says of a notice's round, read from its record."""
    if isinstance(notice, Reminder):
        return NoticeView(
            notice="reminder",
            key=notice.key,
            organisation=notice.organisation,
            kind=notice.kind,
            rule=notice.rule,
            subject=notice.subject,
            period=notice.period,
            on=notice.sent_on,
            recipients=notice.recipients,
        )
    told = notice.notices[round - 1] if round else None
    return NoticeView(
        notice="escalation",
        key=notice.key,
        organisation=notice.organisation,
        kind=notice.kind,
        rule=notice.rule,
        subject=notice.subject,
        period=notice.period,
        on=told.notified_on if told else notice.raised_on,
        recipients=told.recipients if told else notice.recipients,
        level=notice.level,
        round=round,
        evidence=notice.evidence,
        details=notice.details,
    )


class ChiboActivities:
    """Activities bound to the command-side Application and the read models (sync: they
    run in a thread pool, each thread with its own read-store connection)."""

    def __init__(
        self,
        app: ChiboApplication,
        open_store: Callable[[], ReadStore],
        catch_up_timeout: float = 60.0,
        mail: MailConfig | None = None,
        contacts: Callable[[ReadStore], ContactBook] | None = None,
        site_url: str = "",
    ) -> None:
        """`site_url`: where the pages are served, prefixed to the links notices carry."""
        self.app = app
        self.mail = mail
        self._contacts = contacts
        self.site_url = site_url.rstrip("/")
        self._open_store = open_store
        self._local = threading.local()
        self._stores: list[ReadStore] = []
        self._lock = threading.Lock()
        self.catch_up_timeout = catch_up_timeout

    def store(self) -> ReadStore:
        store: ReadStore | None = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = self._open_store()
            with self._lock:
                self._stores.append(store)
        return store

    def close(self) -> None:
        with self._lock:
            for store in self._stores:
                store.close()
            self._stores.clear()

    def read_models(self) -> ReadStore:
        """The read store, once the projections have applied everything stored so far."""
        store = self.store()
        head = self.app.recorder.max_notification_id() or 0
        Projector(self.app, store, all_projections()).wait_for(head, self.catch_up_timeout)
        return store

    @implements(defs.calendar_plan)
    def calendar_plan(self, req: PlanRequest) -> list[Check]:
        """The year's period checks, under the policy in force on their dates."""
        org = self._organisation(req.organisation)
        return plan_year(req.year, req.since, org.policy_on)

    @implements(defs.run_check)
    def run_check(self, req: CheckRequest) -> CheckResult:
        """Runs one dated check; raises what it finds through the domain (idempotent ids)."""
        about = req.check.about
        on = req.check.on
        org = self._organisation(req.organisation)
        ctx = checks.Context(self.read_models(), req.organisation, org.policy_on(on), on)
        schedule: list[Check] = []
        found: list[checks.Finding] = []
        match about:
            case MeetingCheck("meeting", meeting):
                found = checks.meeting_attendance(ctx, meeting, on)
                found += checks.meeting_v2(ctx, meeting, on)
                record = meeting_register.meeting(ctx.store, meeting)
                if record is not None and record.minutes_recorded_on is None and record.held_on:
                    due = record.held_on + timedelta(days=ctx.policy.minutes_due_days + 1)
                    schedule.append(Check.of(MeetingCheck("minutes", meeting), due))
                if (
                    record is not None
                    and record.held_on
                    and checks.live(ctx)
                    and resolution_register.adopted_at(ctx.store, meeting)
                ):  # R22 concerns the resolutions it adopted: none, nothing to check
                    due = record.held_on + timedelta(days=ctx.policy.communicate_days + 1)
                    schedule.append(Check.of(MeetingCheck("communication", meeting), due))
            case MeetingCheck("minutes", meeting):
                found = checks.minutes(ctx, meeting, on)
            case MeetingCheck("communication", meeting):
                found = checks.communication(ctx, meeting, on)
            case MemberCheck("transfer", cell, member, day):
                due = day + timedelta(days=ctx.policy.new_member_task_days + 1)
                schedule.append(Check.of(MemberCheck("new-member", cell, member, day), due))
            case MemberCheck("new-member", cell, member, day):
                found = checks.new_member(ctx, cell, member, day, on)
            case PeriodCheck(kind, period):
                found = PERIOD_CHECKS[kind](ctx, period, on)
        for finding in found:
            self._record(req, finding)
        return CheckResult(raised=len(found), schedule=schedule)

    @implements(defs.run_checks)
    def run_checks(self, req: ChecksRequest) -> CheckResult:
        """Each check of the day as `run_check` runs it, in order (the read models are
        caught up before each: a check may read what the one before it raised)."""
        results = [
            self.run_check(
                CheckRequest(
                    organisation=req.organisation, check=check, workflow_id=req.workflow_id
                )
            )
            for check in req.checks
        ]
        return CheckResult(
            raised=sum(r.raised for r in results),
            schedule=[check for r in results for check in r.schedule],
        )

    def _record(self, req: CheckRequest, finding: checks.Finding) -> None:
        common = {
            "actor": SYSTEM_ACTOR,
            "correlation_id": req.workflow_id,
            "occurred_on": req.check.on,
            "organisation": req.organisation,
            "kind": finding.kind,
            "rule": finding.rule,
            "subject": finding.subject,
            "period": finding.period,
            "recipients": finding.recipients,
        }
        subject = ",".join(f"{k}={v}" for k, v in sorted(finding.subject.items()))
        command_id = f"{req.workflow_id}:{req.check.id}:{finding.kind}:{subject}"
        if finding.notice == "reminder":
            self.app.handle(c.SendReminder(command_id=command_id, **common))
            return
        self.app.handle(
            c.RaiseEscalation(
                command_id=command_id,
                level=finding.level,
                evidence=finding.evidence,
                details=finding.details,
                **common,
            )
        )

    def _get(self, cls: type[Any], key: str) -> Any:
        return self.app.repository.get(cls.id_for(key))

    def _organisation(self, key: str) -> Organisation:
        """Read only: the per-thread view, brought up to date (costly to rebuild)."""
        org: Organisation = self.app.view(Organisation.id_for(key))
        return org

    def _cell(self, key: str) -> Cell:
        """Read only: the cell's per-thread view, brought up to date (a cell's history
        is long)."""
        cell: Cell = self.app.view(Cell.id_for(key))
        return cell

    @implements(defs.followup_info)
    def followup_info(self, resolution: str) -> FollowUpInfo:
        res: Resolution = self._get(Resolution, resolution)
        return FollowUpInfo.of(res, self._organisation(self._cell(res.cell).organisation).policy_on)

    @implements(defs.followup_step)
    def followup_step(self, req: StepRequest) -> bool:
        """A reminder before the deadline or an overdue level after it (R24); False when
        the record no longer calls for it (closed, or the deadline moved)."""
        res: Resolution = self._get(Resolution, req.resolution)
        step = req.step
        if not res.is_open or res.deadline_on(step.on) != step.deadline:
            return False
        cell = self._cell(res.cell)
        org: Organisation = self._organisation(cell.organisation)
        subject = {"cell": res.cell, "resolution": res.key}
        base = f"{req.workflow_id}:{step.key}"
        # Each deadline has its own chain: an extension starts the levels again (R25).
        overdue_subject = {**subject, "deadline": step.deadline.isoformat()}
        if step.kind == "reminder":
            self.app.handle(
                c.SendReminder(
                    actor=SYSTEM_ACTOR,
                    command_id=f"{base}:remind",
                    correlation_id=req.workflow_id,
                    occurred_on=step.on,
                    organisation=org.key,
                    kind="resolution_deadline_approaching",
                    rule="R24",
                    subject=subject,
                    recipients=deadline_reminded_to(res.executors, res.inspector),
                )
            )
            return True
        leaders = Leaders(
            organisation_secretary=org.secretary,
            cell_secretary=cell.secretary,
            in_charge=cell.in_charge_on(step.on),
        )
        self.app.handle(
            c.MarkOverdue(
                actor=SYSTEM_ACTOR,
                command_id=f"{base}:mark",
                correlation_id=req.workflow_id,
                occurred_on=step.on,
                resolution=res.key,
                level=step.level,
            )
        )
        self.app.handle(
            c.RaiseEscalation(
                actor=SYSTEM_ACTOR,
                command_id=f"{base}:raise",
                correlation_id=req.workflow_id,
                occurred_on=step.on,
                organisation=org.key,
                kind="resolution_overdue",
                rule="R24",
                subject=overdue_subject,
                level=step.level,
                recipients=overdue_escalated_to(step.level, leaders, res.inspector),
                evidence=[f"{res.id}@{res.version}"],
                details={"deadline": step.deadline.isoformat(), "adopted_on": str(res.adopted_on)},
            )
        )
        return True

    @implements(defs.followup_step_then_info)
    def followup_step_then_info(self, req: StepRequest) -> FollowUpInfo:
        self.followup_step(req)
        return self.followup_info(req.resolution)

    # --- delivery ---------------------------------------------------------------------------

    def contact_book(self) -> ContactBook | None:
        return self._contacts(self.store()) if self._contacts and self.mail else None

    def _notice(self, notice: str, key: str) -> Escalation | Reminder:
        cls: type[Escalation] | type[Reminder] = Escalation if notice == "escalation" else Reminder
        found: Escalation | Reminder = self.app.repository.get(cls.id_for(key))
        return found

    def _record_delivery(
        self, notice: str, key: str, recipient: str, message_id: str, round: int, on: date
    ) -> None:
        self.app.handle(
            c.RecordDelivery(
                actor=SYSTEM_ACTOR,
                command_id=f"delivery:{message_id}:email:{notice}:{key}",
                correlation_id=activity.info().workflow_id or "",
                occurred_on=on,
                notice="escalation" if notice == "escalation" else "reminder",
                key=key,
                channel="email",
                recipient=recipient,
                message_id=message_id,
                round=round,
            )
        )

    @staticmethod
    def _today(offset_seconds: float) -> date:
        """The business day of this attempt, on the workflow's clock (server time)."""
        scheduled = activity.info().current_attempt_scheduled_time
        return (scheduled + timedelta(seconds=offset_seconds)).date()

    @implements(defs.deliver_email)
    def deliver_email(self, req: DeliveryRequest) -> DeliveryOutcome:
        """Checks the record, sends, then records: a retry after a crash finds the record
        and sends nothing; the one window left is docs/failure-model.md's."""
        book = self.contact_book()
        notice = self._notice(req.notice, req.key)
        contact = book.get(notice.organisation, req.recipient) if book else None
        if contact is None or not contact.email:
            return "no_address"
        if not contact.wants(notice.kind):
            return "excluded"
        if contact.digest:
            return "digest"
        message_id = notice_message_id(req.key, req.round, req.recipient)
        if is_delivered(notice.deliveries, message_id, req.channel):
            return "already"
        assert self.mail is not None  # a contact book is only given with a mail setup
        envelope = Envelope(self.mail.sender, contact.email, message_id, self.mail.public_url)
        message = compose(notice_view(notice, req.round), req.recipient, envelope)
        send_mail(self.mail.smtp_url, message, self.mail.timeout)
        on = max(self._today(req.clock.offset_seconds), notice_view(notice, req.round).on)
        self._record_delivery(req.notice, req.key, req.recipient, message_id, req.round, on)
        return "sent"

    @implements(defs.deliver_digests)
    def deliver_digests(self, req: DigestInput) -> DigestResult:
        """One message per digest member with notifications still undelivered to them,
        dated in the `DIGEST_LOOKBACK` days up to the digest's day (late ones and
        re-notifications too); each one in it records the digest's Message-ID, so a
        retry sends none of them again."""
        book = self.contact_book()
        result = DigestResult()
        if book is None or self.mail is None:
            return result
        store = self.read_models()
        day, first = req.day, req.day - DIGEST_LOOKBACK

        def within(on: date | None) -> bool:
            return on is not None and first <= on <= day

        keys: list[tuple[str, str]] = [
            ("escalation", row.key)
            for row in escalation_register.escalations(store, organisation=req.organisation)
            if within(row.raised_on) or within(row.last_notified_on)
        ]
        keys += [
            ("reminder", row.key)
            for row in reminder_register.reminders(store, req.organisation)
            if within(row.sent_on)
        ]
        notices = [(kind, self._notice(kind, key)) for kind, key in keys]
        for contact in book.digest_members(req.organisation):
            if not contact.email:
                continue
            message_id = digest_message_id(req.organisation, contact.member, day)
            mine: list[tuple[str, Escalation | Reminder, int]] = []
            for kind, n in notices:
                round_ = latest_round(n, contact.member, first, day)
                if round_ is None or not contact.wants(n.kind):
                    continue
                told = {
                    d.message_id
                    for d in n.deliveries
                    if d.recipient == contact.member and d.round == round_ and d.channel == "email"
                }
                if told - {message_id}:
                    continue  # delivered already, on its own or in an earlier digest
                mine.append((kind, n, round_))
            if not mine:
                continue
            if not any(is_delivered(n.deliveries, message_id, "email") for _, n, _ in mine):
                envelope = Envelope(
                    self.mail.sender, contact.email, message_id, self.mail.public_url
                )
                views = [notice_view(n, round_) for _, n, round_ in mine]
                send_mail(
                    self.mail.smtp_url,
                    compose_digest(views, contact.member, day, envelope),
                    self.mail.timeout,
                )
                result.sent.append(contact.member)
            for kind, n, round_ in mine:  # also completes what an earlier attempt left half done
                self._record_delivery(
                    kind, n.key, contact.member, message_id, round_, day + timedelta(days=1)
                )
        return result

    def _raised_to(self, esc: Escalation) -> list[str] | None:
        org = self._organisation(esc.organisation)
        return raised_to(esc.kind, esc.recipients, Leaders(organisation_secretary=org.secretary))

    @implements(defs.escalation_info)
    def escalation_info(self, escalation: str) -> EscalationInfo:
        """An escalation's status and its follow-up days under the policy of its day."""
        esc: Escalation = self._get(Escalation, escalation)
        policy = self._organisation(esc.organisation).policy_on(esc.raised_on)
        return EscalationInfo(
            escalation=esc.key,
            status=esc.status,
            raised_on=esc.raised_on,
            renotify_days=policy.escalation_renotify_days,
            raise_days=policy.escalation_raise_days,
            climbs=self._raised_to(esc) is not None,
        )

    @implements(defs.escalation_step)
    def escalation_step(self, req: EscalationStepRequest) -> bool:
        """Sends an open escalation again (`Escalation.Notified`) or raises it one level
        up (`Escalation.Raised`, level + 1); False once it is no longer open."""
        esc: Escalation = self._get(Escalation, req.escalation)
        step = req.step
        if esc.status != "open":
            return False
        common = {
            "actor": SYSTEM_ACTOR,
            "command_id": f"{req.workflow_id}:{step.key}",
            "correlation_id": req.workflow_id,
            "occurred_on": step.on,
        }
        if step.kind == "renotify":
            done = self.app.handle(
                c.NotifyEscalation(escalation=esc.key, recipients=esc.recipients, **common)
            )
            return bool(done.get("notified", True))  # results stored before the flag
        above = self._raised_to(esc)
        if above is None:
            return False
        self.app.handle(
            c.RaiseEscalation(
                organisation=esc.organisation,
                kind=esc.kind,
                rule=esc.rule,
                subject=esc.subject,
                period=esc.period,
                level=esc.level + 1,
                recipients=above,
                evidence=[*esc.evidence, f"{esc.id}@{esc.version}"],
                details={**esc.details, "raised_from": esc.key},
                **common,
            )
        )
        return True

    def all(self) -> list[Any]:
        return [
            self.followup_info,
            self.followup_step,
            self.followup_step_then_info,
            self.calendar_plan,
            self.run_check,
            self.run_checks,
            self.deliver_email,
            self.deliver_digests,
            self.escalation_info,
            self.escalation_step,
            self.deliver_webhook,
        ]

    def webhook_payload(self, inp: WebhookInput) -> tuple[str, int, dict[str, Any]]:
        """The notice as it stood after the event: its organisation, round and JSON."""
        if inp.notice == "reminder":
            rem: Reminder = self.app.repository.get(Reminder.id_for(inp.key), version=inp.version)
            return (
                rem.organisation,
                0,
                {
                    "kind": "reminder",
                    "key": rem.key,
                    "rule": rem.rule,
                    "type": rem.kind,
                    "subject": rem.subject,
                    "period": rem.period,
                    "level": None,
                    "recipients": rem.recipients,
                    "evidence": [],
                    "round": 0,
                    "on": rem.sent_on.isoformat(),
                    "link": f"{self.site_url}/me",
                },
            )
        esc: Escalation = self.app.repository.get(Escalation.id_for(inp.key), version=inp.version)
        round_ = len(esc.notices)  # 0 when raised, n after the n-th re-notification
        on = esc.notices[-1].notified_on if esc.notices else esc.raised_on
        recipients = esc.notices[-1].recipients if esc.notices else esc.recipients
        return (
            esc.organisation,
            round_,
            {
                "kind": "escalation",
                "key": esc.key,
                "rule": esc.rule,
                "type": esc.kind,
                "subject": esc.subject,
                "period": esc.period,
                "level": esc.level,
                "recipients": recipients,
                "evidence": esc.evidence,
                "round": round_,
                "on": on.isoformat(),
                "link": f"{self.site_url}/escalations/{esc.key}",
            },
        )

    @implements(defs.deliver_webhook)
    def deliver_webhook(self, inp: WebhookInput) -> str:
        """POSTs a notice, signed, to its organisation's webhook once: skips when none is
        set or it was delivered; a failure is recorded and raised (Temporal retries)."""
        organisation, round_, payload = self.webhook_payload(inp)
        store = self.store()
        hook = webhooks.webhook_of(store, organisation)
        if hook is None:
            return "no webhook"
        done = webhooks.delivery(store, organisation, inp.key, round_)
        if done is not None and done.delivered_at is not None:
            return "already delivered"
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        timestamp = int(time.time())
        request = urllib.request.Request(
            hook.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                webhooks.TIMESTAMP_HEADER: str(timestamp),
                webhooks.SIGNATURE_HEADER: webhooks.sign(hook.secret, timestamp, body),
                webhooks.DELIVERY_HEADER: f"{organisation}/{inp.key}/{round_}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                response.read()
        except (urllib.error.URLError, OSError) as error:
            webhooks.record_attempt(store, organisation, inp.key, round_, str(error))
            raise
        webhooks.record_attempt(store, organisation, inp.key, round_, None)
        return "delivered"


def _year_checks(ctx: checks.Context, arg: str, on: date) -> list[checks.Finding]:
    return checks.thematic_plans(ctx, int(arg), on)


PERIOD_CHECKS: dict[
    PeriodCheckKind, Callable[[checks.Context, str, date], list[checks.Finding]]
] = {
    "month": lambda ctx, p, on: (
        checks.monthly_meetings(ctx, p, on) + checks.cells_v2(ctx, p, on) + checks.fees(ctx, p, on)
    ),
    "quarter": lambda ctx, p, on: (
        checks.thematic_meetings(ctx, p, on)
        + checks.committee_quarter(ctx, p, on)
        + checks.retired(ctx, p, on)
    ),
    "committee-reminder": checks.committee_reminders,
    "plan": _year_checks,
    "tasks": lambda ctx, p, on: checks.task_assignment(ctx, int(p), on),
    "tasks-reminder": lambda ctx, p, on: checks.task_reminders(ctx, int(p), on),
    "inspection": checks.inspections,
    "pledges": lambda ctx, p, on: checks.pledges(ctx, int(p), on),
    "pledges-reminder": lambda ctx, p, on: checks.pledge_reminders(ctx, int(p), on),
    "annual-report": lambda ctx, p, on: checks.annual_report(ctx, int(p), on),
    "annual-report-reminder": lambda ctx, p, on: checks.annual_report_reminder(ctx, int(p), on),
}


def plan_year(year: int, since: date | None, policy_on: Callable[[date], Policy]) -> list[Check]:
    """Every period check of `year`, for periods beginning on or after `since`."""
    since = since or date(year, 1, 1)
    found: list[Check] = []

    def add(on: date, kind: PeriodCheckKind, period: str) -> None:
        if bounds(period)[0] >= since:
            found.append(Check.of(PeriodCheck(kind, period), on))

    for month in range(1, 13):
        first = date(year, month, 1)
        add(first, "month", previous("month", first))
        if month in (1, 4, 7, 10):
            add(first, "quarter", previous("quarter", first))
            quarter = quarter_of(first)
            add(bounds(quarter)[1] - timedelta(days=14), "committee-reminder", quarter)
        interval = policy_on(first).inspection_interval_months
        if (interval == 6 and month in (1, 7)) or (interval == 12 and month == 1):
            add(first, "inspection", previous("half" if interval == 6 else "year", first))
    policy = policy_on(date(year, 1, 1))
    plan_day = policy.deadline_in(policy.thematic_plan_deadline, year) + timedelta(days=1)
    task_day = policy.deadline_in(policy.task_assignment_deadline, year) + timedelta(days=1)
    add(plan_day, "plan", str(year))
    add(task_day, "tasks", str(year))
    add(date(year, 1, 15), "tasks-reminder", str(year))
    if policy.rules_version >= 2:
        add(
            policy.deadline_in(policy.pledge_deadline, year) + timedelta(days=1),
            "pledges",
            str(year),
        )
        add(date(year, 1, 15), "pledges-reminder", str(year))
    # R63 concerns every year whose deadline falls on or after `since`, begun or not.
    closing = policy_on(date(year, 12, 1))
    report_due = closing.deadline_in(closing.annual_report_deadline, year)
    if closing.rules_version >= 2 and report_due >= since:
        if date(year, 12, 1) >= since:
            found.append(
                Check.of(PeriodCheck("annual-report-reminder", str(year)), date(year, 12, 1))
            )
        found.append(
            Check.of(PeriodCheck("annual-report", str(year)), report_due + timedelta(days=1))
        )
    return sorted(found, key=lambda c: (c.on, c.id))
