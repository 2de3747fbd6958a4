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
    # cells, resolutions, year
    "cell.list_title": "Các chi bộ",
    "cell.list_caption": "Các chi bộ bạn được xem",
    "cell.none": "Bạn không được xem chi bộ nào.",
    "cell.id": "Mã chi bộ",
    "cell.name": "Tên chi bộ",
    "cell.secretary": "Bí thư chi bộ",
    "cell.in_charge": "Đảng ủy viên phụ trách",
    "cell.no_in_charge": "Chưa phân công",
    "cell.register": "Danh sách đảng viên",
    "cell.register_on": "Danh sách tính đến ngày",
    "cell.register_caption": "Đảng viên của chi bộ ngày {day}",
    "cell.member_id": "Mã đảng viên",
    "cell.member_name": "Họ và tên",
    "cell.roles": "Chức vụ trong chi bộ",
    "cell.role.secretary": "Bí thư",
    "cell.role.deputy": "Phó bí thư",
    "cell.role.committee": "Chi ủy viên",
    "cell.status.official": "Chính thức",
    "cell.status.probationary": "Dự bị",
    "cell.status.exempted": "Miễn sinh hoạt",
    "cell.status.suspended": "Đình chỉ sinh hoạt",
    "cell.status.elsewhere": "Sinh hoạt tạm thời nơi khác",
    "cell.not_working": "không còn công tác",
    "cell.this_month": "Sinh hoạt tháng {month}/{year}",
    "cell.not_held": "Chưa sinh hoạt",
    "cell.announce": "Thông báo kỳ sinh hoạt",
    "cell.record_meeting": "Ghi kỳ sinh hoạt đã họp",
    "cell.resolutions": "Nghị quyết",
    "cell.open_resolutions": "Đang thực hiện",
    "cell.overdue_resolutions": "Quá hạn",
    "cell.records": "Hồ sơ",
    "cell.minutes_book": "Sổ biên bản sinh hoạt",
    "cell.year_page": "Kế hoạch và phân công năm {year}",
    "resolution.board_title": "Bảng theo dõi nghị quyết",
    "resolution.tabs": "Lọc theo trạng thái",
    "resolution.tab.open": "Đang thực hiện",
    "resolution.tab.overdue": "Quá hạn",
    "resolution.tab.completed": "Đã hoàn thành",
    "resolution.tab.cancelled": "Đã hủy",
    "resolution.none": "Không có nghị quyết nào ở mục này.",
    "resolution.id": "Số hiệu",
    "resolution.title": "Nghị quyết {id}",
    "resolution.back_to_board": "Về bảng theo dõi nghị quyết",
    "resolution.kind": "Loại",
    "resolution.kind.resolution": "Nghị quyết",
    "resolution.kind.conclusion": "Kết luận",
    "resolution.kind.recommendation": "Kiến nghị sau kiểm tra",
    "resolution.content": "Nội dung",
    "resolution.requirements": "Yêu cầu",
    "resolution.measures": "Biện pháp",
    "resolution.deadline": "Thời hạn",
    "resolution.extended_from": "gia hạn, ban đầu {day}",
    "resolution.overdue_since": "Quá hạn từ {day}",
    "resolution.executors": "Người thực hiện",
    "resolution.inspector": "Người kiểm tra",
    "resolution.source": "Thông qua tại",
    "resolution.meeting_of": "kỳ sinh hoạt {id}",
    "resolution.inspection_of": "cuộc kiểm tra {id}",
    "resolution.adopted_on": "ngày {day}",
    "resolution.closed_on": "Ngày kết thúc",
    "resolution.cancel_reason": "Lý do hủy",
    "resolution.deadline_history": "Lịch sử thời hạn",
    "resolution.decided_on": "Ngày quyết định",
    "resolution.at_meeting": "Tại kỳ sinh hoạt",
    "resolution.previous": "Thời hạn cũ",
    "resolution.new_deadline": "Thời hạn mới",
    "resolution.no_extension": "Chưa gia hạn lần nào (thời hạn ban đầu {day}).",
    "resolution.progress": "Tiến độ thực hiện",
    "resolution.no_progress": "Chưa có báo cáo tiến độ.",
    "resolution.report_progress": "Báo cáo tiến độ",
    "resolution.progress_note": "Đã làm được gì",
    "resolution.send_progress": "Gửi báo cáo tiến độ",
    "resolution.report_completion": "Báo cáo hoàn thành",
    "resolution.completion_note": "Ghi chú (không bắt buộc)",
    "resolution.mark_completed": "Đã hoàn thành",
    "resolution.extend": "Gia hạn (theo quyết định của chi bộ)",
    "resolution.save_extension": "Lưu gia hạn",
    "resolution.cancel": "Hủy nghị quyết (theo quyết định của chi bộ)",
    "resolution.save_cancellation": "Lưu việc hủy",
    "resolution.deciding_meeting": "Kỳ sinh hoạt quyết định",
    "resolution.choose_meeting": "— chọn kỳ sinh hoạt —",
    "year.title": "Kế hoạch và phân công năm {year}",
    "year.intro": (
        "Tháng 1 hằng năm: kế hoạch sinh hoạt chuyên đề và phân công nhiệm vụ cho từng đảng viên."
    ),
    "year.plan": "Kế hoạch sinh hoạt chuyên đề",
    "year.no_plan": "Chưa có kế hoạch sinh hoạt chuyên đề",
    "year.prepared_by": "chuẩn bị: {name}",
    "year.plan_form": "Các chuyên đề, mỗi dòng một chuyên đề",
    "year.plan_hint": "Để trống dòng không dùng.",
    "year.topic_n": "Chuyên đề {n}",
    "year.preparer_n": "Người chuẩn bị chuyên đề {n}",
    "year.no_preparer": "— chưa phân công —",
    "year.save_plan": "Lưu kế hoạch",
    "year.tasks": "Phân công nhiệm vụ đảng viên",
    "year.adopted_at": "Chi bộ đã biểu quyết thông qua tại kỳ sinh hoạt",
    "year.not_adopted": "Chi bộ chưa biểu quyết",
    "year.missing": "Còn thiếu: {count} đảng viên chưa được phân công",
    "year.all_assigned": "Mọi đảng viên đang công tác đã được phân công nhiệm vụ.",
    "year.tasks_caption": "Nhiệm vụ và bản cam kết của {count} đảng viên đang công tác",
    "year.task": "Nhiệm vụ",
    "year.pledge": "Cam kết tu dưỡng, rèn luyện",
    "year.no_pledge": "Chưa có cam kết",
    "year.tasks_form": "Nhiệm vụ của từng đảng viên",
    "year.task_of": "Nhiệm vụ của {name} ({member})",
    "year.adopting_meeting": "Kỳ sinh hoạt biểu quyết",
    "year.adopting_meeting_hint": "Chọn khi chi bộ đã thảo luận và biểu quyết bản phân công.",
    "year.not_voted_yet": "— chưa biểu quyết —",
    "year.save_tasks": "Lưu phân công",
    "field.topics": "Các chuyên đề",
    "field.preparers": "Người chuẩn bị",
    "field.tasks": "Nhiệm vụ",
    "field.meeting": "Kỳ sinh hoạt",
    "field.new_deadline": "Thời hạn mới",
    "field.reason": "Lý do hủy",
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
