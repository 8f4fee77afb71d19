"""Every sentence the kiosk says to a person, in every language it offers, in one table.

Each entry holds all languages at once (`Words(zh=..., en=...)`), so a text that exists in one
language and not another cannot be written. Screens, the notice screen, the photo guidance,
staff alerts and the upload status (`kioskctl` prints English) all read from here. Pure data
and the standard library only: the UI, `kioskctl` and the uploader may all import it.

Keys are stable; notices are keyed by `kiosk.core.notices.Notice`, photo guidance by the
reason codes of `kiosk.core.photo_standard`, staff alerts by `kiosk.core.health.Alert`.
"""

from __future__ import annotations

from typing import NamedTuple

from kiosk.core import photo_standard as ps
from kiosk.core.notices import Notice


class Words(NamedTuple):
    zh: str
    en: str


LANGUAGES: tuple[str, ...] = Words._fields
DEFAULT_LANGUAGE = "zh"
# Each language by its own name: the language button names the one it switches to.
LANGUAGE_NAMES: dict[str, str] = {"zh": "中文", "en": "English"}


def other_language(language: str) -> str:
    """What the language button switches to from `language`."""
    return "zh" if language == "en" else "en"

_DOCUMENT_INVALID_TITLE = Words("证件信息未通过核验", "The card's details did not pass the check")
_DOCUMENT_INVALID_MESSAGE = Words(
    "请重新放置身份证再试一次；\n如仍不能通过，请联系现场工作人员。",
    "Place your ID card on the reader again;\nif it still fails, please ask a member of staff.",
)
_ASK_STAFF = Words("请联系现场工作人员。", "Please ask a member of staff.")
_TELL_STAFF = Words("请联系现场工作人员处理。", "Please ask a member of staff to deal with it.")
_CONTACT_STAFF = Words("请联系现场工作人员", "Please ask a member of staff")

