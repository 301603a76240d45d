"""Every GET route of the centre's app, walked as a staff member of one unit: nothing of a
sibling unit's data may come back.

    BT (detachment): admin, duty-bt (officer)
      ALF (brigade, unit A): sup-alf; booth BT-ALF-002
        ALF-1 (squadron): off-alf-1; booth BT-ALF-001
      BRV (brigade, unit B): sup-brv; booth BT-BRV-002
        BRV-1 (squadron): off-brv-1; booth BT-BRV-001

Both units get plate reads, watch-list hits and their alerts (one closed), help calls,
fault alerts, remote commands, instructions, assist sessions, applications, a bad rating
and audit entries. The walk calls every route in ``CALLS`` as sup-brv and off-brv-1 and
fails on any identifier of unit A's data in the answer (ids, booth codes, names, plates);
routes with path parameters get unit A's ids and must refuse (403/404). As a control the
same calls as the admin must show unit A's data, so an empty answer cannot pass for a
scoped one. A GET route of the app that is in neither ``CALLS`` nor ``NOT_STAFF`` fails the
walk: a new route has to say how it is scoped before it ships.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gangting.accidents.models import AccidentSettlement
from gangting.alerts.models import Alert
from gangting.app import create_app
from gangting.applications.models import Application
from gangting.approvals.models import Approval
from gangting.booths.models import Booth, BoothCommand, HelpCall
from gangting.citizens.models import Citizen
from gangting.command_centre.live_rules import LiveEvent, visible_to
from gangting.command_centre.models import AssistSession
from gangting.config import Settings
from gangting.context import Context, build_context
from gangting.detection.models import DetectionCase
from gangting.detection.rules import Pattern, Proposal, Reason
from gangting.detection.service import upsert_cases
from gangting.fines.models import FineDeferral
from gangting.instructions.models import Instruction
from gangting.integrations.learning import FakeLearningPlatform
from gangting.integrations.payment import FakePaymentPlatform
from gangting.kernel.clock import FixedClock
from gangting.plate_reads.models import PlateReadRecord
from gangting.ratings.models import BadReviewRemedy, Rating
from gangting.referrals.models import Referral
from gangting.staff.models import OrgUnit, StaffAccount
from gangting.staff.scope import sees
from gangting.watchlists.models import WatchListHit
from tests import builders
from tests.command_centre import scenario

A_MARK = "阿尔法"  # in every name of unit A's rows
A_PLATES = ("蒙BA8101", "蒙BA8102")  # read at A's booths only
A_LISTED = "蒙BA8199"  # on the (city-wide) watch list, read at an A booth: a hit in A
B_PLATES = ("蒙BB9201",)
B_LISTED = "蒙BB9299"
A_CODES = ("BT-ALF-001", "BT-ALF-002")
B_CODES = ("BT-BRV-001", "BT-BRV-002")
WALKERS = ("sup-brv", "off-brv-1")  # unit B's supervisor and officer
REASON = "核查布控线索"


# --- the route table ----------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One GET of a staff route. ``foreign``: the path names unit A's rows (by the keys of
    ``Planted.refs``), so unit B must be refused. ``a_data``: the admin's answer shows unit
    A's data (the control). ``citywide``: identifiers that are the city's, not a unit's,
    on this route (the watch list is one for the whole city). ``known_leak``: a route that
    is not scoped yet; the walk insists it still leaks for that role so that fixing it
    makes this entry go."""

    path: str
    params: dict[str, str] = field(default_factory=dict)
    foreign: bool = False
    a_data: bool = True
    citywide: tuple[str, ...] = ()
    known_leak: dict[str, str] = field(default_factory=dict)


RECORD_KINDS = ("plate_reads", "hits", "alerts", "instructions")

