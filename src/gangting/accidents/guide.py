"""The service guide (办事指南) of 事故快处: the quick settlement of a property-only accident by
its two parties at a booth (事故程序规定 第19–22条), generated from the accident rules and
Settings (decision 0029). Every question of 第13–15条 and every registry check is a condition
(answering yes, or failing it, sends the parties to call 122)."""

from __future__ import annotations

from datetime import date

from gangting.accidents.rules import (
    AGREEMENT_BASIS,
    INSURANCE_BASIS,
    LIABILITY_BASIS,
    MARKS_BASIS,
    ONLINE_BASIS,
    PERFORMANCE_BASIS,
    PHOTOS_MAX,
    PHOTOS_MIN,
    QUESTIONS,
    SELF_SETTLE_BASIS,
    A,
)
from gangting.applications.guides import (
    Condition,
    Fee,
    Guide,
    GuideSpec,
    Material,
    Step,
    TimeLimit,
)
from gangting.applications.rules import SERVICE_ZH
from gangting.config import Settings
from gangting.kernel import law

ACCIDENT_RULES_IN_FORCE = date(2018, 5, 1)  # 公安部令第146号
_CALL = "不能在岗亭自行协商处理，请拨打122报警，由交通警察处理"
_ART13_1 = law.cite(A, "第13条第1款第（一）项")
_ART13_4 = law.cite(A, "第13条第1款第（四）项")
_ART14_1 = law.cite(A, "第14条第（一）项")


def _question_conditions() -> tuple[Condition, ...]:
    return tuple(
        Condition(q.code, f"不存在以下情形：{q.question.rstrip('？')}", (q.basis,), q.message)
        for q in QUESTIONS
    )


