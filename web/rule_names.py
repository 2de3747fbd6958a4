"""Short Vietnamese statement of each rule id in RULES.md, shown to users in form errors."""

RULE_NAMES: dict[str, str] = {
    "R1": "Chi bộ sinh hoạt thường kỳ mỗi tháng một lần",
    "R2": (
        "Chi bộ sinh hoạt thường kỳ vào tuần đầu của tháng; họp muộn hơn vẫn được tính "
        "nhưng bị ghi nhận là chậm"
    ),
    "R3": (
        "Chi bộ sinh hoạt chuyên đề ít nhất mỗi quý một lần; sinh hoạt chuyên đề không "
        "thay thế sinh hoạt thường kỳ"
    ),
    "R4": (
        "Đầu năm, chi bộ xây dựng kế hoạch sinh hoạt chuyên đề (chuyên đề, người chuẩn "
        "bị) và báo cáo cấp ủy cấp trên"
    ),
    "R5": "Nơi có áp dụng, chi bộ tổ chức sinh hoạt diễn đàn từ một đến hai lần mỗi năm",
    "R6": (
        "Hình thức sinh hoạt phải đúng quy định; sinh hoạt trực tuyến và theo tổ đảng chỉ"
        " áp dụng ở chi bộ đủ điều kiện"
    ),
    "R7": (
        "Nội dung, thời gian, địa điểm sinh hoạt phải thông báo trước cho đảng viên và "
        "đảng ủy viên phụ trách chi bộ"
    ),
    "R8": (
        "Chi ủy (hoặc bí thư, phó bí thư) họp trước để thống nhất nội dung và dự thảo "
        "nghị quyết kỳ sinh hoạt"
    ),
    "R9": (
        "Khai mạc phải nêu chủ trì, thư ký, số đảng viên có mặt, vắng có lý do, vắng "
        "không lý do và giới thiệu đại biểu"
    ),
    "R10": (
        "Buổi sinh hoạt kéo dài ít nhất 90 phút; ít nhất 120 phút khi kết hợp sinh hoạt "
        "thường kỳ và chuyên đề"
    ),
    "R11": (
        "Biên bản ghi đầy đủ diễn biến, ý kiến phát biểu và kết luận; biên bản đã thông "
        "qua chỉ được đính chính có lý do"
    ),
    "R12": (
        "Mỗi kỳ sinh hoạt thường kỳ phải kiểm điểm kết quả thực hiện các nghị quyết chưa "
        "hoàn thành của chi bộ"
    ),
    "R13": (
        "Tỷ lệ đảng viên dự họp phải đạt chỉ tiêu; không tính đảng viên được miễn "
        "sinh hoạt hoặc tạm thời sinh hoạt nơi khác"
    ),
    "R14": (
        "Không có đảng viên vắng mặt không lý do; không đảng viên nào vắng quá 3 kỳ sinh "
        "hoạt liên tiếp trong năm"
    ),
    "R15": (
        "Đảng viên vắng sinh hoạt không lý do 3 tháng trong năm thì chi bộ phải xem xét, "
        "đề nghị xóa tên"
    ),
    "R16": (
        "Bí thư, chi ủy viên và đảng viên giữ chức vụ lãnh đạo, quản lý phải gương mẫu dự"
        " sinh hoạt đầy đủ"
    ),
    "R17": (
        "Ghi nhận tỷ lệ đảng viên phát biểu; trên một nửa số đảng viên dự họp phát biểu "
        "là sinh hoạt có chất lượng"
    ),
    "R18": (
        "Mỗi buổi sinh hoạt được chấm điểm chất lượng theo bảng tiêu chí: tốt, khá, trung bình, kém"
    ),
    "R20": (
        "Nghị quyết phải ghi rõ nội dung, yêu cầu, biện pháp, thời hạn, người thực hiện "
        "và người kiểm tra"
    ),
    "R21": (
        "Nghị quyết được thông qua khi quá nửa số đảng viên chính thức tán thành; đảng "
        "viên dự bị không biểu quyết"
    ),
    "R22": (
        "Nghị quyết sau khi thông qua phải được thông báo cho đảng viên và báo cáo đảng ủy cơ sở"
    ),
    "R23": "Chi ủy cụ thể hóa nghị quyết thành nhiệm vụ cho từng đảng viên",
    "R24": (
        "Nghị quyết quá hạn chưa hoàn thành sẽ bị nhắc nhở, báo cáo cấp trên cho đến khi "
        "hoàn thành, gia hạn hoặc hủy bỏ"
    ),
    "R25": "Chỉ được thay đổi thời hạn nghị quyết bằng quyết định của chi bộ tại một kỳ sinh hoạt",
    "R30": "Tháng 1 hằng năm, chi bộ phân công nhiệm vụ cụ thể cho 100% đảng viên đang công tác",
    "R31": "Đảng viên mới chuyển sinh hoạt đến chi bộ phải được phân công nhiệm vụ kịp thời",
    "R32": "Chi ủy dự thảo phân công nhiệm vụ đảng viên; chi bộ thảo luận và biểu quyết thông qua",
    "R33": "Đầu năm, mỗi đảng viên đăng ký bản cam kết tu dưỡng, rèn luyện, phấn đấu",
    "R40": (
        "Hằng quý, mỗi ủy viên ban thường vụ đảng ủy cơ sở dự sinh hoạt luân phiên ít "
        "nhất một chi bộ"
    ),
    "R41": (
        "Đảng ủy viên phụ trách chi bộ dự sinh hoạt mỗi chi bộ được phân công ít nhất một"
        " lần mỗi quý"
    ),
    "R42": (
        "Hằng năm, đảng ủy chọn 5-10% chi bộ sinh hoạt định kỳ và 3-5% chi bộ sinh hoạt "
        "chuyên đề để chỉ đạo điểm"
    ),
    "R43": (
        "Bí thư chi bộ và chi ủy viên được bồi dưỡng nghiệp vụ công tác đảng ít nhất một "
        "lần trong nhiệm kỳ"
    ),
    "R50": (
        "Đảng ủy cơ sở định kỳ kiểm tra, giám sát nền nếp sinh hoạt và sổ ghi biên bản của chi bộ"
    ),
    "R51": (
        "100% chi bộ được kiểm tra, giám sát về nền nếp, chất lượng sinh hoạt trong mỗi nhiệm kỳ"
    ),
    "R52": (
        "Cuộc kiểm tra phải có kế hoạch, kết quả, kết luận có xếp loại, kiến nghị và "
        "thông báo cho chi bộ"
    ),
    "R53": (
        "Kiến nghị sau kiểm tra được theo dõi như nghị quyết: có thời hạn, người thực "
        "hiện và được đôn đốc"
    ),
    "R60": (
        "Hằng năm đánh giá, xếp loại chất lượng chi bộ và đảng viên theo bốn mức: HTXSNV,"
        " HTTNV, HTNV, KHTNV"
    ),
    "R61": "Chi bộ chỉ được xét khen thưởng khi duy trì đủ 12 kỳ sinh hoạt thường kỳ trong năm",
    "R62": (
        "Chi bộ bốn tốt: hoàn thành tốt nhiệm vụ chính trị, sinh hoạt tốt, đoàn kết, kỷ "
        "luật tốt, cán bộ, đảng viên tốt"
    ),
    "R63": "Tổ chức đảng gửi báo cáo tổng kết năm trước ngày 20 tháng 12",
    "R70": (
        "Chi bộ có ít nhất 3 đảng viên chính thức; chi bộ có từ 9 đảng viên chính thức "
        "trở lên thì bầu chi ủy"
    ),
    "R71": (
        "Kết nạp, chuyển đến, chuyển đi, chuyển chính thức, miễn, tạm dừng sinh hoạt đảng"
        " phải có quyết định được ghi nhận"
    ),
    "R72": (
        "Đảng viên đã nghỉ hưu còn sinh hoạt ở chi bộ cơ quan cần chuyển sinh hoạt về nơi cư trú"
    ),
    "R73": (
        "Sổ sách chi bộ gồm sổ ghi biên bản, danh sách đảng viên, công văn, thu chi đảng "
        "phí, khiếu nại, tố cáo"
    ),
    "R74": (
        "Đảng viên đóng đảng phí hằng tháng; đảng viên không đóng đảng phí 3 tháng trong "
        "năm sẽ bị đưa ra xem xét"
    ),
    "R80": (
        "Tài liệu đảng gửi qua mạng phải bảo mật: chỉ đảng viên của tổ chức liên quan và "
        "cấp trên được truy cập"
    ),
}