# The staff side: the PIN pad, the banner, the panel, the end-of-day report (kiosk.core.staff,
# staff_session, staff_panel, day_report).
_STAFF_PANEL: dict[str, Words] = {
    "staff_banner": Words("工作人员卡已插入：本考生办理结束后打开管理面板。",
                          "Staff card inserted: the panel opens when this candidate is done."),
    "staff_take_over": Words("接管", "Take over"),
    "staff_pin_title": Words("工作人员登录", "Staff sign-in"),
    "staff_pin_prompt": Words("请输入工作人员卡的 PIN 码", "Enter the staff card's PIN"),
    "staff_pin_checking_card": Words("正在核验工作人员卡……", "Checking the staff card..."),
    "staff_pin_card_of": Words("{role}（工号 {staff_number}）",
                               "{role} (staff no. {staff_number})"),
    "staff_pin_checking": Words("正在核对 PIN 码……", "Checking the PIN..."),
    "staff_pin_tries_left": Words("卡片还允许尝试 {tries} 次",
                                  "The card allows {tries} more tries"),
    "staff_pin_locked": Words("PIN 码错误次数过多，请 {seconds} 秒后再试",
                              "Too many wrong PINs: try again in {seconds} s"),
    "staff_pin_ok": Words("确定", "OK"),
    "staff_pin_clear": Words("清除", "Clear"),
    "staff_error_wrong_pin": Words("PIN 码错误。", "Wrong PIN."),
    "staff_error_locked_out": Words("PIN 码错误次数过多，暂时锁定。",
                                    "Too many wrong PINs: locked for now."),
    "staff_error_pin_blocked": Words("此卡 PIN 码已锁死，请联系发卡单位解锁。",
                                     "This card's PIN is blocked: the issuing office must"
                                     " unblock it."),
    "staff_error_untrusted_card": Words("此卡不是本省工作人员卡。",
                                        "This is not a staff card of this province."),
    "staff_error_expired_card": Words("此工作人员卡已过期。", "This staff card has expired."),
    "staff_error_wrong_county": Words("此卡属于其他县市区。",
                                      "This card is for another county."),
    "staff_error_no_card": Words("未检测到工作人员卡。", "No staff card found."),
    "staff_error_card_removed": Words("工作人员卡已拔出。", "The staff card was removed."),
    "staff_error_reader_unavailable": Words("工作人员读卡器不可用。",
                                            "The staff card reader is not available."),
    "staff_error_card_failed": Words("无法读取此卡，请重新插卡。",
                                     "The card could not be read: insert it again."),
    "role_staff": Words("工作人员", "Staff"),
    "role_supervisor": Words("主管", "Supervisor"),
    "role_technician": Words("技术人员", "Technician"),
    "staff_panel_title": Words("管理面板", "Staff panel"),
    "staff_signed_in_as": Words("{name} · {role} · 工号 {staff_number}",
                                "{name} · {role} · staff no. {staff_number}"),
    "staff_sign_out": Words("退出", "Sign out"),
    "staff_pause_break": Words("暂停：人员暂离", "Pause: staff away"),
    "staff_pause_fault": Words("暂停：设备故障", "Pause: fault"),
    "staff_pause_closed_today": Words("今日结束", "Close for today"),
    "staff_resume": Words("恢复服务", "Resume"),
    "staff_open": Words("本机正在服务", "This kiosk is open"),
    "staff_paused": Words("本机已暂停：{words}", "This kiosk is paused: {words}"),
    "local_pause_break": Words("工作人员暂时离开，暂停服务，请稍候。",
                               "Paused while staff are away; please wait."),
    "local_pause_fault": Words("本机故障维修中，请到其他终端办理。",
                               "Being repaired; please use another kiosk."),
    "local_pause_closed_today": Words("本机今日服务已结束。",
                                      "This kiosk has closed for today."),
    "staff_today": Words("今日办理", "Today"),
    "staff_no_sessions": Words("今日尚无考生办理。", "No candidates yet today."),
    "staff_workflow_counts": Words(
        "{workflow}：开始 {started} · 完成 {completed} · 取消 {cancelled} · 超时 {timed_out}"
        " · 异常 {exception}",
        "{workflow}: started {started} · completed {completed} · cancelled {cancelled}"
        " · timed out {timed_out} · exceptions {exception}"),
    "staff_queue": Words("待上传 {depth} 条 · 最近上传 {last_upload} · 最近回执 {last_receipt}",
                         "Queued {depth} · last upload {last_upload} · last receipt"
                         " {last_receipt}"),
    "staff_never": Words("无", "never"),
    "staff_health": Words("设备", "Devices"),
    "staff_health_all_ok": Words("全部正常", "all working"),
    "part_reader": Words("身份证阅读器", "ID reader"),
    "part_camera": Words("摄像头", "camera"),
    "part_printer": Words("凭条打印机", "receipt printer"),
    "part_a4_printer": Words("A4 打印机", "A4 printer"),
    "part_light": Words("补光灯", "fill light"),
    "staff_void_title": Words("作废未完成的报名序号", "Void an unfinished session's number"),
    "staff_void_none": Words("没有未完成的报名序号。", "No unfinished session holds a number."),
    "staff_void": Words("作废", "Void"),
    "staff_voided": Words("已作废。", "Voided."),
    "void_reason_candidate_left": Words("考生离开", "Candidate left"),
    "void_reason_machine_fault": Words("设备故障", "Machine fault"),
    "void_reason_wrong_person": Words("非本人办理", "Wrong person"),
    "staff_reprint": Words("重新打印登录卡", "Print the login card again"),
    "staff_exceptions": Words("特殊情况", "Exceptions"),
    "staff_exception_not_allowed": Words("此卡无权处理特殊情况。",
                                         "This card's role may not handle exceptions."),
    "staff_exception_nobody_waiting": Words("没有考生在等待工作人员。",
                                            "No candidate is waiting for staff."),
    "staff_exception_busy": Words("有考生正在办理，请待其结束后再试。",
                                  "A candidate is being served: try again once they finish."),
    "exception_migrant_children": Words("随迁子女", "Migrant workers' children"),
    "exception_other_document": Words("其他身份证件", "Other identity documents"),
    "exception_no_card_yet": Words("尚无二代身份证", "No ID card yet"),
    "exception_card_damaged": Words("身份证损坏", "ID card damaged"),
    "exception_card_expired": Words("身份证过期", "ID card expired"),
    "exception_cannot_come": Words("无法在规定时间确认", "Cannot come in the window"),
    "exception_dispute": Words("考生对信息有异议", "Candidate disputes the data"),
    "staff_day_report": Words("日终报表", "End-of-day report"),
    "staff_report_print": Words("打印报表", "Print the report"),
    "staff_report_printed": Words("报表已送打印。", "The report went to the printer."),
    "staff_report_no_printer": Words("本机未连接 A4 打印机。", "No A4 printer is set up."),
    "staff_report_confirm": Words("主管确认并上报", "Confirm and send (supervisor)"),
    "staff_report_needs_supervisor": Words("须由主管插卡登录后确认。",
                                           "A supervisor must sign in with their card to"
                                           " confirm it."),
    "staff_report_confirmed": Words("报表已由主管卡签名确认，将随下次上传报送省级。",
                                    "Signed by the supervisor's card: it goes to the province"
                                    " with the next upload."),
    "staff_report_signing": Words("主管卡正在签名…", "The supervisor's card is signing…"),
    "staff_report_failed": Words("主管卡未能签名，报表未确认，请重新插卡再试。",
                                 "The card did not sign: the report is not confirmed. Insert"
                                 " the card again and retry."),
    "staff_back": Words("返回", "Back"),
    "report_title": Words("报名点终端日终报表", "Kiosk end-of-day report"),
    "report_day": Words("日期", "Day"),
    "report_device": Words("终端编号", "Kiosk"),
    "report_workflow": Words("流程 {workflow}", "Workflow {workflow}"),
    "report_sessions": Words("办理人次", "Sessions"),
    "report_numbers_used": Words("已用报名序号", "Numbers used"),
    "report_numbers_voided": Words("作废报名序号", "Numbers voided"),
    "report_void_reason": Words("其中：{reason}", "of which: {reason}"),
    "report_exceptions": Words("异常", "Exceptions"),
    "report_queue": Words("待上传记录", "Records queued"),
    "report_confirmed_by": Words("确认主管工号", "Confirmed by (staff no.)"),
    "report_signed_on": Words("签字日期", "Signed on"),
    "outcome_started": Words("开始", "started"),
    "outcome_completed": Words("完成", "completed"),
    "outcome_cancelled": Words("取消", "cancelled"),
    "outcome_timed_out": Words("超时", "timed out"),
    "outcome_exception": Words("异常", "exceptions"),
}

