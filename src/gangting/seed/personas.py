"""Demo citizens with a scripted situation, so every booth flow can be shown at any scale:
renewal due, full score (detained), unprocessed violations, overdue fines, overdue
inspection, inspection mark due, study deduction, learner, senior driver."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

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
)


@dataclass
class PersonaCase:
    persona: Persona
    person: PersonDraft
    licence: LicenceDraft
    vehicles: list[VehicleDraft] = field(default_factory=list)
    study: tuple[str, int] | None = None  # (way, minutes) completed yesterday


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
    age = {"learner": 19, "senior": 72, "full_score": 45, "overdue_fine": 50}.get(role, 36)
    person = make_person(rng, ids, t, age=age)
    first: date
    if role == "renewal":
        first = add_years(t + timedelta(days=40), -16)  # six years, then ten: ends in 40 days
    elif role == "full_score":
        first = add_years(t - timedelta(days=150), -12)  # current cycle began 150 days ago
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
    history.settle_licence(licence)
    return case
