"""The service guides (办事指南) of paying fines (罚款缴纳) and of applying to defer a fine or pay
it in instalments (暂缓或者分期缴纳罚款), generated from ``FinePolicy``, the deferral rules
and Settings."""

from __future__ import annotations

from datetime import date

from gangting.applications.guides import (
    ID_CARD,
    IDENTITY_CHECK,
    Condition,
    Fee,
    Guide,
    GuideSpec,
    Material,
    Step,
    TimeLimit,
    booth_start,
)
from gangting.applications.rules import SERVICE_ZH
from gangting.config import Settings
from gangting.fines.deferral_rules import (
    DEFERRAL_BASIS,
    MISSED_INSTALMENT_BASIS,
    NOT_DUE_BASIS,
    REASON_MAX_CHARS,
    REASON_MIN_CHARS,
    DeferralPolicy,
)
from gangting.fines.rules import FinePolicy, late_fee_notice
from gangting.kernel import law

# 行政处罚法 (2021年修订) took effect on this day; the fines' deadline and late fee follow it.
PENALTY_LAW_IN_FORCE = date(2021, 7, 15)
_DUE = (law.cite(law.PENALTY_LAW, "第67条第3款"), law.cite(law.ROAD_LAW, "第108条"))
_LATE = (law.cite(law.PENALTY_LAW, "第72条第1款第(一)项"), law.cite(law.COERCION_LAW, "第45条"))
CHANNELS = ("“交管12123”手机App", "交警大队违法处理窗口", "代收罚款的银行网点")


def deferral_policy_of(settings: Settings) -> DeferralPolicy:
    """The policy the centre applies (desks.fine_deferrals.deferral_policy)."""
    return DeferralPolicy(
        max_deferral_days=settings.fine_deferral_max_days,
        max_instalments=settings.fine_instalments_max_count,
        instalment_interval_days=settings.fine_instalment_interval_days,
        missed_instalment_makes_rest_due=settings.fine_instalment_missed_makes_rest_due,
    )


def _decision_conditions(paid_text: str) -> list[Condition]:
    return [
        Condition(
            "fines.decision_not_found",
            "处罚决定是作出给申请人本人的",
            _DUE,
            "未查询到您名下的处罚决定的，请核对决定书编号",
        ),
        Condition(
            "fines.already_paid",
            "罚款尚未缴纳",
            _DUE,
            paid_text,
        ),
    ]


def pay_fines_guide(settings: Settings) -> Guide:
    policy = FinePolicy()
    title = SERVICE_ZH["pay_fines"]
    return Guide(
        business="pay_fines",
        title=title,
        summary=f"收到处罚决定书之日起{policy.deadline_days}日内，在岗亭用付款码缴纳罚款；"
        "逾期的，同时缴纳加处罚款。",
        applicants=("被处以罚款的当事人本人",),
        conditions=(
            *_decision_conditions("已缴纳的罚款无需重复缴纳；可在凭证中查询缴款记录"),
            Condition(
                "fines.under_instalments",
                "罚款未被批准分期缴纳",
                (DEFERRAL_BASIS,),
                "已批准分期缴纳的，请按期缴纳各期款项",
            ),
            Condition(
                "fines.instalment_not_found",
                "所缴的分期款项是申请人本人名下的",
                (DEFERRAL_BASIS,),
                "未查询到该期款项的，请核对后重新选择",
            ),
            Condition(
                "fines.instalment_paid",
                "所缴的分期款项尚未缴纳",
                (DEFERRAL_BASIS,),
                "已缴纳的分期款项无需重复缴纳",
            ),
            Condition(
                "fines.payment_pending",
                "没有正在确认中的缴款",
                _DUE,
                "有一笔缴款正在确认中的，请稍候查询结果，不要重复缴款",
            ),
        ),
        materials=(
            ID_CARD,
            Material("付款码", "银行卡或者手机支付付款码，在缴款终端出示"),
        ),
        steps=(
            *booth_start("违法处理与缴款"),
            Step("核对金额", "核对罚款和加处罚款（由中心按缴款当日计算）"),
            Step("出示付款码", "在缴款终端出示付款码，等待缴款平台确认"),
            Step("领取凭证", "打印或者扫码保存缴款凭证"),
        ),
        legal_basis=(*_DUE, *_LATE),
        fees=(Fee("罚款及加处罚款", late_fee_notice(policy), _LATE),),
        time_limits=(
            TimeLimit("缴款期限", f"自收到处罚决定书之日起{policy.deadline_days}日内", _DUE),
        ),
        channels=CHANNELS,
        rules_since=PENALTY_LAW_IN_FORCE,
    )


