"""The demo city: `tiny` seeded into a fresh SQLite file (and PostgreSQL when reachable),
then checked against the rules."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from gangting import all_models as m
from gangting.audit.verify import verify
from gangting.citizens.rules import BAOTOU_AREA_CODES, parse_id_number
from gangting.config import Settings
from gangting.desks.detection import phone_key, run_detection
from gangting.detection.models import DetectionCase
from gangting.detection.rules import Pattern, Thresholds
from gangting.fines.rules import due_on, late_fee
from gangting.geo.districts import baotou_districts
from gangting.integrations.cognitive_test import FakeCognitiveTestDevice
from gangting.integrations.learning import FakeLearningPlatform
from gangting.kernel.clock import CITY_ZONE, FixedClock, city_date
from gangting.kernel.db import make_engine
from gangting.kernel.unit_of_work import UnitOfWork, session_factory
from gangting.licences.rules import Validity, expiry_on, learner_period_end, scoring_cycle
from gangting.seed.agents import ACTIVITY_DAYS, NIGHT_LOOKUPS, NIGHT_SHIFTS
from gangting.seed.city import (
    SCALES,
    Scale,
    SeedRefused,
    SeedReport,
    database_is_empty,
    seed_database,
)
from gangting.seed.rings import RING_CODE, RING_DRIVERS, RING_OWNERS
from gangting.vehicles.rules import parse_plate
from gangting.violations.first_offence import load_first_offence_list
from tests.conftest import PG_URL, pg_admin

TODAY = date(2026, 11, 26)
DEMO_CLOCK = "2026-11-26T10:00:00+08:00"


@dataclass(frozen=True)
class Seeded:
    path: Path
    url: str
    report: SeedReport


def _settings(path: Path, url: str | None = None) -> Settings:
    return Settings(
        database_url=url or f"sqlite:///{path}/t.db", var_dir=path, demo_clock=DEMO_CLOCK
    )


def _seed(path: Path, url: str | None = None) -> SeedReport:
    return seed_database(_settings(path, url), scale="tiny", seed=7, console=Console(quiet=True))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    """`tiny` on SQLite always; on PostgreSQL (the COPY path) when it is reachable."""
    path = tmp_path_factory.mktemp("city")
    if request.param == "sqlite":
        url = f"sqlite:///{path}/t.db"
        yield Seeded(path, url, _seed(path, url))
        return
    name = f"gangting_seed_{uuid.uuid4().hex[:12]}"
    try:
        with pg_admin() as conn:
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError:
        pytest.skip("PostgreSQL not reachable")
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield Seeded(path, url, _seed(path, url))
    finally:
        with pg_admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def session(seeded: Seeded) -> Iterator[Session]:
    engine = make_engine(seeded.url)
    with Session(engine) as s:
        yield s
    engine.dispose()


def test_report_counts_what_was_written(seeded: Seeded) -> None:
    report = seeded.report
    assert report.today == TODAY
    assert report.counts["citizens"] == 200
    assert report.counts["driving_licences"] == 200
    assert report.counts["booths"] == 3
    assert 100 < report.counts["vehicles"] < 260
    assert report.counts["violations"] > 0
    assert report.counts["violation_codes"] > 40
    assert report.seconds < 10


def test_every_id_number_is_valid_and_from_baotou(session: Session) -> None:
    citizens = session.scalars(select(m.Citizen)).all()
    for c in citizens:
        parsed = parse_id_number(c.id_number, on=TODAY)
        assert parsed.area_code in BAOTOU_AREA_CODES
        assert parsed.area_code == c.area_code
        assert parsed.birth_date == c.birth_date
        assert date(1946, 1, 1) <= c.birth_date <= date(2008, 12, 31)
        assert c.phone is not None and len(c.phone) == 11 and c.phone[1] in "3456789"
    assert len({c.id_number for c in citizens}) == len(citizens)


def test_every_plate_is_valid_and_from_baotou(session: Session) -> None:
    vehicles = session.scalars(select(m.Vehicle)).all()
    for v in vehicles:
        plate = parse_plate(v.plate_no)
        assert plate.value == v.plate_no
        assert v.plate_no.startswith("蒙B")
        assert plate.new_energy == v.new_energy


def test_licence_dates_follow_the_validity_rules(session: Session) -> None:
    rows = session.execute(
        select(m.DrivingLicence, m.Citizen).join(
            m.Citizen, m.Citizen.id == m.DrivingLicence.citizen_id
        )
    ).all()
    for licence, citizen in rows:
        assert licence.licence_no == citizen.id_number
        assert licence.expires_on == expiry_on(licence.valid_from, Validity(licence.validity))
        assert licence.first_issued_on <= licence.valid_from
        assert licence.first_issued_on <= TODAY - timedelta(days=30)
        assert licence.first_issued_on.year - citizen.birth_date.year >= 18
        if licence.learner_until is not None:
            assert licence.learner_until == learner_period_end(licence.first_issued_on)
            assert licence.learner_until >= TODAY
        if licence.status == "valid":
            assert licence.expires_on is None or licence.expires_on >= TODAY
        if licence.status == "expired":
            assert licence.expires_on is not None
            assert TODAY - timedelta(days=366) <= licence.expires_on < TODAY


def test_ledger_has_one_entry_per_decision_with_points(session: Session) -> None:
    decisions = session.scalars(select(m.PenaltyDecision)).all()
    entries = session.scalars(select(m.PointEntry)).all()
    licences = {lic.citizen_id: lic for lic in session.scalars(select(m.DrivingLicence))}
    by_source = Counter(e.source_id for e in entries)
    assert all(e.source_kind == "decision" for e in entries)
    with_points = [d for d in decisions if d.points > 0]
    assert len(entries) == len(with_points) > 0
    per_citizen_decisions: dict[object, int] = defaultdict(int)
    for d in with_points:
        assert by_source[d.decision_no] == 1
        per_citizen_decisions[d.citizen_id] += d.points
    per_citizen_ledger: dict[object, int] = defaultdict(int)
    entry_by_source = {e.source_id: e for e in entries}
    for d in with_points:
        e = entry_by_source[d.decision_no]
        first = licences[d.citizen_id].first_issued_on
        assert e.cycle_start == scoring_cycle(first, d.received_on).start
        assert e.legal_basis == "道路交通安全违法行为记分管理办法 第13条"
    for e in entries:
        per_citizen_ledger[e.citizen_id] += e.points
    assert per_citizen_ledger == per_citizen_decisions


def test_decisions_and_payments_are_consistent(session: Session) -> None:
    decisions = session.scalars(select(m.PenaltyDecision)).all()
    items = {i.decision_id: i for i in session.scalars(select(m.PaymentItem))}
    payments = {p.id: p for p in session.scalars(select(m.Payment))}
    codes = {c.code: c for c in session.scalars(select(m.ViolationCode))}
    violations = {v.id: v for v in session.scalars(select(m.Violation))}
    owners = {v.id: v.owner_id for v in session.scalars(select(m.Vehicle))}
    ring: set[tuple[object, object]] = set()
    for d in decisions:
        violation = violations[d.violation_id]
        assert violation.state == "decided" and violation.vehicle_id is not None
        assert violation.driver_id == d.citizen_id
        if d.citizen_id != owners[violation.vehicle_id]:  # the planted ring only
            assert violation.code == RING_CODE
            ring.add((d.citizen_id, owners[violation.vehicle_id]))
        assert d.points == codes[violation.code].points
        assert d.fine_fen == codes[violation.code].fine_default_fen
        assert d.due_on == due_on(d.received_on)
        assert d.received_on <= TODAY
        if d.state == "paid":
            assert d.paid_on is not None and d.received_on <= d.paid_on <= TODAY
            fee = late_fee(d.fine_fen, d.due_on, d.paid_on)
            assert d.late_fee_paid_fen == fee.amount_fen
            item = items[d.id]
            payment = payments[item.payment_id]
            assert payment.state == "succeeded" and payment.receipt_no
            assert payment.amount_fen == d.fine_fen + fee.amount_fen
            assert (item.fine_fen, item.late_fee_fen, item.days_late) == (
                d.fine_fen,
                fee.amount_fen,
                fee.days_late,
            )
        else:
            assert d.state == "unpaid" and d.paid_on is None and d.id not in items
    assert len(items) == len(payments)
    # one complete ring: each of its drivers took points for a car of each of its owners
    drivers, ring_owners = {a for a, _ in ring}, {b for _, b in ring}
    assert (len(drivers), len(ring_owners), len(ring)) == (
        RING_DRIVERS,
        RING_OWNERS,
        RING_DRIVERS * RING_OWNERS,
    )
    assert not drivers & ring_owners


def test_booths_lie_inside_their_district(session: Session) -> None:
    booths = session.scalars(select(m.Booth)).all()
    units = {u.id: u for u in session.scalars(select(m.OrgUnit))}
    assert {b.code for b in booths} == {"BT-KDL-001", "BT-DH-001", "BT-QS-001"}
    for b in booths:
        assert baotou_districts()[b.district_code].contains(b.longitude, b.latitude)
        unit = units[b.org_unit_id]
        assert unit.kind == "squadron" and unit.path.startswith("/BT/" + b.code.split("-")[1])


def test_the_demo_has_every_situation(session: Session) -> None:
    violations = session.scalars(select(m.Violation)).all()
    decisions = session.scalars(select(m.PenaltyDecision)).all()
    licences = session.scalars(select(m.DrivingLicence)).all()
    vehicles = session.scalars(select(m.Vehicle)).all()
    entries = session.scalars(select(m.PointEntry)).all()
    assert any(v.state == "unprocessed" and v.driver_id is None for v in violations)
    assert any(d.state == "unpaid" and d.due_on < TODAY for d in decisions)
    assert any(
        lic.status == "valid"
        and lic.expires_on is not None
        and TODAY <= lic.expires_on <= TODAY + timedelta(days=90)
        for lic in licences
    )
    assert any(v.status == "normal" and v.inspection_valid_until < TODAY for v in vehicles)
    assert any(lic.learner_until is not None for lic in licences)
    points: dict[tuple[object, date], int] = defaultdict(int)
    for e in entries:
        points[(e.citizen_id, e.cycle_start)] += e.points
    detained = [lic for lic in licences if lic.status == "detained"]
    assert detained
    for lic in licences:
        current = points[(lic.citizen_id, scoring_cycle(lic.first_issued_on, TODAY).start)]
        if lic.status == "detained":
            assert current >= 12 and lic.had_full_score_in_validity
        elif lic.status in ("valid", "expired"):
            assert current < 12


def test_demo_credentials_and_study_completions(seeded: Seeded) -> None:
    path = seeded.path
    text = (path / "demo-credentials.txt").read_text(encoding="utf-8")
    assert "BT-KDL-001\tdemo-BT-KDL-001" in text
    assert "admin\tDemo-Centre-2026" in text and "sup-kdl\tDemo-Ducha-2026" in text
    refs = [line.split("\t") for line in text.splitlines() if line.startswith("XF")]
    assert refs
    platform = FakeLearningPlatform(path / "fake_learning_platform.db")
    for ref, id_number, *_ in refs:
        completion = platform.find_completion(ref)
        assert completion is not None and completion.id_number == id_number


def test_a_seeded_database_is_refused(seeded: Seeded) -> None:
    path = seeded.path
    assert not database_is_empty(_settings(path, seeded.url))
    with pytest.raises(SeedRefused):
        _seed(path, seeded.url)


def test_same_seed_same_city(tmp_path: Path, session: Session) -> None:
    """Same seed, same people and plates (on SQLite, compared with each backend's city)."""
    _seed(tmp_path)
    engine = make_engine(_settings(tmp_path).database_url)
    with Session(engine) as again:
        first = sorted(session.scalars(select(m.Citizen.id_number)))
        second = sorted(again.scalars(select(m.Citizen.id_number)))
        assert first == second
        assert sorted(session.scalars(select(m.Vehicle.plate_no))) == sorted(
            again.scalars(select(m.Vehicle.plate_no))
        )
    engine.dispose()


@pytest.fixture(scope="module")
def detected(seeded: Seeded) -> dict[str, dict[str, int]]:
    """The detectors run once over the seeded city, on the demo clock (the worker's first
    ``detection.run`` does this when ``gangting up`` starts)."""
    engine = make_engine(seeded.url)
    try:
        clock = FixedClock(datetime.fromisoformat(DEMO_CLOCK))
        with UnitOfWork(session_factory(engine), clock) as uow:
            return run_detection(uow, Thresholds())
    finally:
        engine.dispose()


def test_detection_finds_the_planted_patterns_and_nothing_else(
    seeded: Seeded, detected: dict[str, dict[str, int]], session: Session
) -> None:
    """Decision 0011, "Planted in the demo city": each planted pattern is found, exactly,
    and no clean look-alike (a family sharing a phone, two booths in 40 minutes, an officer
    working 08:05-19:50) is."""
    planted = seeded.report.planted
    cases = session.scalars(select(DetectionCase)).all()
    by_pattern: dict[str, set[str]] = defaultdict(set)
    for case in cases:
        if case.pattern != Pattern.MODEL_SECOND_OPINION:  # the model: the test below
            by_pattern[case.pattern].add(case.subject_id)
    citizens = {c.id_number: str(c.id) for c in session.scalars(select(m.Citizen))}
    staff = {s.username: str(s.id) for s in session.scalars(select(m.StaffAccount))}
    ring_drivers = {
        str(driver)
        for driver in session.scalars(
            select(m.PenaltyDecision.citizen_id)
            .join(m.Violation, m.Violation.id == m.PenaltyDecision.violation_id)
            .join(m.Vehicle, m.Vehicle.id == m.Violation.vehicle_id)
            .where(m.Vehicle.owner_id != m.PenaltyDecision.citizen_id)
        )
    }
    assert len(ring_drivers) == RING_DRIVERS
    assert by_pattern == {
        Pattern.POINTS_MANY_OWNERS: ring_drivers,
        Pattern.POINTS_DENSE_BLOCK: by_pattern[Pattern.POINTS_DENSE_BLOCK],
        Pattern.AGENTS_SHARED_PHONE: {phone_key(planted.agent_phone)},
        Pattern.AGENTS_IDENTITY_HOPPING: {citizens[planted.hopper]},
        Pattern.OPERATIONS_OFF_HOURS: {staff[planted.night_officer]},
    }
    assert len(by_pattern[Pattern.POINTS_DENSE_BLOCK]) == 1
    assert by_pattern[Pattern.POINTS_DENSE_BLOCK] <= ring_drivers
    assert detected[Pattern.AGENTS_SHARED_PHONE]["found"] == 1
    # the clean look-alikes are real data, only below the thresholds
    family = [c for c in session.scalars(select(m.Citizen)) if c.phone == planted.family_phone]
    assert len(family) == 3
    agent_clients = {
        c.id for c in session.scalars(select(m.Citizen)) if c.phone == planted.agent_phone
    }
    assert len(agent_clients) == 5
    served = {a.citizen_id for a in session.scalars(select(m.Application))}
    assert agent_clients <= served and {c.id for c in family} <= served
    day_officer = staff[planted.day_officer]
    assert day_officer not in {s for ids in by_pattern.values() for s in ids}
    day_entries = session.scalars(
        select(m.AuditEntry).where(m.AuditEntry.actor_id == day_officer)
    ).all()
    assert len(day_entries) > 20  # active, but inside the hours
    near = session.scalars(
        select(m.AuditEntry).where(
            m.AuditEntry.action == "identity.verified",
            m.AuditEntry.subject_id == citizens[planted.near_hopper],
        )
    ).all()
    assert len({e.booth_id for e in near}) == 2


def test_the_planted_operations_are_sealed_into_the_ledger(
    seeded: Seeded, session: Session
) -> None:
    """The seeded activity went through the services: each application has its audit
    entry, the night officer's look-ups are at night in the city's time, and the chain
    verifies."""
    planted = seeded.report.planted
    staff = {s.username: str(s.id) for s in session.scalars(select(m.StaffAccount))}
    applications = session.scalars(select(m.Application)).all()
    entries = session.scalars(select(m.AuditEntry)).all()
    audited = {e.subject_id for e in entries if e.action.startswith("application.")}
    assert applications and {a.receipt_no for a in applications} == audited
    assert all(
        TODAY - timedelta(days=ACTIVITY_DAYS) <= city_date(a.created_at) < TODAY
        for a in applications
    )
    night = [
        e.at.astimezone(CITY_ZONE).hour
        for e in entries
        if e.actor_id == staff[planted.night_officer]
        and not 8 <= e.at.astimezone(CITY_ZONE).hour < 20
    ]
    assert len(night) == NIGHT_SHIFTS * NIGHT_LOOKUPS and all(1 <= h < 4 for h in night)
    report = verify(session)
    assert report.ok, report.problems
    assert report.entries == len(entries)


def test_the_second_opinion_flags_the_night_officer_and_planted_citizens(
    seeded: Seeded, detected: dict[str, dict[str, int]], session: Session
) -> None:
    """The unsupervised second opinion (ECOD) over the seeded city: among the staff it
    flags the off-hours officer alone, for his night share; no booth stands out (the
    background has no refusals); its citizens are planted ones (on this seed: the ring's
    drivers), each with the features that made them stand out."""
    planted = seeded.report.planted
    staff = {s.username: str(s.id) for s in session.scalars(select(m.StaffAccount))}
    citizens = {c.id_number: str(c.id) for c in session.scalars(select(m.Citizen))}
    ring_drivers = {
        str(driver)
        for driver in session.scalars(
            select(m.PenaltyDecision.citizen_id)
            .join(m.Violation, m.Violation.id == m.PenaltyDecision.violation_id)
            .join(m.Vehicle, m.Vehicle.id == m.Violation.vehicle_id)
            .where(m.Vehicle.owner_id != m.PenaltyDecision.citizen_id)
        )
    }
    cases = session.scalars(
        select(DetectionCase).where(DetectionCase.pattern == Pattern.MODEL_SECOND_OPINION)
    ).all()
    by_kind: dict[str, set[str]] = defaultdict(set)
    for case in cases:
        by_kind[case.subject_kind].add(case.subject_id)
    assert by_kind["staff"] == {staff[planted.night_officer]}
    assert "booth" not in by_kind
    suspects = ring_drivers | {citizens[planted.hopper]}
    suspects |= {citizens[c] for c in planted.agent_clients}
    assert by_kind["citizen"] and by_kind["citizen"] <= suspects
    night = next(c for c in cases if c.subject_kind == "staff")
    codes = [r["code"] for r in night.reasons]
    assert codes[0] == "model.second_opinion"
    assert "model.second_opinion.night_ops_share" in codes
    assert len(night.evidence["audit_entries"]) == NIGHT_SHIFTS * NIGHT_LOOKUPS
    assert detected[Pattern.MODEL_SECOND_OPINION]["found"] == len(cases)


def test_a_city_with_peers_enough_plants_a_booth_far_from_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With 7 booths (tiny has 3, too few peers) the seed plants a booth whose faces fail
    then pass far more often than at the others: operations.outlier finds it alone, and the
    other planted patterns are still found exactly."""
    monkeypatch.setitem(SCALES, "peers", Scale(drivers=300, booths=7, chunk=300))
    report = seed_database(_settings(tmp_path), scale="peers", seed=7, console=Console(quiet=True))
    planted = report.planted
    assert planted.retrying_booth
    engine = make_engine(_settings(tmp_path).database_url)
    try:
        clock = FixedClock(datetime.fromisoformat(DEMO_CLOCK))
        with UnitOfWork(session_factory(engine), clock) as uow:
            run_detection(uow, Thresholds())
        with Session(engine) as s:
            cases = s.scalars(select(DetectionCase)).all()
            staff = {a.username: str(a.id) for a in s.scalars(select(m.StaffAccount))}
    finally:
        engine.dispose()
    by_pattern: dict[str, set[str]] = defaultdict(set)
    for case in cases:
        by_pattern[case.pattern].add(case.subject_id)
    assert by_pattern[Pattern.OPERATIONS_OUTLIER] == {planted.retrying_booth}
    assert by_pattern[Pattern.OPERATIONS_OFF_HOURS] == {staff[planted.night_officer]}
    assert by_pattern[Pattern.AGENTS_SHARED_PHONE] == {phone_key(planted.agent_phone)}
    assert len(by_pattern[Pattern.AGENTS_IDENTITY_HOPPING]) == 1
    outlier = next(c for c in cases if c.pattern == Pattern.OPERATIONS_OUTLIER)
    reasons = {r["code"]: r["numbers"] for r in outlier.reasons}
    retried = reasons["operations.outlier.failed_then_passed"]
    # every booth: one retry every 5th day of 20; this one 8 more
    assert retried["events"] == ACTIVITY_DAYS // 5 + 8
    assert retried["peer_median_per_100"] < retried["rate_per_100"]
    assert len(outlier.evidence["audit_entries"]) >= retried["events"]


def test_the_kiosk_personas_of_issue_14_have_their_facts(seeded: Seeded, session: Session) -> None:
    """seed.services (decision 0030): what each new kiosk flow needs is there."""
    path = seeded.path
    text = (path / "demo-credentials.txt").read_text(encoding="utf-8")
    section = text.split("Booth business refs", 1)[1].split("\n## ", 1)[0]
    refs = {c[0]: c[1:] for c in (line.split("\t") for line in section.splitlines()[1:] if line)}
    assert set(refs) == {"instalments", "objection", "cognitive_test"}
    citizens = {c.id_number: c for c in session.scalars(select(m.Citizen))}

    deferral = session.scalars(
        select(m.FineDeferral).where(m.FineDeferral.deferral_no == refs["instalments"][0])
    ).one()
    assert (deferral.state, deferral.citizen_id) == (
        "approved",
        citizens[refs["instalments"][1]].id,
    )
    plan = session.scalars(
        select(m.FineInstalment).where(m.FineInstalment.deferral_id == deferral.id)
    ).all()
    decision = session.get(m.PenaltyDecision, deferral.decision_id)
    assert decision is not None and sum(i.amount_fen for i in plan) == decision.fine_fen
    assert len(plan) == 3 and all(i.state == "unpaid" for i in plan)

    objection = session.scalars(
        select(m.Referral).where(m.Referral.referral_no == refs["objection"][0])
    ).one()
    assert (objection.kind, objection.state) == ("objection", "more_requested")
    objected = session.get(m.Violation, objection.violation_id)
    assert objected is not None and objected.state == "unprocessed"

    device = FakeCognitiveTestDevice(path / "fake_cognitive_tests.db")
    test = device.find_result(refs["cognitive_test"][0])
    device.close()
    assert test is not None and test.passed and test.id_number == refs["cognitive_test"][1]

    open_records = session.scalars(
        select(m.FullScoreRecord).where(m.FullScoreRecord.state == "open")
    ).all()
    assert len(open_records) == 1
    holder = session.get(m.Citizen, open_records[0].citizen_id)
    assert holder is not None
    platform = FakeLearningPlatform(path / "fake_learning_platform.db")
    education = platform.education_records(holder.id_number)
    platform.close()
    assert any(e.kind == "full_score_exam" and e.passed for e in education)
    assert sum(e.kind == "full_score_study" for e in education) == open_records[0].study_days
    fines_open = session.scalars(
        select(m.PenaltyDecision).where(
            m.PenaltyDecision.citizen_id == holder.id, m.PenaltyDecision.state != "paid"
        )
    ).all()
    assert fines_open == []

    reviewed = next(line for line in text.splitlines() if line.startswith("review_due\t"))
    platform = FakeLearningPlatform(path / "fake_learning_platform.db")
    study = platform.education_records(reviewed.split("\t")[2])
    platform.close()
    assert sum(e.minutes for e in study if e.kind == "review_study") >= 180

    first_offences = load_first_offence_list().codes
    assert any(
        v.code in first_offences and v.state == "unprocessed"
        for v in session.scalars(select(m.Violation))
    )
