"""事故快处 through the API (SQLite and PostgreSQL): two parties, each identified at the same
booth with ID card and face, open a settlement (事故程序规定 第13–15条 questions and the
registries' licence, plate, insurance and inspection checks), add photos (第19条), confirm a
liability from the table or their own split (第60条) and get one agreement (第21条) delivered
to both parties and both insurers — or one disagrees and the accident is referred to the
accident unit (第20条), whose number they see. Every step is audited and idempotent."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from typing import Any, cast

import pytest
from sqlalchemy import func, select

from gangting.accidents.models import (
    AccidentAgreement,
    AccidentDelivery,
    AccidentSettlement,
)
from gangting.applications.models import Application
from gangting.audit.models import AuditEntry
from gangting.citizens.models import Citizen
from gangting.integrations.insurers import FakeInsurer
from gangting.integrations.notifications import FakeNotifier
from gangting.licences.models import AccidentRecord
from gangting.referrals.models import Referral
from gangting.vehicles.models import Vehicle
from tests import builders
from tests.desks.conftest import Api, Booth

BASE = "/api/v1/accidents"
STAFF = "/api/v1/staff/accidents"
PHONE_1 = "13847212345"  # tests.builders.citizen
PHONE_2 = "13900000002"


def photo(n: int) -> dict[str, str]:
    return {
        "source": "booth_camera",
        "ref": f"EV-ACC-{n}",
        "sha256": hashlib.sha256(f"photo-{n}".encode()).hexdigest(),
    }


@pytest.fixture
def parties(api: Api, world: dict[str, Any]) -> dict[str, Any]:
    """Two drivers with valid licences and insured, inspected cars; party 2 a B2 holder."""
    with api.ctx.uow() as uow:
        one = builders.citizen(uow, birth=date(1980, 2, 2), expires_on=date(2030, 3, 15))
        two = builders.citizen(
            uow,
            birth=date(1990, 4, 4),
            name="李娜",
            classes="B2",
            expires_on=None,
            validity="long_term",
        )
        builders.vehicle(uow, one, "蒙B2A001", inspection_valid_until=date(2027, 11, 30))
        builders.vehicle(uow, two, "蒙B2A002", inspection_valid_until=date(2027, 11, 30))
        stranger = builders.citizen(uow, birth=date(1975, 7, 7), expires_on=date(2030, 1, 1))
    return {"one": one.id_number, "two": two.id_number, "stranger": stranger.id_number}


def identify(booth: Booth, id_number: str) -> str:
    r = booth.verify(id_number)
    assert r.status_code == 200, r.text
    return str(r.json()["identity_token"])


@pytest.fixture
def tokens(api: Api, parties: dict[str, Any]) -> tuple[Booth, str, str]:
    booth = Booth(api, api.login_booth())
    two = identify(booth, parties["two"])
    one = identify(booth, parties["one"])  # the session's citizen: party 1
    return booth, one, two


def open_body(other: str, **change: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "other_identity_token": other,
        "occurred_at": "2026-11-26T09:30:00+08:00",
        "place": "昆都仑区钢铁大街与友谊大街交叉口",
        "weather": "sunny",
        "form": "rear_end",
        "answers": builders.accident_answers(),
        "parties": [
            {
                "plate_no": "蒙B2A001",
                "insurer": "中国人民财产保险股份有限公司",
                "policy_no": "PDZA202615020000001",
                "collision_part": "rear",
            },
            {
                "plate_no": "蒙B·2A002",
                "insurer": "中国平安财产保险股份有限公司",
                "policy_no": "ADZA202615020000002",
                "collision_part": "front",
                "phone": PHONE_2,
            },
        ],
        "photos": [photo(1)],
    }
    body.update(change)
    return body


def count(api: Api, model: Any, *where: Any) -> int:
    with api.ctx.uow() as uow:
        return int(
            uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def texts(api: Api, phone: str) -> list[str]:
    return [m.text for m in cast(FakeNotifier, api.ctx.notifier).messages(phone)]


def opened(booth: Booth, other: str) -> str:
    r = booth.post(BASE, open_body(other))
    assert r.status_code == 201, r.text
    return str(r.json()["settlement_no"])


def test_both_parties_settle_a_rear_end_and_get_one_agreement_delivered_to_all(
    api: Api, tokens: tuple[Booth, str, str]
) -> None:
    booth, _, other = tokens
    r = booth.post(BASE, open_body(other))
    assert r.status_code == 201, r.text
    view = r.json()
    no = view["settlement_no"]
    assert (view["state"], view["unit_code"]) == ("drafted", "KDL")
    assert [p["plate_no"] for p in view["parties"]] == ["蒙B2A001", "蒙B2A002"]
    assert view["parties"][1]["phone"] == "139****0002"  # masked at the booth
    assert view["vehicles"][0]["insurance_until"] == "2027-05-01"
    more = booth.post(f"{BASE}/{no}/photos", {"photos": [photo(2), photo(1)]})
    assert more.status_code == 200 and len(more.json()["photos"]) == 2  # the same image once
    key = uuid.uuid4().hex
    body = {"other_identity_token": other, "case": "rear_end", "actor_seq": 2}
    agreed = booth.post(f"{BASE}/{no}/agreement", body, key=key)
    assert agreed.status_code == 200, agreed.text
    answer = agreed.json()
    assert answer["state"] == "completed" and answer["service_item"] == "quick_accident"
    settlement = answer["settlement"]
    assert settlement["state"] == "agreed"
    assert [p["liability"] for p in settlement["parties"]] == ["none", "full"]
    deliveries = settlement["agreement"]["deliveries"]
    assert {d["recipient"] for d in deliveries} == {"party_1", "party_2", "insurer_1", "insurer_2"}
    # the deliveries went after commit: the answer was built before, the database knows
    with api.ctx.uow() as uow:
        states = set(uow.session.execute(select(AccidentDelivery.state)).scalars())
        agreement = uow.session.execute(select(AccidentAgreement)).scalar_one()
    assert states == {"sent"}
    with api.ctx.uow() as uow:
        records = uow.session.execute(
            select(
                AccidentRecord.liability, AccidentRecord.deaths, AccidentRecord.processed
            ).order_by(AccidentRecord.accident_no)
        ).all()
    assert [(r.liability, r.deaths, r.processed) for r in records] == [
        ("none", 0, True),
        ("full", 0, True),
    ]
    content = agreement.content
    assert content["parties"][1]["liability"] == "全部责任" and content["case"] == "追尾"
    assert content["parties"][1]["phone"] == PHONE_2  # the agreement holds the items in full
    assert agreement.agreement_no in texts(api, PHONE_2)[0]
    assert len(texts(api, PHONE_1)) == 1 and len(texts(api, PHONE_2)) == 1
    insured = cast(FakeInsurer, api.ctx.insurers).deliveries()
    assert sorted((d.insurer, d.policy_no) for d in insured) == [
        ("中国人民财产保险股份有限公司", "PDZA202615020000001"),
        ("中国平安财产保险股份有限公司", "ADZA202615020000002"),
    ]
    assert all(d.document["content_sha256"] == agreement.content_sha256 for d in insured)
    # the same key replays; a new key is refused: one agreement, one delivery each
    again = booth.post(f"{BASE}/{no}/agreement", body, key=key)
    assert again.status_code == 200 and again.json()["agreement_no"] == answer["agreement_no"]
    twice = booth.post(f"{BASE}/{no}/agreement", body)
    assert twice.status_code == 409 and twice.json()["error"] == "accidents.closed"
    assert count(api, AccidentAgreement) == 1 and count(api, AccidentDelivery) == 4
    assert len(texts(api, PHONE_2)) == 1 and len(insured) == 2
    completed = count(
        api,
        Application,
        Application.service_item == "quick_accident",
        Application.state == "completed",
    )
    assert completed == 1
    with api.ctx.uow() as uow:
        actions = set(uow.session.execute(select(AuditEntry.action)).scalars())
    assert {"accident.drafted", "accident.photos_added", "accident.agreed"} <= actions
    assert "accident.delivered" in actions
    # either party reads it; the PDF is the parties' document
    assert booth.get(f"{BASE}/{no}").json()["agreement"]["agreement_no"] == answer["agreement_no"]
    pdf = booth.get(f"{BASE}/{no}/agreement.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_an_agreed_split_is_checked_against_article_60(
    api: Api, tokens: tuple[Booth, str, str]
) -> None:
    booth, _, other = tokens
    no = opened(booth, other)
    wrong = booth.post(
        f"{BASE}/{no}/agreement", {"other_identity_token": other, "split": ["full", "minor"]}
    )
    assert wrong.status_code == 422 and wrong.json()["error"] == "accidents.liability_invalid"
    assert "第60条" in " ".join(wrong.json()["data"]["legal_basis"])
    unknown = booth.post(
        f"{BASE}/{no}/agreement", {"other_identity_token": other, "case": "flying", "actor_seq": 1}
    )
    assert unknown.status_code == 422
    ok = booth.post(
        f"{BASE}/{no}/agreement", {"other_identity_token": other, "split": ["main", "minor"]}
    )
    assert ok.status_code == 200, ok.text
    parties = ok.json()["settlement"]["parties"]
    assert [p["liability"] for p in parties] == ["main", "minor"]
    assert ok.json()["settlement"]["liability_case"] is None


def test_a_yes_answer_or_a_lapsed_insurance_sends_them_to_the_police_and_files_a_refusal(
    api: Api, tokens: tuple[Booth, str, str]
) -> None:
    booth, _, other = tokens
    answers = builders.accident_answers("accidents.drink_drugs")
    r = booth.post(BASE, open_body(other, answers=answers))
    assert r.status_code == 409, r.text
    err = r.json()
    assert err["error"] == "accidents.must_call_police"
    assert [x["code"] for x in err["data"]["reasons"]] == ["accidents.drink_drugs"]
    assert err["data"]["receipt_no"] and err["data"]["guide"]["business"] == "quick_accident"
    with api.ctx.uow() as uow:
        car = uow.session.execute(
            select(Vehicle).where(Vehicle.plate_no == "蒙B2A002")
        ).scalar_one()
        car.compulsory_insurance_until = date(2026, 11, 1)
    lapsed = booth.post(BASE, open_body(other))
    assert lapsed.status_code == 409
    reasons = lapsed.json()["data"]["reasons"]
    assert [(x["code"], x["data"]["party"]) for x in reasons] == [("accidents.no_insurance", 2)]
    assert "交强险" in reasons[0]["message"]
    assert count(api, AccidentSettlement) == 0
    missing = booth.post(BASE, open_body(other, answers={"accidents.injury": False}))
    assert missing.status_code == 422
    assert missing.json()["error"] == "accidents.questions_unanswered"


def test_the_second_party_must_identify_in_person(api: Api, tokens: tuple[Booth, str, str]) -> None:
    booth, one, other = tokens
    same = booth.post(BASE, open_body(one))
    assert same.status_code == 422 and same.json()["error"] == "accidents.parties_invalid"
    forged = booth.post(BASE, open_body("not-a-token"))
    assert forged.status_code in (401, 403) or forged.json()["error"].startswith("identity.")
    no = opened(booth, other)
    nophoto = booth.post(BASE, open_body(other, photos=[])).json()["settlement_no"]
    r = booth.post(
        f"{BASE}/{nophoto}/agreement", {"other_identity_token": other, "split": ["equal", "equal"]}
    )
    assert r.status_code == 409 and r.json()["error"] == "accidents.photos_required"
    # a stranger identified at the booth neither reads nor confirms it
    stranger = identify(booth, api_stranger(api))
    booth.identity = stranger
    assert booth.get(f"{BASE}/{no}").status_code == 404
    booth.identity = one
    r = booth.post(
        f"{BASE}/{no}/agreement", {"other_identity_token": stranger, "split": ["equal", "equal"]}
    )
    assert r.status_code == 404 and r.json()["error"] == "accidents.not_found"


def api_stranger(api: Api) -> str:
    with api.ctx.uow() as uow:
        found = uow.session.execute(
            select(Citizen).where(Citizen.birth_date == date(1975, 7, 7))
        ).scalar_one()
        return str(found.id_number)


def test_a_dispute_becomes_a_referral_to_the_accident_unit_with_its_materials(
    api: Api, tokens: tuple[Booth, str, str]
) -> None:
    booth, _, other = tokens
    no = opened(booth, other)
    r = booth.post(f"{BASE}/{no}/dispute", {"reason": "对方不认可追尾，称我方倒车"})
    assert r.status_code == 201, r.text
    answer = r.json()
    referral = answer["referral"]
    assert (answer["state"], answer["service_item"]) == ("pending", "quick_accident")
    assert referral["unit_code"] == "KDL" and referral["referral_no"].startswith("ZB")
    assert referral["materials"]["evidence_refs"] == ["EV-ACC-1"]
    assert referral["materials"]["documents"] == [no]
    assert answer["settlement"]["state"] == "referred"
    assert answer["settlement"]["referral_no"] == referral["referral_no"]
    assert referral["referral_no"] in texts(api, PHONE_1)[0]
    assert referral["referral_no"] in texts(api, PHONE_2)[0]
    assert count(api, Referral) == 1 and count(api, AccidentAgreement) == 0
    closed = booth.post(
        f"{BASE}/{no}/agreement",
        {"other_identity_token": other, "case": "rear_end", "actor_seq": 2},
    )
    assert closed.status_code == 409 and closed.json()["error"] == "accidents.closed"
    # the accident unit lists it; another brigade does not see it
    kdl = staff_get(api, "off-kdl", STAFF)
    assert kdl.status_code == 200 and [s["settlement_no"] for s in kdl.json()["settlements"]] == [
        no
    ]
    assert kdl.json()["settlements"][0]["photos"][0]["ref"] == "EV-ACC-1"
    assert staff_get(api, "off-qs", STAFF).json()["settlements"] == []
    assert staff_get(api, "off-kdl", STAFF, state="agreed").json()["settlements"] == []


def staff_get(api: Api, username: str, path: str, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {api.login_staff(username)}"}
    return api.client.get(path, params=params, headers=headers)


def test_the_liability_table_is_served_with_its_example_mark(
    api: Api, tokens: tuple[Booth, str, str]
) -> None:
    booth, _, _ = tokens
    r = booth.get(f"{BASE}/liability-cases")
    assert r.status_code == 200, r.text
    table = r.json()
    assert table["example"] is True and "rear_end" in [c["code"] for c in table["cases"]]
