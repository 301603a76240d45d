"""Checks on what was read from a document: pure functions, no OCR, no I/O.

An ID card front carries the items of 居民身份证法 第三条; its number follows GB 11643-1999
(check character, birth date, odd sequence = male), which ``gangting.citizens.rules``
already checks: it is reused here, not repeated. A driver's health certificate is valid for
six months from its issue day (驾驶证规定 第85条), checked by ``gangting.licences.rules``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gangting.citizens.rules import InvalidIdNumber, parse_id_number
from gangting.kernel import law
from gangting.kernel.decision import Decision, Reason
from gangting.licences.rules import health_certificate_valid

GB11643 = "GB 11643-1999 《公民身份号码》"
GB3304 = "GB/T 3304-1991 《中国各民族名称的罗马字母拼写法和代码》"
ID_CARD_LAW = "《中华人民共和国居民身份证法》 第三条"
HEALTH_VALIDITY = law.cite(law.LICENCE, "第85条")

NATIONS: tuple[str, ...] = (
    "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶",
    "白", "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水",
    "东乡", "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南",
    "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂",
    "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
)  # fmt: skip
"""The 56 nations as an ID card prints them (GB/T 3304-1991 names without '族')."""

SEX_NAMES = {"M": "男", "F": "女"}
ID_CARD_LABELS = {
    "name": "姓名",
    "sex": "性别",
    "nation": "民族",
    "birth_date": "出生日期",
    "address": "住址",
    "id_number": "公民身份号码",
}
HEALTH_LABELS = {
    "institution": "医疗机构",
    "examined_on": "体检日期",
    "conclusion": "体检结论",
}
CONCLUSIONS = ("合格", "不合格")


def repair_nation(text: str) -> str | None:
    """The nation name ``text`` stands for: itself when it is one of the 56; else the only
    name of the same length that differs in one character (an OCR slip such as 达翰尔 ->
    达斡尔); else None. A trailing '族' is dropped. One-character names are never
    repaired, because every other one-character name is as close."""
    text = text.removesuffix("族")
    if text in NATIONS:
        return text
    near = [
        n
        for n in NATIONS
        if len(n) == len(text) > 1 and sum(a != b for a, b in zip(n, text, strict=True)) == 1
    ]
    return near[0] if len(near) == 1 else None


@dataclass(frozen=True)
class IdCardFields:
    """The six printed items of an ID card front as read (None: not found on the image).

    ``sex`` is '男' or '女' as printed; ``birth_date`` the printed 出生 date.
    """

    name: str | None
    sex: str | None
    nation: str | None
    birth_date: date | None
    address: str | None
    id_number: str | None


def _unread(field: str) -> Reason:
    label = ID_CARD_LABELS.get(field) or HEALTH_LABELS[field]
    return Reason(
        "documents.field_unread",
        f"未能识别证件上的“{label}”，请将证件放平、对准镜头后重试",
        data={"field": field},
    )


def check_id_card(fields: IdCardFields, *, on: date | None = None) -> Decision:
    """Whether the items read from an ID card front are complete and agree with each other.

    Refused, with one reason each, when: an item is missing (居民身份证法 第三条 lists
    them); the number is not a valid GB 11643-1999 number (length, format, check character,
    birth date, address code; birth date after ``on`` when given); the printed birth date
    or sex disagrees with the number (birth date code; odd sequence code = male); the sex
    is neither 男 nor 女; the nation is not one of the 56 (GB/T 3304-1991).
    Allowed with one reason saying what was verified.
    """
    reasons: list[Reason] = []
    for field in ID_CARD_LABELS:
        if not getattr(fields, field):
            reasons.append(_unread(field))
    if fields.sex and fields.sex not in SEX_NAMES.values():
        reasons.append(
            Reason(
                "documents.sex_invalid",
                f"证件上的性别“{fields.sex}”无法识别为“男”或“女”",
                (ID_CARD_LAW,),
                {"printed": fields.sex},
            )
        )
    if fields.nation and fields.nation not in NATIONS:
        reasons.append(
            Reason(
                "documents.nation_unknown",
                f"证件上的民族“{fields.nation}”不是56个民族名称之一",
                (GB3304,),
                {"printed": fields.nation},
            )
        )
    if fields.id_number:
        try:
            number = parse_id_number(fields.id_number, on=on)
        except InvalidIdNumber as err:
            reasons.append(
                Reason(
                    "documents.id_number_invalid",
                    err.message,
                    tuple(err.legal_basis) or (GB11643,),
                    {"reason": err.data.get("reason")},
                )
            )
        else:
            if fields.birth_date and fields.birth_date != number.birth_date:
                reasons.append(
                    Reason(
                        "documents.birth_date_mismatch",
                        f"证件上的出生日期（{fields.birth_date:%Y年%m月%d日}）与公民身份号码中的"
                        f"出生日期（{number.birth_date:%Y年%m月%d日}）不一致",
                        (GB11643,),
                        {
                            "printed": fields.birth_date.isoformat(),
                            "in_number": number.birth_date.isoformat(),
                        },
                    )
                )
            expected_sex = SEX_NAMES[number.sex]
            if fields.sex in SEX_NAMES.values() and fields.sex != expected_sex:
                reasons.append(
                    Reason(
                        "documents.sex_mismatch",
                        f"证件上的性别（{fields.sex}）与公民身份号码不一致："
                        f"顺序码为{'奇数' if number.sex == 'M' else '偶数'}，应为{expected_sex}",
                        (GB11643,),
                        {"printed": fields.sex, "in_number": expected_sex},
                    )
                )
    if reasons:
        return Decision.refuse(*reasons)
    return Decision.allow(
        Reason(
            "documents.id_card_consistent",
            "证件各项已识别；公民身份号码校验码正确，出生日期、性别与号码一致",
            (GB11643, ID_CARD_LAW),
        )
    )


@dataclass(frozen=True)
class HealthCertificateFields:
    """The key items of a 机动车驾驶人身体条件证明 as read (None: not found)."""

    certificate_no: str | None
    name: str | None
    id_number: str | None
    institution: str | None
    examined_on: date | None
    conclusion: str | None  # 合格 | 不合格


def check_health_certificate(
    fields: HealthCertificateFields, *, on: date | None = None
) -> Decision:
    """Whether a health certificate can be used: institution, date and conclusion read, the
    conclusion is 合格, and (when ``on`` is given) it is within the six months from its
    issue day (驾驶证规定 第85条第2款; the examination date is taken as the issue day).
    """
    reasons: list[Reason] = []
    for field in HEALTH_LABELS:
        if not getattr(fields, field):
            reasons.append(_unread(field))
    if fields.conclusion == "不合格":
        reasons.append(
            Reason(
                "documents.health_not_fit",
                "身体条件证明的体检结论为“不合格”",
                (law.cite(law.LICENCE, "第14条"),),
            )
        )
    if fields.examined_on is not None and on is not None:
        if not health_certificate_valid(fields.examined_on, on):
            reasons.append(
                Reason(
                    "documents.health_certificate_expired",
                    "身体条件证明自出具之日起六个月内有效，该证明已过期或日期有误",
                    (HEALTH_VALIDITY,),
                    {"examined_on": fields.examined_on.isoformat(), "on": on.isoformat()},
                )
            )
    if reasons:
        return Decision.refuse(*reasons)
    why = "体检结论为“合格”"
    if on is not None:
        why += "，在出具之日起六个月有效期内"
    return Decision.allow(Reason("documents.health_certificate_usable", why, (HEALTH_VALIDITY,)))