CALLS: dict[str, list[Call]] = {
    "/api/v1/staff/booth-commands": [
        Call("/api/v1/staff/booth-commands"),
        Call("/api/v1/staff/booth-commands", {"booth": A_CODES[0]}),
    ],
    "/api/v1/staff/booth-commands/{command_id}": [
        Call("/api/v1/staff/booth-commands/{command}", foreign=True)
    ],
    "/api/v1/plate-reads": [
        Call("/api/v1/plate-reads"),
        Call("/api/v1/plate-reads", {"booth": A_CODES[0]}),
    ],
    "/api/v1/staff/watch-list": [
        Call("/api/v1/staff/watch-list", a_data=False, citywide=(A_LISTED[2:],)),
        Call("/api/v1/staff/watch-list", {"state": "withdrawn"}, a_data=False),
    ],
    "/api/v1/staff/watch-list-hits": [
        Call("/api/v1/staff/watch-list-hits"),
        Call("/api/v1/staff/watch-list-hits", {"state": "rejected"}),
    ],
    "/api/v1/staff/watch-list-hits/{hit_id}": [
        Call("/api/v1/staff/watch-list-hits/{hit}", foreign=True)
    ],
    "/api/v1/staff/alerts": [
        Call("/api/v1/staff/alerts"),
        Call("/api/v1/staff/alerts", {"state": "closed"}),
        Call("/api/v1/staff/alerts", {"booth": A_CODES[0]}),
    ],
    "/api/v1/staff/alerts/{alert_id}": [Call("/api/v1/staff/alerts/{alert}", foreign=True)],
    "/api/v1/staff/instructions": [
        Call("/api/v1/staff/instructions"),
        Call("/api/v1/staff/instructions", {"state": "active"}),
        Call("/api/v1/staff/instructions", {"booth": A_CODES[0]}),
        Call("/api/v1/staff/instructions", {"plate": A_PLATES[0]}),
    ],
    "/api/v1/staff/instructions/{instruction_id}": [
        Call("/api/v1/staff/instructions/{instruction}", foreign=True)
    ],
    "/api/v1/staff/applications": [Call("/api/v1/staff/applications")],
    "/api/v1/staff/fine-deferrals": [
        Call("/api/v1/staff/fine-deferrals"),
        Call("/api/v1/staff/fine-deferrals", {"state": "pending"}),
    ],
    "/api/v1/staff/referrals": [
        Call("/api/v1/staff/referrals"),
        Call("/api/v1/staff/referrals", {"state": "referred"}),
        Call("/api/v1/staff/referrals", {"kind": "objection"}),
        Call("/api/v1/staff/referrals", {"overdue": "true"}),
    ],
    "/api/v1/staff/referrals/{referral_no}": [
        Call("/api/v1/staff/referrals/{referral_no}", foreign=True)
    ],
    "/api/v1/staff/accidents": [
        Call("/api/v1/staff/accidents"),
        Call("/api/v1/staff/accidents", {"state": "drafted"}),
    ],
    "/api/v1/ratings/remedies": [
        Call("/api/v1/ratings/remedies"),
        Call("/api/v1/ratings/remedies", {"state": "assigned"}),
        Call("/api/v1/ratings/remedies", {"status": "open"}),
    ],
    "/api/v1/ratings/remedies/{remedy_id}": [
        Call("/api/v1/ratings/remedies/{remedy}", foreign=True)
    ],
    "/api/v1/ratings/indicators": [
        Call("/api/v1/ratings/indicators", {"start": "2026-01-01", "end": "2026-12-31"}),
        Call(
            "/api/v1/ratings/indicators",
            {"start": "2026-01-01", "end": "2026-12-31", "by": "month"},
            a_data=False,
        ),
    ],
    # the reports (docs/decisions/0024): booth figures of the caller's booths only; the
    # reform estimates are the city's by district (no unit's identifiers)
    "/api/v1/staff/reports/overview": [
        Call("/api/v1/staff/reports/overview", {"from": "2026-01-01", "to": "2026-12-31"})
    ],
    "/api/v1/staff/reports/kpis": [
        Call(
            "/api/v1/staff/reports/kpis",
            {"from": "2026-01-01", "to": "2026-12-31", "by": "booth"},
            a_data=False,
        )
    ],
    "/api/v1/staff/reports/reform": [
        Call(
            "/api/v1/staff/reports/reform", {"from": "2026-01-01", "to": "2026-12-31"}, a_data=False
        )
    ],
    "/api/v1/staff/reports/{kind}.{fmt}": [
        Call("/api/v1/staff/reports/monthly.html", {"from": "2026-01-01", "to": "2026-12-31"})
    ],
    "/api/v1/staff/approvals": [
        Call("/api/v1/staff/approvals"),
        Call("/api/v1/staff/approvals", {"state": "pending"}),
    ],
    "/api/v1/staff/approvals/{approval_id}": [
        Call("/api/v1/staff/approvals/{approval}", foreign=True)
    ],
    "/api/v1/staff/cases": [
        Call("/api/v1/staff/cases"),
        Call("/api/v1/staff/cases", {"state": "open"}),
        Call("/api/v1/staff/cases", {"pattern": "operations.off_hours"}),
    ],
    "/api/v1/staff/cases/{case_id}": [Call("/api/v1/staff/cases/{case}", foreign=True)],
    "/api/v1/staff/cases/{case_id}/trail": [Call("/api/v1/staff/cases/{case}/trail", foreign=True)],
    # the ledger is the city's: its state carries nothing of a unit
    "/api/v1/staff/ledger": [Call("/api/v1/staff/ledger", a_data=False)],
    "/api/v1/staff/audit/search": [
        Call("/api/v1/staff/audit/search"),
        Call("/api/v1/staff/audit/search", {"action": "rating"}),
        Call("/api/v1/staff/audit/search", {"who": A_CODES[0]}),
    ],
    "/api/v1/staff/audit": [
        Call("/api/v1/staff/audit"),
        Call("/api/v1/staff/audit", {"action": "rating"}),
    ],
    "/api/v1/staff/accounts": [
        Call("/api/v1/staff/accounts"),
        Call("/api/v1/staff/accounts", {"include_inactive": "true"}),
    ],
    "/api/v1/staff/citizens/{id_number}": [
        # citizens are the city's, not a unit's: the answer must still carry nothing of A
        Call("/api/v1/staff/citizens/{citizen}", {"reason": REASON}, a_data=False)
    ],
    "/api/v1/centre/live-status": [Call("/api/v1/centre/live-status", a_data=False)],
    "/api/v1/centre/me": [Call("/api/v1/centre/me", a_data=False)],
    "/api/v1/centre/records/{kind}": [
        Call(f"/api/v1/centre/records/{kind}", params)
        for kind in RECORD_KINDS
        for params in ({}, {"closed": "true"}, {"booth": A_CODES[0]}, {"plate": "A81"})
        if not (kind == "plate_reads" and params.get("closed"))
    ],
    "/api/v1/centre/records/{kind}/export": [
        Call(f"/api/v1/centre/records/{kind}/export", params)
        for kind in RECORD_KINDS
        for params in ({}, {"closed": "true"})
        if not (kind == "plate_reads" and params.get("closed"))
    ],
    "/api/v1/centre/snapshot": [Call("/api/v1/centre/snapshot")],
    "/api/v1/centre/booths/{code}": [
        Call(f"/api/v1/centre/booths/{code}", foreign=True) for code in A_CODES
    ],
    "/api/v1/centre/booths/{code}/telemetry": [
        # readings carry values only: the admin's 200 is the control
        Call(
            f"/api/v1/centre/booths/{A_CODES[0]}/telemetry",
            {"kind": "camera"},
            foreign=True,
            a_data=False,
        )
    ],
    "/api/v1/centre/plate-reads/{read_id}/evidence": [
        Call("/api/v1/centre/plate-reads/{read}/evidence", foreign=True)
    ],
    "/api/v1/centre/assist": [
        Call("/api/v1/centre/assist"),
        Call("/api/v1/centre/assist", {"active": "false"}),
    ],
    "/api/v1/centre/assist/{session_id}": [Call("/api/v1/centre/assist/{assist}", foreign=True)],
    # Booth-only routes: a staff token is refused (checked by the walk all the same).
    "/api/v1/me/licence": [Call("/api/v1/me/licence", foreign=True)],
    "/api/v1/me/violations": [Call("/api/v1/me/violations", foreign=True)],
    "/api/v1/me/vehicles": [Call("/api/v1/me/vehicles", foreign=True)],
    "/api/v1/me/vehicles/{plate}": [Call(f"/api/v1/me/vehicles/{A_PLATES[0]}", foreign=True)],
    "/api/v1/payments/{payment_no}": [Call("/api/v1/payments/PAY-NONE", foreign=True)],
    "/api/v1/booth/watch-list": [Call("/api/v1/booth/watch-list", foreign=True)],
}

