"""The embedded mail sink: with `CHIBO_SMTP_URL` empty, `chibo up` runs this SMTP server
on 127.0.0.1 so the notices the system sends land as `.eml` files under `mail_dir`, where
the page `/mail` lists them. A newcomer sees the mails without configuring a mail server.

Nothing is relayed: every message is kept, once per delivery. A file is named by its
arrival time and a digest of its Message-ID, so a message delivered twice (a retried
send) shows as two files with the same digest rather than silently overwriting one.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import signal
import threading
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from workers.settings import Settings

log = logging.getLogger("chibo.mailsink")

SINK_HOST = "127.0.0.1"
"""Never another interface: the sink accepts mail from anyone who can reach it."""


def message_digest(message_id: str | None, data: bytes) -> str:
    """16 hex digits of the Message-ID (of the content when there is none): the same
    message stored twice ends with the same digest."""
    source = message_id.strip().encode() if message_id else b"no-id:" + data
    return hashlib.sha256(source).hexdigest()[:16]


class MailFolder:
    """`.eml` files in one directory, each written whole or not at all."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def keep(self, data: bytes, message_id: str | None, arrived: datetime) -> Path:
        """Writes a temporary file, syncs it, then links it under its final name (a link
        never replaces an existing file: two deliveries in the same microsecond both stay)."""
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        stem = f"{arrived.astimezone(UTC):%Y%m%dT%H%M%S%fZ}-{message_digest(message_id, data)}"
        temp = self.path / f".{stem}.{os.getpid()}.{threading.get_ident()}.tmp"
        fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            for attempt in range(1000):
                final = self.path / (f"{stem}.eml" if attempt == 0 else f"{stem}-{attempt}.eml")
                try:
                    os.link(temp, final)
                except FileExistsError:
                    continue
                _sync_directory(self.path)
                return final
            raise FileExistsError(f"no free name for {stem}.eml")
        finally:
            temp.unlink(missing_ok=True)


def _sync_directory(path: Path) -> None:
    """The new name survives a crash too (POSIX: sync the directory's entry)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class KeepHandler:
    """aiosmtpd's handler: every accepted message kept in the folder, one log line each
    (Message-ID, recipients' count, size, file; never the body nor an address)."""

    def __init__(self, folder: MailFolder) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        body = envelope.original_content or envelope.content or b""
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogateescape")
        headers = BytesHeaderParser(policy=default_policy).parsebytes(body)
        message_id = headers.get("Message-ID")
        # The envelope as received, ahead of the message (as aiosmtpd's own handlers do):
        # the reader shows a blind copy's recipient too.
        envelope_lines = (
            f"X-MailFrom: {envelope.mail_from}\r\nX-RcptTo: {', '.join(envelope.rcpt_tos)}\r\n"
        )
        data = envelope_lines.encode("utf-8", "surrogateescape") + body
        try:
            path = await asyncio.to_thread(
                self.folder.keep, data, str(message_id) if message_id else None, _now()
            )
        except OSError as error:
            log.error("could not keep a message (%s): %s", type(error).__name__, error.strerror)
            return "451 Requested action aborted: local error in processing"
        log.info(
            "kept message-id %s for %d recipient(s), %d bytes, as %s",
            message_id or "(none)",
            len(envelope.rcpt_tos),
            len(data),
            path.name,
        )
        return "250 Message accepted for delivery"


def _now() -> datetime:
    return datetime.now(UTC)


def start_sink(folder: Path, port: int, host: str = SINK_HOST) -> Controller:
    """The SMTP server running in its own thread until `.stop()` (tests use it in-process)."""
    controller = Controller(
        KeepHandler(MailFolder(folder)),
        hostname=host,
        port=port,
        enable_SMTPUTF8=True,
        server_hostname="chibo-mailsink",
        ready_timeout=10.0,
    )
    controller.start()
    return controller


def run_mailsink(settings: Settings) -> int:
    """`chibo mailsink`: serves until SIGINT/SIGTERM; 1 when the port cannot be had."""
    # aiosmtpd's own log names every sender and recipient at INFO: only its warnings.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        controller = start_sink(settings.mail_dir, settings.mail_sink_port)
    except (OSError, RuntimeError, TimeoutError) as error:
        log.error(
            "mail sink cannot listen on %s:%s (%s); set CHIBO_MAIL_SINK_PORT",
            SINK_HOST,
            settings.mail_sink_port,
            error,
        )
        return 1
    log.info(
        "mail sink on smtp://%s:%s keeping messages in %s",
        SINK_HOST,
        settings.mail_sink_port,
        settings.mail_dir.resolve(),
    )
    try:
        stop.wait()
    finally:
        controller.stop()
        log.info("mail sink stopped")
    return 0
