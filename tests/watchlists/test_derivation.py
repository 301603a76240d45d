"""Deriving the watch-list from the records (SQLite and PostgreSQL): the set-based SQL agrees
with the pure rule, adds what became true, withdraws what is no longer true, keeps manual
entries until they expire, and a second run changes nothing."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from gangting.audit.models import AuditEntry
from gangting.kernel.actor import Actor
from gangting.staff.models import StaffAccount
from gangting.vehicles.models import Vehicle
from gangting.violations.models import Violation
from gangting.watchlists.models import WatchListEntry
from gangting.watchlists.rules import WatchListPolicy, derived_kinds
from gangting.watchlists.service import add_manual_entry, current_version
from tests import builders
from tests.desks.conftest import Api
from tests.watchlists.helpers import POLICY, car, rebuild, set_vehicle

OVERDUE = date(2026, 10, 31)  # the test clock's today is 2026-11-26


def _active(api: Api) -> set[tuple[str, str]]:
    with api.ctx.uow() as uow:
        rows = uow.session.execute(
            select(WatchListEntry.plate_no, WatchListEntry.reason_kind).where(
                WatchListEntry.state == "active"
            )
        ).all()
    return {(plate, kind) for plate, kind in rows}


def _by_the_rule(api: Api, policy: WatchListPolicy) -> set[tuple[str, str]]:
    """What rules.derived_kinds says, one vehicle (and one violation plate) at a time."""
    with api.ctx.uow() as uow:
        today = uow.clock.today()
        unprocessed = Counter(
            uow.session.execute(
                select(Violation.plate_no).where(Violation.state == "unprocessed")
            ).scalars()
        )
        expected: set[tuple[str, str]] = set()
        for v in uow.session.execute(select(Vehicle)).scalars():
            kinds = derived_kinds(
                status=v.status,
                inspection_valid_until=v.inspection_valid_until,
                unprocessed_violations=unprocessed.get(v.plate_no, 0),
                today=today,
                threshold=policy.violation_threshold,
            )
            expected |= {(v.plate_no, k.value) for k in kinds}
        registered = set(uow.session.execute(select(Vehicle.plate_no)).scalars())
        for plate, n in unprocessed.items():
            if plate not in registered and n >= policy.violation_threshold:
                expected.add((plate, "many_unprocessed_violations"))
    return expected


def _records(api: Api) -> None:
    car(api, "蒙B00001")  # nothing to look for
    car(api, "蒙BS0002", status="stolen")
    car(api, "蒙B00003", status="scrapped", inspection_valid_until=OVERDUE)
    car(api, "蒙B00004", status="seized")
    car(api, "蒙B00005", inspection_valid_until=OVERDUE)
    car(api, "蒙B00006", unprocessed=5)
    car(api, "蒙B00007", unprocessed=4)
    car(api, "蒙B00008", status="stolen", unprocessed=6)


def test_the_derivation_lists_what_the_rule_says(api: Api, world: dict[str, Any]) -> None:
    _records(api)
    result = rebuild(api)
    expected = _by_the_rule(api, POLICY)
    assert _active(api) == expected
    assert expected == {
        ("蒙BS0002", "stolen"),
        ("蒙B00003", "scrapped"),
        ("蒙B00004", "seized"),
        ("蒙B00005", "overdue_inspection"),
        ("蒙B00006", "many_unprocessed_violations"),
        ("蒙B00008", "stolen"),
        ("蒙B00008", "many_unprocessed_violations"),
    }
    assert result["added"] == {
        "many_unprocessed_violations": 2,
        "overdue_inspection": 1,
        "scrapped": 1,
        "seized": 1,
        "stolen": 2,
    }
    assert result["changed"] is True and result["version"] == 1
    with api.ctx.uow() as uow:
        entry = uow.session.execute(
            select(WatchListEntry).where(WatchListEntry.plate_no == "蒙B00005")
        ).scalar_one()
        assert entry.reason == "检验有效期至2026-10-31，逾期未检验"
        assert entry.source_kind == "vehicle" and entry.vehicle_id is not None
        assert entry.legal_basis and entry.created_by == "system" and entry.version == 1
        audit = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "watch_list.rebuilt")
        ).scalar_one()
        assert audit.data["added"]["stolen"] == 2


def test_a_second_run_changes_nothing(api: Api, world: dict[str, Any]) -> None:
    _records(api)
    rebuild(api)
    before = _active(api)
    again = rebuild(api)
    assert again == {"added": {}, "withdrawn": {}, "expired": 0, "changed": False, "version": 1}
    assert _active(api) == before
    with api.ctx.uow() as uow:
        assert current_version(uow)[0] == 1
        assert uow.session.query(WatchListEntry).count() == len(before)


def test_changed_records_add_and_withdraw_and_keep_manual_entries(
    api: Api, world: dict[str, Any]
) -> None:
    _records(api)
    rebuild(api)
    with api.ctx.uow() as uow:
        unit = builders.org_unit(uow, "DX")
        sup = builders.staff(uow, unit, "sup-dx", "supervisor")
        actor = _actor(sup)
        add_manual_entry(
            uow,
            actor,
            plate_text="蒙B00001",
            reason="涉嫌肇事逃逸",
            owner="sup-dx",
            expires_at=uow.clock.now() + timedelta(days=30),
            policy=POLICY,
        )
    set_vehicle(api, "蒙BS0002", status="normal")  # recovered
    set_vehicle(api, "蒙B00005", inspection_valid_until=date(2027, 10, 31))  # inspected
    with api.ctx.uow() as uow:
        one = uow.session.execute(
            select(Violation).where(Violation.plate_no == "蒙B00006").limit(1)
        ).scalar_one()
        one.state = "decided"  # 4 left: below the threshold
    car(api, "蒙B00009", status="stolen")
    result = rebuild(api)
    assert result["withdrawn"] == {
        "many_unprocessed_violations": 1,
        "overdue_inspection": 1,
        "stolen": 1,
    }
    assert result["added"] == {"stolen": 1}
    assert result["version"] == 3  # 1: first run, 2: the manual entry, 3: this run
    active = _active(api)
    assert ("蒙B00001", "manual") in active
    assert active - {("蒙B00001", "manual")} == _by_the_rule(api, POLICY)
    with api.ctx.uow() as uow:
        gone = uow.session.execute(
            select(WatchListEntry).where(
                WatchListEntry.plate_no == "蒙BS0002", WatchListEntry.state == "withdrawn"
            )
        ).scalar_one()
        assert gone.version == 3 and gone.withdrawn_by == "system"
        assert gone.withdrawn_reason == "业务记录已变化，不再符合布控条件"
    # The stolen car stolen again later is listed again, as a new entry.
    set_vehicle(api, "蒙BS0002", status="stolen")
    assert rebuild(api)["added"] == {"stolen": 1}
    with api.ctx.uow() as uow:
        rows = uow.session.execute(
            select(WatchListEntry.state).where(WatchListEntry.plate_no == "蒙BS0002")
        ).scalars()
        assert sorted(rows) == ["active", "withdrawn"]


def test_the_threshold_is_a_setting(api: Api, world: dict[str, Any]) -> None:
    _records(api)
    three = WatchListPolicy(violation_threshold=3)
    rebuild(api, three)
    assert ("蒙B00007", "many_unprocessed_violations") in _active(api)
    assert _active(api) == _by_the_rule(api, three)
    # Back at five, the plate with four is withdrawn again (the world's car has two).
    assert rebuild(api, POLICY)["withdrawn"] == {"many_unprocessed_violations": 1}


def test_an_expired_manual_entry_is_withdrawn(api: Api, world: dict[str, Any]) -> None:
    with api.ctx.uow() as uow:
        unit = builders.org_unit(uow, "DX")
        sup = builders.staff(uow, unit, "sup-dx", "supervisor")
        add_manual_entry(
            uow,
            _actor(sup),
            plate_text="蒙B·77777",
            reason="涉嫌套牌",
            owner="sup-dx",
            expires_at=uow.clock.now() + timedelta(days=1),
            policy=POLICY,
        )
    assert rebuild(api)["expired"] == 0
    api.clock.advance(timedelta(days=1))
    result = rebuild(api)
    assert result["expired"] == 1
    with api.ctx.uow() as uow:
        entry = uow.session.execute(select(WatchListEntry)).scalar_one()
        assert entry.state == "withdrawn" and entry.withdrawn_reason == "人工布控已到期"


def test_an_unregistered_plate_with_many_violations_is_listed(
    api: Api, world: dict[str, Any]
) -> None:
    with api.ctx.uow() as uow:
        for i in range(5):
            uow.session.add(
                Violation(
                    ref=f"WFX{i}",
                    code="1625",
                    occurred_at=uow.clock.now() - timedelta(days=30 + i),
                    place="钢铁大街",
                    plate_no="皖AWT614",
                    vehicle_id=None,
                    evidence_ref="EV",
                    state="unprocessed",
                )
            )
    rebuild(api)
    with api.ctx.uow() as uow:
        entry = uow.session.execute(
            select(WatchListEntry).where(WatchListEntry.plate_no == "皖AWT614")
        ).scalar_one()
        assert entry.reason_kind == "many_unprocessed_violations"
        assert entry.vehicle_id is None and entry.source_kind == "violations"
        assert entry.facts == {"unprocessed": 5, "threshold": 5}


def _actor(account: StaffAccount) -> Actor:
    return Actor("staff", account.id, account.username, role=account.role, org_path="/DX/")
