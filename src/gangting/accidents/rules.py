"""Quick settlement of a minor accident (事故快处), pure: when the parties may settle a
property-only accident themselves, how liability is set, what the agreement must state, and
the texts the parties are sent.

事故程序规定 第19条: after a property-only accident between motor vehicles the parties fix the
evidence (photos), move off the road and negotiate — "但有本规定第十三条第一款情形的除外". 第13条
第1款: an accident with injury or death, or a property-only one where a driver has no valid
licence or drives outside its classes, is suspected of drink or drugs, of school-bus or
passenger overloading or serious speeding, the vehicle has no plate or a false one, a party
cannot move the vehicle, a party left, or one party caused it intentionally: the parties must
call the police. 第14条: no inspection mark or insurance mark, or a building or public
facility was hit: move the cars, then call the police. 第15条: dangerous goods: call at once.
第20条: the parties may settle online; when they disagree on the facts they ask the police to
decide. 第21条 lists what the agreement (道路交通事故自行协商协议书) states. 第22条: the parties
pay themselves or claim from their insurers.

Liability: 第60条 and 实施条例 第91条 set the principle (each party's part and fault: full,
main / equal / minor, none). Which typical case gives what is not national law: the case
table is configuration (``data/liability_cases.json``, EXAMPLE [S]); the parties choose a case
or agree their own split, which must be one 第60条 allows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from gangting.kernel import law
from gangting.kernel.decision import Decision, Reason
from gangting.licences.rules import AccidentLiability, LicenceStatus
from gangting.vehicles.rules import VehicleKind, VehicleStatus

A = law.ACCIDENT
MUST_CALL_BASIS = law.cite(A, "第13条第1款")
MUST_REPORT_BASIS = law.cite(A, "第14条")
DANGEROUS_GOODS_BASIS = law.cite(A, "第15条")
SELF_SETTLE_BASIS = law.cite(A, "第19条")
ONLINE_BASIS = law.cite(A, "第20条")
AGREEMENT_BASIS = law.cite(A, "第21条")
PERFORMANCE_BASIS = law.cite(A, "第22条")
LIABILITY_BASIS = (law.cite(A, "第60条"), law.cite(law.IMPLEMENTING, "第91条"))
INSURANCE_BASIS = law.cite(law.INSURANCE, "第2条")
MARKS_BASIS = law.cite(law.ROAD_LAW, "第11条")

PARTIES = 2  # a booth settles two-vehicle accidents; more parties go to the police
PHOTOS_MIN = 1  # 第19条: "采取现场拍照……等方式固定证据"
PHOTOS_MAX = 12
PLACE_MAX_CHARS = 120
TEXT_MAX_CHARS = 64

Liability = AccidentLiability
LIABILITY_ZH = {
    Liability.FULL: "全部责任",
    Liability.MAIN: "主要责任",
    Liability.EQUAL: "同等责任",
    Liability.MINOR: "次要责任",
    Liability.NONE: "无责任",
}
# 第60条: one party at fault -> full/none; both -> main/minor or equal; neither (交通意外) ->
# none/none. Any other pair is not a liability 第60条 allows.
ALLOWED_SPLITS = frozenset(
    {
        (Liability.FULL, Liability.NONE),
        (Liability.NONE, Liability.FULL),
        (Liability.MAIN, Liability.MINOR),
        (Liability.MINOR, Liability.MAIN),
        (Liability.EQUAL, Liability.EQUAL),
        (Liability.NONE, Liability.NONE),
    }
)


class SettlementState(StrEnum):
    DRAFTED = "drafted"  # both parties identified, facts and evidence being collected
    AGREED = "agreed"  # both confirmed: the agreement is issued
    DISPUTED = "disputed"  # a party disagrees (passes straight on to referred)
    REFERRED = "referred"  # handed to the accident unit (第20条: 申请公安机关确定责任)


STATE_ZH = {
    SettlementState.DRAFTED: "协商中",
    SettlementState.AGREED: "已达成协议",
    SettlementState.DISPUTED: "有争议",
    SettlementState.REFERRED: "已转交警处理",
}


class Weather(StrEnum):
    SUNNY = "sunny"
    CLOUDY = "cloudy"
    RAIN = "rain"
    SNOW = "snow"
    FOG = "fog"
    WIND = "wind"
    DUST = "dust"


WEATHER_ZH = {
    Weather.SUNNY: "晴",
    Weather.CLOUDY: "阴",
    Weather.RAIN: "雨",
    Weather.SNOW: "雪",
    Weather.FOG: "雾",
    Weather.WIND: "大风",
    Weather.DUST: "沙尘",
}


class Form(StrEnum):
    """事故形态 between two vehicles."""

    REAR_END = "rear_end"
    HEAD_ON = "head_on"
    SIDE = "side"
    SCRAPE = "scrape"
    OTHER = "other"


FORM_ZH = {
    Form.REAR_END: "追尾碰撞",
    Form.HEAD_ON: "正面碰撞",
    Form.SIDE: "侧面碰撞",
    Form.SCRAPE: "刮擦",
    Form.OTHER: "其他碰撞",
}


class Part(StrEnum):
    """碰撞部位 of one vehicle."""

    FRONT = "front"
    REAR = "rear"
    LEFT = "left"
    RIGHT = "right"
    FRONT_LEFT = "front_left"
    FRONT_RIGHT = "front_right"
    REAR_LEFT = "rear_left"
    REAR_RIGHT = "rear_right"


PART_ZH = {
    Part.FRONT: "车头",
    Part.REAR: "车尾",
    Part.LEFT: "左侧",
    Part.RIGHT: "右侧",
    Part.FRONT_LEFT: "左前部",
    Part.FRONT_RIGHT: "右前部",
    Part.REAR_LEFT: "左后部",
    Part.REAR_RIGHT: "右后部",
}

KIND_ZH = {
    VehicleKind.SMALL_PASSENGER: "小型载客汽车",
    VehicleKind.LARGE_PASSENGER: "大中型载客汽车",
    VehicleKind.GOODS: "载货汽车",
    VehicleKind.MOTORCYCLE: "摩托车",
    VehicleKind.OTHER: "其他机动车",
}


# --- the questions the parties answer (第13–15条) --------------------------------------------


@dataclass(frozen=True)
class Question:
    """A circumstance the parties answer yes or no; yes means they may not settle here."""

    code: str
    question: str
    message: str
    basis: str


_CALL = "请保护现场并立即拨打122报警"
_MOVE = "请在确保安全的前提下拍照固定证据、将车辆移至不妨碍交通的地点后拨打122报警"

QUESTIONS: tuple[Question, ...] = (
    Question(
        "accidents.injury",
        "事故是否造成人员受伤或者死亡？",
        f"事故造成人员伤亡，不能自行协商处理，{_CALL}",
        law.cite(A, "第13条"),
    ),
    Question(
        "accidents.drink_drugs",
        "是否有驾驶人饮酒、服用国家管制的精神药品或者麻醉药品的嫌疑？",
        f"驾驶人有饮酒或者服用管制药品嫌疑，{_CALL}",
        law.cite(A, "第13条第1款第（二）项"),
    ),
    Question(
        "accidents.overload_speeding",
        "是否有从事校车业务或者旅客运输严重超员、严重超速的嫌疑？",
        f"有校车或者客运严重超员、严重超速嫌疑，{_CALL}",
        law.cite(A, "第13条第1款第（三）项"),
    ),
    Question(
        "accidents.no_plate",
        "是否有车辆无号牌或者使用伪造、变造的号牌？",
        f"机动车无号牌或者号牌涉嫌伪造、变造，{_CALL}",
        law.cite(A, "第13条第1款第（四）项"),
    ),
    Question(
        "accidents.cannot_move",
        "是否有车辆不能自行移动？",
        f"车辆不能自行移动，{_CALL}",
        law.cite(A, "第13条第1款第（五）项"),
    ),
    Question(
        "accidents.party_left",
        "是否有当事人已离开现场？",
        f"一方当事人离开现场，{_CALL}",
        law.cite(A, "第13条第1款第（六）项"),
    ),
    Question(
        "accidents.intentional",
        "是否有证据证明事故是一方故意造成的？",
        f"事故涉嫌一方故意造成，{_CALL}",
        law.cite(A, "第13条第1款第（七）项"),
    ),
    Question(
        "accidents.no_marks",
        "是否有车辆未放置检验合格标志或者保险标志？",
        f"机动车无检验合格标志或者无保险标志，{_MOVE}",
        law.cite(A, "第14条第（一）项"),
    ),
    Question(
        "accidents.hit_facility",
        "是否碰撞了建筑物、公共设施或者其他设施？",
        f"事故碰撞建筑物、公共设施或者其他设施，{_MOVE}",
        law.cite(A, "第14条第（二）项"),
    ),
    Question(
        "accidents.dangerous_goods",
        "是否有车辆载运爆炸性、易燃性、毒害性等危险物品？",
        f"危险物品运输车辆发生事故，{_CALL}，并按规定采取应急处置措施",
        DANGEROUS_GOODS_BASIS,
    ),
)
QUESTION_CODES = tuple(q.code for q in QUESTIONS)


# --- what the registries say about each party -----------------------------------------------

# 准驾车型 (驾驶证规定 附件1): the classes a class also allows.
_ALSO_ALLOWS: Mapping[str, frozenset[str]] = {
    "A1": frozenset({"A3", "B1", "B2", "C1", "C2", "C3", "C4", "M"}),
    "A2": frozenset({"B1", "B2", "C1", "C2", "C3", "C4", "C6", "M"}),
    "A3": frozenset({"C1", "C2", "C3", "C4"}),
    "B1": frozenset({"C1", "C2", "C3", "C4", "M"}),
    "B2": frozenset({"C1", "C2", "C3", "C4", "M"}),
    "C1": frozenset({"C2", "C3"}),
    "C2": frozenset(),
    "C3": frozenset({"C4"}),
    "D": frozenset({"E", "F"}),
    "E": frozenset({"F"}),
}
# The classes, any one of which lets a driver drive the kind [S]: the registry holds the
# kind, not the weight or length, so the lightest class of the kind is taken (a light goods
# vehicle: C1; a small passenger car: C1, or C2 when automatic). ``other`` (tractors, special
# machines) is not checked here: the parties' answer to the questions covers it.
_CLASSES_FOR_KIND: Mapping[VehicleKind, frozenset[str]] = {
    VehicleKind.SMALL_PASSENGER: frozenset({"C1", "C2", "C5"}),
    VehicleKind.LARGE_PASSENGER: frozenset({"A1", "B1", "A3"}),
    VehicleKind.GOODS: frozenset({"A2", "B2", "C1"}),
    VehicleKind.MOTORCYCLE: frozenset({"D", "E", "F"}),
}


def allowed_classes(held: str) -> frozenset[str]:
    """The classes a licence of ``held`` ("C1,D") allows, with those each class also allows."""
    classes = {c.strip() for c in held.split(",") if c.strip()}
    out = set(classes)
    for c in classes:
        out |= _ALSO_ALLOWS.get(c, frozenset())
    return frozenset(out)


def class_matches(held: str, kind: VehicleKind) -> bool:
    """Whether a licence of ``held`` allows driving a vehicle of ``kind`` (unchecked kinds:
    True)."""
    needed = _CLASSES_FOR_KIND.get(kind)
    return needed is None or bool(needed & allowed_classes(held))


@dataclass(frozen=True)
class PartyFacts:
    """What the registries hold about one party and its vehicle on the day."""

    seq: int
    plate_no: str
    licence_status: LicenceStatus | None  # None: no licence on record
    licence_expires_on: date | None
    licence_classes: str
    vehicle_kind: VehicleKind | None  # None: the plate is not registered
    vehicle_status: VehicleStatus | None
    insurance_until: date | None
    inspection_valid_until: date | None


def party_reasons(p: PartyFacts, on: date) -> list[Reason]:
    """Why this party's facts keep the accident from the booth (第13条第1款第（一）、（四）项,
    第14条第（一）项), each with its text and basis; empty when nothing does. A licence past
    its expiry day is not valid; the insurance and the inspection are valid through their
    last day."""
    out: list[Reason] = []
    who = f"第{p.seq}方当事人"
    data = {"party": p.seq, "plate_no": p.plate_no}
    valid = p.licence_status == LicenceStatus.VALID and (
        p.licence_expires_on is None or p.licence_expires_on >= on
    )
    if not valid:
        out.append(
            Reason(
                "accidents.no_valid_licence",
                f"{who}没有有效的机动车驾驶证，不能自行协商处理，{_CALL}",
                (law.cite(A, "第13条第1款第（一）项"),),
                data,
            )
        )
    elif p.vehicle_kind is not None and not class_matches(p.licence_classes, p.vehicle_kind):
        out.append(
            Reason(
                "accidents.class_mismatch",
                f"{who}驾驶的机动车与驾驶证载明的准驾车型不符，{_CALL}",
                (law.cite(A, "第13条第1款第（一）项"),),
                {**data, "classes": p.licence_classes, "kind": p.vehicle_kind.value},
            )
        )
    if p.vehicle_kind is None or p.vehicle_status != VehicleStatus.NORMAL:
        out.append(
            Reason(
                "accidents.plate_unknown",
                f"{who}的号牌{p.plate_no}未查询到正常登记的机动车，{_CALL}",
                (law.cite(A, "第13条第1款第（四）项"),),
                data,
            )
        )
        return out
    if p.insurance_until is None or p.insurance_until < on:
        out.append(
            Reason(
                "accidents.no_insurance",
                f"{who}的机动车交强险不在有效期内，{_MOVE}",
                (law.cite(A, "第14条第（一）项"), INSURANCE_BASIS),
                data,
            )
        )
    if p.inspection_valid_until is None or p.inspection_valid_until < on:
        out.append(
            Reason(
                "accidents.no_inspection_mark",
                f"{who}的机动车检验合格标志已过有效期，{_MOVE}",
                (law.cite(A, "第14条第（一）项"), MARKS_BASIS),
                data,
            )
        )
    return out


def answered(answers: Mapping[str, bool]) -> list[str]:
    """The question codes not answered (every question must be answered yes or no)."""
    return [code for code in QUESTION_CODES if code not in answers]


def eligibility(answers: Mapping[str, bool], parties: Sequence[PartyFacts], on: date) -> Decision:
    """May the parties settle at the booth? Every question answered "yes" and every party's
    registry fact that fails is a reason to call the police instead (第13–15条); all clear,
    they may (第19–20条). Unanswered questions count as "yes" (the caller refuses them
    earlier, so this is only the safe side)."""
    reasons = [
        Reason(q.code, q.message, (q.basis,), {"question": q.question})
        for q in QUESTIONS
        if answers.get(q.code, True)
    ]
    for party in parties:
        reasons += party_reasons(party, on)
    if reasons:
        return Decision.refuse(*reasons)
    return Decision.allow(
        Reason(
            "accidents.self_settlement_allowed",
            "属于可以自行协商处理的财产损失事故：双方确认事实和责任后，可在岗亭签署自行协商协议书，"
            "并凭协议书向保险公司办理理赔",
            (SELF_SETTLE_BASIS, ONLINE_BASIS, PERFORMANCE_BASIS),
        )
    )


# --- liability --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiabilityCase:
    """A typical case: the party that did ``actor``'s act and the other party's liability."""

    code: str
    title: str
    description: str
    actor: str
    other: str
    actor_liability: Liability
    other_liability: Liability
    rule: str


@dataclass(frozen=True)
class LiabilityTable:
    """The configured case table (EXAMPLE unless the detachment replaced it)."""

    title: str
    source: str
    example: bool
    cases: tuple[LiabilityCase, ...]

    @classmethod
    def from_json(cls, text: str) -> LiabilityTable:
        """Parse and check the table: unique codes, each case's pair a split 第60条 allows.
        Raises ValueError naming the problem."""
        raw = json.loads(text)
        cases = []
        for item in raw["cases"]:
            case = LiabilityCase(
                code=str(item["code"]),
                title=str(item["title"]),
                description=str(item["description"]),
                actor=str(item["actor"]),
                other=str(item["other"]),
                actor_liability=Liability(item["actor_liability"]),
                other_liability=Liability(item["other_liability"]),
                rule=str(item.get("rule", "")),
            )
            if (case.actor_liability, case.other_liability) not in ALLOWED_SPLITS:
                raise ValueError(f"case {case.code}: a split 第60条 does not allow")
            cases.append(case)
        codes = [c.code for c in cases]
        if len(set(codes)) != len(codes) or not codes:
            raise ValueError("case codes must be unique and at least one")
        return cls(str(raw["title"]), str(raw["source"]), bool(raw.get("example")), tuple(cases))

    def case(self, code: str) -> LiabilityCase | None:
        return next((c for c in self.cases if c.code == code), None)


def case_split(case: LiabilityCase, actor_seq: int) -> tuple[Liability, Liability]:
    """(party 1, party 2) liability when party ``actor_seq`` (1 or 2) did the case's act."""
    if actor_seq == 1:
        return case.actor_liability, case.other_liability
    if actor_seq == 2:
        return case.other_liability, case.actor_liability
    raise ValueError("actor_seq must be 1 or 2")