# Foreign calls the admin cannot answer either (booth-only routes): no control for them.
BOOTH_ONLY = {
    "/api/v1/me/licence": "a citizen's own data at a booth (booth token + identity token)",
    "/api/v1/me/violations": "a citizen's own data at a booth (booth token + identity token)",
    "/api/v1/me/vehicles": "a citizen's own data at a booth (booth token + identity token)",
    "/api/v1/me/vehicles/{plate}": "a citizen's own data at a booth (booth + identity token)",
    "/api/v1/payments/{payment_no}": "a citizen's own payment at a booth (identity token)",
    "/api/v1/booth/watch-list": "the booth's copy of the city-wide list (booth token)",
}

NOT_STAFF: dict[str, str] = {
    "/openapi.json": "the API description, no data; staff only unless GANGTING_API_DOCS=public",
    "/docs": "public: offline Swagger UI page, no data (its document: /openapi.json)",
    "/api-docs.js": "public: the docs pages' script, no data",
    "/redoc": "public: offline ReDoc page, no data (its document: /openapi.json)",
    "/api-docs-assets": "public: static files of the docs pages",
    "/favicon.svg": "public: the icon",
    "/favicon.ico": "public: the icon",
    "/healthz": "public: liveness and version, no data",
    "/r/{token}": "public: a receipt's rating link; one application's business, only to whom "
    "holds its one-use token (no unit listing)",
    "/r/static/{name}": "public: the rating page's static files, no data",
    "/api/v1/public/ratings/{token}": "public: the rating link's data, by its one-use token",
    "/api/v1/public/surveys/{token}": "public: the link's survey questions (package data) and "
    "whether its one application may still answer, only to whom holds its token",
    "/m": "public: the officer page's static files (its data comes from the staff API)",
    "/m/": "public: the officer page's static files (its data comes from the staff API)",
    "/m/{name}": "public: the officer page's static files (its data comes from the staff API)",
    "/centre": "public: the command-centre screen's static files (data from the staff API)",
    "/centre/": "public: the command-centre screen's static files (data from the staff API)",
    "/centre/{name}": "public: the command-centre screen's static files (data from the API)",
    "/centre/map.json": "public: the city's district outlines, no unit data",
    "/api/v1/guides": "public: the service guides (办事指南), generated from rules and settings",
    "/api/v1/guides/{business}": "public: one service guide, rules and settings only",
    "/guides/": "public: the page listing every service guide, no records",
    "/guides/{business}.html": "public: one service guide's page, no records",
    "/guides/{business}.pdf": "public: one service guide as PDF, no records",
    "/guides/static/{name}": "public: the guide pages' stylesheet",
    "/api/v1/surveys/{code}": "booths only: a survey's questions (package data), no records",
    "/api/v1/fine-deferrals/{deferral_no}": "booths only: the identified citizen's own "
    "application (X-Identity-Token), refused to staff",
    "/api/v1/accidents/liability-cases": "the configured liability table (package data), "
    "no records",
    "/api/v1/accidents/{settlement_no}": "booths only: a quick accident of which the "
    "identified citizen is a party (X-Identity-Token), refused to staff",
    "/api/v1/accidents/{settlement_no}/agreement.pdf": "booths only: the agreement of a quick "
    "accident of which the identified citizen is a party, refused to staff",
    "/api/v1/referrals/{referral_no}": "booths only: the identified citizen's own referral "
    "or objection (X-Identity-Token), refused to staff",
    "/api/v1/staff/surveys": "the surveys' definitions (package data) and answer counts, "
    "no row of any unit",
    "/api/v1/staff/surveys/{code}": "one survey's questions (package data), no records",
    "/api/v1/staff/surveys/{code}/analysis": "city-wide statistics of anonymous answers "
    "(alpha, KMO, factors, item tables): no answer sheet, citizen or booth is named "
    "(decision 0021)",
    "/api/v1/live": "server-sent events, never ending; each event passes "
    "live_rules.visible_to, checked against staff.scope below "
    "(test_live_events_follow_the_same_scope) and in tests/command_centre/test_live_stream.py",
}


