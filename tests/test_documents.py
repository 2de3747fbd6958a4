"""Official documents from the ward-q1 data: the minutes, a resolution, the minutes book
and the organisation's report, read back as a reader sees them (the PDF's text, the
workbook's cells), and `chibo audit verify-document` accepting them, then rejecting a
tampered log and an edited file. Expected values are read off tests/scenarios/ward-q1.yaml
by hand."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader, PdfWriter
from typer.testing import CliRunner

from documents.render import read_pdf, typeset
from domain import commands as c
from projections.projector import Projector
from projections.registry import all_projections
from tests.test_audit_chain import Store, _flip_byte
from workers.cli import app as cli
from workers.scenario.format import load_scenario
from workers.scenario.importer import Importer
from workers.settings import Settings
from workers.wiring import make_app, make_read_store

SCENARIO = Path(__file__).parent / "scenarios" / "ward-q1.yaml"


@pytest.fixture
def ward(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    app, store = make_app(settings), make_read_store(settings)
    try:
        Importer(app, load_scenario(SCENARIO)).run()
        Projector(app, store, all_projections()).run_until_caught_up()
    finally:
        store.close()
        app.close()
    monkeypatch.setenv("CHIBO_DATABASE_URL", settings.database_url)
    return settings


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == code, result.output
    return result.output


def text_of(path: Path) -> str:
    """The PDF's text as one line per visual line, whitespace collapsed."""
    pages = [page.extract_text() for page in PdfReader(path).pages]
    return "\n".join(" ".join(line.split()) for page in pages for line in page.splitlines())


def flat(text: str) -> str:
    return " ".join(text.split())


def test_minutes_of_a_meeting_in_the_party_form(ward: Settings, tmp_path: Path) -> None:
    out = tmp_path / "c1-2026-01.pdf"
    run("export", "minutes", "c1-2026-01", "-o", str(out))
    text = text_of(out)
    whole = flat(text)
    # the header block: the party organisation and the cell left, the party right
    for line in (
        "ĐẢNG BỘ PHƯỜNG THẠCH BÀN",
        "CHI BỘ TỔ DÂN PHỐ SỐ 1",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "Phường Thạch Bàn, ngày 05 tháng 01 năm 2026",
        "BIÊN BẢN",
        "SINH HOẠT CHI BỘ THƯỜNG KỲ",
    ):
        assert line in whole, line
    # chair = the secretary m10, minute-taker = the deputy m11 (the importer's defaults)
    assert "Chủ trì: Hoàng Văn Em. Thư ký: Vũ Thị Hoa." in whole
    # attendance: 5 members, 4 present, m14 excused (ốm), nobody absent without reason
    assert "được triệu tập: 5; có mặt: 4; vắng có lý do: 1; vắng không lý do: 0" in whole
    assert "Có mặt: Hoàng Văn Em, Vũ Thị Hoa, Đỗ Văn Giang, Bùi Thị Hạnh" in whole
    assert "Vắng có lý do: Đặng Văn Khoa (ốm)" in whole
    assert "Khách mời: Lê Thị Cúc" in whole
    assert "1. Hoàng Văn Em; 2. Đỗ Văn Giang" in whole  # speakers in order
    # the resolution with every R20 field, its votes (4 present, all for) and number
    for part in (
        "Nghị quyết số 01-NQ/CB (nq-c1-01)",
        "Nội dung: Vận động hộ gia đình phân loại rác tại nguồn",
        "Yêu cầu: 100% hộ trong tổ tham gia",
        "Biện pháp: Tuyên truyền qua loa phường, họp tổ dân phố",
        "Thời hạn hoàn thành: 28/02/2026",
        "Người thực hiện: Đỗ Văn Giang",
        "Người kiểm tra, giám sát việc thực hiện: Vũ Thị Hoa",
        "tán thành 4, không tán thành 0, không biểu quyết 0",
    ):
        assert part in whole, part
    assert "CHỦ TRÌ" in whole and "THƯ KÝ" in whole
    # provenance: the position and the chain hash, in the text and attached
    embedded = read_pdf(out.read_bytes())
    assert f"vị trí {embedded.provenance.position}" in whole
    assert embedded.provenance.chain_hash in whole.replace(" ", "")