def split_allowed(first: Liability, second: Liability) -> bool:
    """Whether an agreed split is one 第60条 allows (full/none, main/minor, equal, none/none)."""
    return (first, second) in ALLOWED_SPLITS


# --- the agreement (第21条) -------------------------------------------------------------------

ACCIDENT_FIELDS: tuple[tuple[str, str], ...] = (
    ("occurred_at", "时间"),
    ("place", "地点"),
    ("weather", "天气"),
    ("form", "事故形态"),
)
PARTY_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "当事人姓名"),
    ("licence_or_id_no", "驾驶证号或者身份证号"),
    ("phone", "联系方式"),
    ("vehicle_kind", "机动车种类"),
    ("plate_no", "号牌号码"),
    ("insurer", "保险公司"),
    ("policy_no", "保险凭证号"),
    ("collision_part", "碰撞部位"),
    ("liability", "当事人的责任"),
)


def missing_fields(content: Mapping[str, Any]) -> list[str]:
    """The zh-CN names of the 第21条 items the agreement's ``content`` lacks (blank counts as
    missing), party items prefixed with the party ("第2方当事人保险公司"). Empty: complete."""
    missing = [zh for key, zh in ACCIDENT_FIELDS if not str(content.get(key) or "").strip()]
    parties = content.get("parties") or []
    if len(parties) != PARTIES:
        missing.append(f"{PARTIES}方当事人")
    for i, party in enumerate(parties, start=1):
        missing += [
            f"第{i}方{zh}" for key, zh in PARTY_FIELDS if not str(party.get(key) or "").strip()
        ]
    return missing


def content_sha256(content: Mapping[str, Any]) -> str:
    """The agreement's fingerprint: SHA-256 of its canonical JSON (sorted keys, UTF-8)."""
    data = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def agreement_text(agreement_no: str, occurred_on: date, place: str) -> str:
    """The SMS to each party once the agreement is issued (no personal data but the number)."""
    return (
        f"【包头交警】您于{occurred_on.isoformat()}在{place}发生的交通事故已自行协商达成协议"
        f"（协议书编号{agreement_no}），协议书已送达双方投保的保险公司；"
        "可凭身份证在任一交通智慧岗亭查看、打印协议书，并到保险公司办理理赔。"
    )


def referred_text(settlement_no: str, referral_no: str, unit_name: str) -> str:
    """The SMS to the party who did not file the referral: the dispute went to the police."""
    return (
        f"【包头交警】事故快处（编号{settlement_no}）双方未能达成协议，已转{unit_name}处理"
        f"（转办编号{referral_no}），处理进展将以短信告知。"
    )