def _flat_routes(routes: list[Any]) -> Iterator[Any]:
    """The app's routes with FastAPI's included routers opened up."""
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            yield from contexts()
        else:
            yield route


def get_routes(app: Any) -> set[str]:
    """The path of every route that answers GET, and of every mount."""
    paths = set()
    for route in _flat_routes(app.routes):
        methods = getattr(route, "methods", None)
        if methods is None or "GET" in methods:
            paths.add(str(route.path))
    return paths


# --- the data --------------------------------------------------------------------------------


@dataclass
class Planted:
    client: TestClient
    ctx: Context
    refs: dict[str, str]  # unit A's rows the foreign calls name: hit, alert, instruction, …
    a_ids: set[str]  # every identifier of unit A's data
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, who: str) -> str:
        if who not in self.tokens:
            if who.startswith("BT-"):
                path = "/api/v1/auth/booth"
                body = {"booth_code": who, "secret": builders.BOOTH_SECRET}
            else:
                path = "/api/v1/auth/staff"
                body = builders.staff_login(who, self.ctx.clock.now())
            r = self.client.post(path, json=body)
            assert r.status_code == 200, r.text
            self.tokens[who] = str(r.json()["access_token"])
        return self.tokens[who]

    def get(self, who: str, path: str, params: dict[str, str]) -> Any:
        headers = {"Authorization": f"Bearer {self.token(who)}"}
        return self.client.get(path, params=params, headers=headers)

    def post(self, who: str, path: str, body: dict[str, Any]) -> Any:
        headers = {
            "Authorization": f"Bearer {self.token(who)}",
            "Idempotency-Key": uuid.uuid4().hex,
        }
        r = self.client.post(path, json=body, headers=headers)
        assert r.status_code in (200, 201, 202), (path, r.text)
        return r.json()