SCREENS: dict[str, Words] = {
    "app_title": Words("湖南省普通高校招生考试", "Hunan College Entrance Examination"),
    "app_subtitle": Words("报名现场确认 · 自助服务终端", "On-site registration · self-service"),
    "attract_prompt": Words(
        "请将身份证放在读卡区，或点击下方按钮开始",
        "Place your ID card on the reader, or touch the button to begin",
    ),
    "attract_start": Words("开始报名确认", "Begin"),
    "attract_hint": Words(
        "全程只需点按屏幕，无需输入汉字", "You only need to touch the screen; no typing"
    ),
    "step_card": Words("放置证件", "ID card"),
    "step_identity": Words("核对身份", "Identity"),
    "step_photo": Words("拍摄照片", "Photo"),
    "step_check": Words("核对信息", "Check"),
    "step_sign": Words("签名确认", "Sign"),
    "step_print": Words("打印", "Print"),
    "step_done": Words("完成", "Done"),
    "card_title": Words("请放置身份证", "Place your ID card"),
    "card_prompt": Words(
        "请将身份证平放在读卡区\n读卡时请勿移动证件",
        "Lay your ID card flat on the reader\nand keep it still while it is read",
    ),
    "identity_title": Words("请确认是您本人", "Please confirm this is you"),
    "identity_confirm": Words("是我本人，继续", "This is me, continue"),
    "identity_dispute": Words("不是我", "This is not me"),
    "field_name": Words("姓名", "Name"),
    "field_sex": Words("性别", "Sex"),
    "field_nation": Words("民族", "Ethnic group"),
    "field_birth_date": Words("出生日期", "Born"),
    "field_id_number": Words("证件号码", "ID number"),
    "field_card_type": Words("证件类型", "Card type"),
    "field_validity": Words("有效期限", "Valid"),
    "field_address": Words("住址", "Address"),
    "field_issuer": Words("签发机关", "Issued by"),
    "field_sequence_number": Words("报名序号", "Reg. no."),
    "field_english_name": Words("英文姓名", "English name"),
    "field_nationality": Words("国籍", "Nationality"),
    "field_candidate_category": Words("考生类别", "Candidate category"),
    "field_subject_track": Words("科类", "Subject track"),
    "field_exam_level": Words("报考层次", "Level applied for"),
    "field_school": Words("毕业学校", "School"),
    "field_household": Words("户籍所在地", "Household registration"),
    "field_parent_work": Words("父母务工单位", "Parents' employer"),
    "field_political_status": Words("政治面貌", "Political status"),
    "field_foreign_language": Words("外语语种", "Foreign language"),
    "field_adult_category": Words("报考科类", "Category applied for"),
    "field_study_mode": Words("学习形式", "Study mode"),
    "field_school_choice_1": Words("第一志愿学校", "First choice: school"),
    "field_major_choice_1": Words("第一志愿专业", "First choice: major"),
    "field_school_choice_2": Words("第二志愿学校", "Second choice: school"),
    "field_major_choice_2": Words("第二志愿专业", "Second choice: major"),
    "field_confirmation_point": Words("报名确认点", "Confirmation point"),
    "field_point": Words("报名点", "Registration point"),
    "field_form_date": Words("打印日期", "Date"),
    # The paper forms (kiosk.core.forms, printed by hardware.printer.forms_pdf).
    "form_proof_title": Words("湖南省普通高校招生考生报名信息校对表", "Registration proof table"),
    "form_proof_declaration": Words(
        "请逐项核对以上信息，如有错误请向报名点工作人员提出更正。",
        "Check every field above; ask the registration point's staff to correct any error.",
    ),
    "form_registration_title": Words("湖南省普通高校招生考生报名登记表", "Registration form"),
    "form_registration_declaration": Words(
        "本人已核对以上报名信息，确认准确无误。",
        "I have checked the details above; they are correct.",
    ),
    "form_adult_flow_title": Words(
        "湖南省成人高校招生考生报名流程表", "Adult exam registration flow sheet"
    ),
    "form_adult_flow_declaration": Words(
        "本人已完成现场确认，确认后报名信息不再更改，并已抄录《诚信考试承诺书》。",
        "I have confirmed my registration on site, know it cannot be changed now, and have"
        " copied the integrity pledge.",
    ),
    "form_migrant_title": Words(
        "湖南省普通高校招生随迁子女考生报名资格审核表", "Migrant children's qualification form"
    ),
    "form_migrant_declaration": Words(
        "本人承诺所填信息真实，如有虚假，责任自负。",
        "I declare the details above are true and accept responsibility for any that are not.",
    ),
    "flow_step_confirm": Words("现场确认（采集相片）", "On-site confirmation (photo)"),
    "flow_step_pledge": Words("抄录诚信考试承诺书", "Integrity pledge copied"),
    "flow_step_review": Words("资格审核", "Qualification review"),
    "flow_step_bonus": Words("优惠信息确认", "Bonus points confirmed"),
    "migrant_step_county": Words("县（市、区）招考机构审核意见", "County exam office's decision"),
    "form_step": Words("办理环节", "Step"),
    "form_handler": Words("经办人签字（盖章）", "Handled by (signature, stamp)"),
    "form_step_date": Words("日期", "Date"),
    "form_photo": Words("照片", "Photo"),
    "form_signature": Words("考生签字", "Candidate's signature"),
    "form_page": Words("第 {page} 页 / 共 {pages} 页", "Page {page} of {pages}"),
    "form_specimen": Words("样张", "Specimen"),
    "sex_male": Words("男", "Male"),
    "sex_female": Words("女", "Female"),
    "card_type_resident": Words("居民身份证", "Resident identity card"),
    "card_type_permit_hmt": Words(
        "港澳台居民居住证", "Residence permit (Hong Kong, Macao, Taiwan)"
    ),
    "card_type_foreign_2017": Words("外国人永久居留身份证", "Foreign permanent resident card"),
    "card_type_foreign_2023": Words("外国人永久居留身份证", "Foreign permanent resident card"),
    "long_term": Words("长期", "No expiry"),
    "no_chip_photo": Words("证件照片\n暂不显示", "Card photo\nnot shown"),
    "photo_title": Words("拍摄报名照片", "Your registration photo"),
    "photo_guide": Words(
        "请正对镜头坐直，头部放在框内", "Sit up straight facing the camera, head in the frame"
    ),
    "photo_hold": Words("请保持不动，马上拍照", "Hold still, taking the photo"),
    "photo_good": Words("很好，请保持这个姿势", "Good, stay just like that"),
    "photo_review": Words(
        "请确认照片：面部清晰、双眼睁开", "Check the photo: face sharp, both eyes open"
    ),
    "photo_retake": Words("重拍", "Retake"),
    "photo_accept": Words("使用这张照片", "Use this photo"),
    "photo_no_camera": Words(
        "摄像头暂时断开\n正在重新连接，请稍候",
        "The camera is disconnected\nreconnecting, please wait",
    ),
    "check_title": Words("请核对您的报名信息", "Please check your registration"),
    "check_assigning": Words("正在分配…", "Assigning…"),
    "check_confirm": Words("信息无误，确认", "All correct, confirm"),
    "check_dispute": Words("信息有误", "Something is wrong"),
    "sign_title": Words("请在框内用手指签写您的姓名", "Sign your name in the box with a finger"),
    "sign_clear": Words("重写", "Clear"),
    "sign_confirm": Words("确认签名", "Confirm signature"),
    "sign_saving": Words("正在保存您的报名信息…", "Saving your registration…"),
    "print_title": Words("正在打印登录卡", "Printing your login card"),
    "print_hint": Words(
        "请稍候，登录卡将从出纸口打出", "Please wait, the card comes out of the slot"
    ),
    "print_again": Words("重新打印", "Print again"),
    "print_leave": Words("不打印，结束", "Finish without it"),
    "print_cause_paper_out": Words("打印机缺纸。", "The printer is out of paper."),
    "print_cause_cover_open": Words("打印机盖未关好。", "The printer's cover is open."),
    "print_cause_offline": Words("打印机暂时无法使用。", "The printer is not available."),
    "done_title": Words("现场确认完成", "Registration complete"),
    "done_message": Words(
        "请取走登录卡和身份证\n初始密码请妥善保管，首次登录后请立即修改",
        "Take your login card and ID card\nKeep the initial password safe and change it"
        " when you first log in",
    ),
    "done_finish": Words("完成", "Finish"),
    # The second visits (`confirm`, `adult-confirm`).
    "workflow_collect": Words("普通高考 报名信息采集", "Gaokao: first registration"),
    "workflow_confirm": Words("普通高考 报名信息确认", "Gaokao: confirm your registration"),
    "workflow_adult-confirm": Words("成人高考 现场确认", "Adult exam: on-site confirmation"),
    "attract_choose": Words("请选择要办理的业务", "Choose what you have come for"),
    "step_candidate": Words("查询信息", "Look up"),
    "step_proof": Words("核对信息", "Check"),
    "step_pledge": Words("诚信承诺", "Pledge"),
    "step_print_form": Words("打印", "Print"),
    "candidate_title": Words("正在查询您的网上报名信息", "Looking up your online registration"),
    "candidate_hint": Words("请稍候，不要取走身份证", "Please wait; keep your ID card here"),
    "proof_title": Words("请逐项核对您的报名信息", "Check every detail of your registration"),
    "proof_page": Words("第 {page} 页 / 共 {pages} 页", "Page {page} of {pages}"),
    "proof_previous": Words("上一页", "Previous page"),
    "proof_next": Words("下一页", "Next page"),
    "proof_confirm": Words("信息无误", "All correct"),
    "proof_dispute": Words("信息有误", "Something is wrong"),
    "proof_read_all": Words("请看完每一页后确认", "Read every page before confirming"),
    "pledge_title": Words("诚信考试承诺书", "Integrity pledge"),
    "pledge_text": Words(
        "本人自愿参加成人高校招生全国统一考试，已阅读并知晓考试有关规定。本人保证报名信息"
        "真实准确，遵守考场纪律，诚信应考，如有违纪作弊行为，自愿接受处理。",
        "I take the national adult college entrance exam of my own free will and know its"
        " rules. My registration is true and accurate; I will keep the exam's rules and sit it"
        " honestly, and accept the consequences of any misconduct.",
    ),
    "pledge_copy": Words("请在下方框内抄写：", "Copy this sentence in the box below:"),
    "pledge_sentence": Words("我承诺诚信考试", "I promise to sit the exam honestly"),
    "pledge_confirm": Words("抄写完成", "Done copying"),
    "sign_final": Words(
        "签名确认后，报名信息将不能再更改。", "Once you sign, your registration cannot be changed."
    ),
    "print_form_title": Words("正在打印报名表", "Printing your form"),
    "print_form_failed": Words("报名表打印失败", "Your form did not print"),
    "print_form_failed_message": Words(
        "您的确认信息已经保存。请联系现场工作人员，待打印机恢复后点“重新打印”。\n"
        "离开本页后，表格由工作人员补打。",
        "Your confirmation is saved. Please ask a member of staff, then touch \"Print again\""
        " once the printer works.\nAfter you leave this page, staff print the form for you.",
    ),
    "print_form_hint": Words(
        "请稍候，表格将从A4打印机打出", "Please wait, the form comes out of the A4 printer"
    ),
    "done_form_message": Words(
        "请取走打印的表格和身份证", "Take your printed form and your ID card"
    ),
    "returning": Words("{seconds} 秒后返回首页", "Back to the start in {seconds} s"),
    "cancel": Words("取消", "Cancel"),
    "back_home": Words("返回首页", "Home"),
    # The footer's large-text button, lit while large text in high contrast is on.
    "large_text": Words("A+ 大字", "A+ Large text"),
    # The attract screen while the central configuration keeps the kiosk closed
    # (kiosk.core.closed fills these in).
    "closed_next_opening": Words("下次报名确认时间：\n{date}  {hours}",
                                 "Registration next opens on\n{date}, {hours}"),
    "closed_no_opening": Words(
        "近期没有安排报名确认时段，请留意省教育考试院公告。",
        "No further registration hours are scheduled; please watch the provincial exam"
        " authority's announcements.",
    ),
    "date": Words("{year}年{month}{day}日", "{day} {month} {year}"),
    "date_long": Words("{year}年{month}{day}日（{weekday}）", "{weekday} {day} {month} {year}"),
    "hours_range": Words("{start}至{end}", "{start}–{end}"),
    "hours_and": Words("{first}及{second}", "{first} and {second}"),
    "weekday_0": Words("星期一", "Monday"),
    "weekday_1": Words("星期二", "Tuesday"),
    "weekday_2": Words("星期三", "Wednesday"),
    "weekday_3": Words("星期四", "Thursday"),
    "weekday_4": Words("星期五", "Friday"),
    "weekday_5": Words("星期六", "Saturday"),
    "weekday_6": Words("星期日", "Sunday"),
    "month_1": Words("1月", "January"),
    "month_2": Words("2月", "February"),
    "month_3": Words("3月", "March"),
    "month_4": Words("4月", "April"),
    "month_5": Words("5月", "May"),
    "month_6": Words("6月", "June"),
    "month_7": Words("7月", "July"),
    "month_8": Words("8月", "August"),
    "month_9": Words("9月", "September"),
    "month_10": Words("10月", "October"),
    "month_11": Words("11月", "November"),
    "month_12": Words("12月", "December"),
    "sim_card_valid": Words("模拟：有效证件", "Sim: valid card"),
    "sim_card_expired": Words("过期证件", "Expired card"),
    "sim_card_bad": Words("号码错误证件", "Bad number card"),
    "sim_card_remove": Words("取走证件", "Lift card"),
    "staff_voice_on": Words("语音提示：开（点击关闭）", "Voice guidance: on (tap to turn off)"),
    "staff_voice_off": Words("语音提示：关（点击打开）", "Voice guidance: off (tap to turn on)"),
    "sim_staff_card": Words("模拟：员工卡", "Sim: staff card"),
    "sim_supervisor_card": Words("模拟：主管卡", "Sim: supervisor card"),
    "sim_staff_card_remove": Words("拔出工作卡", "Pull staff card"),
    **_STAFF_PANEL,
}

