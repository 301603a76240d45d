"""事故快处 rules, table-driven, no database: who may settle at the booth (事故程序规定
第13–15、19条), the licence classes a vehicle needs, the liability table and splits (第60条,
实施条例 第91条), and the items the agreement must state (第21条)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from gangting.accidents.rules import (
    QUESTION_CODES,
    Liability,
    LiabilityTable,
    PartyFacts,
    allowed_classes,
    answered,
    case_split,
    class_matches,
    content_sha256,
    eligibility,
    missing_fields,
    party_reasons,
    split_allowed,
)
from gangting.accidents.service import PACKAGED_TABLE, liability_table
from gangting.licences.rules import LicenceStatus
from gangting.vehicles.rules import VehicleKind, VehicleStatus

ON = date(2026, 11, 26)
CLEAR = dict.fromkeys(QUESTION_CODES, False)
GOOD = PartyFacts(
    seq=1,
    plate_no="蒙B12345",
    licence_status=LicenceStatus.VALID,
    licence_expires_on=date(2030, 3, 15),
    licence_classes="C1",
    vehicle_kind=VehicleKind.SMALL_PASSENGER,
    vehicle_status=VehicleStatus.NORMAL,
    insurance_until=date(2027, 5, 1),
    inspection_valid_until=date(2027, 11, 30),
)


def test_two_clear_parties_with_every_question_answered_no_may_settle() -> None:
    decision = eligibility(CLEAR, [GOOD, replace(GOOD, seq=2, plate_no="蒙B67890")], ON)
    assert decision.allowed
    assert [r.code for r in decision.reasons] == ["accidents.self_settlement_allowed"]
    assert "《道路交通事故处理程序规定》(公安部令第146号) 第19条" in decision.legal_basis


@pytest.mark.parametrize(
    ("question", "article"),
    [
        ("accidents.injury", "第13条"),
        ("accidents.drink_drugs", "第13条第1款第（二）项"),
        ("accidents.overload_speeding", "第13条第1款第（三）项"),
        ("accidents.no_plate", "第13条第1款第（四）项"),
        ("accidents.cannot_move", "第13条第1款第（五）项"),
        ("accidents.party_left", "第13条第1款第（六）项"),
        ("accidents.intentional", "第13条第1款第（七）项"),
        ("accidents.no_marks", "第14条第（一）项"),
        ("accidents.hit_facility", "第14条第（二）项"),
        ("accidents.dangerous_goods", "第15条"),
    ],
)
def test_each_yes_answer_sends_the_parties_to_the_police_with_its_article(
    question: str, article: str
) -> None:
    decision = eligibility({**CLEAR, question: True}, [GOOD], ON)
    assert not decision.allowed
    [reason] = decision.reasons
    assert reason.code == question
    assert reason.legal_basis == (f"《道路交通事故处理程序规定》(公安部令第146号) {article}",)
    assert "122" in reason.message


@pytest.mark.parametrize(
    ("change", "codes"),
    [
        ({}, []),
        ({"licence_status": None}, ["accidents.no_valid_licence"]),
        ({"licence_status": LicenceStatus.SUSPENDED}, ["accidents.no_valid_licence"]),
        # past its expiry day the licence is not valid; on the day it still is
        ({"licence_expires_on": date(2026, 11, 25)}, ["accidents.no_valid_licence"]),
        ({"licence_expires_on": ON}, []),
        ({"licence_expires_on": None}, []),  # long-term
        ({"licence_classes": "E"}, ["accidents.class_mismatch"]),  # motorcycle licence, car
        ({"licence_classes": "A1"}, []),  # A1 also allows C1
        ({"vehicle_kind": None, "vehicle_status": None}, ["accidents.plate_unknown"]),
        ({"vehicle_status": VehicleStatus.STOLEN}, ["accidents.plate_unknown"]),
        ({"insurance_until": date(2026, 11, 25)}, ["accidents.no_insurance"]),
        ({"insurance_until": ON}, []),  # valid through its last day
        ({"inspection_valid_until": date(2026, 10, 31)}, ["accidents.no_inspection_mark"]),
        (
            {"insurance_until": date(2026, 1, 1), "inspection_valid_until": date(2026, 1, 1)},
            ["accidents.no_insurance", "accidents.no_inspection_mark"],
        ),
    ],
)
def test_the_registry_facts_of_a_party(change: dict[str, object], codes: list[str]) -> None:
    reasons = party_reasons(replace(GOOD, **change), ON)  # type: ignore[arg-type]
    assert [r.code for r in reasons] == codes
    assert all(r.data["party"] == 1 for r in reasons)


@pytest.mark.parametrize(
    ("held", "kind", "ok"),
    [
        ("C1", VehicleKind.SMALL_PASSENGER, True),
        ("C2", VehicleKind.SMALL_PASSENGER, True),
        ("B2", VehicleKind.SMALL_PASSENGER, True),
        ("C1", VehicleKind.LARGE_PASSENGER, False),
        ("A1", VehicleKind.LARGE_PASSENGER, True),
        ("B2", VehicleKind.GOODS, True),
        ("C1,E", VehicleKind.MOTORCYCLE, True),
        ("C1", VehicleKind.MOTORCYCLE, False),
        ("D", VehicleKind.MOTORCYCLE, True),
        ("C1", VehicleKind.OTHER, True),  # not checked by the registry: the questions cover it
    ],
)
def test_licence_classes_allow_the_vehicle_kind(held: str, kind: VehicleKind, ok: bool) -> None:
    assert class_matches(held, kind) is ok


def test_a_class_allows_the_classes_below_it() -> None:
    assert allowed_classes("A2") >= {"A2", "B1", "B2", "C1", "C6"}
    assert allowed_classes("E") == {"E", "F"}


def test_unanswered_questions_are_listed_and_count_as_yes() -> None:
    partial = {k: False for k in QUESTION_CODES[1:]}
    assert answered(partial) == [QUESTION_CODES[0]]
    assert not eligibility(partial, [GOOD], ON).allowed


# --- liability ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "actor", "expected"),
    [
        # 追尾: party 2 hit party 1 from behind -> 2 full, 1 none
        ("rear_end", 2, (Liability.NONE, Liability.FULL)),
        ("rear_end", 1, (Liability.FULL, Liability.NONE)),
        ("lane_change", 1, (Liability.FULL, Liability.NONE)),
        ("both_lane_change", 1, (Liability.EQUAL, Liability.EQUAL)),
        ("reversing", 2, (Liability.NONE, Liability.FULL)),
        ("door_opening", 1, (Liability.FULL, Liability.NONE)),
        ("turn_not_yield", 1, (Liability.FULL, Liability.NONE)),
        ("u_turn", 2, (Liability.NONE, Liability.FULL)),
        ("wrong_way", 1, (Liability.FULL, Liability.NONE)),
        ("red_light", 2, (Liability.NONE, Liability.FULL)),
        ("parked_vehicle", 1, (Liability.FULL, Liability.NONE)),
    ],
)
def test_the_packaged_table_gives_each_party_its_liability(
    case: str, actor: int, expected: tuple[Liability, Liability]
) -> None:
    table = liability_table()
    found = table.case(case)
    assert found is not None and found.rule
    assert case_split(found, actor) == expected


def test_the_packaged_table_is_marked_an_example_with_its_source() -> None:
    table = liability_table()
    assert table.example and "EXAMPLE" in table.source and "第60条" in table.source
    assert table.case("no_such_case") is None


def test_a_configured_table_replaces_the_example(tmp_path: Path) -> None:
    raw = json.loads(
        (Path(__file__).parents[2] / "src/gangting/accidents" / PACKAGED_TABLE).read_text("utf-8")
    )
    raw["example"] = False
    raw["cases"] = [{**raw["cases"][0], "actor_liability": "main", "other_liability": "minor"}]
    path = tmp_path / "table.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), "utf-8")
    table = liability_table(str(path))
    assert not table.example and [c.code for c in table.cases] == ["rear_end"]
    assert case_split(table.cases[0], 2) == (Liability.MINOR, Liability.MAIN)


@pytest.mark.parametrize(
    ("cases", "problem"),
    [
        ([{"actor_liability": "full", "other_liability": "minor"}], "does not allow"),
        ([{}, {}], "unique"),
    ],
)
def test_a_table_with_a_split_the_law_does_not_allow_is_refused(
    cases: list[dict[str, str]], problem: str
) -> None:
    base = {
        "code": "x",
        "title": "t",
        "description": "d",
        "actor": "a",
        "other": "o",
        "actor_liability": "full",
        "other_liability": "none",
    }
    text = json.dumps({"title": "t", "source": "s", "cases": [{**base, **c} for c in cases]})
    with pytest.raises(ValueError, match=problem):
        LiabilityTable.from_json(text)


@pytest.mark.parametrize(
    ("first", "second", "ok"),
    [
        ("full", "none", True),
        ("none", "full", True),
        ("main", "minor", True),
        ("minor", "main", True),
        ("equal", "equal", True),
        ("none", "none", True),  # 交通意外 (第60条第1款第（三）项)
        ("full", "full", False),
        ("main", "main", False),
        ("full", "minor", False),
        ("equal", "none", False),
    ],
)
def test_an_agreed_split_must_be_one_article_60_allows(first: str, second: str, ok: bool) -> None:
    assert split_allowed(Liability(first), Liability(second)) is ok


# --- the agreement (第21条) ------------------------------------------------------------------


def _content() -> dict[str, object]:
    party = {
        "name": "王建国",
        "licence_or_id_no": "150203198506150011",
        "phone": "13847212345",
        "vehicle_kind": "小型载客汽车",
        "plate_no": "蒙B12345",
        "insurer": "中国人民财产保险",
        "policy_no": "PDZA202615020000001",
        "collision_part": "车尾",
        "liability": "无责任",
    }
    return {
        "occurred_at": "2026-11-26 09:30",
        "place": "昆都仑区钢铁大街与友谊大街交叉口",
        "weather": "晴",
        "form": "追尾碰撞",
        "parties": [party, {**party, "plate_no": "蒙B67890", "liability": "全部责任"}],
    }


def test_a_complete_agreement_lacks_nothing() -> None:
    assert missing_fields(_content()) == []


@pytest.mark.parametrize(
    ("edit", "missing"),
    [
        (lambda c: c.pop("weather"), ["天气"]),
        (lambda c: c.update(place="  "), ["地点"]),
        (lambda c: c["parties"][1].update(insurer=""), ["第2方保险公司"]),
        (lambda c: c["parties"][0].pop("policy_no"), ["第1方保险凭证号"]),
        (lambda c: c["parties"][0].update(liability=""), ["第1方当事人的责任"]),
        (lambda c: c["parties"].pop(), ["2方当事人"]),
    ],
)
def test_each_missing_item_of_article_21_is_named(edit: object, missing: list[str]) -> None:
    content = _content()
    edit(content)  # type: ignore[operator]
    assert missing_fields(content) == missing


def test_the_fingerprint_is_of_the_canonical_content() -> None:
    a, b = _content(), dict(reversed(list(_content().items())))
    assert content_sha256(a) == content_sha256(b)
    assert len(content_sha256(a)) == 64
    b["place"] = "青山区"
    assert content_sha256(a) != content_sha256(b)
