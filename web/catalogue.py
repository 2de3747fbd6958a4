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
    # --- supervisors ---------------------------------------------------------------------
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