# Staff alerts in the footer, keyed by `kiosk.core.health.Alert` values.
ALERTS: dict[str, Words] = {
    "staff_reader_lost": Words(
        "读卡器未连接，请工作人员检查", "Card reader not connected: staff, please check"
    ),
    "staff_camera_lost": Words(
        "摄像头未连接，请工作人员检查", "Camera not connected: staff, please check"
    ),
    "staff_printer_paper_out": Words(
        "打印机缺纸，请工作人员装纸", "Printer out of paper: staff, please load a roll"
    ),
    "staff_printer_cover_open": Words(
        "打印机盖未关好，请工作人员检查", "Printer cover open: staff, please close it"
    ),
    "staff_printer_offline": Words(
        "打印机未连接或故障，请工作人员检查", "Printer offline or faulty: staff, please check"
    ),
    "staff_printer_paper_low": Words(
        "打印纸即将用完，请工作人员准备换纸",
        "Printer paper nearly used up: staff, load a roll soon",
    ),
    "staff_a4_printer_fault": Words(
        "A4打印机故障，表格未打印，请工作人员检查后补打",
        "A4 printer fault, the form did not print: staff, please check and print it again",
    ),
    "staff_light_fault": Words(
        "补光灯故障，请工作人员检查（不影响拍照）",
        "Fill light fault: staff, please check (photos still work)",
    ),
}

