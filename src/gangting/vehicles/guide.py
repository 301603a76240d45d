"""The service guide (办事指南) of the inspection mark of an inspection-exempt vehicle
(申领检验合格标志), generated from ``InspectionPolicy`` and Settings."""

from __future__ import annotations

from datetime import date

from gangting.applications.guides import (
    ID_CARD,
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
from gangting.kernel import law
from gangting.vehicles.rules import InspectionPolicy

# The 2022 inspection reform took effect on this day (law.INSPECTION_REFORM says so).
REFORM_IN_FORCE = date(2022, 10, 1)
_ART54 = law.cite(law.REGISTRATION, "第54条")
_ART55 = law.cite(law.REGISTRATION, "第55条")
_ART16 = law.cite(law.IMPLEMENTING, "第16条")


def policy_of(settings: Settings) -> InspectionPolicy:
    """The policy the centre applies (desks.transaction.inspection_policy)."""
    return InspectionPolicy(
        require_processed_violations=settings.mark_requires_violations_processed
    )


def _years(years: tuple[int, ...]) -> str:
    return "、".join(f"第{y}年" for y in sorted(years))


_ART57 = law.cite(law.REGISTRATION, "第57条")
_INSURANCE = law.cite(law.INSURANCE, "第4条")
# The registration rules (公安部令第164号) took effect on this day.
REGISTRATION_IN_FORCE = date(2022, 5, 1)


def _registered(article: str) -> tuple[Condition, Condition]:
    """The plate is well formed and names a registered vehicle (``article``: the basis)."""
    return (
        Condition(
            "vehicles.invalid_plate",
            "号牌号码符合GA 36-2018的格式",
            ("GA 36-2018 《中华人民共和国机动车号牌》",),
            "号牌号码有误的不予受理；请核对后重新选择车辆",
        ),
        Condition(
            "vehicles.not_found",
            "车辆已在公安机关交通管理部门注册登记",
            (article,),
            "未查询到车辆的，请到车辆管理所窗口办理",
        ),
    )


def _vehicle_conditions() -> tuple[Condition, ...]:
    return (
        *_registered(_ART57),
        Condition(
            "vehicles.not_owner",
            "车辆登记在申请人本人名下",
            (_ART57,),
            "只能为本人名下的车辆补领、换领检验合格标志",
        ),
    )


def inspection_mark_reissue_guide(settings: Settings) -> Guide:
    title = SERVICE_ZH["inspection_mark_reissue"]
    return Guide(
        business="inspection_mark_reissue",
        title=title,
        summary="检验合格标志丢失或者损毁的，机动车所有人在交强险有效期内可申请补领、换领，"
        "当日补发电子检验合格标志，有效期与原标志相同。",
        applicants=("检验合格标志丢失或者损毁的机动车所有人（登记在本人名下）",),
        conditions=(
            *_vehicle_conditions(),
            Condition(
                "vehicles.insurance_invalid",
                "机动车交通事故责任强制保险（交强险）在有效期内",
                (_ART57, _INSURANCE),
                "交强险不在有效期内的，请先投保交强险再办理",
            ),
            Condition(
                "vehicles.inspection_expired",
                "机动车检验有效期未届满",
                (_ART54,),
                "检验有效期已届满的，请办理机动车安全技术检验或者申领新的检验合格标志",
            ),
            Condition(
                "vehicles.status_not_normal",
                "车辆状态正常（未达到报废标准、未注销、未被盗抢、未被查封或扣押）",
                (_ART57,),
                "车辆状态异常的，不能补领、换领检验合格标志",
            ),
        ),
        materials=(
            ID_CARD,
            Material("交强险保单", "系统联网核查，无需提交纸质保单"),
        ),
        steps=(
            *booth_start(title),
            Step("选择车辆", "选择本人名下的车辆和补领原因（丢失或者损毁）"),
            Step("确认办理", "确认提交，系统当日补发电子检验合格标志，原标志作废"),
            Step("领取凭证", "打印或者扫码保存受理凭证，电子标志可在“交管12123”查看"),
        ),
        legal_basis=(_ART57, _ART54, _INSURANCE),
        fees=(free_of_charge("补领、换领检验合格标志"),),
        time_limits=(TimeLimit("办结时限", "符合条件的，当日补发", (_ART57,)),),
        channels=("车辆管理所及其车辆业务窗口", "“交管12123”手机App"),
        rules_since=REGISTRATION_IN_FORCE,
    )


def inspection_mark_guide(settings: Settings) -> Guide:
    p = policy_of(settings)
    title = SERVICE_ZH["inspection_mark"]
    exempt = _years(p.exempt_years)
    onsite = _years(p.onsite_years)
    conditions = [
        *_registered(_ART54),
        Condition(
            "vehicles.not_owner",
            "车辆登记在申请人本人名下",
            (_ART54,),
            "只能办理本人名下机动车的业务",
        ),
        Condition(
            "vehicles.not_exempt_this_cycle",
            f"车辆为非营运小型、微型载客汽车（核定载客不超过{p.max_exempt_seats}人，面包车除外）"
            f"或者非营运摩托车，本检验周期为注册登记{exempt}的免检周期",
            (law.INSPECTION_REFORM, _ART54, _ART55),
            f"不属于免检情形，或者注册登记{onsite}及{p.yearly_after}年以后的，"
            "应当到机动车安全技术检验机构上线检验",
            (
                "vehicles.statutory_cycle",
                "vehicles.onsite_cycle",
                "vehicles.exemption_disabled",
                "vehicles.exempt_kind",
                "vehicles.exempt_operating",
                "vehicles.exempt_seats",
                "vehicles.exempt_van",
                "vehicles.exempt_modified",
                "vehicles.exempt_injury_accident",
                "vehicles.exempt_late_registration",
            ),
        ),
        Condition(
            "vehicles.mark_window_not_open",
            f"在检验有效期满前{p.window_months}个月内申请",
            (_ART54,),
            "未到申领期的不予受理；凭证上写明可以申请的日期",
        ),
        Condition(
            "vehicles.inspection_overdue",
            "检验有效期尚未届满",
            (_ART54, _ART16),
            "已超过检验有效期的"
            + (
                "，应当先到机动车安全技术检验机构检验"
                if p.overdue_exempt_requires_onsite
                else "，请到车辆管理所办理"
            ),
        ),
        Condition(
            "vehicles.insurance_invalid",
            "机动车交通事故责任强制保险（交强险）在有效期内",
            (law.cite(law.INSURANCE, "第4条"), _ART55),
            "交强险不在有效期内的，请先投保后再申领",
        ),
        Condition(
            "vehicles.vehicle_tax_unpaid",
            "已缴纳车船税或者有免税证明",
            (_ART55,),
            "未提供车船税纳税或者免税证明的，请先缴纳车船税",
        ),
    ]
    if p.require_processed_violations:
        conditions.append(
            Condition(
                "vehicles.unprocessed_violations",
                "车辆的交通违法记录已处理完毕",
                (_ART54,),
                "有未处理的违法记录的，请先在本岗亭“违法处理与缴款”中处理",
            )
        )
    if p.require_processed_accidents:
        conditions.append(
            Condition(
                "vehicles.unprocessed_accidents",
                "车辆涉及的道路交通事故已处理完毕",
                (_ART54,),
                "有未处理完毕的交通事故的，请先到交警大队处理",
            )
        )
    conditions.append(
        Condition(
            "vehicles.status_not_normal",
            "车辆状态正常（未达到报废标准、未注销、未被盗抢、未被查封或扣押）",
            (_ART54,),
            "车辆状态异常的，不能核发检验合格标志",
        )
    )
    return Guide(
        business="inspection_mark",
        title=title,
        summary=f"免检车辆在注册登记{exempt}，于检验有效期满前{p.window_months}个月内，"
        "无需上线检验，直接申领电子检验合格标志。",
        applicants=("免检车辆的所有人（登记在本人名下）",),
        conditions=tuple(conditions),
        materials=(
            ID_CARD,
            Material("交强险保单", "系统联网核查，无需提交纸质保单"),
            Material("车船税纳税或者免税证明", "交强险保单已载明的无需另交"),
        ),
        steps=(
            *booth_start(title),
            Step("选择车辆", "选择本人名下的免检车辆"),
            Step("确认办理", "确认提交，系统核发电子检验合格标志"),
            Step("领取凭证", "打印或者扫码保存受理凭证，电子标志可在“交管12123”查看"),
        ),
        legal_basis=(
            law.INSPECTION_REFORM,
            _ART54,
            _ART55,
            _ART16,
            law.cite(law.INSURANCE, "第4条"),
        ),
        fees=(free_of_charge("核发电子检验合格标志"),),
        time_limits=(
            TimeLimit("申请期限", f"检验有效期满前{p.window_months}个月内", (_ART54,)),
            TimeLimit("办结时限", "符合条件的，当场核发电子检验合格标志", (_ART55,)),
        ),
        channels=("车辆管理所及其车辆业务窗口", "机动车安全技术检验机构", "“交管12123”手机App"),
        rules_since=REFORM_IN_FORCE,
    )


GUIDES = (
    GuideSpec(
        "inspection_mark",
        inspection_mark_guide,
        ("gangting.vehicles.service:issue_inspection_mark",),
        ("gangting.vehicles",),
    ),
    GuideSpec(
        "inspection_mark_reissue",
        inspection_mark_reissue_guide,
        ("gangting.vehicles.service:reissue_inspection_mark",),
        ("gangting.vehicles",),
    ),
)
