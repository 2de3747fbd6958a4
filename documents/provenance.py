"""Where a document comes from: the log position and chain hash it was drawn from, the
digest of its data, and how both travel inside the file (a PDF attachment, an XLSX
sheet) so that `audit verify-document` can read them back."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import date
from typing import Any, Final, Literal

import segno
from pydantic import BaseModel, ConfigDict, ValidationError

DocumentKind = Literal["minutes", "resolution", "book", "report"]
FORMAT: Final = "chibo-document/1"
ATTACHMENT = "chibo-provenance.json"
"""The PDF attachment (and the XLSX cell) holding the provenance and the data."""


class Provenance(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    format: Literal["chibo-document/1"] = FORMAT
    kind: DocumentKind
    subject: dict[str, str]
    """What was asked: {"meeting": …}, {"resolution": …}, {"cell": …, "year": …},
    {"organisation": …, "period": …, "start": …, "end": …}."""
    position: int
    chain_hash: str
    """The chain hash at `position`, hex: the whole log up to it, as it stood."""
    positions: dict[str, int]
    """The read models' positions the data was read at (they choose which records)."""
    data_digest: str
    issued_on: date


class Embedded(BaseModel):
    """What a document carries about itself."""

    provenance: Provenance
    data: dict[str, Any]


class UnreadableDocumentError(ValueError):
    """The file is not a chibo document (or its embedded provenance was damaged)."""


def canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def digest(data: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(data)).hexdigest()


def _qr(provenance: Provenance, kind: str) -> bytes:
    """A QR code of the position, the chain hash and the data digest (SVG or PNG)."""
    text = (
        f"chibo:{provenance.kind}:{provenance.position}:{provenance.chain_hash}"
        f":{provenance.data_digest}"
    )
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind=kind, scale=4, border=1)
    return buffer.getvalue()


def qr_svg(provenance: Provenance) -> str:
    return _qr(provenance, "svg").decode()


def qr_png(provenance: Provenance) -> bytes:
    return _qr(provenance, "png")


def embedded_json(embedded: Embedded) -> str:
    return json.dumps(
        {"provenance": embedded.provenance.model_dump(mode="json"), "data": embedded.data},
        ensure_ascii=False,
        sort_keys=True,
    )


def parse_embedded(text: str | bytes) -> Embedded:
    try:
        return Embedded.model_validate_json(text)
    except ValidationError as error:
        raise UnreadableDocumentError(f"nguồn gốc hỏng (damaged provenance): {error}") from None
