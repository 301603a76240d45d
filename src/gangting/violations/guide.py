"""The service guide (办事指南) of processing camera-recorded violations (交通违法处理),
generated from the points and fines rules, the first-offence list and Settings."""

from __future__ import annotations

from gangting.applications.guides import (
    ID_CARD,
    Condition,
    Fee,
    Guide,
    GuideSpec,
    Step,
    TimeLimit,
    booth_start,
)
from gangting.applications.rules import SERVICE_ZH
from gangting.config import Settings
from gangting.fines.guide import PENALTY_LAW_IN_FORCE
from gangting.fines.rules import FinePolicy, late_fee_notice
from gangting.kernel import law
from gangting.points.rules import FULL_SCORE
from gangting.violations.first_offence import load_first_offence_list
from gangting.violations.rules import EDUCATION_BASIS, FIRST_OFFENCE_BASIS

_PROCESSING = law.cite(law.PROCEDURE, "第58条")
_GENERAL = law.cite(law.PROCEDURE, "第43条")
_OTHER = law.cite(law.SCORING, "第14条")


def process_violations_guide(settings: Settings) -> Guide:
    policy = FinePolicy()
    title = SERVICE_ZH["process_violations"]
    conditions = [
        Condition(
            "licences.not_found",
            "持有机动车驾驶证，且驾驶证信息已在系统中登记",
            (law.cite(law.LICENCE, "第3条"),),
            "本岗亭无法查询到驾驶证信息的，请到交警大队违法处理窗口办理",
        ),
        Condition(
            "violations.not_found",
            "违法记录是交通技术监控设备记录、已录入系统的记录",
            (_PROCESSING,),
            "未查询到违法记录的，请核对后重新选择",
        ),
        Condition(
            "violations.already_processed",
            "违法记录尚未处理",
            (_PROCESSING,),
            "已处理的记录不能重复处理；请在“查询”中查看处罚决定",
        ),
        Condition(
            "violations.under_objection",
            "违法记录没有正在审查中的异议",
            (law.cite(law.PROCEDURE, "第5条第3款"),),
            "对该记录提出的异议正在由违法行为发生地交警部门审查，审查结束前暂不能处理；"
            "异议不成立的，可再来处理",
        ),
        Condition(
            "violations.not_processable_at_booth",
            "违法行为适用简易程序，可以通过自助处理平台处理",
            (_PROCESSING, _GENERAL),
            "需适用一般程序的，请到交警大队窗口处理",
        ),
        Condition(
            "points.other_vehicle_refused",
            f"处理本人名下机动车的记录不受限制；处理其他机动车的记录，本记分周期累积记分未满{FULL_SCORE}分",
            (_OTHER,),
            f"累积记分已满{FULL_SCORE}分的，只能处理本人名下机动车的违法记录",
        ),
    ]
    basis = [_PROCESSING, _GENERAL, _OTHER, law.cite(law.SCORING, "第13条")]
    if settings.first_offence_enabled:
        listed = load_first_offence_list(settings.first_offence_list_path or None)
        lenient = "（首违不罚）"
        fails = "不适用首违不罚，依法给予罚款、记分"
        conditions += [
            Condition(
                "violations.first_offence_not_listed",
                f"{lenient}违法行为在本省首违不罚清单内（共{len(listed.codes)}项）",
                (FIRST_OFFENCE_BASIS,),
                fails,
            ),
            Condition(
                "violations.first_offence_not_first",
                f"{lenient}{listed.period_days}日内没有同一违法行为",
                (FIRST_OFFENCE_BASIS,),
                fails,
            ),
            Condition(
                "violations.first_offence_harm",
                f"{lenient}违法行为没有危害后果",
                (FIRST_OFFENCE_BASIS, EDUCATION_BASIS),
                fails,
            ),
        ]
        basis += [FIRST_OFFENCE_BASIS, EDUCATION_BASIS]
    return Guide(
        business="process_violations",
        title=title,
        summary="驾驶人本人在岗亭确认电子警察记录的交通违法行为，当场作出处罚决定、记录记分，"
        "并可接着缴纳罚款。",
        applicants=("机动车驾驶人本人（违法时驾驶该车的人）",),
        conditions=tuple(conditions),
        materials=(ID_CARD,),
        steps=(
            *booth_start("违法处理与缴款"),
            Step("确认记录", "核对违法时间、地点、行为、记分和罚款，勾选要处理的记录"),
            Step("作出决定", "确认后当场作出处罚决定，记分随决定记录"),
            Step("缴纳罚款", "出示付款码缴纳罚款，或者在期限内通过其他渠道缴纳"),
        ),
        legal_basis=tuple(basis),
        fees=(Fee("罚款", late_fee_notice(policy), (law.cite(law.COERCION_LAW, "第45条"),)),),
        time_limits=(
            TimeLimit(
                "缴款期限",
                f"自收到处罚决定书之日起{policy.deadline_days}日内",
                (law.cite(law.PENALTY_LAW, "第67条第3款"),),
            ),
            TimeLimit("办结时限", "确认后当场作出处罚决定", (_PROCESSING,)),
        ),
        channels=("“交管12123”手机App", "交警大队违法处理窗口"),
        rules_since=PENALTY_LAW_IN_FORCE,
    )


GUIDES = (
    GuideSpec(
        "process_violations",
        process_violations_guide,
        ("gangting.violations.service:process_violations",),
        ("gangting.violations", "gangting.licences", "gangting.points"),
    ),
)
