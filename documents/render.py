"""Turning a document's data into a file: PDF through Typst (one wheel, no system
libraries; Liberation Serif, metric-compatible with the Times New Roman of party papers,
shipped in `fonts/` and embedded), XLSX through openpyxl.

Rendering is a pure function of (provenance, data): the same inputs give the same bytes
for a PDF (no creation date is written) and the same cell values for a workbook, which is
what `audit verify-document` relies on when it renders a document again.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import typst
from openpyxl import Workbook, load_workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from documents.provenance import (
    Embedded,
    UnreadableDocumentError,
    embedded_json,
    parse_embedded,
    qr_png,
    qr_svg,
)

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
FONTS = HERE / "fonts"
Format = Literal["pdf", "xlsx"]
FORMATS: dict[str, tuple[Format, ...]] = {
    "minutes": ("pdf",),
    "resolution": ("pdf",),
    "book": ("pdf",),
    "report": ("pdf", "xlsx"),
}
MEDIA_TYPES: dict[Format, str] = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
XLSX_SHEET = "chibo"
"""The hidden sheet holding the provenance and data (in cells of at most 30 000 chars)."""
CHUNK = 30_000


def render(embedded: Embedded, fmt: Format) -> bytes:
    if fmt not in FORMATS[embedded.provenance.kind]:
        raise ValueError(f"{embedded.provenance.kind} is not made as {fmt}")
    if fmt == "pdf":
        return render_pdf(embedded)
    return render_xlsx(embedded)


def render_pdf(embedded: Embedded) -> bytes:
    return typeset(embedded, json.dumps(embedded.data, ensure_ascii=False))


def typeset(embedded: Embedded, shown: str) -> bytes:
    """The PDF of `embedded`'s kind showing the data `shown` (JSON), carrying `embedded`
    as its attachment: the two are the same but when a test forges a document."""
    result = typst.compile(
        str(TEMPLATES / f"{embedded.provenance.kind}.typ"),
        root=str(TEMPLATES),
        font_paths=[str(FONTS)],
        ignore_system_fonts=True,
        sys_inputs={
            "data": shown,
            "provenance": embedded.provenance.model_dump_json(),
            "qr": qr_svg(embedded.provenance),
            "embedded": embedded_json(embedded),
        },
    )
    assert isinstance(result, bytes)
    return result


def read_pdf(content: bytes) -> Embedded:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(content))
        attached = reader.attachments.get("chibo-provenance.json")
    except (PdfReadError, ValueError, KeyError, OSError) as error:
        raise UnreadableDocumentError(f"không đọc được PDF (unreadable PDF): {error}") from None
    if not attached:
        raise UnreadableDocumentError(
            "PDF không mang nguồn gốc chibo (no chibo provenance attached)"
        )
    return parse_embedded(attached[0])


def pdf_text(content: bytes) -> list[str]:
    """The text of each page, as a reader of the file sees it."""
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


# --- the workbook -------------------------------------------------------------------------


HEAD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="FDE9D9")


def _table(sheet: Worksheet, title: str, header: list[str], rows: Iterator[list[Any]]) -> None:
    sheet["A1"] = title
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append(header)
    for cell in sheet[3]:
        cell.font, cell.fill = HEAD, HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append(row)
    for index, label in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(label) + 4))
    sheet.freeze_panes = "A4"


def render_xlsx(embedded: Embedded) -> bytes:
    data, prov = embedded.data, embedded.provenance
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "Tổng hợp"
    figures = data["figures"]
    _table(
        summary,
        f"Báo cáo {data['organisation_name']} — kỳ {data['period']}"
        f" ({data['start']} → {data['end']})",
        ["Chỉ tiêu", "Quy định", "Đạt", "Yêu cầu"],
        iter(
            [
                [
                    "Tỷ lệ đảng viên dự sinh hoạt",
                    "R13",
                    figures["attendance_rate"],
                    figures["attendance_target"],
                ],
                ["Đảng viên được phân công nhiệm vụ", "R30", figures["task_coverage"], 1.0],
                ["Chi bộ được kiểm tra", "R51", figures["inspection_coverage"], 1.0],
                *[
                    [f"Xếp loại: {rating}", "R60", count, None]
                    for rating, count in sorted(figures["ratings"].items())
                ],
                ["Tháng được xét", "R1", data["months_checked"], None],
                ["Quý được xét", "R3", data["quarters_checked"], None],
                ["Hạn gửi báo cáo năm", "R63", data["annual_report_due"], None],
            ]
        ),
    )
    cells = book.create_sheet("Tuân thủ")
    figures_of = data["compliance"]["cells"]
    # Version 2's fields (R17, R61, R22) where the organisation is judged by them.
    v2 = any("speaker_share" in f for f in figures_of.values())
    _table(
        cells,
        "Nền nếp sinh hoạt của từng chi bộ (như `chibo compliance --json`)",
        [
            "cell",
            "Chi bộ",
            "regular_months",
            "late_regular",
            "thematic_quarters",
            "attendance_rate",
            "adopted",
            "completed_on_time",
            "completed_late",
            "open",
            "overdue_open",
            "inspections",
            *(["speaker_share", "twelve_regular", "communicated_on_time"] if v2 else []),
        ],
        iter(
            [
                [
                    line["cell"],
                    line["name"],
                    f["regular_months"],
                    f["late_regular"],
                    f["thematic_quarters"],
                    f["attendance_rate"],
                    f["resolutions"]["adopted"],
                    f["resolutions"]["completed_on_time"],
                    f["resolutions"]["completed_late"],
                    f["resolutions"]["open"],
                    f["resolutions"]["overdue_open"],
                    f["inspections"],
                    *(
                        [
                            f.get("speaker_share"),
                            ", ".join(
                                f"{year}: {'đủ 12' if ok else 'thiếu'}"
                                for year, ok in sorted(f.get("twelve_regular", {}).items())
                            ),
                            f.get("communicated_on_time"),
                        ]
                        if v2
                        else []
                    ),
                ]
                for line in data["cells"]
                for f in [figures_of[line["cell"]]]
            ]
        ),
    )
    visits = book.create_sheet("Cấp ủy dự họp")
    _table(
        visits,
        "Cấp ủy viên dự sinh hoạt chi bộ (R40, R41)",
        ["Mã", "Cấp ủy viên", "Quý", "Số lần dự", "Chi bộ đã dự"],
        iter(
            [
                [
                    v["member"]["id"],
                    v["member"]["name"],
                    v["quarter"],
                    v["visits"],
                    ", ".join(v["cells"]),
                ]
                for v in data["visits"]
            ]
        ),
    )
    inspections = book.create_sheet("Kiểm tra")
    _table(
        inspections,
        "Kiểm tra kết thúc trong kỳ (R50, R51)",
        ["Cuộc kiểm tra", "Chi bộ", "Loại", "Kết thúc", "Xếp loại", "Kết luận"],
        iter(
            [
                [
                    i["inspection"],
                    i["cell"],
                    i["kind"],
                    i["concluded_on"],
                    i["rating"],
                    i["findings"],
                ]
                for i in data["inspections"]
            ]
        ),
    )
    origin = book.create_sheet("Nguồn gốc")
    _table(
        origin,
        "Nguồn gốc (kiểm tra: chibo audit verify-document <tệp>)",
        ["Mục", "Giá trị"],
        iter(
            [
                ["Vị trí trong sổ sự kiện", prov.position],
                ["Mã chuỗi (chain hash)", prov.chain_hash],
                ["Mã dữ liệu (SHA-256)", prov.data_digest],
                ["Ngày lập", prov.issued_on.isoformat()],
            ]
        ),
    )
    origin.column_dimensions["B"].width = 70
    origin.add_image(Image(io.BytesIO(qr_png(prov))), "D3")
    hidden = book.create_sheet(XLSX_SHEET)
    text = embedded_json(embedded)
    for index in range(0, len(text), CHUNK):
        hidden.append([text[index : index + CHUNK]])
    hidden.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read_xlsx(content: bytes) -> Embedded:
    try:
        book = load_workbook(io.BytesIO(content))
    except Exception as error:  # openpyxl raises many kinds for a file it cannot read
        raise UnreadableDocumentError(f"không đọc được XLSX (unreadable XLSX): {error}") from None
    if XLSX_SHEET not in book.sheetnames:
        raise UnreadableDocumentError("XLSX không mang nguồn gốc chibo (no chibo provenance)")
    text = "".join(str(row[0] or "") for row in book[XLSX_SHEET].iter_rows(values_only=True))
    return parse_embedded(text)


def xlsx_values(content: bytes) -> dict[str, list[tuple[Any, ...]]]:
    """Every visible sheet's cell values (what a reader of the workbook sees)."""
    book = load_workbook(io.BytesIO(content))
    return {
        sheet.title: list(sheet.iter_rows(values_only=True))
        for sheet in book.worksheets
        if sheet.sheet_state == "visible"
    }


def read_document(content: bytes) -> tuple[Format, Embedded]:
    if content.startswith(b"%PDF"):
        return "pdf", read_pdf(content)
    if content.startswith(b"PK"):
        return "xlsx", read_xlsx(content)
    raise UnreadableDocumentError("không phải PDF hay XLSX (neither a PDF nor an XLSX file)")
