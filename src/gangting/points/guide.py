"""The service guide (办事指南) of study deduction (学法减分, 记分办法 第25–27条), generated
from the points rules: the full score, the cap per cycle and the points per way of study."""

from __future__ import annotations

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
from gangting.licences.guide import RULES_SINCE
from gangting.points.rules import (
    FULL_SCORE,
    MAX_DEDUCTION_PER_CYCLE,
    DeductionWay,
    deduction_points,
)

_A = law.SCORING
_WAYS = {
    DeductionWay.ONLINE: "网上学习（“交管12123”App）",
    DeductionWay.ONSITE: "现场学习",
    DeductionWay.PUBLIC_WELFARE: "参加交通安全公益活动",
}


def points_per_time(way: DeductionWay) -> int:
    """Points one completed time (or hour of public welfare) deducts, as the rule says."""
    return deduction_points(way, 1, True, FULL_SCORE, 0)


def study_deduction_guide(settings: Settings) -> Guide:
    a25, a26, a27 = (law.cite(_A, f"第{n}条") for n in (25, 26, 27))
    cap = MAX_DEDUCTION_PER_CYCLE
    title = SERVICE_ZH["study_deduction"]
    ways = "；".join(f"{name}每次扣减{points_per_time(w)}分" for w, name in _WAYS.items())
    return Guide(
        business="study_deduction",
        title=title,
        summary=f"累积记分未满{FULL_SCORE}分的驾驶人，学习合格后登记学习记录，"
        f"每个记分周期最多扣减{cap}分。",
        applicants=(f"本记分周期累积记分未满{FULL_SCORE}分的机动车驾驶人本人",),
        conditions=(
            Condition(
                "licences.not_found",
                "持有机动车驾驶证，且驾驶证信息已在系统中登记",
                (law.cite(law.LICENCE, "第3条"),),
                "本岗亭无法查询到驾驶证信息的，请到车辆管理所窗口办理",
            ),
            Condition(
                "points.study_not_found",
                "学习记录已由学习平台登记",
                (a27,),
                "学习平台未查询到该记录的，请核对学习记录编号",
            ),
            Condition(
                "points.study_not_yours",
                "学习记录是申请人本人的",
                (a27,),
                "只能使用本人的学习记录",
            ),
            Condition(
                "points.study_already_used",
                "学习记录未用于减分",
                (a27,),
                "每条学习记录只能减分一次",
            ),
            Condition(
                "points.deduction_full_score",
                f"处理完全部违法记录后，累积记分未满{FULL_SCORE}分，且有可扣减的记分",
                (a25,),
                f"累积记分满{FULL_SCORE}分的，应当参加满分学习和考试，不能学法减分",
                ("points.deduction_no_points",),
            ),
            Condition(
                "points.deduction_cap_reached",
                f"本记分周期累计扣减未达{cap}分",
                (a25,),
                f"已扣减{cap}分的，本周期不再扣减",
            ),
            Condition(
                "points.study_not_enough",
                "学习时长和考试结果达到减分条件",
                (a25, a27),
                "未达到的，本次不扣减记分；请完成学习和考试后再登记",
            ),
            Condition(
                "points.deduction_full_score_records",
                "本记分周期和上一个记分周期内参加满分教育不超过一次",
                (f"{a26}(一)",),
                "不予受理学法减分申请",
            ),
            Condition(
                "points.deduction_serious_offence",
                "最近三个记分周期内没有因肇事逃逸、饮酒后驾驶、使用伪造变造或者其他车辆号牌证件、"
                "买分卖分受到处罚",
                (f"{a26}(二)",),
                "不予受理学法减分申请",
            ),
            Condition(
                "points.deduction_learner",
                "驾驶证不在实习期内",
                (f"{a26}(三)",),
                "实习期内不能学法减分",
            ),
            Condition(
                "points.deduction_review_overdue",
                "驾驶证未逾期审验",
                (f"{a26}(三)",),
                "请先办理审验",
            ),
            Condition(
                "points.deduction_licence_detained",
                "驾驶证未被扣留、暂扣",
                (f"{a26}(三)",),
                "扣留、暂扣期间不能学法减分",
            ),
            Condition(
                "points.deduction_vehicle_inspection_overdue",
                "名下没有安全技术检验超过有效期的机动车",
                (f"{a26}(四)",),
                "请先为名下车辆办理检验",
                ("points.deduction_vehicle_not_deregistered",),
            ),
            Condition(
                "points.deduction_fraud",
                "最近三个记分周期内没有在学法减分、满分教育或者审验教育中弄虚作假、冒名顶替",
                (f"{a26}(五)",),
                "不予受理学法减分申请",
            ),
        ),
        materials=(
            Material("居民身份证", "在岗亭读卡并进行人脸核验"),
            Material("学习记录编号", f"学习平台出具；{ways}"),
        ),
        steps=(
            Step("学习考试", f"{'、'.join(_WAYS.values())}，并通过考试（公益活动无需考试）"),
            Step("身份核验", "放置居民身份证，正对摄像头完成人证核验"),
            Step("选择业务", f"选择“{title}”，查看本指南"),
            Step("登记记录", "录入学习记录编号，确认提交"),
            Step("领取凭证", "打印或者扫码保存受理凭证，记分即时扣减"),
        ),
        legal_basis=(a25, a26, a27, law.cite(_A, "第14条")),
        fees=(Fee("学法减分", "不收取费用", amount_fen=0),),
        time_limits=(
            TimeLimit("扣减上限", f"每个记分周期最多扣减{cap}分", (a25,)),
            TimeLimit("办结时限", "符合条件的，当场扣减", (a27,)),
        ),
        channels=("“交管12123”手机App", "交警大队违法处理窗口"),
        rules_since=RULES_SINCE,
    )


GUIDES = (
    GuideSpec(
        "study_deduction",
        study_deduction_guide,
        ("gangting.desks.study_deduction:record_study_deduction",),
        ("gangting.desks.study_deduction", "gangting.points", "gangting.licences"),
    ),
)
