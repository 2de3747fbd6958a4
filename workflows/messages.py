"""The messages people receive: one notice (or a day's notices) as an e-mail, in
Vietnamese, plain text with an HTML alternative.

Pure functions over what the record says, so the wording and the evidence can be tested
without a server; `workflows/activities.py` sends what these compose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from html import escape

KIND_NAMES: dict[str, str] = {
    "meeting_missed": "Chi bộ không sinh hoạt thường kỳ trong tháng",
    "thematic_missed": "Chi bộ không sinh hoạt chuyên đề trong quý",
    "thematic_plan_missing": "Chưa có kế hoạch sinh hoạt chuyên đề của năm",
    "minutes_missing": "Cuộc họp chưa có biên bản",
    "attendance_below_target": "Tỷ lệ đảng viên dự sinh hoạt dưới chỉ tiêu",
    "absent_streak": "Đảng viên vắng sinh hoạt nhiều kỳ liên tiếp",
    "removal_review": "Cần xem xét xóa tên đảng viên",
    "resolution_overdue": "Nghị quyết quá hạn chưa hoàn thành",
    "task_assignment_incomplete": "Chưa phân công nhiệm vụ cho đủ đảng viên",
    "new_member_unassigned": "Đảng viên mới chưa được phân công nhiệm vụ",
    "committee_attendance_missed": "Đảng ủy viên phụ trách chưa dự sinh hoạt chi bộ",
    "inspection_overdue": "Đến hạn kiểm tra chi bộ mà chưa kiểm tra",
    "resolution_deadline_approaching": "Sắp đến hạn thực hiện nghị quyết",
    "task_assignment_due": "Sắp đến hạn phân công nhiệm vụ đảng viên",
    "committee_attendance_due": "Sắp hết quý: đảng ủy viên phụ trách cần dự sinh hoạt",
}
"""The same wording as the pages (`web/catalogue.py`, `kind.*`)."""

SUBJECT_NAMES: dict[str, str] = {
    "cell": "Chi bộ",
    "meeting": "Cuộc họp",
    "member": "Đảng viên",
    "resolution": "Nghị quyết",
    "deadline": "Hạn",
    "inspection": "Cuộc kiểm tra",
}

DETAIL_NAMES: dict[str, str] = {
    "deadline": "Hạn thực hiện",
    "adopted_on": "Ngày thông qua",
}


@dataclass(frozen=True)
class NoticeView:
    """What a message says of one escalation or reminder."""

    notice: str
    """`escalation` or `reminder`."""
    key: str
    organisation: str
    kind: str
    rule: str
    subject: dict[str, str]
    period: str | None
    on: date
    """The day it was raised, sent or re-notified."""
    recipients: list[str]
    level: int = 0
    round: int = 0
    evidence: list[str] = field(default_factory=list)
    details: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Envelope:
    """Who sends, to whom, and under which id."""

    sender: str
    to: str
    message_id: str
    public_url: str


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind, kind)


def link_for(view: NoticeView, public_url: str) -> str:
    """Where the recipient acts: the escalation's page, or their own page for a reminder."""
    base = public_url.rstrip("/")
    if view.notice == "escalation":
        return f"{base}/escalations/{view.key}"
    return f"{base}/me"


def subject_line(view: NoticeView) -> str:
    cell = view.subject.get("cell")
    where = f" — chi bộ {cell}" if cell else ""
    if view.notice == "reminder":
        head = "[chibo] Nhắc việc"
    elif view.round:
        head = f"[chibo] Cảnh báo (nhắc lại lần {view.round})"
    else:
        head = "[chibo] Cảnh báo"
    level = f" (cấp {view.level})" if view.notice == "escalation" and view.level > 1 else ""
    return f"{head}: {kind_name(view.kind)}{level}{where}"