def _org(ctx: Context) -> None:
    with ctx.uow() as uow:
        top = builders.org_unit(uow, "BT", kind="detachment")
        builders.staff(uow, top, "admin", "admin")
        builders.staff(uow, top, "duty-bt", "officer")
        for code, mark in (("ALF", A_MARK), ("BRV", "布拉沃")):
            unit = builders.org_unit(uow, code, top)
            squad = builders.org_unit(uow, f"{code}-1", unit, kind="squadron")
            unit.name, squad.name = f"{mark}大队", f"{mark}一中队"
            builders.booth(uow, squad, code=f"BT-{code}-001").name = f"{mark}一号岗亭"
            builders.booth(uow, unit, code=f"BT-{code}-002").name = f"{mark}二号岗亭"
            sup = builders.staff(uow, unit, f"sup-{code.lower()}", "supervisor")
            off = builders.staff(uow, squad, f"off-{code.lower()}-1", "officer")
            sup.name, off.name = f"{mark}督察", f"{mark}民警"


def _unit_data(p: Planted, clock: FixedClock, unit: str, codes: tuple[str, ...]) -> None:
    """What happens at one unit's booths, through the services and the API."""
    new_uow = p.ctx.uow
    now = clock.now()
    plates, listed = (A_PLATES, A_LISTED) if unit == "ALF" else (B_PLATES, B_LISTED)
    sup = f"sup-{unit.lower()}"
    for i, plate in enumerate(plates):
        scenario.read_plate(new_uow, codes[i % 2], plate, now - timedelta(minutes=20 - i))
    scenario.watch(new_uow, "admin", "duty-bt", listed, clock)
    _, hit = scenario.read_plate(new_uow, codes[0], listed, now - timedelta(minutes=5))
    assert hit is not None
    # a second read of the listed plate at the other booth, its hit rejected: closed history
    _, other = scenario.read_plate(new_uow, codes[1], listed, now - timedelta(minutes=4))
    assert other is not None
    p.post(sup, f"/api/v1/staff/watch-list-hits/{other['id']}/reject", {"note": "号牌看错"})
    p.post(sup, f"/api/v1/staff/watch-list-hits/{hit['id']}/confirm", {"note": "核对无误"})
    scenario.help_call(new_uow, codes[0])
    scenario.telemetry(new_uow, codes[0], "camera", "fault", now - timedelta(minutes=3))
    p.post(
        sup,
        f"/api/v1/staff/booths/{codes[0]}/commands",
        {"kind": "announcement", "params": {"text": "前方施工，请绕行"}, "reason": "临时管制"},
    )
    p.post(  # two keys: a pending approval of the booth's unit
        sup,
        f"/api/v1/staff/booths/{codes[0]}/commands",
        {"kind": "lock_kiosk", "params": {"notice": "设备检修"}, "reason": "设备检修"},
    )
    p.post(
        sup,
        "/api/v1/staff/instructions",
        {
            "kind": "intercept",
            "text": f"拦截{plates[0]}，沿钢铁大街向北",
            "plate": plates[0],
            "location": "沿钢铁大街向北",
            "targets": {"squadron": f"{unit}-1"},
        },
    )
    check = p.post(
        sup,
        "/api/v1/staff/instructions",
        {
            "kind": "check_booth",
            "text": "请到岗亭查看摄像头",
            "booth": codes[0],
            "targets": {"booth": codes[0]},
        },
    )
    p.post(sup, f"/api/v1/staff/instructions/{check['id']}/cancel", {"reason": "摄像头已恢复"})
    p.post(
        codes[0],
        "/api/v1/booth/assist/sync",
        {
            "open": True,
            "screen": {
                "screen": "identify",
                "service": None,
                "elder": False,
                "screen_elapsed_s": 9,
            },
        },
    )
    with new_uow() as uow:
        person = builders.citizen(uow, name="李市民")
        booth = uow.session.execute(select(Booth).where(Booth.code == codes[0])).scalar_one()
        uow.session.add(
            Application(
                receipt_no=f"SL{unit}0001",
                service_item="renewal",
                state="completed",
                citizen_id=person.id,
                booth_id=booth.id,
                created_at=now - timedelta(minutes=30),
                updated_at=now - timedelta(minutes=30),
            )
        )
    with new_uow() as uow:
        # a fine deferral applied for at the unit's booth (docs/decisions/0025)
        payer = builders.citizen(uow, name="张缓缴")
        car = builders.vehicle(uow, payer, f"蒙B{unit}7001")
        booth = uow.session.execute(select(Booth).where(Booth.code == codes[0])).scalar_one()
        decision = builders.overdue_decision(
            uow, payer, car, date(2010, 3, 15), decided_on=now.date(), booth_id=booth.id
        )
        uow.session.add(
            FineDeferral(
                deferral_no=f"HJ{unit}0001",
                decision_id=decision.id,
                citizen_id=payer.id,
                booth_id=booth.id,
                kind="instalments",
                reason="家庭困难，申请分期缴纳",
                instalment_count=3,
                applied_at=now,
                applied_on=now.date(),
            )
        )
    with new_uow() as uow:
        # an objection referred to the unit, long overdue (docs/decisions/0027)
        objector = builders.citizen(uow, name="赵异议")
        car = builders.vehicle(uow, objector, f"蒙B{unit}7002")
        act = builders.violation(uow, car)
        booth = uow.session.execute(select(Booth).where(Booth.code == codes[0])).scalar_one()
        target = uow.session.execute(select(OrgUnit).where(OrgUnit.code == unit)).scalar_one()
        filed = Application(
            receipt_no=f"SL{unit}0002",
            service_item="file_objection",
            state="pending",
            citizen_id=objector.id,
            booth_id=booth.id,
            created_at=now - timedelta(days=20),
            updated_at=now - timedelta(days=20),
        )
        uow.session.add(filed)
        uow.session.flush()
        uow.session.add(
            Referral(
                referral_no=f"YY{unit}0001",
                kind="objection",
                state="referred",
                application_id=filed.id,
                citizen_id=objector.id,
                booth_id=booth.id,
                org_unit_id=target.id,
                service_item="file_objection",
                reason=f"{codes[0]}附近号牌被套用",
                materials={"evidence_refs": [], "documents": [], "data": {}},
                violation_id=act.id,
                referred_at=now - timedelta(days=20),
                referred_on=(now - timedelta(days=20)).date(),
                due_on=(now - timedelta(days=13)).date(),
            )
        )
    with new_uow() as uow:
        # a quick accident opened at the unit's booth, for its brigade (docs/decisions/0029)
        booth = uow.session.execute(select(Booth).where(Booth.code == codes[0])).scalar_one()
        target = uow.session.execute(select(OrgUnit).where(OrgUnit.code == unit)).scalar_one()
        uow.session.add(
            AccidentSettlement(
                settlement_no=f"KC{unit}0001",
                state="drafted",
                booth_id=booth.id,
                org_unit_id=target.id,
                occurred_at=now - timedelta(hours=1),
                place=f"{codes[0]}附近路口",
                weather="sunny",
                form="rear_end",
                answers={},
                created_at=now,
            )
        )
    with new_uow() as uow:
        squad = uow.session.execute(select(OrgUnit).where(OrgUnit.code == f"{unit}-1")).scalar_one()
        case = Proposal(
            Pattern.OPERATIONS_OFF_HOURS,
            "booth",
            codes[0],
            f"岗亭{codes[0]}",
            squad.path,
            1.0,
            [Reason("operations.off_hours", f"{codes[0]}夜间办件3次", {"off_hours": 3})],
            {"applications": [f"SL{unit}0001"], "booths": [codes[0]]},
        )
        upsert_cases(uow, [case])
    p.post(
        codes[0],
        "/api/v1/ratings",
        {"receipt_no": f"SL{unit}0001", "level": "unsatisfied", "reason": "排队太久"},
    )


