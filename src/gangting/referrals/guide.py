"""The service guides (办事指南) of the referral businesses: the objection to a camera record
(交通违法异议, 处理程序规定 第5条第3款), the booth's referral (转办) and the citizen's
supplement (补充转办材料), generated from the referral rules and Settings (decision 0027)."""

from __future__ import annotations

from gangting.applications.guides import (
    ID_CARD,
    IDENTITY_CHECK,
    Condition,
    Guide,
    GuideSpec,
    Material,
    Step,
    TimeLimit,
    booth_start,
    free_of_charge,
)
from gangting.applications.rules import SERVICE_ZH
from gangting.config import Settings
from gangting.fines.guide import PENALTY_LAW_IN_FORCE
from gangting.referrals.rules import (
    MATERIALS_MAX,
    NOTE_MAX_CHARS,
    NOTE_MIN_CHARS,
    OBJECTION_BASIS,
    OBJECTION_REVIEW_WORKING_DAYS,
    WORKING_DAYS_BASIS,
)

CHANNELS = ("交警大队违法处理窗口", "“交管12123”手机App")
_TEXT = f"{NOTE_MIN_CHARS}至{NOTE_MAX_CHARS}字"
_MATERIALS = f"证据材料、文书的编号，每类不超过{MATERIALS_MAX}项"


def _materials_condition(basis: tuple[str, ...]) -> Condition:
    return Condition(
        "referrals.materials_invalid",
        f"材料编号每类不超过{MATERIALS_MAX}项，且不为空",
        basis,
        "材料有误的不予受理；请核对后重新提交",
    )


def _referral_not_found() -> Condition:
    return Condition(
        "referrals.not_found",
        "转办事项是申请人本人的、已登记的事项",
        (WORKING_DAYS_BASIS,),
        "未查询到该转办事项的，请核对转办编号（短信中已告知）",
    )


def file_objection_guide(settings: Settings) -> Guide:
    days = OBJECTION_REVIEW_WORKING_DAYS
    title = SERVICE_ZH["file_objection"]
    basis = (OBJECTION_BASIS,)
    return Guide(
        business="file_objection",
        title=title,
        summary="对交通技术监控设备记录的违法行为事实有异议的，可在岗亭提出；"
        f"违法行为发生地交警部门在{days}个工作日内审查，异议成立的予以消除。",
        applicants=("交通技术监控设备记录的违法行为人，或者该机动车的所有人、管理人",),
        conditions=(
            Condition(
                "violations.not_found",
                "违法记录是申请人本人的（本人驾驶或者登记在本人名下车辆的）",
                basis,
                "未查询到您名下的该违法记录的，请核对后重新选择",
            ),
            Condition(
                "objections.not_allowed",
                "违法记录尚未处理、未被消除",
                basis,
                "已处理的记录不能再提出异议；对处罚决定不服的，可依法申请行政复议或者提起行政诉讼",
            ),
            Condition(
                "objections.open",
                "该违法记录没有正在审查中的异议",
                basis,
                "已有正在审查的异议的，请等待审查结果（将以短信告知）",
            ),
            Condition(
                "objections.statement_required",
                f"陈述异议的事实和理由（{_TEXT}）",
                basis,
                "未陈述事实和理由的不予受理；请补充后重新提交",
                ("referrals.reason_required",),
            ),
            Condition(
                "referrals.unit_unknown",
                "违法行为发生地的交警部门可以确定",
                basis,
                "无法确定承办单位的，请到交警大队违法处理窗口提出",
            ),
            _materials_condition(basis),
        ),
        materials=(
            ID_CARD,
            Material("异议的事实和理由", _TEXT),
            Material("证据材料（可选）", f"在岗亭拍摄或者上传，不超过{MATERIALS_MAX}项"),
        ),
        steps=(
            *booth_start(title),
            Step("选择记录", "选择有异议的违法记录，陈述事实和理由，提交证据材料"),
            Step("确认提交", "异议转至违法行为发生地交警部门审查；审查期间该记录暂不处理"),
            Step("获知结果", "审查结果以短信告知：异议成立的，违法记录予以消除"),
        ),
        legal_basis=(OBJECTION_BASIS, WORKING_DAYS_BASIS),
        fees=(free_of_charge("提出异议"),),
        time_limits=(
            TimeLimit("转交时限", "收到异议当日转交违法行为发生地交警部门", basis),
            TimeLimit(
                "审查时限",
                f"{days}个工作日内审查完毕（不含节假日，提出当日不计入）",
                (OBJECTION_BASIS, WORKING_DAYS_BASIS),
            ),
        ),
        channels=CHANNELS,
        rules_since=PENALTY_LAW_IN_FORCE,
    )