# Title and message of every notice.
NOTICES: dict[Notice, tuple[Words, Words]] = {
    Notice.ASK_STAFF: (Words("需要工作人员协助", "Staff assistance needed"), _ASK_STAFF),
    Notice.CARD_EXPIRED: (
        Words("身份证已过期", "Your ID card has expired"),
        Words(
            "请持有效证件办理，或联系现场工作人员。\n本次未保存任何信息。",
            "Please use a valid card, or ask a member of staff.\nNothing has been saved.",
        ),
    ),
    Notice.CARD_NOT_YET_VALID: (Words("证件尚未生效", "Your card is not valid yet"), _ASK_STAFF),
    # Document checks share one message: the candidate can do the same thing about each.
    Notice.DOCUMENT_INVALID: (_DOCUMENT_INVALID_TITLE, _DOCUMENT_INVALID_MESSAGE),
    Notice.ID_NUMBER_FORMAT: (_DOCUMENT_INVALID_TITLE, _DOCUMENT_INVALID_MESSAGE),
    Notice.ID_NUMBER_CHECKSUM: (_DOCUMENT_INVALID_TITLE, _DOCUMENT_INVALID_MESSAGE),
    Notice.ID_NUMBER_BIRTH_DATE: (_DOCUMENT_INVALID_TITLE, _DOCUMENT_INVALID_MESSAGE),
    Notice.ID_NUMBER_SEX_MISMATCH: (_DOCUMENT_INVALID_TITLE, _DOCUMENT_INVALID_MESSAGE),
    Notice.CARD_UNREADABLE: (
        Words("无法读取身份证", "The ID card cannot be read"),
        Words(
            "已多次尝试读取失败，请联系现场工作人员。",
            "Several attempts to read it failed; please ask a member of staff.",
        ),
    ),
    Notice.IDENTITY_DISPUTED: (
        _CONTACT_STAFF,
        Words(
            "证件信息与本人不符时，由工作人员协助办理。",
            "When the card is not yours, staff will help you register.",
        ),
    ),
    Notice.DATA_DISPUTED: (
        _CONTACT_STAFF,
        Words(
            "报名信息需要更正时，由工作人员协助办理。",
            "When your details need correcting, staff will help you.",
        ),
    ),
    Notice.CANDIDATE_NOT_FOUND: (
        Words("未找到您的网上报名信息", "Your online registration was not found"),
        Words(
            "请联系现场工作人员查询。\n本次未保存任何信息。",
            "Please ask a member of staff to look it up.\nNothing has been saved.",
        ),
    ),
    Notice.WRONG_POINT: (
        Words("请到您选择的确认点办理", "Please go to the point you chose"),
        Words(
            "您网上报名时选择的现场确认点是：{point}\n请到该确认点办理，或联系现场工作人员。",
            "The confirmation point you chose online is: {point}\n"
            "Please confirm there, or ask a member of staff.",
        ),
    ),
    Notice.MINOR_NOT_DESIGNATED: (
        Words("请到低龄考生审核点办理", "Please go to a point for younger candidates"),
        Words(
            "考试当日未满17周岁的考生须到指定的低龄审核点确认。\n请联系现场工作人员。",
            "Candidates under 17 on the exam date confirm at a designated point.\n"
            "Please ask a member of staff.",
        ),
    ),
    Notice.MEDICAL_NOT_DESIGNATED: (
        Words("请到医卫类审核点办理", "Please go to a point for the medical track"),
        Words(
            "报考医卫类专业的考生须到指定的医卫类审核点确认。\n请联系现场工作人员。",
            "Medical-track candidates confirm at a designated point.\n"
            "Please ask a member of staff.",
        ),
    ),
    Notice.PHOTO_RETAKES_EXHAUSTED: (
        _CONTACT_STAFF,
        Words(
            "照片已重拍多次，请工作人员协助拍摄。",
            "The photo has been retaken several times; staff will help you take it.",
        ),
    ),
    Notice.CAMERA_UNAVAILABLE: (Words("摄像头不可用", "The camera is not available"), _ASK_STAFF),
    Notice.RECORD_TOO_LARGE: (
        Words("签名数据过多，无法保存", "The signature is too large to save"),
        Words(
            "本次报名信息未保存。\n请联系现场工作人员，重新签名。",
            "Your registration has not been saved.\nPlease ask a member of staff to sign again.",
        ),
    ),
    Notice.SEQUENCE_EXHAUSTED: (
        Words("本机报名序号已用完", "This machine has no registration numbers left"),
        _TELL_STAFF,
    ),
    Notice.SERVICE_PAUSED: (
        Words("报名服务暂停", "Registration is paused"),
        Words("省招生考试机构已暂停本服务，请稍后再来或咨询现场工作人员。",
              "The provincial exam authority has paused this service; please come back later"
              " or ask a member of staff."),
    ),
    Notice.OUTSIDE_WINDOW: (
        Words("现在不是报名确认时间", "Registration is closed at this time"),
        Words("请在公布的报名确认时段内再来。", "Please come back during the published hours."),
    ),
    Notice.NOT_IN_AUDIENCE: (
        Words("当前时段暂不为您办理", "This time is reserved for other candidates"),
        Words("当前时段仅为指定地区的考生办理，请按公布的安排再来。",
              "Only candidates from the announced area are served now; please come back at"
              " the time announced for you."),
    ),
    Notice.CONFIG_EXPIRED: (
        Words("本机配置已过期，暂停新的报名",
              "This machine's configuration has expired: new registrations are stopped"),
        Words(
            "请联系现场工作人员。\n工作人员：本机长时间未收到中心配置更新，请检查网络连接，"
            "并用 kioskctl config status 查看原因。",
            "Please ask a member of staff.\nStaff: no central configuration update has reached"
            " this machine for too long; check the network and see kioskctl config status.",
        ),
    ),
    Notice.DISK_FULL: (Words("本机存储空间不足", "This machine's storage is nearly full"),
                       _TELL_STAFF),
    Notice.UPLOAD_OVERDUE: (
        Words("本机报名记录长时间未上传，暂停新的报名",
              "Records have not left this machine for too long: new registrations are paused"),
        Words(
            "请联系现场工作人员。\n工作人员：请先上传本机记录（检查网络连接），"
            "或用 kioskctl export 导出记录，之后即可继续报名。",
            "Please ask a member of staff.\nStaff: upload this machine's records first (check the"
            " network), or export them with kioskctl export; registration then resumes.",
        ),
    ),
    # Shown on the print screen itself, which stays (with "print again") while the session lasts.
    Notice.PRINT_FAILED: (
        Words("登录卡打印失败", "The login card could not be printed"),
        Words(
            "您的报名信息已经保存。请联系现场工作人员，待打印机恢复后点“重新打印”。\n"
            "离开本页后本机无法再打印此卡（报名信息已加密），补打需由省招生考试系统办理。",
            "Your registration has been saved. Ask a member of staff, then touch"
            ' "Print again".\nAfter you leave, this kiosk cannot print the card again (the'
            " record is sealed): a reprint is then the provincial system's job.",
        ),
    ),
    Notice.INTERNAL_ERROR: (Words("系统出现问题", "Something went wrong"), _ASK_STAFF),
}