def _a_identifiers(ctx: Context) -> tuple[set[str], dict[str, str]]:
    """Every identifier of unit A's rows, and one row of each kind for the foreign calls."""
    ids: set[str] = {A_MARK, *A_CODES, "/ALF/", "ALF-1", *(p[2:] for p in A_PLATES)}
    ids.add(A_LISTED[2:])
    refs: dict[str, str] = {}
    with ctx.uow() as uow:
        s = uow.session
        units = list(s.execute(select(OrgUnit).where(OrgUnit.path.like("/BT/ALF/%"))).scalars())
        unit_ids = [u.id for u in units]
        ids |= {str(u.id) for u in units}
        booths = list(s.execute(select(Booth).where(Booth.org_unit_id.in_(unit_ids))).scalars())
        booth_ids = [b.id for b in booths]
        ids |= {str(b.id) for b in booths}
        for account in s.execute(
            select(StaffAccount).where(StaffAccount.org_unit_id.in_(unit_ids))
        ).scalars():
            ids |= {str(account.id), account.username}
        per_booth: list[tuple[str, Any, Any]] = [
            ("read", PlateReadRecord, PlateReadRecord.booth_id),
            ("hit", WatchListHit, WatchListHit.booth_id),
            ("command", BoothCommand, BoothCommand.booth_id),
            ("assist", AssistSession, AssistSession.booth_id),
            ("help_call", HelpCall, HelpCall.booth_id),
            ("rating", Rating, Rating.booth_id),
            ("application", Application, Application.booth_id),
            ("alert", Alert, Alert.org_unit_id),
            ("instruction", Instruction, Instruction.org_unit_id),
            ("remedy", BadReviewRemedy, BadReviewRemedy.org_unit_id),
            ("deferral", FineDeferral, FineDeferral.booth_id),
            ("referral", Referral, Referral.booth_id),
            ("accident", AccidentSettlement, AccidentSettlement.booth_id),
        ]
        for ref, model, column in per_booth:
            keys = unit_ids if ref in ("alert", "instruction", "remedy") else booth_ids
            rows = list(s.execute(select(model).where(column.in_(keys))).scalars())
            assert rows, f"no {ref} planted in unit A"
            ids |= {str(r.id) for r in rows}
            refs[ref] = str(rows[0].id)
        ids |= {
            a.receipt_no
            for a in s.execute(
                select(Application).where(Application.booth_id.in_(booth_ids))
            ).scalars()
        }
        ids |= {
            d.deferral_no
            for d in s.execute(
                select(FineDeferral).where(FineDeferral.booth_id.in_(booth_ids))
            ).scalars()
        }
        referral_nos = [
            r.referral_no
            for r in s.execute(select(Referral).where(Referral.booth_id.in_(booth_ids))).scalars()
        ]
        ids |= set(referral_nos)
        ids |= {
            a.settlement_no
            for a in s.execute(
                select(AccidentSettlement).where(AccidentSettlement.booth_id.in_(booth_ids))
            ).scalars()
        }
        refs["referral_no"] = referral_nos[0]
        approvals = list(
            s.execute(select(Approval).where(Approval.subject_path.like("/BT/ALF/%"))).scalars()
        )
        assert approvals, "no approval planted in unit A"
        ids |= {str(a.id) for a in approvals}
        refs["approval"] = str(approvals[0].id)
        cases = list(
            s.execute(
                select(DetectionCase).where(DetectionCase.unit_path.startswith("/BT/ALF/"))
            ).scalars()
        )
        assert cases, "no detection case planted in unit A"
        ids |= {str(c.id) for c in cases}
        refs["case"] = str(cases[0].id)
        refs["citizen"] = s.execute(
            select(Citizen.id_number)
            .join(Application, Application.citizen_id == Citizen.id)
            .where(Application.booth_id.in_(booth_ids), Application.service_item == "renewal")
        ).scalar_one()
    return ids, refs


