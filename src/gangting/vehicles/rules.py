"""Vehicle rules: plate numbers, the periodic-inspection schedule and the inspection mark."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from gangting.kernel import law
from gangting.kernel.calendar import add_months, month_end
from gangting.kernel.decision import Decision, Reason
from gangting.kernel.errors import Invalid

# --- plates ---------------------------------------------------------------------------

PROVINCES = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新"
_GA36 = "GA 36-2018 《中华人民共和国机动车号牌》"
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # A–Z without I and O
_SERIAL_CHAR = f"[0-9{_LETTERS}]"
_ORDINARY = re.compile(rf"{_SERIAL_CHAR}{{5}}")
_NEW_ENERGY_SMALL = re.compile(rf"[DABCEFGHJK]{_SERIAL_CHAR}[0-9]{{4}}")
_NEW_ENERGY_LARGE = re.compile(r"[0-9]{5}[DF]")
_SEPARATORS = str.maketrans("", "", "·•・. -\t")


class InvalidPlate(Invalid):
    """The text is not a plate number of a format this system accepts."""

    code = "vehicles.invalid_plate"


@dataclass(frozen=True)
class Plate:
    """A checked plate number; ``value`` is the compact form ('蒙B12345')."""

    value: str
    province: str
    authority: str
    serial: str
    new_energy: bool


def parse_plate(text: str) -> Plate:
    """Check and normalise a civil motor-vehicle plate number (GA 36-2018).

    Normalisation: Unicode NFKC (full-width letters and digits to ASCII), remove '·', '•',
    '.', spaces and '-', upper-case.
    Format (GA 36-2018): province abbreviation (31 mainland provinces) + issuing-authority
    letter (A–Z without I and O) + serial:
    - ordinary plate: 5 characters, digits or letters, never I or O;
    - small new-energy plate: 6 characters: 1st D/A/B/C/E (pure electric) or F/G/H/J/K
      (not pure electric), 2nd a letter or digit, last 4 digits;
    - large new-energy plate: 5 digits then D (pure electric) or F (not pure electric).
    Not accepted (not implemented): trailer/coach/police/embassy/Hong Kong–Macao plates
    with a trailing 挂/学/警/使/领/港/澳 character, military and armed-police plates.
    Raises ``InvalidPlate``.
    """
    value = unicodedata.normalize("NFKC", text).translate(_SEPARATORS).upper()
    if len(value) not in (7, 8):
        raise InvalidPlate(
            "号牌号码长度不正确：普通号牌为7位，新能源号牌为8位",
            data={"reason": "length"},
            legal_basis=[_GA36],
        )
    province, authority, serial = value[0], value[1], value[2:]
    if province not in PROVINCES:
        raise InvalidPlate(
            "号牌号码的第一个字应为省、自治区、直辖市简称",
            data={"reason": "province"},
            legal_basis=[_GA36],
        )
    if authority not in _LETTERS:
        raise InvalidPlate(
            "号牌号码的第二位应为发牌机关代号（英文字母，不含I和O）",
            data={"reason": "authority"},
            legal_basis=[_GA36],
        )
    if len(serial) == 5 and _ORDINARY.fullmatch(serial):
        new_energy = False
    elif len(serial) == 6 and (
        _NEW_ENERGY_SMALL.fullmatch(serial) or _NEW_ENERGY_LARGE.fullmatch(serial)
    ):
        new_energy = True
    else:
        raise InvalidPlate(
            "号牌序号格式不正确（不得使用字母I和O；新能源号牌序号为6位）",
            data={"reason": "serial"},
            legal_basis=[_GA36],
        )
    return Plate(value, province, authority, serial, new_energy)


def display_plate(value: str) -> str:
    """Display form with the separator dot after the authority letter: '蒙B·12345'."""
    plate = parse_plate(value)
    return f"{plate.province}{plate.authority}·{plate.serial}"


# --- inspection schedule --------------------------------------------------------------

_ART16 = law.cite(law.IMPLEMENTING, "第16条")
_REFORM = law.INSPECTION_REFORM
_ART54 = law.cite(law.REGISTRATION, "第54条")
_ART55 = law.cite(law.REGISTRATION, "第55条")


class VehicleKind(StrEnum):
    SMALL_PASSENGER = "small_passenger"  # 小型、微型载客汽车
    LARGE_PASSENGER = "large_passenger"  # 大型、中型载客汽车
    GOODS = "goods"  # 载货汽车
    MOTORCYCLE = "motorcycle"
    OTHER = "other"  # 拖拉机和其他机动车


class Use(StrEnum):
    OPERATING = "operating"  # 营运
    NON_OPERATING = "non_operating"  # 非营运


class VehicleStatus(StrEnum):
    NORMAL = "normal"
    SCRAPPED = "scrapped"  # 达到报废标准/已注销
    STOLEN = "stolen"  # 被盗抢
    SEIZED = "seized"  # 被查封、扣押


class InspectionAction(StrEnum):
    APPLY_MARK = "apply_mark"  # 免检：直接申领检验标志
    ONSITE_INSPECTION = "onsite_inspection"  # 上线检验后申领检验标志


@dataclass(frozen=True)
class InspectionPolicy:
    """Settings for the inspection rules; defaults are the 2022 reform as reported [S].

    ``reform_2022=False`` gives the plain statutory periods of 实施条例 第16条 [C] with no
    exemption. ``require_processed_*`` (登记规定 第54条 applied to the exempt mark too)
    and ``overdue_exempt_requires_onsite`` are [U] practice, defaulting to the strict side.
    """

    reform_2022: bool = True
    exempt_years: tuple[int, ...] = (2, 4, 8)
    onsite_years: tuple[int, ...] = (6, 10)
    yearly_after: int = 10
    max_exempt_seats: int = 9
    window_months: int = 3
    overdue_exempt_requires_onsite: bool = True
    require_processed_violations: bool = True
    require_processed_accidents: bool = True


DEFAULT_INSPECTION_POLICY = InspectionPolicy()


@dataclass(frozen=True)
class InspectionDue:
    """The next inspection cycle: validity end, what to do, and why."""

    valid_until: date
    months_since_registration: int
    action: InspectionAction
    window_opens_on: date
    reasons: tuple[Reason, ...]


def exemption_eligible(
    kind: VehicleKind,
    use: Use,
    seats: int,
    is_van: bool,
    illegally_modified: bool,
    injury_accident: bool,
    registered_more_than_4y_after_factory: bool,
    policy: InspectionPolicy = DEFAULT_INSPECTION_POLICY,
) -> Decision:
    """May the vehicle use the exempt schedule (years 2/4/8 mark without a station visit)?

    Source [S]: 2022 inspection reform (effective 2022-10-01): non-operating small/micro
    passenger cars with at most 9 seats (not 面包车) and non-operating motorcycles.
    Excluded [S]: vans, vehicles punished for illegal modification, vehicles in an
    accident with injury or death, vehicles registered > 4 years after leaving the factory.
    Every failing condition is reported. With ``policy.reform_2022=False`` always refused.
    """
    reasons: list[Reason] = []
    basis = (_REFORM,)
    if not policy.reform_2022:
        return Decision.refuse(
            Reason("vehicles.exemption_disabled", "本地未实行免检政策，应按期上线检验", (_ART16,))
        )
    if kind not in (VehicleKind.SMALL_PASSENGER, VehicleKind.MOTORCYCLE):
        reasons.append(
            Reason("vehicles.exempt_kind", "仅小型、微型载客汽车和摩托车可以免予上线检验", basis)
        )
    if use is not Use.NON_OPERATING:
        reasons.append(Reason("vehicles.exempt_operating", "营运车辆不适用免检政策", basis))
    if kind is VehicleKind.SMALL_PASSENGER and seats > policy.max_exempt_seats:
        reasons.append(
            Reason(
                "vehicles.exempt_seats",
                f"核定载客超过{policy.max_exempt_seats}人的车辆不适用免检政策",
                basis,
                {"seats": seats},
            )
        )
    if is_van:
        reasons.append(Reason("vehicles.exempt_van", "面包车不适用免检政策", basis))
    if illegally_modified:
        reasons.append(
            Reason("vehicles.exempt_modified", "车辆因非法改装被处罚过，不适用免检政策", basis)
        )
    if injury_accident:
        reasons.append(
            Reason(
                "vehicles.exempt_injury_accident",
                "车辆发生过造成人员伤亡的交通事故，不适用免检政策",
                basis,
            )
        )
    if registered_more_than_4y_after_factory:
        reasons.append(
            Reason(
                "vehicles.exempt_late_registration",
                "车辆出厂超过4年才注册登记，不适用免检政策",
                basis,
            )
        )
    if reasons:
        return Decision.refuse(*reasons)
    return Decision.allow(Reason("vehicles.exempt_eligible", "车辆符合免予上线检验的条件", basis))


def _statutory_steps(kind: VehicleKind, use: Use) -> list[tuple[int, int]]:
    """(until_month, step_months) pieces of 实施条例 第16条; the last piece runs forever."""
    if kind is VehicleKind.GOODS or (
        kind is VehicleKind.LARGE_PASSENGER and use is Use.NON_OPERATING
    ):
        return [(120, 12), (0, 6)]
    if use is Use.OPERATING and kind in (VehicleKind.SMALL_PASSENGER, VehicleKind.LARGE_PASSENGER):
        return [(60, 12), (0, 6)]
    if kind is VehicleKind.SMALL_PASSENGER:
        return [(72, 24), (180, 12), (0, 6)]
    if kind is VehicleKind.MOTORCYCLE:
        return [(48, 24), (0, 12)]
    return [(0, 12)]


def _due_months(steps: list[tuple[int, int]], after: int) -> int:
    """The first due point (months after registration) strictly after ``after`` months."""
    month = 0
    for until, step in steps:
        while until == 0 or month + step <= until:
            month += step
            if month > after:
                return month
    raise AssertionError("unreachable")  # pragma: no cover


def inspection_due(
    registered_on: date,
    kind: VehicleKind,
    use: Use,
    seats: int,
    is_van: bool,
    *,
    policy: InspectionPolicy = DEFAULT_INSPECTION_POLICY,
    on: date,
    illegally_modified: bool = False,
    injury_accident: bool = False,
    registered_more_than_4y_after_factory: bool = False,
) -> InspectionDue:
    """The first inspection cycle whose validity ends on or after ``on``.

    Validity end [S]: the last day of the registration month in the due year (the 行驶证
    shows 检验有效期至 as a year-month). Periods [C] 实施条例 第16条, counted from the
    registration date: operating passenger vehicles yearly ≤ 5 years then every 6 months;
    goods and large/medium non-operating passenger vehicles yearly ≤ 10 years then every
    6 months; small/micro non-operating passenger cars every 2 years ≤ 6 years, yearly
    ≤ 15 years, then every 6 months; motorcycles every 2 years ≤ 4 years then yearly;
    others yearly. Every statutory cycle is an on-site inspection.
    2022 reform [S] (``policy.reform_2022``) for vehicles passing ``exemption_eligible``:
    years in ``exempt_years`` (2, 4, 8) → APPLY_MARK, years in ``onsite_years`` (6, 10) →
    ONSITE_INSPECTION, every year after ``yearly_after`` (10) → ONSITE_INSPECTION.
    The window opens per ``mark_window_open``. Whether the vehicle is overdue needs its
    recorded validity and is not decided here.
    """
    exemption = exemption_eligible(
        kind,
        use,
        seats,
        is_van,
        illegally_modified,
        injury_accident,
        registered_more_than_4y_after_factory,
        policy,
    )
    reg_end = month_end(registered_on.year, registered_on.month)
    months_passed = (on.year - reg_end.year) * 12 + (on.month - reg_end.month)
    after = months_passed - 1  # the cycle ending in the month of ``on`` still counts
    if exemption.allowed:
        years = sorted(set(policy.exempt_years) | set(policy.onsite_years))
        due = next((12 * y for y in years if 12 * y > after), None)
        if due is None:
            due = max(12 * (policy.yearly_after + 1), 12 * (after // 12 + 1))
        year = due // 12
        if year in policy.exempt_years:
            action = InspectionAction.APPLY_MARK
            reason = Reason(
                "vehicles.exempt_cycle",
                f"注册登记第{year}年，免予上线检验，可直接申领检验标志",
                (_REFORM, _ART55),
            )
        else:
            action = InspectionAction.ONSITE_INSPECTION
            reason = Reason(
                "vehicles.onsite_cycle",
                f"注册登记第{year}年，应当到机动车安全技术检验机构上线检验",
                (_REFORM, _ART54),
            )
        reasons: tuple[Reason, ...] = (reason, *exemption.reasons)
    else:
        due = _due_months(_statutory_steps(kind, use), after)
        action = InspectionAction.ONSITE_INSPECTION
        reasons = (
            Reason(
                "vehicles.statutory_cycle",
                "应当按规定周期到机动车安全技术检验机构上线检验",
                (_ART16, _ART54),
            ),
            *exemption.reasons,
        )
    valid_until = add_months(reg_end, due)
    valid_until = month_end(valid_until.year, valid_until.month)
    return InspectionDue(
        valid_until=valid_until,
        months_since_registration=due,
        action=action,
        window_opens_on=window_opens_on(valid_until, policy),
        reasons=reasons,
    )


def window_opens_on(
    valid_until: date, policy: InspectionPolicy = DEFAULT_INSPECTION_POLICY
) -> date:
    """First day one may apply: ``window_months`` (3) months before the validity end.

    Source [C] 登记规定 第54条 ("检验有效期满前三个月内"). When the validity ends on a month's
    last day (the usual case) the window is the due month and the 2 calendar months
    before it, i.e. it opens on the 1st [S/U]; otherwise the day after the same day 3
    months earlier.
    """
    if valid_until == month_end(valid_until.year, valid_until.month):
        first = add_months(valid_until.replace(day=1), -(policy.window_months - 1))
        return first
    start = add_months(valid_until, -policy.window_months)
    return date.fromordinal(start.toordinal() + 1)


def mark_window_open(
    valid_until: date, on: date, *, policy: InspectionPolicy = DEFAULT_INSPECTION_POLICY
) -> Decision:
    """Is ``on`` inside the application window for the cycle ending ``valid_until``?

    Source [C] 登记规定 第54条: apply within the 3 months before the validity ends.
    Before the window: refused (too early), with the opening date. The validity end day
    itself is in the window. After it: refused as overdue; with
    ``policy.overdue_exempt_requires_onsite`` [U] the message sends the owner to a
    station.
    """
    opens = window_opens_on(valid_until, policy)
    data = {"window_opens_on": opens.isoformat(), "valid_until": valid_until.isoformat()}
    if on < opens:
        return Decision.refuse(
            Reason(
                "vehicles.mark_window_not_open",
                f"检验有效期至{valid_until:%Y年%m月%d日}，请于{opens:%Y年%m月%d日}起申请",
                (_ART54,),
                data,
            )
        )
    if on > valid_until:
        hint = "，请先到机动车安全技术检验机构检验" if policy.overdue_exempt_requires_onsite else ""
        return Decision.refuse(
            Reason(
                "vehicles.inspection_overdue",
                f"检验有效期已于{valid_until:%Y年%m月%d日}届满{hint}",
                (_ART54, _ART16),
                data,
            )
        )
    return Decision.allow(
        Reason("vehicles.mark_window_open", "已进入检验标志申领期", (_ART54,), data)
    )


def inspection_mark_eligibility(
    *,
    on: date,
    compulsory_insurance_until: date | None,
    vehicle_tax_ok: bool,
    unprocessed_violations: int,
    unprocessed_accidents: int,
    vehicle_status: VehicleStatus,
    policy: InspectionPolicy = DEFAULT_INSPECTION_POLICY,
) -> Decision:
    """May the inspection mark be issued now? All failing reasons are returned.

    Sources: 交强险 valid on ``on`` (until-date inclusive) — 交强险条例 第4条, 登记规定
    第54条/第55条; 车船税 paid or exempt — 登记规定 第55条; violations and accidents
    processed — 登记规定 第54条 (for the exempt mark [U], ``policy.require_processed_*``,
    default required); vehicle status normal (not scrapped, stolen or seized).
    """
    reasons: list[Reason] = []
    if compulsory_insurance_until is None or compulsory_insurance_until < on:
        reasons.append(
            Reason(
                "vehicles.insurance_invalid",
                "机动车交通事故责任强制保险（交强险）不在有效期内，请先投保",
                (law.cite(law.INSURANCE, "第4条"), _ART55),
            )
        )
    if not vehicle_tax_ok:
        reasons.append(
            Reason(
                "vehicles.vehicle_tax_unpaid",
                "未提供车船税纳税或者免税证明",
                (_ART55,),
            )
        )
    if policy.require_processed_violations and unprocessed_violations > 0:
        reasons.append(
            Reason(
                "vehicles.unprocessed_violations",
                f"该车有{unprocessed_violations}条交通违法记录未处理，请先处理完毕",
                (_ART54,),
                {"count": unprocessed_violations},
            )
        )
    if policy.require_processed_accidents and unprocessed_accidents > 0:
        reasons.append(
            Reason(
                "vehicles.unprocessed_accidents",
                f"该车有{unprocessed_accidents}起交通事故未处理完毕",
                (_ART54,),
                {"count": unprocessed_accidents},
            )
        )
    if vehicle_status is not VehicleStatus.NORMAL:
        labels = {
            VehicleStatus.SCRAPPED: "已达报废标准或已注销",
            VehicleStatus.STOLEN: "处于被盗抢状态",
            VehicleStatus.SEIZED: "处于被查封、扣押状态",
        }
        reasons.append(
            Reason(
                "vehicles.status_not_normal",
                f"车辆{labels[vehicle_status]}，不能核发检验合格标志",
                (_ART54,),
                {"status": vehicle_status.value},
            )
        )
    if reasons:
        return Decision.refuse(*reasons)
    return Decision.allow(Reason("vehicles.mark_eligible", "符合核发检验合格标志的条件", (_ART55,)))


def shown_plate(plate_no: str) -> str:
    """'蒙B·12345' for a GA 36 plate; any other text as it is."""
    try:
        return display_plate(plate_no)
    except InvalidPlate:
        return plate_no


_ART57 = law.cite(law.REGISTRATION, "第57条")


def mark_reissue_allowed(
    *,
    on: date,
    compulsory_insurance_until: date | None,
    inspection_valid_until: date,
    vehicle_status: VehicleStatus,
) -> Decision:
    """May a lost or damaged inspection mark be reissued (补领、换领) at once?

    Source: 登记规定 第57条 — with the owner's ID or 行驶证; issued within one day when the
    交强险 is valid (until-date inclusive). 第57条 asks nothing about violations. Decisions
    where it is silent: there is a mark to reissue only while the inspection is valid
    (``inspection_valid_until`` ≥ ``on``; past it the vehicle needs a new inspection,
    第54条), and only for a vehicle in normal status. Every failing reason is returned.
    """
    reasons: list[Reason] = []
    if compulsory_insurance_until is None or compulsory_insurance_until < on:
        reasons.append(
            Reason(
                "vehicles.insurance_invalid",
                "机动车交通事故责任强制保险（交强险）不在有效期内，不能补领、换领检验合格标志",
                (_ART57, law.cite(law.INSURANCE, "第4条")),
            )
        )
    if inspection_valid_until < on:
        reasons.append(
            Reason(
                "vehicles.inspection_expired",
                f"检验有效期已于{inspection_valid_until:%Y年%m月%d日}届满，请申领新的检验合格标志",
                (_ART54,),
                {"valid_until": inspection_valid_until.isoformat()},
            )
        )
    if vehicle_status is not VehicleStatus.NORMAL:
        reasons.append(
            Reason(
                "vehicles.status_not_normal",
                "车辆不在正常状态，不能补领、换领检验合格标志",
                (_ART57,),
                {"status": vehicle_status.value},
            )
        )
    if reasons:
        return Decision.refuse(*reasons)
    return Decision.allow(
        Reason(
            "vehicles.mark_reissue_allowed",
            "交强险在有效期内，当日补发或者换发检验合格标志",
            (_ART57,),
        )
    )


def deregistration_due(status: VehicleStatus) -> bool:
    """Should the vehicle have been deregistered (应当注销未注销)?

    Source: 登记规定 第37条第1款(一) — a vehicle that reached the compulsory scrapping
    standard must be deregistered by its owner; 第41条(一) — the documents are declared
    void when he does not. A vehicle still registered in ``SCRAPPED`` status (达到报废标准)
    is therefore due. Used for 记分办法 第26条(四). The compulsory-scrapping rule for three
    inspection periods missed (强制报废标准规定 第4条) is not read here [U] and not applied.
    """
    return status is VehicleStatus.SCRAPPED
