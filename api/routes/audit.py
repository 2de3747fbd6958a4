"""Auditors' endpoints: the log's verification, a bundle of it to verify elsewhere, and
who read which cell's records."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from api.accounts import AccessRow
from api.deps import CallerDep, OrganisationDep, Services, ServicesDep, today
from api.pages import DEFAULT_LIMIT, Cursor, Limit, Page, decode, encode
from api.problems import TITLES, Problem, ProblemError, errors
from audit.bundle import BUNDLE_FORMAT, Window, export_window
from audit.signing import KeyFileError, load_public, public_path
from audit.verify import verify_store
from domain.access import Caller, organisation_roles
from domain.organisation import Organisation
from projections.organisations import list_organisations

router = APIRouter(prefix="/audit", tags=["audit"])

AUDIT_ERRORS = errors(401, 403, 422)


class Verification(BaseModel):
    """The chain recomputed and every checkpoint's signature checked."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {"ok": True, "events": 1520, "signed_through": 1500, "problem": None},
                {
                    "ok": False,
                    "events": 1520,
                    "signed_through": 1500,
                    "problem": "altered at position 812 (record nq-c1-01): hash differs",
                },
            ]
        }
    }

    ok: bool
    events: int
    signed_through: int
    """The last log position a valid signed checkpoint covers."""
    problem: str | None
    """The first thing found wrong (null when ok)."""


def _require(org: Organisation, caller: Caller, secretary_too: bool) -> None:
    roles = organisation_roles(org, caller.member)
    if "auditor" in roles or (secretary_too and "organisation_secretary" in roles):
        return
    raise ProblemError(403, "chỉ kiểm toán viên (auditors only)")


def _public_key(svc: Services) -> Ed25519PublicKey:
    path = svc.audit_key_path
    if path is not None and not path.exists() and public_path(path).exists():
        path = public_path(path)
    try:
        if path is None:
            raise KeyFileError("no audit key configured")
        return load_public(path)
    except KeyFileError:
        raise ProblemError(
            503, "chưa có khóa kiểm toán (no audit key to verify with: chibo audit keygen)"
        ) from None


@router.get(
    "/verification",
    response_model=Verification,
    responses={**AUDIT_ERRORS, 503: {"model": Problem, "description": TITLES[503]}},
)
def verification(svc: ServicesDep, caller: CallerDep, org: OrganisationDep) -> Verification:
    """Auditors and the organisation secretary: every hash of the chain recomputed and
    every checkpoint's signature checked (as `chibo audit verify`)."""
    _require(org, caller, secretary_too=True)
    report = verify_store(svc.app, svc.store(), _public_key(svc))
    return Verification(
        ok=report.problem is None,
        events=report.events,
        signed_through=report.signed_through,
        problem=str(report.problem) if report.problem is not None else None,
    )


@router.get("/access-log", response_model=Page[AccessRow], responses=AUDIT_ERRORS)
def access_log(
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[AccessRow]:
    """Auditors: reads of a cell's records by someone outside that cell (who, what,
    when), newest first, for the caller's organisation."""
    _require(org, caller, secretary_too=False)
    start = decode(cursor)
    rows = svc.accounts().access_log(org.key, limit=start + limit + 1)
    following = encode(start + limit) if len(rows) > start + limit else None
    return Page[AccessRow](items=rows[start : start + limit], next_cursor=following)


BUNDLE_MEDIA = "application/json"
BUNDLE_SCHEMA = {
    "type": "object",
    "description": "A `chibo-audit-bundle/1` file (audit/bundle.py); binary values base64.",
    "required": ["format", "window", "public_key", "anchor", "events", "chain", "checkpoints"],
    "properties": {
        "format": {"type": "string", "const": BUNDLE_FORMAT},
        "window": {
            "type": "object",
            "properties": {
                "by": {"type": "string", "enum": ["recorded", "business"]},
                "from": {"type": ["string", "null"]},
                "to": {"type": ["string", "null"]},
            },
        },
        "public_key": {"type": "string"},
        "anchor": {"type": "string"},
        "record_anchors": {"type": "object"},
        "events": {"type": "array", "items": {"type": "object"}},
        "chain": {"type": "array", "items": {"type": "object"}},
        "checkpoints": {"type": "array", "items": {"type": "object"}},
    },
}


@router.get(
    "/bundle",
    response_class=Response,
    responses={
        200: {
            "description": "The bundle (`chibo-audit-bundle/1`), as an attachment.",
            "content": {BUNDLE_MEDIA: {"schema": BUNDLE_SCHEMA}},
        },
        **AUDIT_ERRORS,
        503: {"model": Problem, "description": TITLES[503]},
    },
)
def audit_bundle(
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    from_date: Annotated[
        date | None, Query(description="business date from (default: the beginning)")
    ] = None,
    to_date: Annotated[date | None, Query(description="business date up to (default: now)")] = None,
) -> Response:
    """Auditors: the audit bundle `chibo audit export` writes, of the whole log or of
    the stretch dated `from_date`…`to_date` (its `--from-date/--to-date`): the events,
    their chain, the signed checkpoints among them, the anchors and the public key, to
    verify with no database (`chibo audit verify --bundle FILE`)."""
    _require(org, caller, secretary_too=False)
    others = [o.key for o in list_organisations(svc.store()) if o.key != org.key]
    if others:  # R80: a bundle holds the whole chain, and the chain holds their records
        raise ProblemError(
            403,
            "nhật ký có hồ sơ của tổ chức khác; quản trị viên xuất gói bằng `chibo audit"
            " export` (the log holds other organisations' records: R80)",
            rule="R80",
        )
    if from_date is not None and to_date is not None and from_date > to_date:
        raise ProblemError(422, "from_date sau to_date (from_date is after to_date)")
    public = _public_key(svc)
    whole = from_date is None and to_date is None
    window = Window.recorded(None, None) if whole else Window.business(from_date, to_date)
    with tempfile.TemporaryDirectory(prefix="chibo-bundle-") as folder:
        path = Path(folder) / "bundle.json"
        export_window(svc.app, svc.store(), public, window, path)
        content = path.read_bytes()
    name = f"chibo-audit-{org.key}-{today().isoformat()}.json"
    return Response(
        content,
        media_type=BUNDLE_MEDIA,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