def refer_application_guide(settings: Settings) -> Guide:
    days = settings.referral_working_days
    title = SERVICE_ZH["refer_application"]
    basis = (WORKING_DAYS_BASIS,)
    return Guide(
        business="refer_application",
        title=title,
        summary="岗亭不能当场办结的事项，连同已采集的材料转交承办单位办理，"
        f"承办单位在{days}个工作日内办结，每一步以短信告知，申请人无需再跑。",
        applicants=("在岗亭办理业务、需由交警大队或者车辆管理所等承办单位办结的申请人",),
        conditions=(
            Condition(
                "referrals.service_item_unknown",
                "转办的是岗亭可受理的业务事项",
                basis,
                "该事项不能转办；请到相应窗口办理",
            ),
            Condition(
                "referrals.unit_unknown",
                "承办单位是本市公安交通管理部门的单位",
                basis,
                "承办单位有误的，请选择其他承办单位或者由岗亭确定",
            ),
            Condition(
                "referrals.reason_required",
                f"说明需要转办的原因（{_TEXT}）",
                basis,
                "未说明原因的不予转办；请补充后重新提交",
            ),
            Condition(
                "objections.open",
                "转办的违法记录没有正在审查中的异议",
                (OBJECTION_BASIS,),
                "已有正在审查的异议的，请等待审查结果",
            ),
            _materials_condition(basis),
        ),
        materials=(
            ID_CARD,
            Material("已采集的材料", _MATERIALS + "，随转办一并移交，无需重复提交"),
        ),
        steps=(
            IDENTITY_CHECK,
            Step("办理业务", "在岗亭办理业务，不能当场办结的，选择转办"),
            Step("确认转办", "核对承办单位和办理期限，确认提交"),
            Step("获知进展", "承办单位受理、要求补充材料、办结时，以短信告知"),
        ),
        legal_basis=(WORKING_DAYS_BASIS,),
        fees=(free_of_charge("转办"),),
        time_limits=(
            TimeLimit(
                "办理期限",
                f"承办单位在{days}个工作日内办结（不含节假日，转办当日不计入；"
                "等待补充材料的时间不计入）",
                basis,
            ),
        ),
        channels=("公安交通管理服务站（岗亭）",),
        rules_since=PENALTY_LAW_IN_FORCE,
    )


def supply_referral_guide(settings: Settings) -> Guide:
    title = SERVICE_ZH["supply_referral"]
    basis = (WORKING_DAYS_BASIS,)
    return Guide(
        business="supply_referral",
        title=title,
        summary="承办单位要求补充材料的，申请人可在岗亭补充；补充后承办单位继续办理，"
        "办理期限顺延等待补充的工作日。",
        applicants=("转办事项被承办单位要求补充材料的申请人本人",),
        conditions=(
            _referral_not_found(),
            Condition(
                "referrals.step_refused",
                "承办单位已要求补充材料，事项尚未办结",
                basis,
                "该转办事项当前无需补充材料，或者已办结",
            ),
            Condition(
                "referrals.note_required",
                f"补充说明（如填写，{_TEXT}）",
                basis,
                "说明有误的，请修改后重新提交",
                ("referrals.outcome_required",),
            ),
            _materials_condition(basis),
        ),
        materials=(
            ID_CARD,
            Material("转办编号", "短信中已告知"),
            Material("补充的材料", _MATERIALS),
        ),
        steps=(
            *booth_start(title),
            Step("补充材料", "录入转办编号，拍摄或者上传承办单位要求的材料"),
            Step("确认提交", "承办单位继续办理，办理进展以短信告知"),
        ),
        legal_basis=(WORKING_DAYS_BASIS,),
        fees=(free_of_charge("补充转办材料"),),
        time_limits=(TimeLimit("办理期限", "补充材料后，办理期限顺延等待补充的工作日", basis),),
        channels=("公安交通管理服务站（岗亭）",),
        rules_since=PENALTY_LAW_IN_FORCE,
    )


_SCAN = ("gangting.desks.referrals", "gangting.referrals")
GUIDES = (
    GuideSpec(
        "file_objection",
        file_objection_guide,
        ("gangting.desks.referrals:file_objection",),
        (*_SCAN, "gangting.violations"),
    ),
    GuideSpec(
        "refer_application",
        refer_application_guide,
        ("gangting.desks.referrals:refer_application",),
        _SCAN,
    ),
    GuideSpec(
        "supply_referral",
        supply_referral_guide,
        ("gangting.desks.referrals:supply",),
        _SCAN,
    ),
)