def facts(view: NoticeView) -> list[tuple[str, str]]:
    """The evidence, as labelled lines: which cell, meeting, members, deadline."""
    lines = [("Loại", kind_name(view.kind)), ("Quy định", view.rule)]
    for name, value in sorted(view.subject.items()):
        lines.append((SUBJECT_NAMES.get(name, name), value))
    if view.period:
        lines.append(("Kỳ", view.period))
    if view.notice == "escalation":
        lines.append(("Cấp", str(view.level)))
    for name, detail in sorted(view.details.items()):
        shown = ", ".join(map(str, detail)) if isinstance(detail, list) else str(detail)
        lines.append((DETAIL_NAMES.get(name, name), shown))
    lines.append(("Ngày", view.on.isoformat()))
    lines.append(("Người nhận", ", ".join(view.recipients)))
    for item in view.evidence:
        lines.append(("Bằng chứng", item))
    lines.append(("Mã", view.key))
    return lines


def _intro(view: NoticeView, recipient: str) -> str:
    if view.notice == "reminder":
        return f"Kính gửi đồng chí {recipient}, chibo xin nhắc đồng chí việc sau sắp đến hạn."
    return f"Kính gửi đồng chí {recipient}, chibo báo cáo một việc cần đồng chí xem xét và xử lý."


def _dated(view_on: date) -> str:
    return format_datetime(datetime.combine(view_on, time(0), UTC))


def compose(view: NoticeView, recipient: str, envelope: Envelope) -> EmailMessage:
    """One notice to one recipient: plain text, with the same content as HTML."""
    link = link_for(view, envelope.public_url)
    rows = facts(view)
    text = "\n".join(
        [
            _intro(view, recipient),
            "",
            *(f"{label}: {value}" for label, value in rows),
            "",
            f"Xem và xử lý tại: {link}",
            "",
            "-- ",
            "chibo (thư tự động, xin đừng trả lời)",
        ]
    )
    html_rows = "".join(
        f"<tr><th align='left'>{escape(label)}</th><td>{escape(value)}</td></tr>"
        for label, value in rows
    )
    html = (
        f"<html><body><p>{escape(_intro(view, recipient))}</p>"
        f"<table>{html_rows}</table>"
        f'<p><a href="{escape(link)}">Xem và xử lý</a></p>'
        "<p><small>chibo (thư tự động, xin đừng trả lời)</small></p></body></html>"
    )
    return _message(subject_line(view), text, html, envelope, view.on)


def compose_digest(
    views: Sequence[NoticeView], recipient: str, day: date, envelope: Envelope
) -> EmailMessage:
    """A member's notices of one day, in one message."""
    base = envelope.public_url.rstrip("/")
    parts: list[str] = [
        f"Kính gửi đồng chí {recipient}, đây là các thông báo của chibo ngày {day.isoformat()}.",
        "",
    ]
    html_parts: list[str] = [f"<p>{escape(parts[0])}</p>"]
    for number, view in enumerate(views, start=1):
        link = link_for(view, base)
        parts.append(f"{number}. {subject_line(view).removeprefix('[chibo] ')}")
        parts.extend(f"   {label}: {value}" for label, value in facts(view))
        parts.append(f"   Xem và xử lý tại: {link}")
        parts.append("")
        cells = "".join(
            f"<tr><th align='left'>{escape(label)}</th><td>{escape(value)}</td></tr>"
            for label, value in facts(view)
        )
        html_parts.append(
            f"<h3>{number}. {escape(subject_line(view).removeprefix('[chibo] '))}</h3>"
            f'<table>{cells}</table><p><a href="{escape(link)}">Xem và xử lý</a></p>'
        )
    parts += ["-- ", "chibo (thư tự động, xin đừng trả lời)"]
    kinds = "; ".join(dict.fromkeys(kind_name(view.kind) for view in views))
    subject = f"[chibo] Thông báo trong ngày {day.isoformat()} ({len(views)} việc): {kinds}"
    html = f"<html><body>{''.join(html_parts)}</body></html>"
    return _message(subject, "\n".join(parts), html, envelope, day)


def _message(subject: str, text: str, html: str, envelope: Envelope, on: date) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = envelope.sender
    msg["To"] = formataddr(("", envelope.to)) if "<" not in envelope.to else envelope.to
    msg["Message-ID"] = envelope.message_id
    msg["Date"] = _dated(on)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg
