"""Every string a user reads on the pages, by key, per language: templates and page
code call `t("key")` and never hold text of their own, so another language is one more
dictionary. Rule names come from `web/rule_names.py` (RULES.md, in Vietnamese)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from web.rule_names import RULE_NAMES

LANGUAGE = "vi"

VI: dict[str, str] = {
    # --- the frame -----------------------------------------------------------------------
    "app.name": "chibo",
    "app.tagline": "Sinh hoạt chi bộ, nghị quyết, kiểm tra giám sát",
    "nav.home": "Trang chính",
    "nav.me": "Việc của tôi",
    "nav.cells": "Chi bộ",
    "nav.inbox": "Cảnh báo",
    "nav.board": "Bảng theo dõi",
    "nav.audit": "Kiểm tra lịch sử",
    "nav.mail": "Thư đã gửi",
    "nav.skip": "Bỏ qua, đến nội dung chính",
    "nav.menu": "Trình đơn",
    "session.logout": "Đăng xuất",
    "session.signed_in_as": "Đang đăng nhập: {name} ({member})",
    # --- login ---------------------------------------------------------------------------
    "login.title": "Đăng nhập",
    "login.username": "Tên đăng nhập (mã đảng viên@mã tổ chức)",
    "login.username_hint": "Ví dụ: m10@tb",
    "login.password": "Mật khẩu",
    "login.submit": "Đăng nhập",
    "login.bad": "Sai tên đăng nhập hoặc mật khẩu.",
    "login.throttled": "Đăng nhập sai quá nhiều lần. Hãy đợi 15 phút rồi thử lại.",
    "login.logged_out": "Đã đăng xuất.",
    "login.expired": "Phiên làm việc đã hết hạn, hãy đăng nhập lại.",
    # --- home ----------------------------------------------------------------------------
    "home.title": "Trang chính",
    "home.greeting": "Xin chào, {name}",
    "home.roles": "Vai trò",
    "home.my_cells": "Chi bộ của tôi",
    "home.readable_cells": "Chi bộ được xem",
    "home.open_escalations": "Cảnh báo đang mở",
    "home.nothing": "Không có gì cần làm.",
    "role.organisation_secretary": "Bí thư đảng ủy",
    "role.standing_committee": "Ban thường vụ",
    "role.committee": "Đảng ủy viên",
    "role.inspection_commission": "Ủy ban kiểm tra",
    "role.auditor": "Kiểm tra lịch sử (kiểm toán)",
    "role.cell_member": "Đảng viên chi bộ",
    "role.cell_leader": "Bí thư / phó bí thư / chi ủy viên",
    "role.in_charge": "Đảng ủy viên phụ trách chi bộ",
    # --- errors --------------------------------------------------------------------------
    "error.title": "Không thực hiện được",
    "error.400": "Yêu cầu không hợp lệ.",
    "error.401": "Cần đăng nhập.",
    "error.403": "Bạn không có quyền làm việc này.",
    "error.404": "Không tìm thấy trang hoặc hồ sơ này.",
    "error.405": "Thao tác không được hỗ trợ.",
    "error.409": "Hồ sơ vừa được người khác thay đổi. Hãy tải lại trang rồi thử lại.",
    "error.413": "Dữ liệu gửi lên quá lớn.",
    "error.422": "Dữ liệu không được chấp nhận.",
    "error.429": "Quá nhiều lần thử. Hãy đợi một lát.",
    "error.500": "Lỗi hệ thống. Việc chưa được ghi; hãy thử lại sau.",
    "error.503": "Dịch vụ chưa sẵn sàng.",
    "error.csrf": "Biểu mẫu đã hết hạn hoặc không đến từ chibo. Hãy tải lại trang và gửi lại.",
    "error.back_home": "Về trang chính",
    "refusal.title": "Chưa lưu: bị từ chối",
    "refusal.rule": "Quy tắc {rule}: {name}",
    "refusal.fields": "Cần sửa: {fields}",
    "refusal.detail": "Chi tiết kỹ thuật",
    "refusal.kept": "Những gì bạn đã nhập vẫn được giữ nguyên bên dưới.",
    "refusal.invalid_field": "Trường không hợp lệ",
    "saved": "Đã lưu.",
    # --- shared words --------------------------------------------------------------------
    "word.date": "Ngày",
    "word.save": "Lưu",
    "word.cancel": "Hủy",
    "word.view": "Xem",
    "word.yes": "Có",
    "word.no": "Không",
    "word.none": "—",
    "word.required": "(bắt buộc)",
    "word.member": "Đảng viên",
    "word.cell": "Chi bộ",
    "word.status": "Trạng thái",
    "word.note": "Ghi chú",
    "word.more": "Xem thêm",
    "word.download": "Tải về",
    "word.business_date": "Ngày nghiệp vụ",
    "word.recorded_at": "Thời điểm ghi",
    "date.format_hint": "ngày/tháng/năm",
    "notice.logged_out": "Đã đăng xuất.",
    "notice.saved": "Đã lưu.",
    # --- kinds and statuses --------------------------------------------------------------
    "kind.meeting_missed": "Chi bộ không sinh hoạt thường kỳ trong tháng",
    "kind.thematic_missed": "Chi bộ không sinh hoạt chuyên đề trong quý",
    "kind.thematic_plan_missing": "Chưa có kế hoạch sinh hoạt chuyên đề của năm",
    "kind.minutes_missing": "Cuộc họp chưa có biên bản",
    "kind.attendance_below_target": "Tỷ lệ đảng viên dự sinh hoạt dưới chỉ tiêu",
    "kind.absent_streak": "Đảng viên vắng sinh hoạt nhiều kỳ liên tiếp",
    "kind.removal_review": "Cần xem xét xóa tên đảng viên",
    "kind.resolution_overdue": "Nghị quyết quá hạn chưa hoàn thành",
    "kind.task_assignment_incomplete": "Chưa phân công nhiệm vụ cho đủ đảng viên",
    "kind.new_member_unassigned": "Đảng viên mới chưa được phân công nhiệm vụ",
    "kind.committee_attendance_missed": "Đảng ủy viên phụ trách chưa dự sinh hoạt chi bộ",
    "kind.inspection_overdue": "Đến hạn kiểm tra chi bộ mà chưa kiểm tra",
    "kind.resolution_deadline_approaching": "Sắp đến hạn thực hiện nghị quyết",
    "kind.task_assignment_due": "Sắp đến hạn phân công nhiệm vụ đảng viên",
    "kind.committee_attendance_due": "Sắp hết quý: đảng ủy viên phụ trách cần dự sinh hoạt",
    "status.open": "Đang mở",
    "status.acknowledged": "Đã tiếp nhận",
    "status.resolved": "Đã xử lý",
    "status.sent": "Đã gửi",
    "status.overdue": "Quá hạn",
    "status.completed": "Hoàn thành",
    "status.cancelled": "Đã hủy",
    "status.announced": "Đã thông báo",
    "status.held": "Đã họp",
    "meeting_kind.regular": "Thường kỳ",
    "meeting_kind.thematic": "Chuyên đề",
    "meeting_kind.forum": "Diễn đàn",
    "meeting_kind.party_group": "Tổ đảng",
    # --- fields (refusals name them) -------------------------------------------------------
    "field.date": "Ngày",
    "field.note": "Ghi chú",
    "field.action": "Việc đã làm",
    # --- the cell's pages (secretaries) ------------------------------------------------------
    # --- a member's page -----------------------------------------------------------------
    "member.title": "Việc của tôi",
    "member.tasks": "Nhiệm vụ được phân công năm {year}",
    "member.no_cell": "Bạn chưa sinh hoạt ở chi bộ nào.",
    "member.task": "Nhiệm vụ",
    "member.assigned_on": "Ngày phân công",
    "member.adopted": "Chi bộ thông qua tại",
    "member.not_adopted": "Chưa được chi bộ thông qua",
    "member.pledge": "Bản cam kết",
    "member.no_pledge": "Chưa ghi nhận bản cam kết",
    "member.no_task": "Chi bộ chưa phân công nhiệm vụ cho bạn năm nay.",
    "member.resolutions": "Nghị quyết tôi thực hiện hoặc kiểm tra",
    "member.no_resolutions": "Không có nghị quyết nào giao cho bạn.",
    "member.as_executor": "Người thực hiện",
    "member.as_inspector": "Người kiểm tra",
    "member.deadline": "Hạn hoàn thành",
    "member.days_left": "còn {days} ngày",
    "member.due_today": "đến hạn hôm nay",
    "member.days_overdue": "quá hạn {days} ngày",
    "member.closed_on": "Ngày kết thúc",
    "member.last_progress": "Báo cáo tiến độ gần nhất",
    "member.progress_note": "Tiến độ (ghi ngắn)",
    "member.report_progress": "Báo cáo tiến độ",
    "member.complete": "Đã hoàn thành",
    "member.reminders": "Nhắc việc gửi tôi",
    "member.no_reminders": "Không có nhắc việc nào.",
    # --- supervisors ---------------------------------------------------------------------
    "inbox.title": "Cảnh báo và nhắc việc",
    "inbox.escalations": "Cảnh báo gửi tôi",
    "inbox.none": "Không có cảnh báo nào đang mở.",
    "inbox.show_all": "Xem cả cảnh báo đã tiếp nhận, đã xử lý",
    "inbox.only_open": "Chỉ xem cảnh báo đang mở",
    "inbox.open_one": "Xem chi tiết và xử lý",
    "inbox.reminders": "Nhắc việc",
    "inbox.no_reminders": "Không có nhắc việc nào.",
    "inbox.sent_on": "Ngày gửi",
    "inbox.kind": "Loại",
    "inbox.rule": "Quy tắc",
    "inbox.about": "Về việc",
    "escalation.back": "← Về danh sách cảnh báo",
    "escalation.level": "Cấp {level}",
    "escalation.raised_on": "Phát sinh ngày",
    "escalation.rule": "Quy tắc {rule}: {name}",
    "escalation.rule_label": "Quy tắc",
    "escalation.recipients": "Gửi đến",
    "escalation.key": "Mã cảnh báo",
    "escalation.minutes_book": "sổ biên bản",
    "escalation.meeting": "Cuộc họp",
    "escalation.resolution": "Nghị quyết",
    "escalation.period": "Kỳ",
    "escalation.evidence": "Chứng cứ (hồ sơ, phiên bản)",
    "escalation.detail.deadline": "Hạn hoàn thành",
    "escalation.detail.adopted_on": "Ngày ban hành",
    "escalation.detail.members": "Đảng viên",
    "escalation.detail.rate": "Tỷ lệ dự họp",
    "escalation.handling": "Xử lý",
    "escalation.acknowledged_by": "Người tiếp nhận",
    "escalation.acknowledgement": "Ghi chú khi tiếp nhận",
    "escalation.resolved_by": "Người xử lý",
    "escalation.action": "Việc đã làm",
    "escalation.history": "Diễn biến",
    "escalation.event": "Sự việc",
    "escalation.by": "Người thực hiện",
    "escalation.event.Raised": "Phát sinh cảnh báo",
    "escalation.event.Notified": "Đã thông báo",
    "escalation.event.Acknowledged": "Đã tiếp nhận",
    "escalation.event.Resolved": "Đã xử lý",
    "escalation.acknowledge": "Tiếp nhận",
    "escalation.acknowledge_button": "Xác nhận đã tiếp nhận",
    "escalation.note_hint": "Không bắt buộc, ví dụ: sẽ làm việc với bí thư chi bộ",
    "escalation.resolve": "Đã xử lý xong",
    "escalation.resolve_button": "Ghi nhận đã xử lý",
    "escalation.action_hint": "Ghi rõ việc đã làm để khắc phục",
    "escalation.not_yours": "Chỉ người nhận cảnh báo và lãnh đạo đảng ủy được tiếp nhận, xử lý.",
    "board.title": "Bảng theo dõi",
    "board.heading": "Bảng theo dõi sinh hoạt chi bộ năm {year}",
    "board.period": "Năm",
    "board.previous": "← Năm {year}",
    "board.next": "Năm {year} →",
    "board.no_cells": "Bạn không theo dõi chi bộ nào.",
    "board.grid": "Sinh hoạt theo tháng",
    "board.grid_caption": "Sinh hoạt thường kỳ và chuyên đề của từng chi bộ, năm {year}",
    "board.month": "Tháng",
    "board.month_n": "Tháng {month}",
    "board.state.regular": "Đã họp đúng hạn",
    "board.state.late": "Họp muộn",
    "board.state.missed": "Không họp",
    "board.state.pending": "Đang trong tháng",
    "board.state.future": "Chưa đến hạn",
    "board.state.before": "Chưa thành lập",
    "board.thematic": "Chuyên đề",
    "board.strip_title": "Sinh hoạt thường kỳ từng tháng năm {year}, mỗi ô một tháng",
    "board.strip_text": "{cell}: đã họp {held} tháng, không họp {missed} tháng",
    "board.cells": "Từng chi bộ",
    "board.cells_caption": "Tỷ lệ dự họp, nghị quyết và kiểm tra năm {year}",
    "board.minutes_book": "Sổ biên bản",
    "board.attendance": "Tỷ lệ dự sinh hoạt",
    "board.target": "chỉ tiêu {target}%",
    "board.resolutions": "Nghị quyết",
    "board.resolution_counts": (
        "ban hành {adopted}; xong đúng hạn {on_time}; xong muộn {late}; đang thực hiện {open}"
    ),
    "board.overdue": "Nghị quyết quá hạn",
    "board.deadline": "hạn",
    "board.inspections": "Kiểm tra, giám sát",
    "board.inspections_count": "{count} lần trong năm (định kỳ {months} tháng)",
    "board.inspection_due": "Đến hạn kiểm tra",
    "board.attendance_chart": (
        "Tỷ lệ đảng viên dự sinh hoạt của từng chi bộ năm {year}, vạch đứng là chỉ tiêu"
    ),
    "board.attendance_caption": "Vạch đứng: chỉ tiêu tỷ lệ dự sinh hoạt. Số liệu có ở bảng trên.",
    "board.visits": "Cấp ủy dự sinh hoạt chi bộ theo quý",
    "board.visits_caption": (
        "Đảng ủy viên phụ trách dự sinh hoạt chi bộ mỗi quý, và cấp ủy viên đã dự"
    ),
    "board.quarter_n": "Quý {quarter}",
    "board.in_charge": "Phụ trách: {name}",
    "board.visited": "Đã dự",
    "board.not_visited": "Chưa dự",
    "board.quarter_running": "Quý chưa kết thúc",
    # --- auditors ------------------------------------------------------------------------
}

CATALOGUES: dict[str, dict[str, str]] = {"vi": VI}


def t(key: str, **values: Any) -> str:
    """The text for `key`, with `{name}` placeholders filled; a missing key shows itself
    (tests/test_web_catalogue.py fails on any key a template uses but VI lacks)."""
    text = CATALOGUES[LANGUAGE].get(key, key)
    return text.format(**values) if values else text


def has(key: str) -> bool:
    return key in CATALOGUES[LANGUAGE]


def field_label(name: str) -> str:
    """A form field's name as the form labels it (the code name when none is known)."""
    return t(f"field.{name}") if has(f"field.{name}") else name


def rule_name(rule: str | None) -> str:
    return RULE_NAMES.get(rule or "", "") if rule else ""


def day(value: date | datetime | str | None) -> str:
    """`dd/mm/yyyy`, as Vietnamese documents write dates."""
    if value is None or value == "":
        return VI["word.none"]
    if isinstance(value, str):
        text = value
        try:
            value = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
        except ValueError:
            return text
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")