# Live photo guidance, keyed by the reason codes of `kiosk.core.photo_standard`. "Left" and
# "right" are the candidate's own (see `photo_geometry.guide_reasons`).
GUIDANCE: dict[str, Words] = {
    ps.BAD_IMAGE: Words("摄像头画面异常，请联系工作人员", "Camera picture fault, please ask staff"),
    ps.NO_FACE: Words("请正对镜头，把脸放进框内", "Face the camera, with your face in the frame"),
    ps.MANY_FACES: Words("请只留一人在镜头前", "Only one person in front of the camera"),
    ps.MOVE_CLOSER: Words("请靠近一点", "Come a little closer"),
    ps.MOVE_BACK: Words("请后退一点", "Move back a little"),
    ps.MOVE_LEFT: Words("请向左移一点", "Move a little to your left"),
    ps.MOVE_RIGHT: Words("请向右移一点", "Move a little to your right"),
    ps.MOVE_UP: Words("请坐高一点", "Sit up a little higher"),
    ps.MOVE_DOWN: Words("请坐低一点", "Sit a little lower"),
    ps.LOW_RESOLUTION: Words("请靠近一点", "Come a little closer"),
    ps.EYES_NOT_FOUND: Words("请睁开双眼，正视镜头", "Open your eyes and look at the camera"),
    ps.TOO_DARK: Words("光线太暗，请稍等或联系工作人员", "Too dark: please wait or ask staff"),
    ps.TOO_BRIGHT: Words("光线太亮，请联系工作人员", "Too bright: please ask staff"),
    ps.BLURRED: Words("请保持不动", "Please hold still"),
    ps.BACKGROUND_UNEVEN: Words(
        "背景不干净，请让身后的人或物离开", "Something is behind you: please clear the background"
    ),
    ps.BACKGROUND_COLOUR: Words(
        "背景颜色不符合要求，请联系工作人员", "The background colour is wrong: please ask staff"
    ),
    ps.FILE_SIZE: Words("照片无法生成，请重新拍摄", "The photo could not be made, please retake"),
}

