"""Citizen identity rules: the 18-digit citizen ID number, masking, age.

The ID number format is GB 11643-1999 《公民身份号码》: 6-digit address code (GB/T 2260),
8-digit birth date (YYYYMMDD), 3-digit sequence (odd = male, even = female) and one
check character computed with ISO 7064:1983 MOD 11-2.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

from gangting.kernel.errors import Invalid

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_MIN_BIRTH_YEAR = 1900
_GB11643 = "GB 11643-1999 《公民身份号码》"

BAOTOU_AREA_CODES: frozenset[str] = frozenset(
    {"150202", "150203", "150204", "150205", "150206", "150207", "150221", "150222", "150223"}
)
"""包头市 county-level codes: 东河 昆都仑 青山 石拐 白云鄂博矿区 九原 土默特右旗 固阳 达茂旗."""


class InvalidIdNumber(Invalid):
    """The text is not a valid 18-digit citizen ID number (GB 11643-1999)."""

    code = "citizens.invalid_id_number"


@dataclass(frozen=True)
class IdNumber:
    """A checked citizen ID number; ``value`` is normalised (upper-case X)."""

    value: str
    area_code: str
    birth_date: date
    sex: str  # 'M' or 'F'


@cache
def area_codes() -> dict[str, str]:
    """The bundled county-level GB/T 2260 codes, current and historic (see data/SOURCE.md)."""
    text = (resources.files("gangting.citizens") / "data" / "area_codes.csv").read_text(
        encoding="utf-8"
    )
    return {row["code"]: row["name"] for row in csv.DictReader(text.splitlines())}


def id_check_char(first17: str) -> str:
    """The check character for the first 17 digits (GB 11643-1999 §4.2, ISO 7064 MOD 11-2).

    Sum of digit × weight (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2), modulo 11, mapped
    0→'1', 1→'0', 2→'X', 3→'9' … 10→'2'. Raises ``InvalidIdNumber`` unless 17 digits.
    """
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise InvalidIdNumber(
            "身份证号码前17位必须是数字", data={"reason": "digits"}, legal_basis=[_GB11643]
        )
    total = sum(int(ch) * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def parse_id_number(text: str, *, on: date | None = None) -> IdNumber:
    """Check and normalise an 18-character citizen ID number (GB 11643-1999).

    Accepts surrounding spaces and a lower-case 'x' (normalised to 'X'). Checks, in order:
    length 18; 17 digits then a digit or X; the MOD 11-2 check character; a real birth date
    with year >= 1900 and, when ``on`` is given, not after ``on``; the address code is a
    known county-level code (current or historic, see data/SOURCE.md).
    The 15-digit first-generation numbers are refused (they are no longer valid cards).
    Raises ``InvalidIdNumber`` with ``data["reason"]`` one of length/format/check/
    birth_date/area_code.
    """
    value = text.strip().upper()
    if len(value) != 18:
        raise InvalidIdNumber(
            f"身份证号码应为18位，您输入的是{len(value)}位",
            data={"reason": "length"},
            legal_basis=[_GB11643],
        )
    first17, last = value[:17], value[17]
    if not (first17.isascii() and first17.isdigit()) or last not in "0123456789X":
        raise InvalidIdNumber(
            "身份证号码格式不正确：前17位应为数字，最后一位应为数字或X",
            data={"reason": "format"},
            legal_basis=[_GB11643],
        )
    if id_check_char(first17) != last:
        raise InvalidIdNumber(
            "身份证号码校验码不正确，请核对后重新输入",
            data={"reason": "check"},
            legal_basis=[_GB11643],
        )
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        birth = None
    if birth is None or birth.year < _MIN_BIRTH_YEAR or (on is not None and birth > on):
        raise InvalidIdNumber(
            "身份证号码中的出生日期不正确",
            data={"reason": "birth_date"},
            legal_basis=[_GB11643],
        )
    area = value[:6]
    if area not in area_codes():
        raise InvalidIdNumber(
            "身份证号码中的地区码不存在，请核对后重新输入",
            data={"reason": "area_code"},
            legal_basis=[_GB11643, "GB/T 2260 《中华人民共和国行政区划代码》"],
        )
    sex = "M" if int(value[16]) % 2 == 1 else "F"
    return IdNumber(value=value, area_code=area, birth_date=birth, sex=sex)


def mask_id_number(value: str) -> str:
    """Staff-view mask: first 6, 8 stars, last 4 ('150203********1234').

    Source: 个人信息保护法 第51条 (security measures); ARCHITECTURE §3 "mask by default".
    A value shorter than 10 characters is fully starred.
    """
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * 8 + value[-4:]


def mask_name(name: str) -> str:
    """Keep the first character, star the rest ('张三丰' -> '张**', '李四' -> '李*').

    A one-character name is returned as is; an empty name stays empty.
    """
    name = name.strip()
    if len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)


def mask_phone(phone: str) -> str:
    """Mobile number mask: first 3, 4 stars, last 4 ('13812345678' -> '138****5678').

    Numbers shorter than 8 characters keep only their last 2 characters visible.
    """
    phone = phone.strip()
    if len(phone) >= 8:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * max(len(phone) - 2, 0) + phone[-2:]


def age_on(birth_date: date, on: date) -> int:
    """Completed years of age on ``on`` (周岁).

    One turns one year older on the birthday; a person born on 29 February turns older
    on 1 March in common years (a Feb 29 birthday has not yet come on Feb 28).
    Negative ages are not produced: an ``on`` before the birth date raises ValueError.
    """
    if on < birth_date:
        raise ValueError("on is before birth_date")
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years
