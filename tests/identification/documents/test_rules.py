"""The checks on what was read, without OCR: table-driven, milliseconds."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from gangting.identification.documents import (
    NATIONS,
    HealthCertificateFields,
    IdCardFields,
    check_health_certificate,
    check_id_card,
    repair_nation,
)

# GB 11643-1999's own worked example: 11010519491231002X (北京市朝阳区, 1949-12-31, female).
STANDARD_EXAMPLE = IdCardFields(
    "张某", "女", "汉", date(1949, 12, 31), "北京市朝阳区某某路1号", "11010519491231002X"
)
BAOTOU = IdCardFields(
    "巴特尔",
    "男",
    "蒙古",
    date(1979, 4, 3),
    "内蒙古包头市昆都仑区钢铁大街57号",
    "150203197904032174",
)


def codes(fields: IdCardFields, on: date | None = date(2026, 11, 26)) -> list[str]:
    return [r.code for r in check_id_card(fields, on=on).reasons]


def test_the_standards_worked_example_and_a_baotou_card_are_consistent() -> None:
    for fields in (STANDARD_EXAMPLE, BAOTOU):
        decision = check_id_card(fields, on=date(2026, 11, 26))
        assert decision.allowed
        assert [r.code for r in decision.reasons] == ["documents.id_card_consistent"]
        assert "GB 11643-1999 《公民身份号码》" in decision.legal_basis


@pytest.mark.parametrize(
    ("change", "code", "reason"),
    [
        ({"id_number": "110105194912310021"}, "documents.id_number_invalid", "check"),
        ({"id_number": "11010519491231002"}, "documents.id_number_invalid", "length"),
        ({"id_number": "1101051949123100AX"}, "documents.id_number_invalid", "format"),
        ({"id_number": "990105194912310023"}, "documents.id_number_invalid", "area_code"),
    ],
)
def test_an_invalid_number_is_refused_with_the_citizens_rule_reason(
    change: dict[str, str], code: str, reason: str
) -> None:
    decision = check_id_card(replace(STANDARD_EXAMPLE, **change))
    assert not decision.allowed
    (only,) = decision.reasons
    assert (only.code, only.data["reason"]) == (code, reason)
    assert only.legal_basis[0] == "GB 11643-1999 《公民身份号码》"


def test_a_number_born_after_today_is_refused() -> None:
    born = IdCardFields("王喆", "男", "汉", date(2027, 1, 2), "包头市", "150203202701020011")
    assert codes(born, on=date(2026, 11, 26)) == ["documents.id_number_invalid"]


def test_printed_birth_date_must_match_the_number() -> None:
    decision = check_id_card(replace(BAOTOU, birth_date=date(1979, 3, 4)))
    (reason,) = decision.reasons
    assert reason.code == "documents.birth_date_mismatch"
    assert reason.data == {"printed": "1979-03-04", "in_number": "1979-04-03"}
    assert "1979年03月04日" in reason.message and "1979年04月03日" in reason.message


def test_printed_sex_must_match_the_parity_of_the_sequence_code() -> None:
    assert codes(replace(BAOTOU, sex="女")) == ["documents.sex_mismatch"]
    assert codes(replace(STANDARD_EXAMPLE, sex="男")) == ["documents.sex_mismatch"]
    assert codes(replace(BAOTOU, sex="月")) == ["documents.sex_invalid"]


def test_each_missing_item_gets_its_own_reason_naming_the_label() -> None:
    decision = check_id_card(replace(BAOTOU, name=None, address=""))
    assert [(r.code, r.data["field"]) for r in decision.reasons] == [
        ("documents.field_unread", "name"),
        ("documents.field_unread", "address"),
    ]
    assert "姓名" in decision.reasons[0].message


def test_nation_must_be_one_of_the_56() -> None:
    assert len(NATIONS) == len(set(NATIONS)) == 56
    assert codes(replace(BAOTOU, nation="蒙")) == ["documents.nation_unknown"]


@pytest.mark.parametrize(
    ("read", "nation"),
    [
        ("达斡尔", "达斡尔"),
        ("达翰尔", "达斡尔"),  # one OCR slip, one candidate: repaired
        ("鄂温克族", "鄂温克"),
        ("鄂伦春", "鄂伦春"),
        ("蒙右", "蒙古"),
        ("鄂X克", "鄂温克"),
        ("汗", None),  # one character: every one-character name is as close
        ("达斡", None),  # a different length is not a slip of one character
        ("X斡X", None),  # two slips
    ],
)
def test_nation_repair_only_where_one_answer_is_left(read: str, nation: str | None) -> None:
    assert repair_nation(read) == nation


FIT = HealthCertificateFields(
    "150200202611200001",
    "巴特尔",
    "150203197904032174",
    "包头市中心医院",
    date(2026, 5, 26),
    "合格",
)


@pytest.mark.parametrize(
    ("on", "allowed"),
    [
        (date(2026, 5, 26), True),  # the issue day counts
        (date(2026, 11, 25), True),  # last day of the six months
        (date(2026, 11, 26), False),
        (date(2026, 5, 25), False),  # before its date: wrong date
    ],
)
def test_health_certificate_is_valid_six_months_from_its_date(on: date, allowed: bool) -> None:
    decision = check_health_certificate(FIT, on=on)
    assert decision.allowed is allowed
    if not allowed:
        assert [r.code for r in decision.reasons] == ["documents.health_certificate_expired"]
        assert decision.reasons[0].legal_basis == (
            "《机动车驾驶证申领和使用规定》(公安部令第162号) 第85条",
        )


def test_unfit_conclusion_and_missing_items_are_refused() -> None:
    unfit = check_health_certificate(replace(FIT, conclusion="不合格"))
    assert [r.code for r in unfit.reasons] == ["documents.health_not_fit"]
    missing = check_health_certificate(replace(FIT, institution=None, conclusion=None))
    assert [r.data["field"] for r in missing.reasons] == ["institution", "conclusion"]
