"""The supervision screen's APIs (issue 11 §4), SQLite and PostgreSQL: a case's evidence
trail resolved into readable rows (decisions with owner and driver masked, identity checks
with face distance and liveness, applications with booth and operator), scoped like the
case; the ledger's last checkpoint and last verification run, recorded by the command and
by the worker's job; the audit search by action, actor and time within the caller's unit."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, text
from typer.testing import CliRunner

from gangting.audit import service as audit
from gangting.audit.checkpoints import make_checkpoint
from gangting.audit.models import LedgerVerification
from gangting.audit.verifications import verify_and_record
from gangting.booths.models import Booth
from gangting.citizens.models import Citizen
from gangting.cli import app as cli_app
from gangting.desks.detection import run_detection
from gangting.detection.rules import Thresholds
from gangting.kernel.actor import Actor
from gangting.kernel.checkpoint import load_or_create_key
from tests import builders
from tests.desks.conftest import Api
from tests.desks.supervision_plant import Planted, make_org, plant_seller


@pytest.fixture
def planted(api: Api) -> Planted:
    make_org(api.ctx)
    return plant_seller(api.ctx, api.clock)


def _get(api: Api, username: str, path: str, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {api.login_staff(username)}"}
    return api.client.get(path, params=params, headers=headers)


def test_the_trail_resolves_a_cases_evidence_into_readable_rows(api: Api, planted: Planted) -> None:
    r = _get(api, "sup-kdl", f"/api/v1/staff/cases/{planted.case_id}/trail")
    assert r.status_code == 200, r.text
    trail = r.json()
    assert trail["case"]["id"] == planted.case_id
    assert trail["case"]["pattern"] == "points.many_owners"

    decisions = trail["decisions"]
    assert sorted(d["decision_no"] for d in decisions) == sorted(planted.decisions)
    assert [d["at"] for d in decisions] == sorted((d["at"] for d in decisions), reverse=True)
    assert {d["plate"] for d in decisions} == {p.replace("·", "") for p in planted.plates}
    for d in decisions:
        assert (d["points"], d["point_entry"], d["driver_is_owner"]) == (3, True, False)
        assert (d["booth_code"], d["booth_name"]) == ("BT-KDL-001", "钢铁大街岗亭")
        assert d["driver"].startswith("刘*") and "*" in d["driver"].split()[1]
        assert d["owner"].startswith("车*") and d["owner"] != d["driver"]
        assert d["fine_display"] == "200.00元"
        assert d["point_cycle_start"] is not None
    assert planted.seller_id_number not in r.text  # masked everywhere

    checks = trail["identity_checks"]
    assert [c["passed"] for c in checks] == [True, True, False]  # newest first
    assert [c["face_distance"] for c in checks] == [0.312, 0.288, 0.47]
    assert [c["liveness_passed"] for c in checks] == [True, True, False]
    assert checks[0]["refusals"] == [] and checks[2]["refusals"] == [
        {"code": "identity.liveness_failed", "message": "活体检测未通过"}
    ]
    assert all(c["booth_code"] == "BT-KDL-001" and c["face_threshold"] == 0.45 for c in checks)
    assert all(not c["named"] for c in checks)  # the subject's own checks, not named

    (application,) = trail["applications"]
    assert application["receipt_no"] == planted.receipt
    assert (application["service_zh"], application["state_zh"]) == ("交通违法处理", "已办结")
    assert application["operator"] == "岗亭自助 BT-KDL-001（钢铁大街岗亭）"
    assert trail["audit_entries"] == [] and trail["missing"] == {}


def test_the_trail_names_audit_entries_and_records_that_are_gone(
    api: Api, planted: Planted
) -> None:
    # an audit entry named by the case (a verdict elsewhere), and a decision deleted since
    headers = {
        "Authorization": f"Bearer {api.login_staff('sup-kdl')}",
        "Idempotency-Key": uuid.uuid4().hex,
    }
    with api.ctx.uow() as uow:
        entry_id = uow.session.execute(
            text("SELECT id FROM audit_entries WHERE action = 'identity.check_refused'")
        ).scalar_one()
        case_key = uuid.UUID(planted.case_id)
        from gangting.detection.models import DetectionCase

        case = uow.session.get(DetectionCase, case_key)
        assert case is not None
        staff_entry = uow.session.execute(
            text("SELECT id FROM audit_entries WHERE action LIKE 'application.%'")
        ).scalar_one()
        case.evidence = {
            **case.evidence,
            "audit_entries": [str(uuid.UUID(str(entry_id))), str(uuid.UUID(str(staff_entry)))],
            "decisions": [*case.evidence["decisions"], "JDT-GONE-1"],
        }
    trail = _get(api, "sup-kdl", f"/api/v1/staff/cases/{planted.case_id}/trail").json()
    named = [c for c in trail["identity_checks"] if c["named"]]
    assert [c["passed"] for c in named] == [False]
    (other,) = trail["audit_entries"]
    assert other["action"] == "application.process_violations.completed"
    assert other["actor"] == "岗亭自助 BT-KDL-001（钢铁大街岗亭）"
    assert trail["missing"] == {"decisions": ["JDT-GONE-1"]}
    assert headers  # the verdict still works on the case as it stands
    verdict = api.client.post(
        f"/api/v1/staff/cases/{planted.case_id}/verdict",
        json={"verdict": "confirmed", "note": "三车车主均否认驾驶"},
        headers=headers,
    )
    assert verdict.status_code == 200, verdict.text


def test_the_trail_is_scoped_like_the_case(api: Api, planted: Planted) -> None:
    path = f"/api/v1/staff/cases/{planted.case_id}/trail"
    # the seller also verified at a QS booth: not the KDL supervisor's to see, the admin's is
    with api.ctx.uow() as uow:
        qs = uow.session.execute(select(Booth).where(Booth.code == "BT-QS-001")).scalar_one()
        actor = Actor("booth", qs.id, qs.code)
        audit.record(
            uow,
            actor,
            "identity.verified",
            "citizen",
            planted.seller_id,
            data={"face_distance": 0.3},
        )
    kdl = _get(api, "sup-kdl", path).json()["identity_checks"]
    assert {c["booth_code"] for c in kdl} == {"BT-KDL-001"} and len(kdl) == 3
    city = _get(api, "admin", path).json()["identity_checks"]
    assert {c["booth_code"] for c in city} == {"BT-KDL-001", "BT-QS-001"} and len(city) == 4
    other = _get(api, "sup-qs", path)
    assert other.status_code == 403 and other.json()["error"] == "auth.out_of_scope"
    assert other.json()["message"] == "超出本单位管辖范围"
    assert "刘" not in other.text
    officer = _get(api, "off-kdl-1", path)
    assert officer.status_code == 403 and officer.json()["error"] == "auth.role_required"
    assert _get(api, "admin", path).status_code == 200
    missing = _get(api, "sup-kdl", f"/api/v1/staff/cases/{uuid.uuid4()}/trail")
    assert missing.status_code == 404 and missing.json()["message"] == "未找到该线索"
    bad = _get(api, "sup-kdl", "/api/v1/staff/cases/not-a-case/trail")
    assert bad.status_code == 422 and bad.json()["message"]


def test_the_ledger_state_shows_the_last_checkpoint_and_verification(
    api: Api, planted: Planted
) -> None:
    before = _get(api, "sup-kdl", "/api/v1/staff/ledger")
    assert before.status_code == 200, before.text
    state = before.json()
    assert state["size"] > 0
    assert (state["last_checkpoint"], state["last_verification"]) == (None, None)
    assert state["recent_verifications"] == []
    settings = api.ctx.settings
    key = load_or_create_key(settings.ledger_key_path)
    with api.ctx.uow() as uow:
        checkpoint = make_checkpoint(
            uow.session, key, api.clock.now(), settings.ledger_checkpoint_path
        )
        assert checkpoint is not None
        from gangting.audit.checkpoints import stored_checkpoints

        cps = stored_checkpoints(uow.session, settings.ledger_checkpoint_path)
        verify_and_record(
            uow.session,
            at=api.clock.now(),
            by="worker",
            checkpoints=cps,
            public_key=key.public_key(),
            timer=iter([10.0, 12.5]).__next__,
        )
    verified_at = api.clock.now()
    api.clock.advance(timedelta(seconds=30))  # a new log-in (a TOTP code is good once)
    state = _get(api, "sup-kdl", "/api/v1/staff/ledger").json()
    cp = state["last_checkpoint"]
    assert cp["tree_size"] == checkpoint.tree_size
    # each log-in is itself an entry: the ledger has grown past the checkpoint since
    assert cp["behind"] == state["size"] - checkpoint.tree_size > 0
    assert cp["root"] == checkpoint.root.hex() and cp["root_prefix"] == cp["root"][:16]
    assert cp["key_id"] == checkpoint.key_id
    run = state["last_verification"]
    assert (run["ok"], run["by"], run["seconds"], run["checkpoints"]) == (True, "worker", 2.5, 1)
    assert run["entries"] == checkpoint.tree_size and run["first_problem"] is None
    assert run["started_at"] == verified_at.isoformat()

    # the ledger is for supervisors and up; it names nothing of a unit
    officer = _get(api, "off-kdl-1", "/api/v1/staff/ledger")
    assert officer.status_code == 403 and officer.json()["error"] == "auth.role_required"
    other = _get(api, "sup-qs", "/api/v1/staff/ledger").json()
    assert (other["last_checkpoint"]["root"], other["last_verification"]) == (cp["root"], run)


def test_the_verify_command_records_its_run_and_the_first_bad_entry(
    api: Api, planted: Planted, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GANGTING_DATABASE_URL", api.ctx.settings.database_url)
    monkeypatch.setenv("GANGTING_VAR_DIR", str(api.ctx.settings.var_dir))
    runner = CliRunner()
    ok = runner.invoke(cli_app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "用时 took" in ok.output
    with api.ctx.uow() as uow:
        uow.session.execute(
            text("UPDATE audit_entries SET reason = 'edited' WHERE action = 'identity.verified'")
        )
    bad = runner.invoke(cli_app, ["audit", "verify"])
    assert bad.exit_code == 1
    with api.ctx.uow() as uow:
        runs = list(
            uow.session.execute(
                select(LedgerVerification).order_by(LedgerVerification.started_at)
            ).scalars()
        )
        uow.session.expunge_all()
    assert [(r.by, r.ok) for r in runs] == [("cli", True), ("cli", False)]
    assert runs[1].first_kind == "edited_entry" and runs[1].first_seq is not None
    assert runs[1].entries < runs[0].entries  # stopped at the first bad link
    state = _get(api, "sup-kdl", "/api/v1/staff/ledger").json()
    assert [r["ok"] for r in state["recent_verifications"]] == [False, True]  # newest first
    assert state["recent_verifications"][0] == state["last_verification"]
    problem = state["last_verification"]["first_problem"]
    assert state["last_verification"]["ok"] is False
    assert (problem["kind"], problem["seq"]) == ("edited_entry", runs[1].first_seq)
    assert problem["message"]


def test_the_audit_search_filters_by_action_actor_and_time_within_the_unit(
    api: Api, planted: Planted
) -> None:
    path = "/api/v1/staff/audit/search"
    everything = _get(api, "sup-kdl", path).json()["entries"]
    assert {e["actor"] for e in everything} >= {"岗亭 BT-KDL-001"}
    checks = _get(api, "sup-kdl", path, action="identity.").json()["entries"]
    assert [e["action"] for e in checks] == [
        "identity.verified",
        "identity.verified",
        "identity.check_refused",
    ]
    assert all(e["booth_code"] == "BT-KDL-001" for e in checks)
    by_booth = _get(api, "sup-kdl", path, who="BT-KDL-001").json()["entries"]
    assert len(by_booth) == 4
    assert _get(api, "sup-kdl", path, who="BT-KDL-002").json()["entries"] == []
    assert _get(api, "sup-kdl", path, who="nobody").json()["entries"] == []
    now = api.clock.now()
    since = (now - timedelta(days=21)).isoformat()
    until = (now - timedelta(days=20)).isoformat()
    window = _get(api, "sup-kdl", path, since=since, until=until).json()["entries"]
    assert [e["action"] for e in window] == [  # newest first
        "application.process_violations.completed",
        "identity.verified",
    ]
    # another brigade's supervisor sees none of KDL's booth entries, even by name
    assert _get(api, "sup-qs", path, who="BT-KDL-001").json()["entries"] == []
    assert _get(api, "sup-qs", path, action="identity.").json()["entries"] == []
    assert len(_get(api, "admin", path, action="identity.").json()["entries"]) == 3
    officer = _get(api, "off-kdl-1", path)
    assert officer.status_code == 403
    backwards = _get(api, "sup-kdl", path, since=until, until=since)
    assert backwards.status_code == 422
    assert backwards.json()["error"] == "audit.bad_time_range"
    assert backwards.json()["message"] == "结束时间须晚于起始时间"
    naive = _get(api, "sup-kdl", path, since="2026-11-01T10:00:00")
    assert naive.status_code == 422 and naive.json()["message"]


def test_the_trail_reads_each_kind_at_once_not_per_row(api: Api, planted: Planted) -> None:
    """The same number of statements for 3 decisions as for 23 (no query per row)."""
    token = api.login_staff("sup-kdl")
    path = f"/api/v1/staff/cases/{planted.case_id}/trail"

    def statements() -> tuple[int, int]:
        seen: list[str] = []

        def count(*args: Any) -> None:
            seen.append(str(args[2]))

        event.listen(api.ctx.engine, "before_cursor_execute", count)
        try:
            r = api.client.get(path, headers={"Authorization": f"Bearer {token}"})
        finally:
            event.remove(api.ctx.engine, "before_cursor_execute", count)
        assert r.status_code == 200, r.text
        return len(seen), len(r.json()["decisions"])

    statements()  # warm: the first request opens connections and reads settings once
    few, shown = statements()
    assert shown == 3
    today = api.clock.today()
    with api.ctx.uow() as uow:
        seller = uow.session.get(Citizen, uuid.UUID(planted.seller_id))
        booth = uow.session.execute(select(Booth).where(Booth.code == "BT-KDL-001")).scalar_one()
        assert seller is not None
        for i in range(20):
            owner = builders.citizen(uow, name="车主丁", birth=date(1970, 1, 1 + i))
            car = builders.vehicle(uow, owner, f"蒙BN{i:04d}")
            builders.overdue_decision(
                uow,
                seller,
                car,
                date(2010, 3, 15),
                decided_on=today - timedelta(days=40 + i),
                points=1,
                booth_id=booth.id,
            )
    with api.ctx.uow() as uow:
        run_detection(uow, Thresholds())
    many, shown = statements()
    assert shown == 23
    assert many == few
