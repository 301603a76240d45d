"""The service guides (办事指南) of the licence businesses: renewal, replacement and the
yearly health certificate of drivers aged 70 or more. Every number is read from the rules
(by asking them, where a rule holds its number inside) or from Settings; none is typed here.
"""

from __future__ import annotations

from datetime import date, timedelta

from gangting.applications.guides import (
    ID_CARD,
    Condition,
    Fee,
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
from gangting.kernel.calendar import add_months, add_years
from gangting.kernel.money import format_yuan
from gangting.licences.rules import (
    AGE_LIMITS_BY_EFFECTIVE_DATE,
    REVIEW_STUDY_MINUTES,
    health_certificate_required,
    health_certificate_valid,
    renewal_window,
    review_due,
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


def review_due_days() -> int:
    """Within how many days after a scoring cycle ends the review is due (``review_due``)."""
    due = review_due(classes=("B2",), cycle_end=_PROBE, points_in_cycle=1, age_at_cycle_end=40)
    assert due.due_by is not None
    return (due.due_by - _PROBE).days


def cognitive_test_age() -> int:
    """From which age (at the cycle's end) the review holds the ability test (三力测试)."""
    age = 18
    while (
        age < 120
        and not review_due(
            classes=("B2",), cycle_end=_PROBE, points_in_cycle=1, age_at_cycle_end=age
        ).cognitive_test
    ):
        age += 1
    return age


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


def _cites(*articles: str) -> tuple[str, ...]:
    """These articles of the licence regulation (公安部令第162号)."""
    return tuple(law.cite(_R, a) for a in articles)


_ISSUED_THE_SAME_DAY = TimeLimit("办结时限", "符合规定的，当日核发", (law.cite(_R, "第68条"),))


def _certificate(months: int) -> Material:
    return Material("身体条件证明", f"县级或者部队团级以上医疗机构出具，{months}个月内有效")


_FILL_IN_CERTIFICATE = Step("填写证明", "录入身体条件证明的编号、出具机构和出具日期")


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
            Condition(
                "licences.class_over_age",
                "所持准驾车型未超过该车型的年龄上限",
                (*(row[1] for row in AGE_LIMITS_BY_EFFECTIVE_DATE), law.cite(_R, "第65条")),
                "超过年龄上限的准驾车型不能在岗亭换证；请到车辆管理所窗口办理降级换证",
                ("licences.age_too_old", "licences.age_too_young"),
            ),
            *_certificate_conditions(months),
        ),
        materials=(
            ID_CARD,
            _certificate(months),
        ),
        steps=(
            *booth_start(title),
            _FILL_IN_CERTIFICATE,
            Step("确认办理", "核对新驾驶证的有效期，确认提交"),
            Step("领取凭证", "打印或者扫码保存受理凭证，按提示领取新驾驶证"),
        ),
        legal_basis=(
            *_cites("第13条", "第14条", "第62条", "第63条", "第65条", "第68条", "第79条", "第85条"),
            law.cite(law.IMPLEMENTING, "第26条"),
            law.cite(law.IMPLEMENTING, "第28条"),
        ),
        fees=(_fee(settings, "换领驾驶证"),),
        time_limits=(
            TimeLimit("申请期限", f"有效期满前{days}日内", (law.cite(_R, "第63条"),)),
            _ISSUED_THE_SAME_DAY,
        ),
        channels=CHANNELS,
        rules_since=RULES_SINCE,
    )


def replacement_guide(settings: Settings) -> Guide:
    title = SERVICE_ZH["replacement"]
    age = yearly_certificate_age()
    cancel_years = yearly_certificate_terms()[1]
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
            Condition(
                "licences.health_certificate_lapsed",
                f"年满{age}周岁的驾驶人，已按期提交每个记分周期的身体条件证明",
                (law.cite(_R, "第79条第1款第(九)项"), law.cite(_R, "第79条第4款")),
                f"记分周期结束后{cancel_years}年内未提交身体条件证明的，驾驶证应予注销，不能补领；"
                "请先在本岗亭“提交身体条件证明”，提交后恢复驾驶资格",
            ),
        ),
        materials=(ID_CARD,),
        steps=(
            *booth_start(title),
            Step("确认办理", "选择补领原因（遗失或损毁），确认提交"),
            Step("领取凭证", "打印或者扫码保存受理凭证；原驾驶证自补领之日起作废"),
        ),
        legal_basis=_cites("第69条", "第79条", "第68条"),
        fees=(_fee(settings, "补领驾驶证"),),
        time_limits=(_ISSUED_THE_SAME_DAY,),
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
            ID_CARD,
            _certificate(months),
        ),
        steps=(
            *booth_start(title),
            _FILL_IN_CERTIFICATE,
            Step("领取凭证", "确认提交，打印或者扫码保存受理凭证"),
        ),
        legal_basis=_cites("第74条", "第79条第1款第(九)项", "第85条"),
        fees=(free_of_charge("提交身体条件证明"),),
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


