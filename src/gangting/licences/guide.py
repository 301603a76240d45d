"""The service guides (办事指南) of the licence businesses: renewal, replacement and the
yearly health certificate of drivers aged 70 or more. Every number is read from the rules
(by asking them, where a rule holds its number inside) or from Settings; none is typed here.
"""

from __future__ import annotations

from datetime import date, timedelta

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
from gangting.kernel.calendar import add_months, add_years
from gangting.kernel.money import format_yuan
from gangting.licences.rules import (
    AGE_LIMITS_BY_EFFECTIVE_DATE,
    health_certificate_required,
    health_certificate_valid,
    renewal_window,
    should_cancel_for_expiry,
)

_R = law.LICENCE
# 162号令 took effect with its first age-limit table.
RULES_SINCE: date = AGE_LIMITS_BY_EFFECTIVE_DATE[0][0]
_PROBE = date(2030, 6, 30)  # any day: the rules below are the same on every day
CHANNELS = (
    "车辆管理所及其驾驶证业务窗口",
    "公安交通管理服务站",
    "“交管12123”手机App",
)


def renewal_window_days() -> int:
    """How many days before expiry renewal opens, as ``renewal_window`` decides it."""
    days = 0
    while days < 3660 and renewal_window(_PROBE, _PROBE - timedelta(days=days + 1)).allowed:
        days += 1
    return days


def overdue_renewal_years() -> int:
    """For how many years after expiry a licence may still be renewed (then cancelled)."""
    years = 1
    while years < 10 and not should_cancel_for_expiry(
        _PROBE, add_years(_PROBE, years) + timedelta(days=1)
    ):
        years += 1
    return years


def certificate_valid_months() -> int:
    """How many months a health certificate is valid from its issue day."""
    months = 1
    while months < 60 and health_certificate_valid(_PROBE, add_months(_PROBE, months)):
        months += 1
    return months


def yearly_certificate_age() -> int:
    """From which age a driver submits a health certificate every cycle."""
    birth = date(1940, 7, 1)
    age = 1
    while (
        age < 120 and not health_certificate_required(birth, add_years(birth, age), _PROBE).required
    ):
        age += 1
    return age


def yearly_certificate_terms() -> tuple[int, int]:
    """(days after the cycle's end to submit, years after which the licence is cancelled)."""
    birth = date(1900, 1, 1)
    due = health_certificate_required(birth, _PROBE, _PROBE)
    assert due.submit_by is not None and due.cancel_if_not_submitted_after is not None
    return (due.submit_by - _PROBE).days, due.cancel_if_not_submitted_after.year - _PROBE.year


def _fee(settings: Settings, item: str) -> Fee:
    fen = settings.licence_card_fee_fen
    text = f"工本费{format_yuan(fen)}" if fen else "不收取费用"
    return Fee(item, text, amount_fen=fen)


def _not_found() -> Condition:
    return Condition(
        "licences.not_found",
        "持有公安机关交通管理部门核发的机动车驾驶证，且驾驶证信息已在系统中登记",
        (law.cite(_R, "第3条"),),
        "本岗亭无法查询到驾驶证信息的，请到车辆管理所窗口办理",
    )


def _certificate_conditions(months: int) -> tuple[Condition, ...]:
    basis = (law.cite(_R, "第85条"),)
    return (
        Condition(
            "licences.health_certificate_invalid",
            f"身体条件证明自出具之日起{months}个月内有效，提交时在有效期内",
            basis,
            f"证明已超过{months}个月或日期有误的，不予受理；请到医疗机构重新体检后再办理",
        ),
        Condition(
            "licences.health_certificate_used",
            "每份身体条件证明只能使用一次",
            basis,
            "证明已被使用的，不予受理；请提交新的身体条件证明",
        ),
    )


