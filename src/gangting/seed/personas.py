"""Demo citizens with a scripted situation, so every booth flow can be shown at any scale:
renewal due, full score (detained), unprocessed violations, overdue fines, overdue
inspection, inspection mark due, study deduction, learner, senior driver; and for issue 14's
kiosk flows: instalments granted, an objection to a camera record, a full score ready to
clear, a driver review due, a lost inspection mark, a first minor offence. What the bulk
rows cannot hold (the 满分 record, the granted plan, the objection, the ability test) is
written after them by ``seed.services``."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from gangting.integrations.learning import EducationRecord
from gangting.kernel.calendar import add_months, add_years
from gangting.seed.fleet import PlateFactory, VehicleDraft, make_vehicle, overdue_inspection_until
from gangting.seed.history import History
from gangting.seed.licensing import LicenceDraft, make_licence
from gangting.seed.people import IdNumberFactory, PersonDraft, make_person
from gangting.vehicles.rules import Use, VehicleKind


@dataclass(frozen=True)
class Persona:
    role: str
    zh: str
    en: str


PERSONAS: tuple[Persona, ...] = (
    Persona("renewal", "驾驶证即将到期，可期满换证", "licence expires within 90 days: renewal"),
    Persona("full_score", "本周期记满12分，驾驶证已扣留", "12 points this cycle: licence detained"),
    Persona("unprocessed", "有未处理的电子警察违法记录", "unprocessed camera violations"),
    Persona("overdue_fine", "罚款逾期未缴，产生加处罚款", "overdue fines with late fees"),
    Persona("inspection_overdue", "机动车逾期未检验", "vehicle inspection overdue"),
    Persona("mark_due", "免检车辆可申领检验标志", "exempt car: inspection mark can be issued"),
    Persona("study_online", "可凭网上学习减1分", "study deduction (online, 1 point)"),
    Persona("study_onsite", "可凭现场学习减2分", "study deduction (on-site, 2 points)"),
    Persona("learner", "实习期驾驶人", "learner driver"),
    Persona("senior", "70岁以上驾驶人", "driver aged 70+"),
    Persona(
        "instalments",
        "罚款确有经济困难：一笔已批准分期缴纳，一笔可申请",
        "fine hardship: one plan of instalments granted, one fine to apply for",
    ),
    Persona("objection", "对电子警察记录有异议（一件待补充材料）", "objection to a camera record"),
    Persona(
        "full_score_done",
        "满分学习考试合格、罚款已缴，可清除记分发还驾驶证",
        "full score: study, exams and fines done: clearance",
    ),
    Persona(
        "review_due", "上一记分周期有记分，需审验", "driver review due (B2, points last cycle)"
    ),
    Persona("mark_lost", "检验合格标志丢失，可补领", "inspection mark lost: reissue"),
    Persona("first_offence", "首次轻微违法，可不予处罚", "first minor offence: no penalty"),
)


@dataclass
class PersonaCase:
    persona: Persona
    person: PersonDraft
    licence: LicenceDraft
    vehicles: list[VehicleDraft] = field(default_factory=list)
    study: tuple[str, int] | None = None  # (way, minutes) completed yesterday
    # the learning platform's full-score study and exams, review study (seed.services)
    education: list[EducationRecord] = field(default_factory=list)


def make_case(
    persona: Persona,
    rng: random.Random,
    ids: IdNumberFactory,
    plates: PlateFactory,
    history: History,
    today: date,
) -> PersonaCase:
    t = today
    role = persona.role
    ages = {"learner": 19, "senior": 72, "full_score": 45, "overdue_fine": 50, "review_due": 42}
    age = ages.get(role, 36)
    person = make_person(rng, ids, t, age=age)
    first: date
    if role == "renewal":
        first = add_years(t + timedelta(days=40), -16)  # six years, then ten: ends in 40 days
    elif role in ("full_score", "full_score_done"):
        first = add_years(t - timedelta(days=150), -12)  # current cycle began 150 days ago
    elif role == "review_due":
        first = add_years(t - timedelta(days=12), -9)  # the last cycle ended 13 days ago
    elif role in ("study_online", "study_onsite"):
        first = add_years(t - timedelta(days=200), -10)
    elif role == "learner":
        first = t - timedelta(days=100)
    elif role == "senior":
        first = date(1992, 5, 20)
    else:
        first = add_years(t - timedelta(days=rng.randint(100, 300)), -8)
    licence = make_licence(
        rng,
        citizen_id=person.id,
        id_number=person.id_number,
        birth=person.birth_date,
        today=t,
        first_issued_on=first,
        clean=True,
    )
    if role == "review_due":
        licence.classes = "B2"  # reviewed after each cycle with points (第72条第3款)
    elif role == "full_score_done":
        licence.classes = "C1"  # 7 study days and the theory exam (记分办法 第18条)
    case = PersonaCase(persona, person, licence)
    if role == "learner":
        return case
    car_kind = (VehicleKind.SMALL_PASSENGER, Use.NON_OPERATING)
    registered = max(first, t - timedelta(days=1000))
    if role == "inspection_overdue":
        registered = max(first, add_years(t, -7) - timedelta(days=60))
    elif role == "mark_due":
        # Registered in next month two years ago: the year-2 exempt cycle ends next month.
        registered = add_months(t, -23).replace(day=1)
    car = make_vehicle(
        rng,
        plates,
        owner_id=person.id,
        earliest=first,
        today=t,
        clean=True,
        registered_on=registered,
        kind_use=car_kind,
    )
    case.vehicles.append(car)
    area = person.area_code

    def decided(code: str, days_ago: int, payment: str) -> None:
        history.add(
            car,
            licence,
            code,
            t - timedelta(days=days_ago + 5),
            area=area,
            decided_on=t - timedelta(days=days_ago),
            payment=payment,
        )

    def pending(code: str, days_ago: int) -> None:
        history.add(car, licence, code, t - timedelta(days=days_ago), area=area, decided_on=None)

    if role == "renewal":
        decided("1039", 200, "on_time")
    elif role == "full_score":
        decided("1625", 110, "on_time")
        decided("1625", 50, "unpaid")
    elif role == "unprocessed":
        pending("1625", 20)
        pending("1039", 12)
        pending("1344", 40)
    elif role == "overdue_fine":
        decided("1344", 45, "unpaid")
        decided("1039", 90, "unpaid")
    elif role == "inspection_overdue":
        overdue = overdue_inspection_until(car, t)
        assert overdue is not None
        car.inspection_valid_until = overdue
    elif role == "study_online":
        decided("1636", 40, "on_time")
        case.study = ("online", 35)
    elif role == "study_onsite":
        decided("1625", 70, "on_time")
        case.study = ("onsite", 70)
    elif role == "instalments":
        decided("1625", 4, "unpaid")  # the plan granted (seed.services)
        decided("1344", 2, "unpaid")  # to apply for at the booth
    elif role == "objection":
        pending("1625", 6)  # objected, more materials asked for (seed.services)
        pending("1344", 4)  # to object to at the booth
    elif role == "full_score_done":
        decided("1625", 110, "on_time")
        decided("1625", 50, "on_time")
        case.education = _full_score_education(person.id_number, t - timedelta(days=40))
    elif role == "review_due":
        decided("1344", 60, "on_time")  # in the cycle that ended 13 days ago
        case.education = [
            EducationRecord(
                f"SY{person.id_number[-6:]}",
                person.id_number,
                "review_study",
                t - timedelta(5),
                180,
            )
        ]
    elif role == "first_offence":
        pending("1208", 8)  # on the first-offence list, no other act within a year
    history.settle_licence(licence)
    return case


def _full_score_education(id_number: str, start: date) -> list[EducationRecord]:
    """A week of 满分 study (2 on-site, 3 online, 2 self-study days; 记分办法 第18–19条) and
    the theory exam passed after it (第20条)."""
    ways = ("onsite", "onsite", "online", "online", "online", "self", "self")
    records = [
        EducationRecord(
            f"MF{id_number[-6:]}{i}", id_number, "full_score_study", start + timedelta(i), 200, way
        )
        for i, way in enumerate(ways)
    ]
    records.append(
        EducationRecord(
            f"KS{id_number[-6:]}",
            id_number,
            "full_score_exam",
            start + timedelta(days=8),
            exam="theory",
            passed=True,
        )
    )
    return records
