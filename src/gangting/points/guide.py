"""The service guide (办事指南) of study deduction (学法减分, 记分办法 第25–27条), generated
from the points rules: the full score, the cap per cycle and the points per way of study."""

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
from gangting.licences.guide import RULES_SINCE
from gangting.licences.rules import LARGE_CLASSES
from gangting.points.rules import (
    _EXAM_ZH,
    FULL_SCORE,
    MAX_DEDUCTION_PER_CYCLE,
    STUDY_DAY_MINUTES,
    DeductionWay,
    FullScore,
    deduction_points,
    exam_retake_on,
    full_score_consequences,
)

_A = law.SCORING
_WAYS = {
    DeductionWay.ONLINE: "网上学习（“交管12123”App）",
    DeductionWay.ONSITE: "现场学习",
    DeductionWay.PUBLIC_WELFARE: "参加交通安全公益活动",
}


_LICENCE_NOT_FOUND = Condition(
    "licences.not_found",
    "持有机动车驾驶证，且驾驶证信息已在系统中登记",
    (law.cite(law.LICENCE, "第3条"),),
    "本岗亭无法查询到驾驶证信息的，请到车辆管理所窗口办理",
)


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
            _LICENCE_NOT_FOUND,
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
            ID_CARD,
            Material("学习记录编号", f"学习平台出具；{ways}"),
        ),
        steps=(
            Step("学习考试", f"{'、'.join(_WAYS.values())}，并通过考试（公益活动无需考试）"),
            *booth_start(title),
            Step("登记记录", "录入学习记录编号，确认提交"),
            Step("领取凭证", "打印或者扫码保存受理凭证，记分即时扣减"),
        ),
        legal_basis=(a25, a26, a27, law.cite(_A, "第14条")),
        fees=(free_of_charge("学法减分"),),
        time_limits=(
            TimeLimit("扣减上限", f"每个记分周期最多扣减{cap}分", (a25,)),
            TimeLimit("办结时限", "符合条件的，当场扣减", (a27,)),
        ),
        channels=("“交管12123”手机App", "交警大队违法处理窗口"),
        rules_since=RULES_SINCE,
    )


def first_full_score(large: bool) -> FullScore:
    """What the first 满分 of a cycle asks of a large-class (or any other) driver."""
    classes = (sorted(LARGE_CLASSES)[0],) if large else ("C1",)
    return full_score_consequences(FULL_SCORE, 1, classes)


def exam_retake_days() -> int:
    probe = date(2030, 6, 30)
    return (exam_retake_on(probe) - probe).days


def _study_text(f: FullScore) -> str:
    return (
        f"学习{f.study_days}天，其中现场学习和网络学习合计不少于{f.min_onsite_online_days}天、"
        f"现场学习不少于{f.min_onsite_days}天"
    )


def full_score_clearance_guide(settings: Settings) -> Guide:
    a = {n: law.cite(_A, f"第{n}条") for n in (17, 18, 19, 21, 22, 23)}
    small, large = first_full_score(False), first_full_score(True)
    hours = STUDY_DAY_MINUTES // 60
    retake = exam_retake_days()
    title = SERVICE_ZH["full_score_clearance"]
    theory = _EXAM_ZH[small.exams[0]]
    return Guide(
        business="full_score_clearance",
        title=title,
        summary=f"一个记分周期内累积记分满{FULL_SCORE}分、驾驶证被扣留的驾驶人，"
        "满分学习、考试合格且罚款已缴纳后，在岗亭清除记分、发还驾驶证。",
        applicants=(f"本记分周期累积记分满{FULL_SCORE}分、驾驶证被扣留的机动车驾驶人本人",),
        conditions=(
            _LICENCE_NOT_FOUND,
            Condition(
                "points.no_open_full_score",
                f"有累积记分满{FULL_SCORE}分、尚未清除的满分记录",
                (a[17], a[23]),
                "没有需要清除的满分记录的，无需办理",
            ),
            Condition(
                "points.full_score_onsite_short",
                f"现场学习天数达到要求（首次满分：其他准驾车型不少于{small.min_onsite_days}天，"
                f"大型车辆准驾车型不少于{large.min_onsite_days}天）",
                (a[19],),
                "现场学习天数不足的，请继续参加现场学习",
            ),
            Condition(
                "points.full_score_onsite_online_short",
                "现场学习和网络学习合计天数达到要求（首次满分：其他准驾车型不少于"
                f"{small.min_onsite_online_days}天，大型车辆准驾车型不少于"
                f"{large.min_onsite_online_days}天）",
                (a[19],),
                "现场学习和网络学习合计天数不足的，请继续参加学习",
            ),
            Condition(
                "points.full_score_study_short",
                f"满分学习天数达到要求（首次满分：其他准驾车型{small.study_days}天，大型车辆准驾车型"
                f"{large.study_days}天；再次满分的相应增加）；每天学习超过{hours}小时的计为一天",
                (a[18], a[19]),
                "学习天数不足的，请继续学习，满期后再办理",
            ),
            Condition(
                "points.full_score_exam_missing",
                f"学习期满后参加的考试全部合格（{theory}；再次满分的还应参加驾驶技能考试）",
                (a[21], a[22]),
                f"考试不合格的，{retake}日后可以预约重新考试",
            ),
            Condition(
                "points.full_score_fines_unpaid",
                "罚款已全部缴纳",
                (a[23],),
                "有未缴纳罚款的，请先在本岗亭“违法处理与缴款”中缴纳",
            ),
            Condition(
                "points.licence_kept_until_suspension_ends",
                "驾驶证未同时被暂扣，或者暂扣期已满",
                (a[23],),
                "驾驶证同时被暂扣的，记分予以清除，暂扣期满后发还驾驶证",
            ),
        ),
        materials=(
            ID_CARD,
            Material("满分学习、考试记录", "学习平台联网核查，无需提交纸质材料"),
        ),
        steps=(
            Step("满分学习", _study_text(small) + "（首次满分、其他准驾车型）"),
            Step("参加考试", f"学习期满后参加{theory}等考试"),
            *booth_start(title),
            Step("领取凭证", "确认提交，记分清除，打印或者扫码保存凭证，按提示领回驾驶证"),
        ),
        legal_basis=tuple(a.values()),
        fees=(free_of_charge("清除记分、发还驾驶证"),),
        time_limits=(
            TimeLimit(
                "学习期限", _study_text(small) + "（首次满分、其他准驾车型）", (a[18], a[19])
            ),
            TimeLimit("重新考试", f"考试不合格的，{retake}日后可以预约重新考试", (a[21],)),
            TimeLimit("办结时限", "符合条件的，当场清除记分、发还驾驶证", (a[23],)),
        ),
        channels=("“交管12123”手机App", "车辆管理所", "交警大队违法处理窗口"),
        rules_since=RULES_SINCE,
    )


GUIDES = (
    GuideSpec(
        "study_deduction",
        study_deduction_guide,
        ("gangting.desks.study_deduction:record_study_deduction",),
        ("gangting.desks.study_deduction", "gangting.points", "gangting.licences"),
    ),
    GuideSpec(
        "full_score_clearance",
        full_score_clearance_guide,
        ("gangting.desks.full_score:clear_full_score",),
        ("gangting.desks.full_score", "gangting.points", "gangting.licences"),
    ),
)