# The upload status (`kiosk.sync.status`), for technicians and staff. Values to fill in:
# {device_id}, {reason}, {offset} (the clock offset, already in words).
SYNC: dict[str, Words] = {
    "ok": Words("上传正常。", "Uploading normally."),
    "never": Words("上传程序尚未运行。", "The uploader has not run yet."),
    "unreachable": Words(
        "无法连接省级服务器（网络或服务器故障）。报名记录安全保存在本机，恢复后将自动上传。",
        "Cannot reach the provincial server (network or server down). Records are safe on"
        " this machine and will upload when it is back.",
    ),
    "server_error": Words(
        "省级服务器返回错误。报名记录安全保存在本机，将自动重试。",
        "The provincial server is answering with errors. Records are safe here and will be"
        " retried automatically.",
    ),
    "overloaded": Words(
        "省级服务器繁忙，要求本机稍后再传。报名记录安全保存在本机。",
        "The provincial server asked this kiosk to wait (busy). Records are safe here and"
        " will upload after the wait.",
    ),
    "unexpected_response": Words(
        "本机与省级服务器之间有设备应答异常（代理或认证页面？）。报名记录安全保存在本机。",
        "Something between this kiosk and the provincial server answered wrongly (a proxy or"
        " captive portal?). Records are safe here.",
    ),
    "bad_receipt": Words(
        "服务器的回执没有省级回执密钥的有效签名：不能确认省里已收到。报名记录保留在本机，将继续重试；"
        "请技术人员核对服务器地址和回执密钥（{reason}）。",
        "The server's receipts are not signed by the province's receipt key, so delivery is not"
        " proven. Records stay on this machine and will be tried again; a technician should"
        " check the API address and the receipt key ({reason}).",
    ),
    "no_receipt_key": Words(
        "本机没有省级回执公钥，无法核验回执，暂不上传。报名记录安全保存在本机；请技术人员安装回执密钥。",
        "This machine has no province receipt key, so receipts cannot be checked and nothing is"
        " uploaded. Records are safe here; a technician must install the receipt key.",
    ),
    "unknown_device": Words(
        "省级服务器不认识本机：尚未注册（或已注销）。请技术人员注册设备 {device_id}。",
        "The provincial server does not know this kiosk: it has not been enrolled (or was"
        " withdrawn). Ask a technician to enrol device {device_id}.",
    ),
    "device_retired": Words(
        "省级服务器已停用本机 {device_id}，不再接收它的上传。"
        "报名记录安全保存在本机；请联系省考试院或技术人员。",
        "The province has retired this kiosk ({device_id}) and refuses its uploads. Records"
        " are safe on this machine; contact the province or a technician.",
    ),
    "bad_signature": Words(
        "省级服务器拒绝了本机的签名：设备密钥与注册的不一致。请技术人员重新注册本机。",
        "The provincial server refused this kiosk's signature: its device key is not the one"
        " enrolled. Ask a technician to re-enrol this kiosk.",
    ),
    "signature_missing": Words(
        "省级服务器要求签名请求。请更新本机软件。",
        "The provincial server expected a signed request. Update this kiosk's software.",
    ),
    "replay": Words(
        "省级服务器收到重复请求并拒绝了副本。此问题会自行消除；如持续出现，请联系技术人员。",
        "The provincial server saw a request twice and refused the copy. This clears by"
        " itself; if it persists, ask a technician.",
    ),
    "rejected": Words(
        "省级服务器拒收了部分记录（{reason}）。记录保留在本机，稍后重试；请技术人员查看"
        " `kioskctl sync status`。",
        "The provincial server refused some records ({reason}). They are kept on this machine"
        " and tried again later; a technician should look at `kioskctl sync status`.",
    ),
    "clock_skew": Words(
        "本机时钟不准{offset}。请校准日期和时间（NTP），之后上传将恢复。报名记录安全保存在本机。",
        "This kiosk's clock is wrong{offset}. Set the date and time (NTP), then uploads"
        " resume. Records are safe on this machine.",
    ),
    "unknown": Words("上传问题：{reason}", "Upload problem: {reason}"),
}

# The exceptions staff handle (kiosk.core.exception_cases): the cases, the entry screen, the
# supervisor's approval, the candidate's call for staff, the county's form. Part of SCREENS.
EXCEPTION_SCREENS: dict[str, Words] = {
    "step_entry": Words("录入证件", "Document entry"),
    "step_approve": Words("审核批准", "Approval"),
    "step_phone": Words("电话确认", "Phone check"),
    "step_form": Words("打印审核表", "Form"),
    "card_type_hmt_pass": Words("港澳居民来往内地通行证", "Mainland travel permit (HK/Macao)"),
    "card_type_taiwan_pass": Words("台湾居民来往大陆通行证", "Mainland travel permit (Taiwan)"),
    "card_type_passport": Words("外国护照", "Foreign passport"),
    "card_type_cn_passport": Words("中华人民共和国护照（华侨）",
                                   "Chinese passport (overseas Chinese)"),
    "entry_title": Words("工作人员录入证件信息", "Staff: enter the document's details"),
    "entry_case": Words("情况：{case}", "Case: {case}"),
    "entry_submit": Words("录入完成，请考生继续", "Done: the candidate continues"),
    "entry_status_typing": Words("输入中…", "Typing…"),
    "entry_status_ok": Words("校验通过", "Checks out"),
    "entry_status_entry_number_format": Words("格式不符", "Wrong shape"),
    "entry_status_entry_number_checksum": Words("校验码错误", "Check digit wrong"),
    "entry_status_entry_number_birth_date": Words("日期不符", "Bad date"),
    "entry_pinyin_hint": Words("输入拼音，点选汉字", "Type pinyin, tap a character"),
    "key_more": Words("更多", "More"),
    "key_backspace": Words("退格", "Delete"),
    "entry_document": Words("证件类型", "Document"),
    "entry_number_label": Words("证件号码", "Number"),
    "entry_pick_nation": Words("选择民族", "Pick the ethnic group"),
    "entry_birth_hint": Words("年-月-日，如 2008-05-17", "YYYY-MM-DD, e.g. 2008-05-17"),
    "entry_missing": Words("请填写此项", "Please fill this in"),
    "entry_number_format": Words("号码格式不符", "The number has the wrong shape"),
    "entry_number_checksum": Words("校验码错误，请核对号码", "Check digit wrong: check the number"),
    "entry_number_birth_date": Words("号码中的出生日期与所填不符",
                                     "The number's birth date differs from the one entered"),
    "entry_number_sex": Words("号码中的性别与所选不符",
                              "The number's sex digit differs from the sex chosen"),
    "entry_name": Words("姓名含有不允许的字符", "The name has characters not allowed"),
    "entry_nation": Words("请选择民族", "Pick an ethnic group from the list"),
    "entry_birth_date": Words("出生日期无效", "The birth date is not valid"),
    "entry_document_type": Words("此情况不能使用该证件", "This document does not fit the case"),
    "phone_title": Words("电话确认考生信息", "Confirm the data with the candidate by phone"),
    "phone_prompt": Words(
        "考生无法到场：请致电考生，逐项读出以上信息，考生确认无误后点击下方按钮。"
        "照片和签字待考生到点核验身份证时补齐。",
        "The candidate cannot come: call them, read each item back, and once they confirm it"
        " tap the button below. The photo and signature follow when they come to verify"
        " their card.",
    ),
    "phone_confirmed": Words("考生已电话确认", "Candidate confirmed by phone"),
    "approve_title": Words("请主管审核批准", "A supervisor must approve this record"),
    "approve_prompt": Words(
        "此记录为人工录入，封存前须由主管插卡并输入PIN码批准。",
        "This record was entered by hand: a supervisor approves it with card and PIN"
        " before it is sealed.",
    ),
    "approve_entered_by": Words("录入人工号：{staff_number}",
                                "Entered by staff no. {staff_number}"),
    "approval_not_supervisor": Words("此卡无审核权限，请主管插卡",
                                     "This card may not approve: a supervisor's, please"),
    "approval_same_person": Words("录入人不能审核自己录入的记录",
                                  "Whoever entered the record may not approve it too"),
    "approve_saving": Words("已批准，正在封存…", "Approved: sealing the record…"),
    "dispute_called_title": Words("已通知工作人员", "Staff have been called"),
    "dispute_called_message": Words("请稍候，工作人员马上为您处理。",
                                    "Please wait: a member of staff is on the way."),
    "dispute_pick_fields": Words("请点选有误的项目，然后点击“通知工作人员”",
                                 "Tap the items that are wrong, then \"Call staff\""),
    "dispute_call": Words("通知工作人员", "Call staff"),
    "dispute_alert_not_me": Words("考生称“不是我”", "Candidate says: not me"),
    "dispute_alert_data_wrong": Words("考生称信息有误：{fields}",
                                      "Candidate says these are wrong: {fields}"),
    "dispute_action_correct": Words("更正录入信息", "Correct the entry"),
    "dispute_action_central": Words("标记为由省级更正", "Mark for central correction"),
    "dispute_action_end": Words("结束本次办理", "End this session"),
    "after_come_back_with_card": Words("请办理新的身份证后，持新证回报名点核验。",
                                       "Once you have your new ID card, bring it here to be"
                                       " checked."),
    "after_county_approval": Words("资格审核表已打印，待县市区招考机构审核批准后方可报名。",
                                   "Your qualification form is printed: registration opens"
                                   " once the county approves it."),
    "after_document_copy": Words("证件复印件由报名点留存，报市州招考机构审核。",
                                 "The point keeps a copy of your document for the city's"
                                 " review."),
    "after_photo_and_signature": Words("考生到点核验身份证时，补拍照片并签字确认。",
                                       "When the candidate comes to verify their card, the"
                                       " photo is taken and they sign."),
    "after_central_correction": Words("有误的信息将由省级统一更正。",
                                      "The province will correct the items you marked."),
    "form_printing": Words("正在打印资格审核表…", "Printing the qualification form…"),
    "form_failed": Words("资格审核表未能打印，请联系工作人员。",
                         "The qualification form did not print: please ask staff."),
    "form_retry": Words("重新打印", "Print again"),
    "form_skip": Words("稍后由工作人员打印", "Staff print it later"),
}
SCREENS.update(EXCEPTION_SCREENS)