def driver_review_guide(settings: Settings) -> Guide:
    days = review_due_days()
    hours = REVIEW_STUDY_MINUTES // 60
    age = cognitive_test_age()
    title = SERVICE_ZH["driver_review"]
    art73_4 = law.cite(_R, "第73条第4款")
    return Guide(
        business="driver_review",
        title=title,
        summary=f"应当审验的驾驶人，在记分周期结束后{days}日内，处理完违法行为和交通事故、"
        f"完成审验教育后在岗亭办理审验。",
        applicants=(
            "持有大型客车、重型牵引挂车、城市公交车、中型客车、大型货车驾驶证，"
            "记分周期内有记分的驾驶人",
            "持有其他准驾车型驾驶证，发生交通事故造成人员死亡承担同等以上责任，"
            "未被吊销驾驶证的驾驶人",
            f"年满{age}周岁，发生责任交通事故造成人员重伤或者死亡的驾驶人",
        ),
        conditions=(
            _not_found(),
            Condition(
                "licences.review_not_required",
                "上一个记分周期已结束，且依法应当审验",
                (law.cite(_R, "第72条"),),
                "无需审验的，不予办理",
            ),
            Condition(
                "licences.review_already_done",
                "该记分周期尚未完成审验",
                (law.cite(_R, "第72条"),),
                "每个记分周期只审验一次；请在“查询”中查看审验凭证",
            ),
            Condition(
                "licences.review_violations_unprocessed",
                "名下机动车的交通违法行为已处理完毕",
                (art73_4,),
                "有未处理的违法记录的，请先在本岗亭“违法处理与缴款”中处理",
            ),
            Condition(
                "licences.review_accidents_unprocessed",
                "发生的道路交通事故已处理完毕",
                (art73_4,),
                "有未处理完毕的交通事故的，请先到交警大队处理",
            ),
            Condition(
                "licences.review_health_unfit",
                f"年满{age}周岁的，已提交本记分周期的身体条件证明",
                (art73_4, law.cite(_R, "第74条")),
                "请先在本岗亭“提交身体条件证明”，再办理审验",
            ),
            Condition(
                "licences.review_study_short",
                f"参加道路交通安全法律法规、交通安全文明驾驶、应急处置等知识学习不少于{hours}小时，"
                "并接受交通事故案例警示教育",
                (art73_4, law.cite(_R, "第73条第2款")),
                f"学习不满{hours}小时的，请通过学习平台完成学习后再办理",
            ),
            Condition(
                "licences.review_cognitive_test_missing",
                f"年满{age}周岁的，记忆力、判断力、反应力能力测试（三力测试）合格",
                (art73_4, law.cite(_R, "第73条第3款")),
                "请先在本岗亭进行三力测试并登记结果；测试未通过的，不能通过审验",
                ("licences.review_cognitive_test_failed",),
            ),
            Condition(
                "licences.review_late",
                f"在记分周期结束后{days}日内审验",
                (law.cite(_R, "第72条"), law.cite(_R, "第99条第1款第(三)项")),
                "逾期的仍可审验；逾期未审验期间驾驶机动车的，依法处以罚款",
            ),
        ),
        materials=(
            ID_CARD,
            Material("审验教育记录", "学习平台联网核查，无需提交纸质材料"),
            Material("三力测试记录", f"年满{age}周岁的驾驶人，测试结果登记后联网核查"),
        ),
        steps=(
            Step("审验教育", f"通过学习平台完成不少于{hours}小时的审验教育"),
            *booth_start(title),
            Step("确认办理", "核对审验条件，确认提交"),
            Step("领取凭证", "打印或者扫码保存审验凭证"),
        ),
        legal_basis=_cites("第72条", "第73条", "第74条", "第99条第1款第(三)项"),
        fees=(free_of_charge("驾驶人审验"),),
        time_limits=(
            TimeLimit("审验期限", f"记分周期结束后{days}日内", (law.cite(_R, "第72条"),)),
            TimeLimit("办结时限", "符合条件的，当场办结", (law.cite(_R, "第73条"),)),
        ),
        channels=CHANNELS,
        rules_since=RULES_SINCE,
    )


def cognitive_test_guide(settings: Settings) -> Guide:
    age = cognitive_test_age()
    title = SERVICE_ZH["cognitive_test"]
    art73_3 = law.cite(_R, "第73条第3款")
    return Guide(
        business="cognitive_test",
        title=title,
        summary=f"年满{age}周岁的驾驶人审验时，应当进行记忆力、判断力、反应力能力测试"
        "（三力测试）；在岗亭登记测试结果。",
        applicants=(f"年满{age}周岁、应当审验的驾驶人本人",),
        conditions=(
            Condition(
                "licences.cognitive_test_not_found",
                "测试记录已由能力测试设备登记",
                (art73_3,),
                "测试设备未查询到该记录的，请核对测试记录编号",
            ),
            Condition(
                "licences.cognitive_test_not_yours",
                "测试记录是申请人本人的",
                (art73_3,),
                "只能登记本人的测试记录",
            ),
            Condition(
                "licences.cognitive_test_already_recorded",
                "测试记录尚未登记",
                (art73_3,),
                "每条测试记录只能登记一次",
            ),
            Condition(
                "licences.cognitive_test_in_future",
                "测试日期不晚于登记当日",
                (art73_3,),
                "测试日期有误的，请核对测试记录",
            ),
        ),
        materials=(
            ID_CARD,
            Material("三力测试记录编号", "能力测试设备出具"),
        ),
        steps=(
            Step("参加测试", "在能力测试设备上完成记忆力、判断力、反应力测试"),
            *booth_start(title),
            Step("登记结果", "录入测试记录编号，确认提交"),
            Step("领取凭证", "打印或者扫码保存受理凭证；测试通过的，可办理驾驶人审验"),
        ),
        legal_basis=(art73_3, law.cite(_R, "第72条")),
        fees=(free_of_charge("三力测试结果登记"),),
        time_limits=(TimeLimit("办结时限", "当场登记", (art73_3,)),),
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
    GuideSpec(
        "driver_review",
        driver_review_guide,
        ("gangting.desks.driver_review:complete_review",),
        ("gangting.desks.driver_review", "gangting.licences", "gangting.points"),
    ),
    GuideSpec(
        "cognitive_test",
        cognitive_test_guide,
        ("gangting.desks.driver_review:record_cognitive_test",),
        ("gangting.desks.driver_review", "gangting.licences"),
    ),
)