def _status_condition(*codes: str) -> Condition:
    return Condition(
        codes[0],
        "驾驶证未被扣押、扣留、暂扣，未被吊销、注销",
        (law.cite(_R, "第69条第3款"), law.cite(_R, "第79条")),
        "驾驶证被扣押、扣留或者暂扣期间不能办理；已被吊销、注销的，依法重新申领",
        codes[1:],
    )


def renewal_guide(settings: Settings) -> Guide:
    days = renewal_window_days()
    years = overdue_renewal_years()
    months = certificate_valid_months()
    title = SERVICE_ZH["renewal"]
    return Guide(
        business="renewal",
        title=title,
        summary=f"驾驶证有效期满前{days}日内，本人凭身份证和身体条件证明在岗亭自助换领新证。",
        applicants=("驾驶证有效期即将届满或者已超过有效期不满" + f"{years}年的驾驶人本人",),
        conditions=(
            _not_found(),
            _status_condition(
                "licences.renewal_refused",
                "licences.replacement_while_detained",
                "licences.replacement_not_valid",
                "licences.replacement_expired",
            ),
            Condition(
                "licences.long_term",
                "驾驶证不是长期有效的驾驶证",
                (law.cite(_R, "第13条"),),
                "长期有效的驾驶证无需期满换证",
            ),
            Condition(
                "licences.renewal_too_early",
                f"在驾驶证有效期满前{days}日内申请",
                (law.cite(_R, "第63条"),),
                f"未到换证期的不予受理；请于有效期满前{days}日起再来办理",
            ),
            Condition(
                "licences.renewal_expired_over_one_year",
                f"驾驶证超过有效期不满{years}年（超过有效期的，换证前不得驾驶机动车）",
                (
                    law.cite(_R, "第79条第1款第(八)项"),
                    law.cite(_R, "第79条第3款"),
                    law.cite(law.IMPLEMENTING, "第28条"),
                ),
                f"超过有效期{years}年以上的驾驶证应当注销，不能换证；注销后二年内可通过科目一考试恢复驾驶资格",
            ),
            *_certificate_conditions(months),
        ),
        materials=(
            Material("居民身份证", "在岗亭读卡并进行人脸核验"),
            Material("身体条件证明", f"县级或者部队团级以上医疗机构出具，{months}个月内有效"),
        ),
        steps=(
            Step("身份核验", "放置居民身份证，正对摄像头完成人证核验"),
            Step("选择业务", f"选择“{title}”，查看本指南"),
            Step("填写证明", "录入身体条件证明的编号、出具机构和出具日期"),
            Step("确认办理", "核对新驾驶证的有效期，确认提交"),
            Step("领取凭证", "打印或者扫码保存受理凭证，按提示领取新驾驶证"),
        ),
        legal_basis=(
            law.cite(_R, "第13条"),
            law.cite(_R, "第62条"),
            law.cite(_R, "第63条"),
            law.cite(_R, "第68条"),
            law.cite(_R, "第79条"),
            law.cite(_R, "第85条"),
            law.cite(law.IMPLEMENTING, "第26条"),
            law.cite(law.IMPLEMENTING, "第28条"),
        ),
        fees=(_fee(settings, "换领驾驶证"),),
        time_limits=(
            TimeLimit("申请期限", f"有效期满前{days}日内", (law.cite(_R, "第63条"),)),
            TimeLimit("办结时限", "符合规定的，当日核发", (law.cite(_R, "第68条"),)),
        ),
        channels=CHANNELS,
        rules_since=RULES_SINCE,
    )