def quick_accident_guide(settings: Settings) -> Guide:
    title = SERVICE_ZH["quick_accident"]
    table = "示例表（待支队确认）" if not settings.accident_liability_table_path else "支队配置"
    return Guide(
        business="quick_accident",
        title=title,
        summary="机动车之间仅造成财产损失、无须报警的轻微事故，双方当事人可在交通智慧岗亭分别核验身份，"
        "拍照固定证据，按常见情形或者协商确定责任，签署自行协商协议书并送达双方的保险公司；"
        "对事实或者责任有争议的，转交通警察处理。",
        applicants=("发生仅造成财产损失的交通事故的两车双方驾驶人（双方均须到场）",),
        conditions=(
            Condition(
                "accidents.must_call_police",
                "仅造成财产损失，且不存在须报警处理的情形（事故程序规定第13至15条）",
                (SELF_SETTLE_BASIS, law.cite(A, "第13条"), law.cite(A, "第14条")),
                _CALL,
            ),
            *_question_conditions(),
            Condition(
                "accidents.questions_unanswered",
                "逐项回答是否存在须报警处理的情形",
                (law.cite(A, "第13条"),),
                "未逐项回答的不能继续办理；请逐项选择“是”或“否”",
            ),
            Condition(
                "accidents.no_valid_licence",
                "双方驾驶人持有有效的机动车驾驶证",
                (_ART13_1,),
                _CALL,
                ("accidents.class_mismatch",),
            ),
            Condition(
                "accidents.plate_unknown",
                "双方车辆的号牌为本市登记、状态正常的机动车号牌",
                (_ART13_4,),
                _CALL,
            ),
            Condition(
                "accidents.no_insurance",
                "双方车辆的交强险在有效期内",
                (_ART14_1, INSURANCE_BASIS),
                "请将车辆移至不妨碍交通的地点后拨打122报警",
            ),
            Condition(
                "accidents.no_inspection_mark",
                "双方车辆的检验合格标志在有效期内",
                (_ART14_1, MARKS_BASIS),
                "请将车辆移至不妨碍交通的地点后拨打122报警",
            ),
            Condition(
                "accidents.parties_invalid",
                "两车事故，双方当事人分别持本人身份证在同一岗亭完成人证核验",
                (ONLINE_BASIS,),
                "另一方当事人须到场并完成本人的人证核验；三车以上事故请报警处理",
            ),
            Condition(
                "accidents.facts_invalid",
                "填写事故时间、地点、双方号牌、保险公司和保险凭证号、联系电话",
                (AGREEMENT_BASIS,),
                "请补充或者更正后重新提交",
                ("accidents.agreement_incomplete",),
            ),
            Condition(
                "accidents.photos_required",
                f"拍摄或者上传现场、碰撞部位照片至少{PHOTOS_MIN}张",
                (SELF_SETTLE_BASIS,),
                "请先拍照固定证据",
                ("accidents.photos_invalid",),
            ),
            Condition(
                "accidents.liability_invalid",
                "选择责任对照表中的情形，或者双方协商的责任符合规定"
                "（全部—无、主要—次要、同等—同等、均无责任）",
                LIABILITY_BASIS,
                "责任不符合规定的，请重新选择；无法协商一致的，可以选择转交通警察处理",
            ),
            Condition(
                "accidents.not_found",
                "事故快处是本人作为当事人的",
                (ONLINE_BASIS,),
                "未查询到的，请核对事故快处编号",
            ),
            Condition(
                "accidents.closed",
                "事故快处尚未达成协议或者转交通警察处理",
                (ONLINE_BASIS,),
                "已达成协议的，可查看、打印协议书；已转交通警察处理的，请等待处理结果",
            ),
            Condition(
                "referrals.reason_required",
                "有争议转交通警察处理的，说明争议的事实或者责任（2至500字）",
                (ONLINE_BASIS,),
                "请说明争议后重新提交",
                (
                    "referrals.service_item_unknown",
                    "referrals.unit_unknown",
                    "referrals.materials_invalid",
                    "objections.open",
                ),
            ),
        ),
        materials=(
            Material("双方的居民身份证", "双方分别在岗亭读卡并进行人脸核验"),
            Material("双方车辆的保险标志或者保险单", "填写保险公司和保险凭证号"),
            Material(
                "现场照片", f"岗亭摄像头拍摄或者上传，{PHOTOS_MIN}至{PHOTOS_MAX}张，以SHA-256固定"
            ),
        ),
        steps=(
            Step("撤离现场", "拍照固定证据后，将车辆移至不妨碍交通的地点（第19条）"),
            Step("双方核验", "双方分别放置居民身份证，正对摄像头完成人证核验"),
            Step("确认情形", "逐项确认不存在须报警处理的情形，核对双方驾驶证、号牌、交强险和检验"),
            Step("拍照取证", "拍摄或者上传现场和碰撞部位照片"),
            Step("确定责任", f"从常见情形责任对照表（{table}）中选择，或者双方协商确定"),
            Step(
                "签署协议",
                "双方确认后签发自行协商协议书，送达双方和保险公司；有争议的转交通警察处理",
            ),
            Step("理赔", "凭协议书自行赔偿，或者到投保的保险公司办理理赔（第22条）"),
        ),
        legal_basis=(
            SELF_SETTLE_BASIS,
            ONLINE_BASIS,
            AGREEMENT_BASIS,
            PERFORMANCE_BASIS,
            *LIABILITY_BASIS,
        ),
        fees=(Fee("事故快处", "不收取费用", amount_fen=0),),
        time_limits=(
            TimeLimit(
                "签发协议书", "双方确认后当场签发，并即时送达双方和保险公司", (AGREEMENT_BASIS,)
            ),
            TimeLimit(
                "有争议的",
                f"转交通警察处理，在{settings.referral_working_days}个工作日内办结",
                (ONLINE_BASIS,),
            ),
        ),
        channels=("公安交通管理服务站（岗亭）", "“交管12123”手机App", "拨打122报警"),
        rules_since=ACCIDENT_RULES_IN_FORCE,
    )


_SCAN = ("gangting.desks.accidents", "gangting.accidents", "gangting.desks.referrals")
GUIDES = (
    GuideSpec(
        "quick_accident",
        quick_accident_guide,
        (
            "gangting.desks.accidents:open_settlement",
            "gangting.desks.accidents:add_photos",
            "gangting.desks.accidents:agree",
            "gangting.desks.accidents:dispute",
        ),
        _SCAN,
    ),
)
