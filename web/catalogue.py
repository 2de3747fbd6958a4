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
    # meetings
    "meeting.book_title": "Sổ biên bản sinh hoạt — chi bộ {cell}",
    "meeting.book_caption": "Các cuộc họp đã tổ chức, mới nhất trước",
    "meeting.book_empty": "Chưa có cuộc họp nào được ghi.",
    "meeting.back_to_cell": "Về trang chi bộ",
    "meeting.back_to_book": "Về sổ biên bản",
    "meeting.announce": "Thông báo cuộc họp",
    "meeting.record": "Ghi cuộc họp",
    "meeting.held_on": "Ngày họp",
    "meeting.id": "Mã cuộc họp",
    "meeting.kinds": "Hình thức",
    "meeting.present": "Có mặt",
    "meeting.excused": "Vắng có lý do",
    "meeting.absent": "Vắng không lý do",
    "meeting.present_one": "Có mặt",
    "meeting.excused_one": "Vắng có lý do",
    "meeting.absent_one": "Vắng không lý do",
    "meeting.minutes": "Biên bản",
    "meeting.minutes_missing": "Chưa có biên bản",
    "meeting.minutes_recorded": "Đã ghi biên bản ngày {day}",
    "meeting.minutes_sealed": "Biên bản đã thông qua, niêm phong ngày {day}",
    "meeting.amendment_count": "{n} lần sửa đổi",
    "meeting.amendments": "Các lần sửa đổi biên bản",
    "meeting.announce_title": "Thông báo cuộc họp chi bộ",
    "meeting.announce_intro": (
        "Thông báo trước nội dung, thời gian, địa điểm cho đảng viên và đảng ủy viên phụ"
        " trách chi bộ; sinh hoạt chuyên đề phải phân công người chuẩn bị."
    ),
    "meeting.announce_submit": "Gửi thông báo",
    "meeting.id_hint": "Ví dụ: c1-2026-03 (chi bộ, năm, tháng)",
    "meeting.one_per_line": "Mỗi dòng một mục",
    "meeting.preparers_hint": "Bắt buộc với sinh hoạt chuyên đề",
    "meeting.nobody": "Không có ai để chọn.",
    "meeting.new_title": "Ghi cuộc họp chi bộ",
    "meeting.section_when": "Thời gian và hình thức",
    "meeting.date_hint": "Ngày cuộc họp diễn ra",
    "meeting.notice_hint": "Bỏ trống: ba ngày trước ngày họp",
    "meeting.section_attendance": "Điểm danh (danh sách chi bộ ngày {day})",
    "meeting.attendance_hint": "Vắng có lý do thì phải ghi lý do.",
    "meeting.not_working": "đã nghỉ hưu / không công tác",
    "meeting.reason_hint": "Chỉ ghi khi vắng có lý do",
    "meeting.guests_hint": "Đảng viên ngoài chi bộ dự họp, ví dụ đảng ủy viên phụ trách",
    "meeting.other_guests_hint": "Mã đảng viên, cách nhau bởi dấu phẩy",
    "meeting.chair_default": "Mặc định: bí thư (hoặc phó bí thư)",
    "meeting.minute_taker_default": "Mặc định: phó bí thư (hoặc bí thư)",
    "meeting.reviewed_hint": "Cuộc họp phải kiểm điểm các nghị quyết còn mở",
    "meeting.deadline_short": "hạn {day}",
    "meeting.section_resolutions": "Nghị quyết thông qua tại cuộc họp",
    "meeting.resolutions_hint": (
        "Mỗi nghị quyết ghi đủ nội dung, yêu cầu, biện pháp, thời hạn, người thực hiện và"
        " người kiểm tra. Khối để trống được bỏ qua."
    ),
    "meeting.resolution_block": "Nghị quyết",
    "meeting.resolution_id_hint": "Ví dụ: nq-c1-2026-03",
    "meeting.votes": "Biểu quyết",
    "meeting.votes_hint": "Bỏ trống: mọi đảng viên chính thức có mặt tán thành",
    "meeting.add_resolution": "Thêm nghị quyết",
    "meeting.record_submit": "Lưu cuộc họp",
    "meeting.show_title": "Cuộc họp {meeting}",
    "meeting.section_facts": "Thông tin chung",
    "meeting.preparatory_on": "Chi ủy họp chuẩn bị ngày",
    "meeting.attendance_rate": "Đảng viên được tính dự họp",
    "meeting.counted": "{present}/{counted} có mặt",
    "meeting.record_announced": "Ghi cuộc họp này đã diễn ra",
    "meeting.section_adopted": "Nghị quyết đã thông qua",
    "meeting.none_adopted": "Cuộc họp chưa có nghị quyết nào.",
    "meeting.section_minutes": "Biên bản",
    "meeting.record_minutes": "Ghi nhận đã có biên bản",
    "meeting.seal": "Thông qua và niêm phong biên bản",
    "meeting.seal_hint": "Sau khi niêm phong, mọi chỉnh sửa phải ghi thành sửa đổi có lý do.",
    "meeting.amend": "Sửa đổi biên bản",
    "meeting.amend_submit": "Ghi sửa đổi",
    "meeting.add_resolution_title": "Thêm nghị quyết của cuộc họp này",
    "meeting.add_resolution_submit": "Lưu nghị quyết",
    "field.id": "Mã",
    "field.kind": "Hình thức sinh hoạt",
    "field.scheduled_on": "Ngày họp dự kiến",
    "field.place": "Địa điểm",
    "field.content": "Nội dung",
    "field.documents": "Tài liệu gửi trước",
    "field.preparers": "Người chuẩn bị",
    "field.held_on": "Ngày họp",
    "field.online": "Họp trực tuyến",
    "field.notice_on": "Ngày thông báo",
    "field.duration_minutes": "Thời lượng (phút)",
    "field.reason": "Lý do",
    "field.present": "Có mặt",
    "field.excused": "Vắng có lý do",
    "field.guests": "Khách mời",
    "field.other_guests": "Khách mời khác",
    "field.chair": "Chủ trì",
    "field.minute_taker": "Thư ký",
    "field.speakers": "Người phát biểu",
    "field.opinions": "Ý kiến",
    "field.minority_opinions": "Ý kiến thiểu số",
    "field.reviewed": "Nghị quyết được kiểm điểm",
    "field.minutes": "Đã có biên bản",
    "field.resolutions": "Nghị quyết",
    "field.resolution_id": "Mã nghị quyết",
    "field.requirements": "Yêu cầu",
    "field.measures": "Biện pháp",
    "field.deadline": "Thời hạn hoàn thành",
    "field.executors": "Người thực hiện",
    "field.inspector": "Người kiểm tra",
    "field.votes": "Biểu quyết",
    "field.votes_for": "Tán thành",
    "field.votes_against": "Không tán thành",
    "field.votes_abstain": "Không biểu quyết",
    "field.minutes_on": "Ngày ghi biên bản",
    "field.sealed_on": "Ngày thông qua",
    "field.amended_on": "Ngày sửa đổi",
    "field.amendment_reason": "Lý do sửa đổi",
    "field.change": "Nội dung sửa đổi",
    "field.adopted_on": "Ngày thông qua",
    "field.announced_on": "Ngày thông báo",
    "meeting.announced_on_hint": "Ngày gửi thông báo (mặc định hôm nay)",
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
