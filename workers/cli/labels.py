"""Vietnamese labels for what users see (code speaks English; RULES.md has the glossary)."""

from __future__ import annotations

KIND_LABELS = {
    "meeting_missed": "không sinh hoạt thường kỳ",
    "thematic_missed": "không sinh hoạt chuyên đề",
    "thematic_plan_missing": "chưa có kế hoạch chuyên đề",
    "minutes_missing": "chưa có biên bản",
    "attendance_below_target": "tỷ lệ dự họp dưới chỉ tiêu",
    "absent_streak": "vắng họp liên tiếp",
    "removal_review": "xem xét xóa tên",
    "resolution_overdue": "nghị quyết quá hạn",
    "task_assignment_incomplete": "chưa phân công nhiệm vụ đủ",
    "new_member_unassigned": "đảng viên mới chưa được phân công",
    "committee_attendance_missed": "cấp ủy viên chưa dự sinh hoạt chi bộ",
    "inspection_overdue": "chưa kiểm tra chi bộ",
    "resolution_deadline_approaching": "sắp đến hạn nghị quyết",
    "committee_attendance_due": "nhắc dự sinh hoạt chi bộ",
    "task_assignment_due": "nhắc phân công nhiệm vụ",
}

STATUS_LABELS = {
    "open": "chưa xử lý",
    "acknowledged": "đã tiếp nhận",
    "resolved": "đã giải quyết",
}
