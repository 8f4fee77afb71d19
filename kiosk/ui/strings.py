"""Every word the kiosk shows, in one place, so a language toggle is a lookup and nothing more.

Keys are stable; notices are keyed by the error codes of `kiosk.core.errors` and the devices.
"""

from __future__ import annotations

ZH: dict[str, str] = {
    "app_title": "湖南省普通高校招生考试",
    "app_subtitle": "报名现场确认 · 自助服务终端",
    "attract_prompt": "请将身份证放在读卡区，或点击下方按钮开始",
    "attract_start": "开始报名确认",
    "attract_hint": "全程只需点按屏幕，无需输入汉字",
    "step_card": "放置证件",
    "step_identity": "核对身份",
    "step_photo": "拍摄照片",
    "step_check": "核对信息",
    "step_sign": "签名确认",
    "step_print": "打印",
    "step_done": "完成",
    "card_title": "请放置身份证",
    "card_prompt": "请将身份证平放在读卡区\n读卡时请勿移动证件",
    "identity_title": "请确认是您本人",
    "identity_confirm": "是我本人，继续",
    "identity_dispute": "不是我",
    "field_name": "姓名",
    "field_sex": "性别",
    "field_nation": "民族",
    "field_birth_date": "出生日期",
    "field_id_number": "证件号码",
    "field_card_type": "证件类型",
    "field_validity": "有效期限",
    "field_address": "住址",
    "field_issuer": "签发机关",
    "field_sequence_number": "报名序号",
    "field_english_name": "英文姓名",
    "field_nationality": "国籍",
    "sex_male": "男",
    "sex_female": "女",
    "card_type_resident": "居民身份证",
    "card_type_permit_hmt": "港澳台居民居住证",
    "card_type_foreign_2017": "外国人永久居留身份证",
    "card_type_foreign_2023": "外国人永久居留身份证",
    "long_term": "长期",
    "no_chip_photo": "证件照片\n暂不显示",
    "photo_title": "拍摄报名照片",
    "photo_guide": "请正对镜头坐直，头部放在框内",
    "photo_hold": "请保持不动，马上拍照",
    "photo_good": "很好，请保持这个姿势",
    "photo_review": "请确认照片：面部清晰、双眼睁开",
    "photo_retake": "重拍",
    "photo_accept": "使用这张照片",
    "photo_no_camera": "摄像头暂时断开\n正在重新连接，请稍候",
    "check_title": "请核对您的报名信息",
    "check_assigning": "正在分配…",
    "check_confirm": "信息无误，确认",
    "check_dispute": "信息有误",
    "sign_title": "请在框内用手指签写您的姓名",
    "sign_clear": "重写",
    "sign_confirm": "确认签名",
    "sign_saving": "正在保存您的报名信息…",
    "print_title": "正在打印登录卡",
    "print_hint": "请稍候，登录卡将从出纸口打出",
    "done_title": "现场确认完成",
    "done_message": "请取走登录卡和身份证\n初始密码请妥善保管，首次登录后请立即修改",
    "done_finish": "完成",
    "returning": "{seconds} 秒后返回首页",
    "cancel": "取消",
    "back_home": "返回首页",
    "staff_reader_lost": "读卡器未连接，请工作人员检查",
    "staff_camera_lost": "摄像头未连接，请工作人员检查",
    "staff_light_fault": "补光灯故障，请工作人员检查（不影响拍照）",
    "sim_card_valid": "模拟：有效证件",
    "sim_card_expired": "过期证件",
    "sim_card_bad": "号码错误证件",
    "sim_card_remove": "取走证件",
    "notice_default_title": "需要工作人员协助",
    "notice_default_message": "请联系现场工作人员。",
    "notice_card_expired_title": "身份证已过期",
    "notice_card_expired_message": (
        "请持有效证件办理，或联系现场工作人员。\n本次未保存任何信息。"
    ),
    "notice_card_not_yet_valid_title": "证件尚未生效",
    "notice_card_not_yet_valid_message": "请联系现场工作人员。",
    "notice_document_invalid_title": "证件信息未通过核验",
    "notice_document_invalid_message": (
        "请重新放置身份证再试一次；\n如仍不能通过，请联系现场工作人员。"
    ),
    "notice_card_unreadable_title": "无法读取身份证",
    "notice_card_unreadable_message": "已多次尝试读取失败，请联系现场工作人员。",
    "notice_identity_disputed_title": "请联系现场工作人员",
    "notice_identity_disputed_message": "证件信息与本人不符时，由工作人员协助办理。",
    "notice_data_disputed_title": "请联系现场工作人员",
    "notice_data_disputed_message": "报名信息需要更正时，由工作人员协助办理。",
    "notice_photo_retakes_exhausted_title": "请联系现场工作人员",
    "notice_photo_retakes_exhausted_message": "照片已重拍多次，请工作人员协助拍摄。",
    "notice_camera_unavailable_title": "摄像头不可用",
    "notice_camera_unavailable_message": "请联系现场工作人员。",
    "notice_sequence_exhausted_title": "本机报名序号已用完",
    "notice_sequence_exhausted_message": "请联系现场工作人员处理。",
    "notice_disk_full_title": "本机存储空间不足",
    "notice_disk_full_message": "请联系现场工作人员处理。",
    "notice_print_failed_title": "登录卡打印失败",
    "notice_print_failed_message": "您的报名信息已经保存。\n请联系现场工作人员补打登录卡。",
    "notice_internal_error_title": "系统出现问题",
    "notice_internal_error_message": "请联系现场工作人员。",
}

# Document checks share one message: the candidate can do the same thing about each of them.
for _code in (
    "id_number_format",
    "id_number_checksum",
    "id_number_birth_date",
    "id_number_sex_mismatch",
):
    ZH[f"notice_{_code}_title"] = ZH["notice_document_invalid_title"]
    ZH[f"notice_{_code}_message"] = ZH["notice_document_invalid_message"]

EN: dict[str, str] = {
    "app_title": "Hunan College Entrance Examination",
    "app_subtitle": "On-site registration · self-service",
    "attract_prompt": "Place your ID card on the reader, or touch the button to begin",
    "attract_start": "Begin",
    "cancel": "Cancel",
    "back_home": "Home",
}

LANGUAGES = {"zh": ZH, "en": EN}


def text(key: str, language: str = "zh", **values: object) -> str:
    """The string for `key`, falling back to Chinese and then to the key itself."""
    table = LANGUAGES.get(language, ZH)
    template = table.get(key) or ZH.get(key) or key
    return template.format(**values) if values else template


def notice_text(code: str, language: str = "zh") -> tuple[str, str]:
    """Title and message for a notice; unknown codes get the generic ask-staff text."""
    title_key, message_key = f"notice_{code}_title", f"notice_{code}_message"
    if title_key not in ZH:
        title_key, message_key = "notice_default_title", "notice_default_message"
    return text(title_key, language), text(message_key, language)