@pytest.fixture
def planted(database_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[Planted]:
    settings = Settings(database_url=database_url, var_dir=tmp_path, live_events=False)
    ctx = build_context(
        settings,
        clock=clock,
        payments=FakePaymentPlatform(tmp_path / "pay.db", clock=clock),
        learning=FakeLearningPlatform(),
    )
    _org(ctx)
    with TestClient(create_app(ctx), raise_server_exceptions=False) as client:
        p = Planted(client, ctx, {}, set())
        _unit_data(p, clock, "ALF", A_CODES)
        _unit_data(p, clock, "BRV", B_CODES)
        p.a_ids, p.refs = _a_identifiers(ctx)
        yield p
    ctx.close()


# --- the walk --------------------------------------------------------------------------------


def _text(r: Any) -> str:
    """The answer as text, JSON re-written without escapes so names and plates show."""
    if r.headers.get("content-type", "").startswith("application/json"):
        return json.dumps(r.json(), ensure_ascii=False)
    return str(r.text)


def _found(text: str, ids: set[str]) -> list[str]:
    return sorted(i for i in ids if i in text)


def _path(call: Call, refs: dict[str, str]) -> str:
    return call.path.format(**refs) if "{" in call.path else call.path


def test_every_get_route_is_in_the_walk(planted: Planted) -> None:
    routes = get_routes(planted.client.app)
    unknown = sorted(routes - CALLS.keys() - NOT_STAFF.keys())
    assert not unknown, (
        f"GET routes the scope walk does not know: {unknown}; add each to CALLS in "
        "tests/staff/test_scope_walk.py (how a staff member calls it) or to NOT_STAFF (why "
        "it carries no unit data)"
    )
    stale = sorted((CALLS.keys() | NOT_STAFF.keys()) - routes)
    assert not stale, f"routes in the walk's tables that the app no longer has: {stale}"
    assert not CALLS.keys() & NOT_STAFF.keys()
    assert BOOTH_ONLY.keys() <= CALLS.keys()


def test_unit_b_sees_nothing_of_unit_a_on_any_route(planted: Planted) -> None:
    p = planted
    problems: list[str] = []
    walked = 0
    for route, calls in CALLS.items():
        for call in calls:
            path = _path(call, p.refs)
            where = f"GET {path} {call.params or ''}".strip()
            # a refusal may name what was asked for: what the path holds is no leak
            ids = {i for i in p.a_ids - set(call.citywide) if i not in path}
            control = p.get("admin", path, call.params)
            if route in BOOTH_ONLY:
                if control.status_code not in (401, 403):
                    problems.append(f"{where}: admin {control.status_code}, booth-only?")
            elif control.status_code != 200:
                problems.append(f"{where}: admin {control.status_code} {control.text[:200]}")
            elif call.a_data and not _found(_text(control), ids):
                problems.append(f"{where}: the admin's answer shows nothing of unit A (control)")
            for who in WALKERS:
                walked += 1
                r = p.get(who, path, call.params)
                leaked = _found(_text(r), ids)
                if who in call.known_leak:
                    if not leaked:
                        problems.append(f"{where} as {who}: no longer leaks, drop known_leak")
                    continue
                if leaked:
                    problems.append(f"{where} as {who}: {r.status_code} shows unit A's {leaked}")
                if call.foreign and r.status_code not in (401, 403, 404):
                    problems.append(f"{where} as {who}: {r.status_code}, expected 403/404")
                if not call.foreign and r.status_code not in (200, 403):
                    problems.append(f"{where} as {who}: {r.status_code} {r.text[:200]}")
                if not call.foreign and who.startswith("sup-") and r.status_code != 200:
                    problems.append(f"{where} as {who}: {r.status_code} {r.text[:200]}")
    assert not problems, "\n".join(problems)
    assert walked >= 2 * sum(len(c) for c in CALLS.values())


def test_unit_b_sees_its_own_data(planted: Planted) -> None:
    """The walk's other side: the scoped lists are not simply empty for unit B."""
    for path in (
        "/api/v1/staff/alerts",
        "/api/v1/staff/watch-list-hits",
        "/api/v1/staff/booth-commands",
        "/api/v1/staff/instructions",
        "/api/v1/staff/applications",
        "/api/v1/staff/approvals",
        "/api/v1/staff/audit",
        "/api/v1/staff/cases",
        "/api/v1/plate-reads",
        "/api/v1/centre/snapshot",
        "/api/v1/centre/assist",
        "/api/v1/centre/records/hits",
    ):
        text = _text(planted.get("sup-brv", path, {}))
        assert B_CODES[0] in text, path


def test_live_events_follow_the_same_scope() -> None:
    """The live stream's rule (pure, in live_rules) agrees with staff.scope."""
    paths = ["/BT/", "/BT/ALF/", "/BT/ALF/ALF-1/", "/BT/BRV/", "/BT/BRV/BRV-1/", "/BT/ALFA/"]
    for event_path in [*paths, None]:
        at = "2026-11-26T02:00:00+00:00"
        event = LiveEvent(id=uuid.uuid4(), kind="alert", at=at, org_path=event_path, data={})
        for role in ("officer", "supervisor", "admin"):
            for org_path in [*paths, None, ""]:
                assert visible_to(event, role, org_path) == sees(role, org_path, event_path), (
                    event_path,
                    role,
                    org_path,
                )