def fine_deferral_guide(settings: Settings) -> Guide:
    p = deferral_policy_of(settings)
    title = SERVICE_ZH["apply_fine_deferral"]
    missed = (
        "错过任一期的，其余各期一并到期并自该期到期日起加处罚款"
        if p.missed_instalment_makes_rest_due
        else "错过某一期的，该期自到期日起加处罚款，其余各期仍按原定日期缴纳"
    )
    return Guide(
        business="apply_fine_deferral",
        title=title,
        summary="确有经济困难的，在缴款期限内申请暂缓或者分期缴纳罚款，经批准后按批准的期限缴纳。",
        applicants=("确有经济困难、被处以罚款的当事人本人",),
        conditions=(
            *_decision_conditions("已缴纳的罚款无需申请暂缓或者分期缴纳"),
            Condition(
                "fines.nothing_to_defer",
                "处罚决定有罚款",
                (DEFERRAL_BASIS,),
                "没有罚款的处罚决定无需申请",
            ),
            Condition(
                "fines.deferral_too_late",
                "在缴款期限届满前申请",
                (DEFERRAL_BASIS,),
                "缴款期限已过的，不能再申请；请缴纳罚款及加处罚款",
            ),
            Condition(
                "fines.deferral_exists",
                "该处罚决定没有待审批或者已批准的申请",
                (DEFERRAL_BASIS,),
                "同一处罚决定只能有一个有效申请",
            ),
            Condition(
                "fines.deferral_reason_required",
                f"说明经济困难的情况（{REASON_MIN_CHARS}至{REASON_MAX_CHARS}字）",
                (DEFERRAL_BASIS,),
                "未说明情况的不予受理",
            ),
            Condition(
                "fines.deferral_until_invalid",
                f"暂缓缴纳的截止日期晚于缴款期限，且不超过缴款期限后{p.max_deferral_days}日",
                (DEFERRAL_BASIS,),
                "截止日期不符合的不予受理；请重新选择日期",
            ),
            Condition(
                "fines.instalment_count_invalid",
                f"分期缴纳的期数为2至{p.max_instalments}期",
                (DEFERRAL_BASIS,),
                "期数不符合的不予受理；请重新选择期数",
            ),
        ),
        materials=(
            ID_CARD,
            Material("处罚决定书编号", "申请暂缓或者分期的处罚决定"),
            Material("经济困难情况说明", f"{REASON_MIN_CHARS}至{REASON_MAX_CHARS}字"),
        ),
        steps=(
            IDENTITY_CHECK,
            Step("提交申请", "选择处罚决定，选择暂缓或者分期，说明经济困难情况"),
            Step("等待审批", "民警审批后，在“交管12123”或者岗亭查询结果"),
            Step("按期缴纳", f"分期的，每{p.instalment_interval_days}日为一期；{missed}"),
        ),
        legal_basis=(DEFERRAL_BASIS, NOT_DUE_BASIS, MISSED_INSTALMENT_BASIS),
        fees=(
            Fee(
                "加处罚款",
                "经批准暂缓或者分期的，批准期限内不加处罚款；申请前已产生的加处罚款仍应缴纳",
                (NOT_DUE_BASIS,),
            ),
        ),
        time_limits=(
            TimeLimit("申请期限", "缴款期限届满前", (DEFERRAL_BASIS,)),
            TimeLimit("暂缓期限", f"最长至缴款期限后{p.max_deferral_days}日", (DEFERRAL_BASIS,)),
            TimeLimit(
                "分期",
                f"最多{p.max_instalments}期，每{p.instalment_interval_days}日一期；{missed}",
                (DEFERRAL_BASIS, MISSED_INSTALMENT_BASIS),
            ),
        ),
        channels=("交警大队违法处理窗口",),
        rules_since=PENALTY_LAW_IN_FORCE,
    )


GUIDES = (
    GuideSpec(
        "pay_fines",
        pay_fines_guide,
        (
            "gangting.fines.service:create_payment",
            "gangting.fines.deferrals:create_instalment_payment",
        ),
        ("gangting.fines",),
    ),
    GuideSpec(
        "apply_fine_deferral",
        fine_deferral_guide,
        ("gangting.fines.deferrals:apply_for_deferral",),
        ("gangting.fines",),
    ),
)
