"""The embedded mail sink (workers/mailsink.py) in this process on a free port: what
smtplib sends arrives whole as `.eml` files, written atomically, named by arrival and by
a digest of the Message-ID (a message delivered twice shows as such), one log line per
message without its body; and the reader the page uses (web/mailbox.py) reads them back."""

from __future__ import annotations

import logging
import smtplib
import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from web.mailbox import MESSAGE_ID, list_mail, read_mail
from workers.mailsink import MailFolder, message_digest, start_sink


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[tuple[Controller, Path]]:
    folder = tmp_path / "mail"
    controller = start_sink(folder, free_port())
    try:
        yield controller, folder
    finally:
        controller.stop()


def notice(to: str, subject: str, message_id: str, text: str, html: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "chibo <chibo@localhost>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = "Mon, 05 Jan 2026 08:15:00 +0700"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def part(message: EmailMessage, subtype: str) -> str:
    body = message.get_body((subtype,))
    assert body is not None, f"no {subtype} part"
    return str(body.get_content())


def send(controller: Controller, *messages: EmailMessage) -> None:
    with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as smtp:
        for message in messages:
            smtp.send_message(message)


FIRST = notice(
    "Nguyễn Văn Mười <m10@example.vn>",
    "Nhắc việc: nghị quyết nq-c1-01 đến hạn sau 7 ngày",
    "<reminder-r1.m10@chibo.local>",
    "Đồng chí Mười: nghị quyết nq-c1-01 đến hạn ngày 12/01/2026.",
    "<p>Đồng chí <b>Mười</b>: nghị quyết đến hạn.</p>",
)
SECOND = notice(
    "m12@example.vn",
    "Cảnh báo: nghị quyết quá hạn cấp 1",
    "<escalation-e1.m12@chibo.local>",
    "Nghị quyết nq-c1-02 đã quá hạn.",
    "<p>Quá hạn</p><script>alert('x')</script>",
)


def test_two_messages_arrive_as_two_eml_files_with_their_headers(
    sink: tuple[Controller, Path], caplog: pytest.LogCaptureFixture
) -> None:
    controller, folder = sink
    with caplog.at_level(logging.INFO, logger="chibo.mailsink"):
        send(controller, FIRST, SECOND)
    files = sorted(folder.glob("*.eml"))
    assert len(files) == 2
    assert not [p for p in folder.iterdir() if p.suffix != ".eml"]  # no temporary left
    for path, sent in zip(files, (FIRST, SECOND), strict=True):
        assert MESSAGE_ID.match(path.stem)
        assert path.stem.endswith(message_digest(sent["Message-ID"], b""))
        assert path.stat().st_mode & 0o077 == 0  # addresses are personal data
        kept = message_from_bytes(path.read_bytes(), policy=default_policy)
        assert kept["Subject"] == sent["Subject"]
        assert kept["To"] == sent["To"]
        assert kept["Message-ID"] == sent["Message-ID"]
        assert kept["X-RcptTo"] == sent["To"].addresses[0].addr_spec
        assert part(kept, "plain").strip() == part(sent, "plain").strip()
        assert part(kept, "html").strip() == part(sent, "html").strip()
    lines = [r.getMessage() for r in caplog.records if r.name == "chibo.mailsink"]
    assert len(lines) == 2
    assert all("Mười" not in line and "nq-c1" not in line for line in lines)  # no body
    assert "<reminder-r1.m10@chibo.local>" in lines[0]


def test_the_reader_lists_newest_first_and_opens_one(sink: tuple[Controller, Path]) -> None:
    controller, folder = sink
    send(controller, FIRST)
    send(controller, SECOND)
    listed = list_mail(folder)
    assert [m.subject for m in listed] == [SECOND["Subject"], FIRST["Subject"]]
    assert listed[1].to == ["m10@example.vn"]
    assert listed[1].message_id == "<reminder-r1.m10@chibo.local>"
    opened = read_mail(folder, listed[1].id)
    assert opened is not None
    assert opened.text is not None and "12/01/2026" in opened.text
    assert opened.html is not None and "<b>Mười</b>" in opened.html
    assert read_mail(folder, "../" + listed[1].id) is None
    assert read_mail(folder, "nothing") is None


def test_the_same_message_stored_twice_shows_as_such(sink: tuple[Controller, Path]) -> None:
    controller, folder = sink
    send(controller, FIRST)
    send(controller, FIRST)  # a retried send
    listed = list_mail(folder)
    assert len(listed) == 2
    assert listed[0].id != listed[1].id
    assert listed[0].digest == listed[1].digest


def test_a_name_taken_in_the_same_instant_gets_another(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    folder = MailFolder(tmp_path)
    at = datetime(2026, 1, 5, 1, 2, 3, 456789, tzinfo=UTC)
    first = folder.keep(b"Message-ID: <a@b>\r\n\r\none", "<a@b>", at)
    second = folder.keep(b"Message-ID: <a@b>\r\n\r\ntwo", "<a@b>", at)
    assert first != second
    assert first.read_bytes().endswith(b"one") and second.read_bytes().endswith(b"two")
    assert first.name.startswith("20260105T010203456789Z-")
    assert [m.id for m in list_mail(tmp_path)] == [second.stem, first.stem]
