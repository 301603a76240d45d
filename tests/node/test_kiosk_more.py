"""Issue 14's kiosk routes (node.more_routes) against a real centre: instalments applied for,
granted, read and paid through the payment terminal; an objection filed, read and refused a
second time; a business the booth refused referred to the brigade with its materials and the
citizen texted; the clearance, review, ability test and mark reissue relayed with the centre's
refusals (zh-CN, guide pointer) and bad input refused on the node, never a 500."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

from gangting.desks.referrals import REFERABLE
from gangting.fines.models import Payment
from gangting.integrations.notifications import FakeNotifier
from gangting.referrals.models import Referral
from tests.approvals.helpers import add_supervisor
from tests.desks.conftest import Api
from tests.desks.test_fine_deferrals import HARDSHIP, granted
from tests.desks.test_referrals import PHONE
from tests.node.conftest import Node, count

K = "/kiosk/api"


def _decision(node: Node, world: dict[str, Any]) -> dict[str, Any]:
    r = node.client.post(f"{K}/violations/process", json={"violation_refs": [world["v1"]]})
    assert r.status_code == 200, r.text
    return dict(r.json()["decisions"][0])


def test_instalments_are_applied_for_read_and_one_paid_at_the_terminal(
    api: Api, node: Node, world: dict[str, Any]
) -> None:
    add_supervisor(api, "sup-kdl-2")
    node.begin(world["driver"])
    decision = _decision(node, world)
    body = {
        "decision_no": decision["decision_no"],
        "kind": "instalments",
        "reason": HARDSHIP,
        "instalment_count": 3,
    }
    applied = node.client.post(f"{K}/fine-deferrals", json=body)
    assert applied.status_code == 201, applied.text
    deferral = applied.json()["deferral"]
    assert (deferral["state"], deferral["instalments"]) == ("pending", [])
    no = deferral["deferral_no"]
    again = node.client.post(f"{K}/fine-deferrals", json=body)  # a new step: refused, not doubled
    assert again.status_code == 409, again.text
    assert again.json()["data"]["deferral_no"] == no

    plan = granted(api, no)["instalments"]
    read = node.client.get(f"{K}/fine-deferrals/{no}")
    assert read.status_code == 200, read.text
    assert [i["amount_fen"] for i in read.json()["instalments"]] == [6667, 6667, 6666]
    assert sum(i["amount_fen"] for i in plan) == decision["fine_fen"]

    first = plan[0]["instalment_no"]
    paid = node.client.post(f"{K}/payments/instalments", json={"instalment_nos": [first, first]})
    assert paid.status_code == 201, paid.text
    assert (paid.json()["state"], paid.json()["amount_fen"]) == ("succeeded", 6667)
    assert [i["instalment_no"] for i in paid.json()["items"]] == [first]
    twice = node.client.post(f"{K}/payments/instalments", json={"instalment_nos": [first]})
    assert twice.status_code == 409, twice.text
    assert "无需重复缴纳" in twice.json()["message"]
    assert count(api, Payment, Payment.state == "succeeded") == 1
    printed = node.client.post(f"{K}/print")
    assert printed.status_code == 200 and printed.json()["receipt_no"] == paid.json()["receipt_no"]


def test_an_objection_is_filed_read_and_holds_the_record_back(
    api: Api, node: Node, world: dict[str, Any]
) -> None:
    node.begin(world["driver"])
    body = {
        "violation_ref": world["v1"],
        "statement": "当日车辆在外地维修",
        "evidence_refs": ["ZP1"],
    }
    filed = node.client.post(f"{K}/objections", json=body)
    assert filed.status_code == 201, filed.text
    referral = filed.json()["referral"]
    assert referral["referral_no"].startswith("YY") and referral["due_on"]
    read = node.client.get(f"{K}/referrals/{referral['referral_no']}")
    assert read.status_code == 200, read.text
    assert read.json()["materials"]["evidence_refs"] == ["ZP1"]
    preview = node.client.post(f"{K}/violations/preview", json={"violation_refs": [world["v1"]]})
    assert [x["error"] for x in preview.json()["refusals"]] == ["violations.under_objection"]
    again = node.client.post(f"{K}/objections", json=body)
    assert again.status_code == 409, again.text
    assert again.json()["data"]["guide"]["business"] == "file_objection"
    # nothing asked for yet: supplying is refused in words, the referral unchanged
    supplied = node.client.post(
        f"{K}/referrals/{referral['referral_no']}/supplements", json={"note": "补充照片"}
    )
    assert supplied.status_code == 409, supplied.text
    assert supplied.json()["message"]
    assert count(api, Referral) == 1


def test_a_refused_business_is_referred_with_its_materials_and_the_citizen_texted(
    api: Api, node: Node, world: dict[str, Any]
) -> None:
    node.begin(world["driver"])
    refused = node.client.post(f"{K}/licences/review")
    assert refused.status_code == 409, refused.text
    pointer = refused.json()["data"]["guide"]
    body = {
        "service_item": pointer["business"],
        "reason": f"岗亭不予办理：{refused.json()['message']}",
        "evidence_refs": ["ZP2026120701"],
        "documents": ["TJ0001"],
        "data": {"refusal_codes": [pointer["condition"]]},
    }
    referred = node.client.post(f"{K}/referrals", json=body)
    assert referred.status_code == 201, referred.text
    r = referred.json()["referral"]
    assert r["referral_no"].startswith("ZB") and r["state"] == "referred"
    assert (r["service_item"], r["unit_code"], r["unit_name"]) == (
        "driver_review",
        "KDL",
        "单位KDL",
    )
    read = node.client.get(f"{K}/referrals/{r['referral_no']}")
    assert read.status_code == 200, read.text
    materials = read.json()["materials"]
    assert materials == {
        "evidence_refs": ["ZP2026120701"],
        "documents": ["TJ0001"],
        "data": {"refusal_codes": ["licences.review_not_required"]},
    }
    sent = [m.text for m in cast(FakeNotifier, api.ctx.notifier).messages(PHONE)]
    assert len(sent) == 1 and "单位KDL" in sent[0] and r["due_on"] in sent[0], sent
    # a new step refers again (its own key); an unknown business is refused in words
    unknown = node.client.post(f"{K}/referrals", json={**body, "service_item": "nothing"})
    assert unknown.status_code in (404, 409, 422), unknown.text
    assert unknown.json()["message"]
    assert count(api, Referral) == 1


def test_the_kiosk_offers_referral_only_for_what_the_centre_refers() -> None:
    script = (Path(__file__).parents[2] / "src/gangting/node/static/refer.js").read_text("utf-8")
    block = re.search(r"const REFERABLE = \[(.*?)\];", script, re.S)
    assert block is not None
    offered = set(re.findall(r'"([a-z_]+)"', block.group(1)))
    assert offered and offered <= REFERABLE, offered - REFERABLE


def test_the_other_businesses_relay_the_centres_answers_and_refusals(
    node: Node, world: dict[str, Any]
) -> None:
    node.begin(world["driver"])
    mark = node.client.post(
        f"{K}/vehicles/inspection-mark/reissue", json={"plate": world["car"], "reason": "lost"}
    )
    assert mark.status_code == 200, mark.text
    assert mark.json()["mark"]["reissue_reason"] == "lost"
    for path, body, code in (
        ("/points/full-score/clearance", {}, "points.no_open_full_score"),
        ("/licences/review", {}, "licences.review_not_required"),
        (
            "/licences/cognitive-test",
            {"test_ref": "SL00000000"},
            "licences.cognitive_test_not_found",
        ),
    ):
        r = node.client.post(K + path, json=body)
        assert r.status_code in (404, 409), r.text
        assert r.json()["error"] == code
        assert r.json()["message"]


def test_bad_input_is_refused_on_the_node_in_words(node: Node, world: dict[str, Any]) -> None:
    node.begin(world["driver"])
    for method, path, body in (
        ("POST", "/vehicles/inspection-mark/reissue", {"plate": world["car"], "reason": "sold"}),
        ("POST", "/payments/instalments", {"instalment_nos": []}),
        ("POST", "/fine-deferrals", {"decision_no": "JD1", "kind": "later", "reason": "困难"}),
        ("POST", "/objections", {"violation_ref": world["v1"], "statement": "x" * 501}),
        ("GET", "/referrals/yy-lower", None),
        ("GET", "/fine-deferrals/HQ%2F..", None),
    ):
        r = node.client.request(method, K + path, json=body)
        assert r.status_code in (404, 422), (path, r.text)
        assert r.json().get("message"), (path, r.text)
    assert node.client.get(f"{K}/fine-deferrals/HQ0000000000").status_code == 404
