"""Test data builders: a booth, a citizen with a licence and vehicles, violations."""

from __future__ import annotations

import base64
import functools
import hashlib
import itertools
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import Engine

from gangting.accidents.rules import QUESTIONS
from gangting.booths.models import Booth
from gangting.citizens.models import Citizen
from gangting.citizens.rules import id_check_char
from gangting.fines.models import PenaltyDecision
from gangting.kernel.clock import CITY_ZONE
from gangting.kernel.ids import new_id
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.licences.models import DrivingLicence
from gangting.licences.rules import scoring_cycle
from gangting.points.models import PointEntry
from gangting.staff import totp
from gangting.staff.models import OrgUnit, StaffAccount
from gangting.vehicles.models import Vehicle
from gangting.violations.catalogue import install_catalogue
from gangting.violations.models import Violation
from tests.identity.evidence import booth_public_key

_seq = itertools.count(1)
BOOTH_SECRET = "test-booth-secret"
STAFF_PASSWORD = "test-password"
# Test rows share one argon2 hash per secret, made with the cheapest parameters: argon2
# reads its parameters from the hash, so the service's real verify stays what it checks,
# and a test pays microseconds instead of ~0.15 s per row built and per login.
_CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def accident_answers(*yes: str) -> dict[str, bool]:
    """Answers to every 事故快处 question (事故程序规定 第13–15条): no, but the codes in ``yes``."""
    return {q.code: q.code in yes for q in QUESTIONS}


@functools.cache
def cheap_hash(secret: str) -> str:
    return _CHEAP.hash(secret)


def load_catalogue_rows(engine: Engine) -> None:
    with engine.begin() as conn:
        install_catalogue(conn)


def id_number(birth: date, area: str = "150203") -> str:
    first17 = f"{area}{birth:%Y%m%d}{next(_seq) % 1000:03d}"
    return first17 + id_check_char(first17)


def org_unit(
    uow: UnitOfWork, code: str, parent: OrgUnit | None = None, kind: str = "brigade"
) -> OrgUnit:
    path = (parent.path if parent else "/") + code + "/"
    unit = OrgUnit(
        code=code, name=f"单位{code}", kind=kind, parent_id=parent.id if parent else None, path=path
    )
    uow.session.add(unit)
    uow.session.flush()
    return unit


def booth(uow: UnitOfWork, unit: OrgUnit, code: str = "BT-KDL-001") -> Booth:
    row = Booth(
        code=code,
        name="昆都仑测试岗亭",
        org_unit_id=unit.id,
        district_code="150203",
        address="昆都仑区钢铁大街1号",
        longitude=109.82,
        latitude=40.66,
        secret_hash=cheap_hash(BOOTH_SECRET),
        evidence_public_key=booth_public_key(code),  # tests.identity.evidence signs with it
    )
    uow.session.add(row)
    uow.session.flush()
    return row


# Administrators and supervisors must bind the second factor (docs/decisions/0019); the
# builders bind theirs to a secret known from the username, so tests log in with its code.
SECOND_FACTOR_ROLES = ("supervisor", "admin")
_BOUND_AT = datetime(2020, 1, 1, tzinfo=CITY_ZONE)


def totp_secret(username: str) -> str:
    """The test account's TOTP secret (base32, from the username)."""
    return base64.b32encode(hashlib.sha256(username.encode()).digest()[:20]).decode()


def staff_login(username: str, at: datetime, password: str = STAFF_PASSWORD) -> dict[str, str]:
    """A log-in body with the account's current code (officers' is ignored)."""
    code = totp.code_at(totp_secret(username), at)
    return {"username": username, "password": password, "totp_code": code}


class StaffTokens:
    """Staff session tokens, one per name and TOTP step (30 s): a code is good once, so a
    second log-in in the same step (a test clock that stands still) would be a replay."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, int], str] = {}

    def token(self, username: str, at: datetime, post: Callable[[dict[str, str]], str]) -> str:
        """The token of ``username`` at ``at``; ``post`` logs in with the body given."""
        key = (username, int(at.timestamp()) // totp.STEP_S)
        if key not in self._tokens:
            self._tokens[key] = post(staff_login(username, at))
        return self._tokens[key]

    def forget(self, username: str) -> None:
        """Drop the name's tokens (after a log-out, a role change)."""
        for key in [k for k in self._tokens if k[0] == username]:
            del self._tokens[key]


def staff_auth(client: Any, username: str) -> dict[str, str]:
    """The Authorization header of ``username`` for a TestClient of the app, logged in once
    per TOTP step (the tokens are kept on the app's state; its context's clock)."""
    state = client.app.state
    tokens: StaffTokens = state.__dict__.setdefault("test_staff_tokens", StaffTokens())

    def post(body: dict[str, str]) -> str:
        r = client.post("/api/v1/auth/staff", json=body)
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])

    return {"Authorization": f"Bearer {tokens.token(username, state.context.clock.now(), post)}"}