def test_a_meeting_held_with_minutes_recorded_later_and_a_member_absent(
    ward: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "c1-2026-03.pdf"
    run("export", "minutes", "c1-2026-03", "-o", str(out))
    whole = flat(text_of(out))
    # m13 and m14 were neither present nor excused on 2 March
    assert "có mặt: 3; vắng có lý do: 0; vắng không lý do: 2" in whole
    assert "Vắng không lý do: Bùi Thị Hạnh, Đặng Văn Khoa" in whole
    assert "Biên bản được hoàn thành ngày 06/03/2026" in whole  # R9: recorded 4 days later


def test_resolution_numbered_per_cell_and_year_with_its_signature_block(
    ward: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "nq.pdf"
    run("export", "resolution", "nq-c2-01", "-o", str(out))
    whole = flat(text_of(out))
    # nq-c2-00 was refused (R20: no inspector), so nq-c2-01 is c2's first of 2026
    assert "Số 01-NQ/CB" in whole
    assert "CHI BỘ TRƯỜNG TIỂU HỌC THẠCH BÀN" in whole
    assert "NGHỊ QUYẾT" in whole
    assert "Tổ chức hội giảng chào mừng ngày thành lập Đảng" in whole
    assert "Yêu cầu: Mỗi tổ chuyên môn ít nhất hai tiết" in whole
    assert "Biện pháp: Phân công giáo viên, dự giờ, rút kinh nghiệm" in whole
    assert "Thời hạn hoàn thành: 15/03/2026" in whole  # the extension was refused (R25)
    assert "Người thực hiện: Dương Văn Minh" in whole
    assert "Người kiểm tra, giám sát việc thực hiện: Ngô Thị Lan" in whole
    assert "T/M CHI BỘ" in whole and "BÍ THƯ" in whole
    assert "Ngô Thị Lan" in whole.split("BÍ THƯ", 1)[1]  # the secretary signs


def test_minutes_book_of_a_cell_year_has_every_meeting_in_order(
    ward: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "book.pdf"
    run("export", "book", "c1", "2026", "-o", str(out))
    reader = PdfReader(out)
    whole = flat(text_of(out))
    assert "SỔ BIÊN BẢN SINH HOẠT CHI BỘ" in whole and "NĂM 2026" in whole
    assert "3 cuộc họp" in whole
    index = whole.split("Mục lục", 1)[1].split("Nguồn gốc", 1)[0]
    positions = [index.index(m) for m in ("c1-2026-01", "c1-2026-02", "c1-2026-03")]
    assert positions == sorted(positions)
    assert "SINH HOẠT CHI BỘ THƯỜNG KỲ VÀ CHUYÊN ĐỀ" in whole  # February: both kinds
    assert len(reader.outline) == 3  # one bookmark per meeting
    assert "c2-2026" not in whole


def test_report_workbook_figures_equal_chibo_compliance(ward: Settings, tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    run("export", "report", "tb", "--period", "2026-Q1", "-o", str(out))
    expected = json.loads(run("compliance", "--period", "2026-Q1", "--json"))
    figures = json.loads(run("figures", "tb", "--period", "2026-Q1", "--json"))
    book = load_workbook(out)
    rows = list(book["Tuân thủ"].iter_rows(values_only=True))
    header = list(rows[2])
    seen = {}
    for row in rows[3:]:
        values = dict(zip(header, row, strict=True))
        seen[values["cell"]] = {
            "regular_months": values["regular_months"],
            "late_regular": values["late_regular"],
            "thematic_quarters": values["thematic_quarters"],
            "attendance_rate": values["attendance_rate"],
            "resolutions": {
                k: values[k]
                for k in ("adopted", "completed_on_time", "completed_late", "open", "overdue_open")
            },
            "inspections": values["inspections"],
        }
    assert seen == expected["cells"]
    # by hand: c1 met in all three months, c2 missed February
    assert (seen["c1"]["regular_months"], seen["c2"]["regular_months"]) == (3, 2)
    summary = {r[1]: r[2] for r in book["Tổng hợp"].iter_rows(min_row=4, values_only=True)}
    assert summary["R13"] == figures["attendance_rate"]
    assert summary["R30"] == figures["task_coverage"]
    assert summary["R51"] == figures["inspection_coverage"] == 0.5  # c1 inspected, c2 not
    assert summary["R63"] == "2026-12-19"  # the annual report before 20 December
    visits = list(book["Cấp ủy dự họp"].iter_rows(min_row=4, values_only=True))
    # m03 visited c1 in January, m02 in February, m04 c2 in March (guests)
    assert ("m03", "Lê Thị Cúc", "2026-Q1", 1, "c1") in visits
    assert ("m04", "Phạm Văn Dũng", "2026-Q1", 1, "c2") in visits
    assert ("m01", "Nguyễn Thu Ngân", "2026-Q1", 0, None) in visits  # an empty cell
    assert "Nguồn gốc" in book.sheetnames and book["chibo"].sheet_state == "hidden"


def test_report_pdf_names_every_cell_and_target(ward: Settings, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    run("export", "report", "tb", "--period", "2026-Q1", "-o", str(out))
    whole = flat(text_of(out))
    for part in (
        "BÁO CÁO",
        "Chi bộ Tổ dân phố số 1",
        "Chi bộ Trường Tiểu học Thạch Bàn",
        "(R13)",
        "(R30)",
        "(R51)",
        "(R60)",
        "kt-c1-2026-1",
        "trước ngày 19/12/2026 (R63)",
    ):
        assert part in whole, part


def test_bad_requests_name_what_is_wrong(ward: Settings, tmp_path: Path) -> None:
    assert "không có" in run("export", "minutes", "nope", "-o", str(tmp_path / "x.pdf"), code=1)
    out = run("export", "minutes", "c1-2026-01", "-o", str(tmp_path / "x.docx"), code=2)
    assert ".docx" in out
    assert "period" in run("export", "report", "tb", "--period", "2026-Q7", "-o", "r.xlsx", code=2)
    assert not (tmp_path / "x.pdf").exists()


def test_verify_document_accepts_each_generated_document(ward: Settings, tmp_path: Path) -> None:
    made = {
        "minutes": ["minutes", "c1-2026-02"],
        "resolution": ["resolution", "nq-c1-01"],
        "book": ["book", "c2", "2026"],
        "report.xlsx": ["report", "tb", "--period", "2026-Q1"],
        "report.pdf": ["report", "tb", "--period", "2026-Q1"],
    }
    for name, args in made.items():
        out = tmp_path / (name if "." in name else f"{name}.pdf")
        run("export", *args, "-o", str(out))
        assert "KHỚP (matches)" in run("audit", "verify-document", str(out))


def test_a_document_stays_valid_as_the_log_grows(ward: Settings, tmp_path: Path) -> None:
    """The document names a position: later events change a new document, not the old."""
    first = tmp_path / "before.pdf"
    run("export", "resolution", "nq-c2-01", "-o", str(first))
    app, store = make_app(ward), make_read_store(ward)
    try:
        app.handle(
            c.CompleteResolution(
                actor="m21",
                command_id="done-later",
                occurred_on=date(2026, 4, 2),
                resolution="nq-c2-01",
                by="m21",
                note="xong",
            )
        )
        Projector(app, store, all_projections()).run_until_caught_up()
    finally:
        store.close()
        app.close()
    second = tmp_path / "after.pdf"
    run("export", "resolution", "nq-c2-01", "-o", str(second))
    assert "đang thực hiện" in flat(text_of(first))
    assert "đã hoàn thành (ngày 02/04/2026)" in flat(text_of(second))
    assert (
        read_pdf(second.read_bytes()).provenance.position
        > read_pdf(first.read_bytes()).provenance.position
    )
    for doc in (first, second):
        run("audit", "verify-document", str(doc))


def test_verify_document_rejects_a_log_tampered_afterwards(ward: Settings, tmp_path: Path) -> None:
    minutes, report = tmp_path / "m.pdf", tmp_path / "r.xlsx"
    run("export", "minutes", "c1-2026-01", "-o", str(minutes))
    run("export", "report", "tb", "--period", "2026-Q1", "-o", str(report))
    _flip_byte(Store(ward), 5)  # an early event, well before the documents' position
    for doc in (minutes, report):
        out = run("audit", "verify-document", str(doc), code=1)
        assert "KHÔNG KHỚP" in out and "the log was altered" in out


def _forged(original: Path, **changes: str) -> bytes:
    """What a forger does: typesets the paper again with some words changed and keeps
    the original provenance attachment (and QR code)."""
    embedded = read_pdf(original.read_bytes())
    text = json.dumps(embedded.data, ensure_ascii=False)
    for old, new in changes.items():
        text = text.replace(old, new)
    return typeset(embedded, text)


def test_verify_document_rejects_an_edited_file(ward: Settings, tmp_path: Path) -> None:
    original = tmp_path / "nq.pdf"
    run("export", "resolution", "nq-c1-01", "-o", str(original))
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(_forged(original, **{"28/02/2026": "x", "2026-02-28": "2026-12-31"}))
    assert "Thời hạn hoàn thành: 31/12/2026" in flat(text_of(forged))
    out = run("audit", "verify-document", str(forged), code=1)
    assert "the text of page 1 was edited" in out
    # the text kept, the file changed (its metadata rewritten)
    writer = PdfWriter(clone_from=PdfReader(original))
    writer.add_metadata({"/Title": "Nghị quyết (bản sửa)"})
    buffer = io.BytesIO()
    writer.write(buffer)
    meta = tmp_path / "meta.pdf"
    meta.write_bytes(buffer.getvalue())
    assert "the file was altered" in run("audit", "verify-document", str(meta), code=1)
    # an edited workbook cell
    report = tmp_path / "r.xlsx"
    run("export", "report", "tb", "--period", "2026-Q1", "-o", str(report))
    book = load_workbook(report)
    book["Tuân thủ"]["C4"] = 99
    book.save(report)
    assert "Tuân thủ" in run("audit", "verify-document", str(report), code=1)
    # not a chibo document at all
    other = tmp_path / "other.pdf"
    other.write_bytes(b"%PDF-1.4\n%%EOF\n")
    assert "không đọc được" in run("audit", "verify-document", str(other), code=1)


def test_minutes_show_opinions_votes_review_and_amendments(ward: Settings, tmp_path: Path) -> None:
    """A meeting recorded whole (as the API records it), sealed, then amended."""
    app, store = make_app(ward), make_read_store(ward)
    try:
        for command in (
            c.RecordMeeting(
                actor="m10",
                command_id="apr-meeting",
                occurred_on=date(2026, 4, 6),
                meeting="c1-2026-04",
                cell="c1",
                kind=["regular"],
                notice_on=date(2026, 4, 1),
                duration_minutes=95,
                chair="m10",
                minute_taker="m13",
                present=["m10", "m11", "m12", "m13"],
                speakers=["m12", "m11"],
                opinions=["Cần thêm thời gian tuyên truyền"],
                minority_opinions=["Đề nghị lùi thời hạn sang tháng 6"],
                reviewed=["kn-c1-01"],
                resolutions=[
                    c.ResolutionDraft(
                        id="nq-c1-02",
                        content="Trồng cây xanh trên các tuyến phố",
                        requirements="Mỗi hộ một cây",
                        measures="Phối hợp đoàn thanh niên",
                        deadline=date(2026, 5, 31),
                        executors=["m12", "m13"],
                        inspector="m11",
                        votes=c.Votes(for_=3, against=1, abstain=0),
                        minority_opinions=["Một đồng chí đề nghị làm theo từng tổ"],
                    )
                ],
            ),
            c.SealMinutes(
                actor="m10",
                command_id="apr-seal",
                occurred_on=date(2026, 4, 7),
                meeting="c1-2026-04",
            ),
            c.AmendMinutes(
                actor="m10",
                command_id="apr-amend",
                occurred_on=date(2026, 4, 9),
                meeting="c1-2026-04",
                reason="Ghi sót ý kiến của đồng chí Khoa",
                change="Bổ sung ý kiến gửi bằng văn bản",
            ),
        ):
            app.handle(command)
        Projector(app, store, all_projections()).run_until_caught_up()
    finally:
        store.close()
        app.close()
    out = tmp_path / "apr.pdf"
    run("export", "minutes", "c1-2026-04", "-o", str(out))
    whole = flat(text_of(out))
    for part in (
        "Ngày 06/04/2026, thời lượng 95 phút. Thông báo triệu tập ngày 01/04/2026",
        "Chủ trì: Hoàng Văn Em. Thư ký: Bùi Thị Hạnh.",
        "có mặt: 4; vắng có lý do: 0; vắng không lý do: 1",
        "Vắng không lý do: Đặng Văn Khoa",
        "kn-c1-01 — Nhắc nhở đảng viên vắng họp không lý do",  # reviewed (R12)
        "1. Đỗ Văn Giang; 2. Vũ Thị Hoa",  # speakers in the order they spoke
        "Ý kiến: Cần thêm thời gian tuyên truyền",
        "Ý kiến thiểu số: Đề nghị lùi thời hạn sang tháng 6",
        "Nghị quyết số 02-NQ/CB (nq-c1-02)",  # c1's second of 2026
        "Người thực hiện: Đỗ Văn Giang, Bùi Thị Hạnh",
        "tán thành 3, không tán thành 1, không biểu quyết 0",
        "Ý kiến khác (thiểu số): Một đồng chí đề nghị làm theo từng tổ",
        "khóa sổ ngày 07/04/2026",
        "ngày 09/04/2026: Bổ sung ý kiến gửi bằng văn bản"
        " — lý do: Ghi sót ý kiến của đồng chí Khoa",
    ):
        assert part in whole, part
    run("audit", "verify-document", str(out))


def test_report_of_a_version_2_organisation_has_its_fields(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """R17, R61 and R22's figures in the workbook, equal to `chibo compliance --json`."""
    contract = SCENARIO.parent / "contract" / "v2-r12-r16-r22-resolutions-and-leaders.yaml"
    app, store = make_app(settings), make_read_store(settings)
    try:
        Importer(app, load_scenario(contract)).run()
        Projector(app, store, all_projections()).run_until_caught_up()
    finally:
        store.close()
        app.close()
    monkeypatch.setenv("CHIBO_DATABASE_URL", settings.database_url)
    out = tmp_path / "v2.xlsx"
    run("export", "report", "org", "--period", "2026-05", "-o", str(out))
    expected = json.loads(run("compliance", "--period", "2026-05", "--json"))["cells"]
    rows = list(load_workbook(out)["Tuân thủ"].iter_rows(values_only=True))
    header = list(rows[2])
    seen = {row[0]: dict(zip(header, row, strict=True)) for row in rows[3:]}
    # by hand (the scenario's header): c1 (2 + 1) / (2 + 3) speakers, c2 1 / 6
    assert expected["c1"]["speaker_share"] == seen["c1"]["speaker_share"] == 0.6
    assert expected["c2"]["speaker_share"] == seen["c2"]["speaker_share"] == 0.1667
    assert expected["c1"]["communicated_on_time"] == seen["c1"]["communicated_on_time"] == 1
    assert expected["c1"]["twelve_regular"] == {} and seen["c1"]["twelve_regular"] is None
    run("audit", "verify-document", str(out))
