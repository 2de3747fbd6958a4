"""The mails the system sent, as the embedded mail sink kept them ("Thư đã gửi"): only
when the site has a mail folder (`CHIBO_SMTP_URL` empty, `chibo up`'s default), so a
newcomer sees what the notices look like without a mail server.

The organisation secretary and auditors see every message; any other member only those
delivered to their own contact address. A message's HTML never enters the page: it is
handed to a sandboxed frame as `srcdoc` (escaped by the template), scripts off."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.problems import ProblemError
from api.routes.actions import get_contact
from web.auth import Viewer, ViewerDep
from web.mailbox import MailSummary, addressed_to, list_mail, read_mail
from web.render import render

router = APIRouter()

FRAME_POLICY = (
    '<meta http-equiv="Content-Security-Policy"'
    " content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
)
"""Put ahead of a message's HTML in its frame: nothing fetched from anywhere (no remote
image telling a sender the page was opened), on top of the sandbox that stops scripts."""

SEE_ALL = frozenset({"organisation_secretary", "auditor"})
"""Roles that read every message in the sink; anyone else reads their own."""


def _folder(viewer: Viewer) -> Path:
    """The sink's folder; a site without one (mail goes to a real server) has no page."""
    if viewer.svc.mail_dir is None:
        raise ProblemError(404, "mail")
    return viewer.svc.mail_dir


def _own_address(viewer: Viewer) -> str | None:
    """Through the API, like every page: the member may always read their own."""
    return get_contact(viewer.member, viewer.svc, viewer.caller, viewer.org).email


def visible_mail(viewer: Viewer) -> tuple[list[MailSummary], str | None, bool]:
    """The messages the viewer may read, their own address, and whether they see all."""
    everything = list_mail(_folder(viewer))
    if viewer.roles & SEE_ALL:
        return everything, _own_address(viewer), True
    address = _own_address(viewer)
    return (addressed_to(everything, address) if address else []), address, False


@router.get("/mail", response_class=HTMLResponse)
def mail_list(request: Request, viewer: ViewerDep) -> Response:
    mail, address, sees_all = visible_mail(viewer)
    counts = Counter(m.digest for m in mail)
    twice = {digest for digest, n in counts.items() if n > 1}
    return render(
        request,
        "mail_list.html",
        mail=mail,
        address=address,
        sees_all=sees_all,
        twice=twice,
    )


@router.get("/mail/{mail_id}", response_class=HTMLResponse)
def mail_detail(request: Request, mail_id: str, viewer: ViewerDep) -> Response:
    folder = _folder(viewer)
    found = read_mail(folder, mail_id)
    if found is None:
        raise ProblemError(404, mail_id)
    if not viewer.roles & SEE_ALL:
        address = _own_address(viewer)
        if not address or not addressed_to([found.summary], address):
            raise ProblemError(404, mail_id)  # as if absent: not theirs to know of
    framed = FRAME_POLICY + found.html if found.html is not None else None
    return render(request, "mail_detail.html", mail=found, framed=framed)
