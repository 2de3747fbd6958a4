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
    "audit.desk_title": "Kiểm tra lịch sử hồ sơ",
    "audit.back_desk": "← Về trang kiểm tra lịch sử",
    "audit.verify_title": "Kiểm tra tính toàn vẹn của nhật ký",
    "audit.verify_ok": "Toàn vẹn: không phát hiện thay đổi",
    "audit.verify_bad": "Phát hiện nhật ký bị thay đổi",
    "audit.verify_events": "Số sự kiện đã kiểm tra",
    "audit.verify_signed_through": "Đã ký xác nhận đến vị trí",
    "audit.verify_problem": "Vấn đề phát hiện",
    "audit.verify_no_problem": "Không có",
    "audit.verify_unavailable": "Chưa kiểm tra được",
    "audit.verify_refused": "Chỉ kiểm toán viên và bí thư đảng ủy xem được kết quả này.",
    "audit.bundle_title": "Gói kiểm toán",
    "audit.bundle_help": (
        "Tệp gồm các sự kiện, chuỗi băm, các điểm ký xác nhận và khóa công khai, để kiểm tra"
        " độc lập không cần cơ sở dữ liệu (chibo audit verify --bundle). Để trống hai ngày"
        " để tải toàn bộ nhật ký."
    ),
    "audit.bundle_from": "Từ ngày nghiệp vụ",
    "audit.bundle_to": "Đến ngày nghiệp vụ",
    "audit.bundle_download": "Tải gói kiểm toán",
    "audit.lookup_title": "Tra cứu lịch sử một hồ sơ",
    "audit.lookup_ref": "Mã hồ sơ",
    "audit.lookup_hint": "Ví dụ: nq-c1-01, meeting:c1-2026-01, cell:c1",
    "audit.lookup_submit": "Xem lịch sử",
    "audit.cell_form_title": "Chi bộ tại một ngày",
    "audit.on_date": "Vào ngày",
    "audit.on_hint": "Trạng thái theo ngày nghiệp vụ (sự kiện ghi ngày đó hoặc trước đó)",
    "audit.as_of": "Theo những gì đã ghi đến lúc",
    "audit.as_of_hint": "Thời điểm ghi vào hệ thống, giờ UTC",
    "audit.utc": "giờ UTC",
    "audit.reads_title": "Nhật ký truy cập",
    "audit.reads_help": "Những lần xem hồ sơ của một chi bộ bởi người không thuộc chi bộ đó.",
    "audit.reads_at": "Thời điểm (giờ UTC)",
    "audit.reads_record": "Hồ sơ đã xem",
    "audit.reads_none": "Chưa có lần truy cập nào từ ngoài chi bộ.",
    "audit.record_title": "Lịch sử hồ sơ {ref}",
    "audit.record_events": "{count} sự kiện",
    "audit.state_form_title": "Xem hồ sơ tại một thời điểm",
    "audit.state_now": "Hồ sơ hiện tại",
    "audit.state_on": "Hồ sơ vào ngày {on}",
    "audit.state_as_of": "Hồ sơ theo những gì đã ghi đến {at} (giờ UTC)",
    "audit.state_on_as_of": "Hồ sơ vào ngày {on}, theo những gì đã ghi đến {at} (giờ UTC)",
    "audit.state_none": "Hồ sơ chưa được ghi nhận vào thời điểm này.",
    "audit.state_version": "Phiên bản {version}",
    "audit.timeline_title": "Diễn biến (cũ trước, mới sau)",
    "audit.col_what": "Việc gì",
    "audit.col_who": "Ai ghi",
    "audit.col_why": "Lý do, căn cứ",
    "audit.col_data": "Dữ liệu",
    "audit.command_id": "Mã lệnh",
    "audit.why.reason": "Lý do",
    "audit.why.note": "Ghi chú",
    "audit.why.action": "Việc đã làm",
    "audit.show_data": "Xem dữ liệu",
    "audit.kind.organisation": "Hồ sơ tổ chức đảng",
    "audit.kind.cell": "Hồ sơ chi bộ",
    "audit.kind.meeting": "Cuộc họp chi bộ",
    "audit.kind.resolution": "Nghị quyết / kết luận / kiến nghị",
    "audit.kind.inspection": "Cuộc kiểm tra",
    "audit.kind.task_assignment": "Phân công nhiệm vụ đảng viên",
    "audit.kind.escalation": "Cảnh báo",
    "audit.kind.reminder": "Nhắc việc",
    "audit.kind.command": "Lệnh đã nhận",
    "audit.cell_title": "Chi bộ {cell} vào ngày {on}",
    "audit.cell_timeline": "Lịch sử hồ sơ chi bộ",
    "audit.register_title": "Danh sách đảng viên và chức vụ",
    "audit.secretary": "Bí thư",
    "audit.deputy": "Phó bí thư",
    "audit.in_charge": "Đảng ủy viên phụ trách",
    "audit.founded_on": "Ngày thành lập",
    "audit.roster": "{count} đảng viên",
    "audit.roster_empty": "Chưa có đảng viên nào vào ngày này.",
    "audit.member_status": "Tư cách",
    "audit.member_status.official": "Chính thức",
    "audit.member_status.probationary": "Dự bị",
    "audit.member_status.exempted": "Miễn sinh hoạt",
    "audit.member_status.suspended": "Tạm ngừng sinh hoạt",
    "audit.member_status.elsewhere": "Sinh hoạt nơi khác",
    "audit.working": "Đang công tác",
    "audit.cell_roles": "Chức vụ trong chi bộ",
    "audit.cell_role.secretary": "Bí thư",
    "audit.cell_role.deputy": "Phó bí thư",
    "audit.cell_role.committee": "Chi ủy viên",
    "audit.meetings_title": "Các buổi sinh hoạt đã tổ chức đến ngày {on}",
    "audit.no_meetings": "Chưa có buổi sinh hoạt nào đến ngày này.",
    "audit.held_on": "Ngày họp",
    "audit.meeting": "Cuộc họp",
    "audit.meeting_kinds": "Loại",
    "audit.attendance": "Dự họp",
    "audit.attendance_count": "{present}/{counted} đảng viên",
    "audit.resolutions_title": "Nghị quyết đã thông qua đến ngày {on}, trạng thái ngày đó",
    "audit.no_resolutions": "Chưa có nghị quyết nào đến ngày này.",
    "audit.resolution": "Nghị quyết",
    "audit.content": "Nội dung",
    "audit.adopted_on": "Ngày thông qua",
    "audit.deadline_then": "Hạn hoàn thành lúc đó",
    "audit.status_then": "Trạng thái lúc đó",
    # events: one key per event class of domain/*.py (tests/test_web_audit.py checks)
    "event.Registered": "Thành lập tổ chức đảng",
    "event.LeadershipChanged": "Thay đổi lãnh đạo tổ chức đảng",
    "event.MemberRegistered": "Ghi tên đảng viên",
    "event.MemberStatusChanged": "Thay đổi tư cách đảng viên",
    "event.PolicyAdopted": "Ban hành quy định áp dụng",
    "event.CellAttached": "Chi bộ trực thuộc được ghi nhận",
    "event.MemberDataErased": "Xóa dữ liệu cá nhân của đảng viên",
    "event.AuditorGranted": "Giao quyền kiểm tra lịch sử",
    "event.AuditorWithdrawn": "Thu hồi quyền kiểm tra lịch sử",
    "event.Founded": "Thành lập chi bộ",
    "event.MemberTransferredIn": "Chuyển đảng viên đến chi bộ",
    "event.MemberTransferredOut": "Chuyển đảng viên khỏi chi bộ",
    "event.InChargeAssigned": "Phân công đảng ủy viên phụ trách",
    "event.RolesChanged": "Thay đổi chức vụ trong chi bộ",
    "event.OnlineEligibilityChanged": "Thay đổi quyền họp trực tuyến",
    "event.PartyGroupsSet": "Lập tổ đảng",
    "event.ThematicPlanSet": "Lập kế hoạch sinh hoạt chuyên đề",
    "event.MeetingHeld": "Ghi nhận buổi sinh hoạt đã tổ chức",
    "event.Accepted": "Lệnh được tiếp nhận",
    "event.Announced": "Thông báo cuộc họp",
    "event.Held": "Ghi nhận cuộc họp đã diễn ra",
    "event.HeldAsAnnounced": "Cuộc họp diễn ra như đã thông báo",
    "event.PreparatoryMeetingHeld": "Họp chi ủy chuẩn bị",
    "event.MinutesRecorded": "Ghi biên bản",
    "event.MinutesSealed": "Khóa biên bản",
    "event.MinutesAmended": "Sửa biên bản",
    "event.Scored": "Đánh giá chất lượng buổi sinh hoạt",
    "event.Adopted": "Thông qua",
    "event.Communicated": "Phổ biến nghị quyết",
    "event.TasksAssigned": "Phân công thực hiện",
    "event.ProgressReported": "Báo cáo tiến độ",
    "event.Completed": "Hoàn thành",
    "event.DeadlineExtended": "Gia hạn thời hạn",
    "event.Cancelled": "Hủy bỏ",
    "event.MarkedOverdue": "Ghi nhận quá hạn",
    "event.Drafted": "Chi ủy dự thảo phân công nhiệm vụ đảng viên",
    "event.TasksAdded": "Bổ sung nhiệm vụ đảng viên",
    "event.PledgeRecorded": "Ghi nhận bản cam kết của đảng viên",
    "event.Planned": "Lập kế hoạch kiểm tra",
    "event.Concluded": "Kết luận kiểm tra",
    "event.Notified": "Thông báo, gửi đến người nhận",
    "event.Raised": "Phát sinh cảnh báo",
    "event.Acknowledged": "Tiếp nhận cảnh báo",
    "event.Resolved": "Xử lý xong cảnh báo",
    "event.Sent": "Gửi nhắc việc",
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