def _pick(words: Words, language: str) -> str:
    return getattr(words, language) if language in LANGUAGES else words.zh


def text(key: str, language: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """A screen's sentence for `key`. An unknown key is a bug (KeyError), never a silent
    default: `tests/unit/test_texts.py` checks every key the screens use exists."""
    template = _pick(SCREENS[key], language)
    return template.format(**values) if values else template


def notice_text(notice: Notice, language: str = DEFAULT_LANGUAGE,
                **values: object) -> tuple[str, str]:
    """Title and message of a notice; `values` fill its message (`{point}`)."""
    title, message = NOTICES[notice]
    template = _pick(message, language)
    return _pick(title, language), template.format(**values) if values else template


def guidance_text(reason: str | None, language: str = DEFAULT_LANGUAGE) -> str:
    """The sentence that tells the candidate how to fix `reason` (a photo_standard code, as
    `Verdict.guidance_code` gives it); "" for a good frame (None)."""
    return "" if reason is None else _pick(GUIDANCE[reason], language)


def alert_text(alert: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The footer's words for a staff alert code (`kiosk.core.health.Alert`)."""
    return _pick(ALERTS[alert], language)


CONFIG_UPDATE: dict[str, Words] = {
    "ok": Words("配置已是最新。", "The configuration is up to date."),
    "never": Words("尚未检查过中心配置。", "The central configuration has not been checked yet."),
    "not_configured": Words("本机未设置中心配置（[config] trust_root）。",
                            "No central configuration is set up ([config] trust_root)."),
    "no_bundle": Words("配置服务器尚未发布配置。",
                       "The configuration server publishes no configuration yet."),
    "unreachable": Words("无法连接配置服务器；沿用上一份有效配置。",
                         "No connection to the configuration server; the last good"
                         " configuration stays in force."),
    "rollback": Words("已拒绝：服务器提供的配置比本机的旧（回滚）。",
                      "Refused: the server offered an older configuration than this machine"
                      " holds (rollback)."),
    "expired": Words("已拒绝：服务器的签名数据已过期（冻结或停止更新）。",
                     "Refused: the server's signed metadata has expired (a frozen or"
                     " abandoned repository)."),
    "bad_signature": Words("已拒绝：签名无法验证（被篡改或伪造）。",
                           "Refused: a signature does not verify (tampered or forged)."),
    "too_few_signatures": Words("已拒绝：签名的管理员人数不足。",
                                "Refused: not signed by enough admins."),
    "tampered": Words("已拒绝：配置文件与签名的摘要不符（被篡改）。",
                      "Refused: the configuration file does not match its signed hash"
                      " (tampered)."),
    "invalid_bundle": Words("已拒绝：签名的配置本机无法使用。",
                            "Refused: the signed configuration is not one this kiosk can apply."),
    "rejected": Words("已拒绝：配置未通过安全检查。",
                      "Refused: the repository failed a security check."),
}


def config_update_text(code: str, language: str = "en") -> str:
    """The central configuration's last update in words; an unknown code reads as refused."""
    return _pick(CONFIG_UPDATE.get(code, CONFIG_UPDATE["rejected"]), language)


def sync_text(code: str, language: str = "en", **values: object) -> str:
    """The upload status in words; a code this version does not know says its reason."""
    return _pick(SYNC.get(code, SYNC["unknown"]), language).format(**values)