def staff(
    uow: UnitOfWork, unit: OrgUnit, username: str, role: str, *, bound: bool | None = None
) -> StaffAccount:
    """A staff account; ``bound`` (default: for the roles that need it) has the second factor
    bound to ``totp_secret(username)``."""
    bind = role in SECOND_FACTOR_ROLES if bound is None else bound
    row = StaffAccount(
        username=username,
        name="测试" + role,
        role=role,
        org_unit_id=unit.id,
        password_hash=cheap_hash(STAFF_PASSWORD),
        totp_secret=totp_secret(username) if bind else None,
        totp_enrolled_at=_BOUND_AT if bind else None,
    )
    uow.session.add(row)
    uow.session.flush()
    return row


def citizen(
    uow: UnitOfWork,
    *,
    birth: date = date(1985, 6, 15),
    name: str = "王建国",
    first_issued_on: date = date(2010, 3, 15),
    classes: str = "C1",
    validity: str = "ten_years",
    valid_from: date = date(2016, 3, 15),
    expires_on: date | None = date(2026, 3, 15),
    status: str = "valid",
    learner_until: date | None = None,
) -> Citizen:
    person = Citizen(
        id_number=id_number(birth),
        name=name,
        phone="13847212345",
        birth_date=birth,
        area_code="150203",
    )
    uow.session.add(person)
    uow.session.flush()
    uow.session.add(
        DrivingLicence(
            citizen_id=person.id,
            licence_no=person.id_number,
            classes=classes,
            first_issued_on=first_issued_on,
            learner_until=learner_until,
            validity=validity,
            valid_from=valid_from,
            expires_on=expires_on,
            status=status,
        )
    )
    uow.session.flush()
    return person


def vehicle(
    uow: UnitOfWork,
    owner: Citizen,
    plate_no: str,
    *,
    registered_on: date = date(2022, 11, 10),
    inspection_valid_until: date = date(2026, 11, 30),
    kind: str = "small_passenger",
    use: str = "non_operating",
    seats: int = 5,
    insurance_until: date = date(2027, 5, 1),
) -> Vehicle:
    row = Vehicle(
        plate_no=plate_no,
        kind=kind,
        use=use,
        seats=seats,
        is_van=False,
        registered_on=registered_on,
        owner_id=owner.id,
        compulsory_insurance_until=insurance_until,
        vehicle_tax_ok=True,
        inspection_valid_until=inspection_valid_until,
        status="normal",
    )
    uow.session.add(row)
    uow.session.flush()
    return row


def violation(
    uow: UnitOfWork,
    car: Vehicle,
    code: str = "1625",
    *,
    days_ago: int = 20,
    now: datetime | None = None,
) -> Violation:
    base = now or datetime(2026, 11, 26, 10, 0, tzinfo=CITY_ZONE)
    row = Violation(
        ref=f"WF{next(_seq):08d}",
        code=code,
        occurred_at=base - timedelta(days=days_ago),
        place="钢铁大街与民族东路交叉口",
        plate_no=car.plate_no,
        vehicle_id=car.id,
        evidence_ref="EV-1",
        state="unprocessed",
    )
    uow.session.add(row)
    uow.session.flush()
    return row


def overdue_decision(
    uow: UnitOfWork,
    person: Citizen,
    car: Vehicle,
    licence_first_issued: date,
    *,
    decided_on: date,
    fine_fen: int = 20000,
    points: int = 6,
    code: str = "1625",
    booth_id: uuid.UUID | None = None,
) -> PenaltyDecision:
    v = violation(uow, car, code, days_ago=400)
    v.state = "decided"
    v.driver_id = person.id
    decided_at = datetime.combine(decided_on, datetime.min.time(), tzinfo=CITY_ZONE)
    d = PenaltyDecision(
        decision_no=f"JDT{next(_seq):08d}",
        violation_id=v.id,
        citizen_id=person.id,
        booth_id=booth_id,
        points=points,
        fine_fen=fine_fen,
        decided_at=decided_at,
        received_on=decided_on,
        due_on=decided_on + timedelta(days=15),
        state="unpaid",
        pauses=[],
        legal_basis=[],
    )
    uow.session.add(d)
    uow.session.add(
        PointEntry(
            citizen_id=person.id,
            cycle_start=scoring_cycle(licence_first_issued, decided_on).start,
            points=points,
            source_kind="decision",
            source_id=d.decision_no,
            recorded_at=decided_at,
            legal_basis="《道路交通安全违法行为记分管理办法》(公安部令第163号) 第13条",
        )
    )
    uow.session.flush()
    return d


def plate_read_body(booth: str, plate: str, seen: datetime, **change: Any) -> dict[str, Any]:
    """A booth camera's plate-read event as JSON (payload v1.0): 5 frames, 4 agreeing, first
    seen at ``seen`` and last 2 s later; ``change`` replaces or adds fields."""
    body: dict[str, Any] = {
        "v": "1.0",
        "event_id": str(new_id()),
        "booth": booth,
        "camera": "lane-1",
        "plate": plate,
        "colour": "blue",
        "plate_type": "small",
        "confidence": 0.94,
        "char_confidences": [0.95] * len(plate),
        "frames": 5,
        "agreeing": 4,
        "first_seen_at": seen.isoformat(),
        "last_seen_at": (seen + timedelta(seconds=2)).isoformat(),
    }
    body.update(change)
    return body
