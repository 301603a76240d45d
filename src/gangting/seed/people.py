"""Invented people: Chinese names, valid Baotou ID numbers (GB 11643-1999), birth dates with
a driver-like age distribution, and mobile numbers. No real person's data."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from gangting.citizens.rules import id_check_char
from gangting.kernel.calendar import add_years
from gangting.kernel.ids import new_id
from gangting.seed.places import AREA_CODES, AREA_WEIGHTS

# Common surnames, most frequent first, with rough weights (invented, Han and a few
# Mongolian-style given names below reflect Inner Mongolia).
_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
    "顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
_SURNAME_CUM = tuple(accumulate(max(1.0, 60.0 / (i + 3)) for i in range(len(_SURNAMES))))
_GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋建国志峰海东亮成"
_GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英慧巧美娅雪琳晶燕红玲桂萍婷颖琴云莉兰凤洁梅琳倩璐欣怡佳悦"
_GIVEN_ANY = "文晓子春秋晨雨思家德俊玉天安瑞正永立新嘉一博"
_MONGOLIAN = (
    "巴图",
    "乌云",
    "其其格",
    "那日苏",
    "额尔敦",
    "苏和",
    "萨仁",
    "格日勒",
    "宝音",
    "阿拉坦",
)
_MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "147",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "171",
    "173",
    "175",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "184",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "193",
    "195",
    "198",
    "199",
)
# Completed age at "today": (low, high, weight). Roughly the age profile of China's drivers
# with a tail of 70+ drivers (yearly health certificate, 162号令 第74条).
_AGE_BANDS = (
    (18, 25, 9.0),
    (26, 35, 24.0),
    (36, 45, 24.0),
    (46, 55, 21.0),
    (56, 65, 14.0),
    (66, 69, 4.0),
    (70, 80, 4.0),
)
_AGE_CUM = tuple(accumulate(w for *_, w in _AGE_BANDS))
_AREA_CUM = tuple(accumulate(AREA_WEIGHTS))
_MIN_BIRTH = date(1946, 1, 1)
_MAX_BIRTH = date(2008, 12, 31)


def chinese_name(rng: random.Random, sex: str) -> str:
    """Surname plus one or two given-name characters; rarely a Mongolian given name."""
    surname = rng.choices(_SURNAMES, cum_weights=_SURNAME_CUM)[0]
    if rng.random() < 0.03:
        return surname + rng.choice(_MONGOLIAN)
    pool = _GIVEN_MALE if sex == "M" else _GIVEN_FEMALE
    if rng.random() < 0.35:
        return surname + rng.choice(pool)
    return surname + rng.choice(_GIVEN_ANY + pool) + rng.choice(pool)


def phone_number(rng: random.Random) -> str:
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"


def birth_date(rng: random.Random, today: date) -> date:
    """A birth date in 1946–2008 such that the person is at least 18 years and one month
    old on ``today`` (so the first licence can be a month old)."""
    low, high, _ = rng.choices(_AGE_BANDS, cum_weights=_AGE_CUM)[0]
    age = rng.randint(low, high)
    latest = min(_MAX_BIRTH, add_years(today - timedelta(days=31), -18))
    start = max(_MIN_BIRTH, add_years(today, -(age + 1)) + timedelta(days=1))
    end = min(latest, add_years(today, -age))
    if start > end:
        start, end = max(_MIN_BIRTH, add_years(latest, -1)), latest
    return start + timedelta(days=rng.randrange((end - start).days + 1))


class IdNumberFactory:
    """Unique GB 11643-1999 numbers: area code + birth date + 3-digit sequence (odd male,
    even female) + MOD 11-2 check character.

    Uniqueness by construction: per (area, birth date, sex) a counter starts at a random
    offset and walks the 500 sequences of that sex, so no set of issued numbers is kept.
    """

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        # key "AAAAAAYYYYMMDDS" -> start * 1000 + issued (one small int per key: memory)
        self._state: dict[str, int] = {}

    def area_code(self) -> str:
        return self._rng.choices(AREA_CODES, cum_weights=_AREA_CUM)[0]

    def make(self, area: str, birth: date, sex: str) -> str:
        prefix = f"{area}{birth:%Y%m%d}"
        key = prefix + sex
        state = self._state.get(key)
        if state is None:
            state = self._rng.randrange(500) * 1000
        start, issued = divmod(state, 1000)
        if issued >= 500:
            raise RuntimeError(f"no ID sequence left for {key}")
        self._state[key] = state + 1
        k = (start + issued) % 500
        seq = 2 * k + 1 if sex == "M" else (2 * k + 2) % 1000
        first17 = f"{prefix}{seq:03d}"
        return first17 + id_check_char(first17)


CITIZEN_COLUMNS = ("id", "id_number", "name", "phone", "birth_date", "area_code")


@dataclass(slots=True)
class PersonDraft:
    id: uuid.UUID
    id_number: str
    name: str
    phone: str
    birth_date: date
    area_code: str

    def row(self) -> tuple[object, ...]:
        return (self.id, self.id_number, self.name, self.phone, self.birth_date, self.area_code)


def make_person(
    rng: random.Random,
    ids: IdNumberFactory,
    today: date,
    *,
    age: int | None = None,
    sex: str | None = None,
) -> PersonDraft:
    """A driver: 62 % men (invented share), Baotou area code weighted by population."""
    if sex is None:
        sex = "M" if rng.random() < 0.62 else "F"
    if age is None:
        birth = birth_date(rng, today)
    else:
        birth = add_years(today, -age) - timedelta(days=rng.randint(1, 300))
    area = ids.area_code()
    return PersonDraft(
        id=new_id(),
        id_number=ids.make(area, birth, sex),
        name=chinese_name(rng, sex),
        phone=phone_number(rng),
        birth_date=birth,
        area_code=area,
    )
