from datetime import date

import pytest

from gangting.citizens.rules import (
    BAOTOU_AREA_CODES,
    InvalidIdNumber,
    age_on,
    area_codes,
    id_check_char,
    mask_id_number,
    mask_name,
    mask_phone,
    parse_id_number,
)


def make_id(area: str, birth: str, seq: str = "123") -> str:
    first17 = area + birth + seq
    return first17 + id_check_char(first17)


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("11010519491231002", "X"),  # the GB 11643-1999 annex example
        ("44052418800101001", "4"),
        ("15020319900307123", id_check_char("15020319900307123")),
    ],
)
def test_check_char_follows_iso_7064_mod_11_2(first17: str, check: str) -> None:
    assert id_check_char(first17) == check


def test_parses_a_valid_number_and_reads_birth_date_and_sex() -> None:
    parsed = parse_id_number("11010519491231002X")
    assert parsed.value == "11010519491231002X"
    assert parsed.area_code == "110105"
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sex == "F"  # sequence 002 is even


def test_lower_case_x_is_normalised_to_upper_case() -> None:
    assert parse_id_number(" 11010519491231002x ").value == "11010519491231002X"


def test_odd_sequence_is_male() -> None:
    assert parse_id_number(make_id("150203", "19900307", "123")).sex == "M"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1101051949123100", "length"),
        ("11010519491231002XX", "length"),
        ("1101051949123100AX", "format"),
        ("11010519491231002Y", "format"),
        ("110105194912310021", "check"),
        (make_id("150203", "19900230"), "birth_date"),  # 30 February
        (make_id("150203", "18991231"), "birth_date"),  # before 1900
        (make_id("990101", "19900101"), "area_code"),
        (make_id("150200", "19900101"), "area_code"),  # prefecture, not county level
    ],
)
def test_invalid_numbers_are_refused_with_a_specific_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        parse_id_number(text)
    assert caught.value.code == "citizens.invalid_id_number"
    assert caught.value.data["reason"] == reason


def test_birth_date_after_the_reference_day_is_refused() -> None:
    number = make_id("150203", "20260102")
    assert parse_id_number(number, on=date(2026, 1, 2)).birth_date == date(2026, 1, 2)
    with pytest.raises(InvalidIdNumber, match="出生日期"):
        parse_id_number(number, on=date(2026, 1, 1))


def test_leap_day_birth_date_is_accepted_only_in_leap_years() -> None:
    assert parse_id_number(make_id("150203", "20000229")).birth_date == date(2000, 2, 29)
    with pytest.raises(InvalidIdNumber):
        parse_id_number(make_id("150203", "19000229"))  # 1900 was not a leap year


@pytest.mark.parametrize("code", sorted(BAOTOU_AREA_CODES))
def test_every_baotou_code_is_in_the_bundled_table(code: str) -> None:
    assert code in area_codes()
    assert parse_id_number(make_id(code, "19800101")).area_code == code


def test_historic_code_still_on_valid_cards_is_accepted() -> None:
    # 110103 崇文区 and 110104 宣武区 were merged into 东城/西城 in 2010.
    assert parse_id_number(make_id("110104", "19700101")).area_code == "110104"


def test_code_created_after_2014_is_accepted() -> None:
    assert parse_id_number(make_id("110119", "20200101")).area_code == "110119"  # 延庆区


def test_check_char_refuses_non_digits() -> None:
    with pytest.raises(InvalidIdNumber):
        id_check_char("1101051949123100A")


def test_mask_id_number_keeps_first_6_and_last_4() -> None:
    assert mask_id_number("150203199003071234") == "150203********1234"


@pytest.mark.parametrize(
    ("name", "masked"), [("张三丰", "张**"), ("李四", "李*"), ("王", "王"), ("", "")]
)
def test_mask_name_keeps_only_the_first_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(("phone", "masked"), [("13812345678", "138****5678"), ("1234", "**34")])
def test_mask_phone_hides_the_middle_digits(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(1990, 3, 7), date(2026, 3, 6), 35),  # day before birthday
        (date(1990, 3, 7), date(2026, 3, 7), 36),  # on the birthday
        (date(2000, 2, 29), date(2026, 2, 28), 25),  # leap-day birthday not yet come
        (date(2000, 2, 29), date(2026, 3, 1), 26),
        (date(2000, 2, 29), date(2028, 2, 29), 28),
    ],
)
def test_age_counts_completed_years(birth: date, on: date, age: int) -> None:
    assert age_on(birth, on) == age


def test_age_before_birth_is_an_error() -> None:
    with pytest.raises(ValueError):
        age_on(date(2000, 1, 2), date(2000, 1, 1))