def replacement_guide(settings: Settings) -> Guide:
    title = SERVICE_ZH["replacement"]
    return Guide(
        business="replacement",
        title=title,
        summary="驾驶证遗失或者损毁的，本人凭身份证在岗亭自助申请补领，原驾驶证作废。",
        applicants=("驾驶证遗失、损毁无法辨认的驾驶人本人",),
        conditions=(
            _not_found(),
            Condition(
                "licences.replacement_while_detained",
                "驾驶证未被扣押、扣留或者暂扣",
                (law.cite(_R, "第69条第3款"),),
                "驾驶证被扣押、扣留或者暂扣期间不能补领；期满后再办理",
            ),
            Condition(
                "licences.replacement_not_valid",
                "驾驶证未被吊销或者注销",
                (law.cite(_R, "第69条"), law.cite(_R, "第79条")),
                "已被吊销或者注销的驾驶证不能补领，依法重新申领",
            ),
            Condition(
                "licences.replacement_expired",
                "驾驶证在有效期内",
                (law.cite(_R, "第63条"),),
                "驾驶证已超过有效期的，请办理期满换证（换证即领取新证）",
            ),
        ),
        materials=(Material("居民身份证", "在岗亭读卡并进行人脸核验"),),
        steps=(
            Step("身份核验", "放置居民身份证，正对摄像头完成人证核验"),
            Step("选择业务", f"选择“{title}”，查看本指南"),
            Step("确认办理", "选择补领原因（遗失或损毁），确认提交"),
            Step("领取凭证", "打印或者扫码保存受理凭证；原驾驶证自补领之日起作废"),
        ),
        legal_basis=(law.cite(_R, "第69条"), law.cite(_R, "第79条"), law.cite(_R, "第68条")),
        fees=(_fee(settings, "补领驾驶证"),),
        time_limits=(TimeLimit("办结时限", "符合规定的，当日核发", (law.cite(_R, "第68条"),)),),
        channels=CHANNELS,
        rules_since=RULES_SINCE,
    )


def health_certificate_guide(settings: Settings) -> Guide:
    age = yearly_certificate_age()
    days, cancel_years = yearly_certificate_terms()
    months = certificate_valid_months()
    title = SERVICE_ZH["health_certificate"]
    return Guide(
        business="health_certificate",
        title=title,
        summary=f"年满{age}周岁的驾驶人，每个记分周期结束后{days}日内提交身体条件证明。",
        applicants=(f"年龄在{age}周岁以上的驾驶人本人",),
        conditions=(
            _not_found(),
            Condition(
                "licences.health_certificate_not_required",
                f"驾驶人年满{age}周岁",
                (law.cite(_R, "第74条"),),
                f"未满{age}周岁的驾驶人无需每年提交身体条件证明",
            ),
            *_certificate_conditions(months),
        ),
        materials=(
            Material("居民身份证", "在岗亭读卡并进行人脸核验"),
            Material("身体条件证明", f"县级或者部队团级以上医疗机构出具，{months}个月内有效"),
        ),
        steps=(
            Step("身份核验", "放置居民身份证，正对摄像头完成人证核验"),
            Step("选择业务", f"选择“{title}”，查看本指南"),
            Step("填写证明", "录入身体条件证明的编号、出具机构和出具日期"),
            Step("领取凭证", "确认提交，打印或者扫码保存受理凭证"),
        ),
        legal_basis=(
            law.cite(_R, "第74条"),
            law.cite(_R, "第79条第1款第(九)项"),
            law.cite(_R, "第85条"),
        ),
        fees=(Fee("提交身体条件证明", "不收取费用", amount_fen=0),),
        time_limits=(
            TimeLimit("提交期限", f"每个记分周期结束后{days}日内", (law.cite(_R, "第74条"),)),
            TimeLimit(
                "逾期后果",
                f"记分周期结束后{cancel_years}年内仍未提交的，驾驶证依法注销",
                (law.cite(_R, "第79条第1款第(九)项"),),
            ),
        ),
        channels=CHANNELS,
        rules_since=RULES_SINCE,
    )


_SCAN = ("gangting.licences",)
GUIDES = (
    GuideSpec("renewal", renewal_guide, ("gangting.licences.service:renew_licence",), _SCAN),
    GuideSpec(
        "replacement", replacement_guide, ("gangting.licences.service:replace_licence",), _SCAN
    ),
    GuideSpec(
        "health_certificate",
        health_certificate_guide,
        ("gangting.licences.service:submit_health_certificate",),
        _SCAN,
    ),
)
