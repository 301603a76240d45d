"""Field extraction from hand-made OCR boxes: splits, merges, tilt and upside-down pages."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pytest

from gangting.identification.documents import (
    TextLine,
    parse_health_certificate,
    parse_id_card,
)
from gangting.identification.documents.layout import group_rows, parse_date, value_after

Box = tuple[str, float, float, float]  # text, left x, centre y, width (height is 40)


def boxes(items: list[Box], *, degrees: float = 0.0, turn: bool = False) -> list[TextLine]:
    """TextLines for ``items`` on a page rotated by ``degrees`` about (600, 400); ``turn``
    turns the page by 180 degrees as well (the boxes keep RapidOCR's corner order)."""
    t = math.radians(degrees + (180 if turn else 0))
    c, s = math.cos(t), math.sin(t)

    def rot(x: float, y: float) -> tuple[float, float]:
        x, y = x - 600, y - 400
        return (600 + c * x - s * y, 400 + s * x + c * y)

    out = []
    for text, left, cy, width in items:
        corners = [rot(left, cy - 20), rot(left + width, cy - 20)]
        corners += [rot(left + width, cy + 20), rot(left, cy + 20)]
        if turn:  # the detector still reports the top-left corner of the image first
            corners = corners[2:] + corners[:2]
        p0, p1, p2, p3 = corners
        out.append(TextLine(text, 0.98, (p0, p1, p2, p3)))
    return out


CARD: list[Box] = [
    ("姓名", 100, 100, 60),
    ("那仁高娃", 200, 102, 160),
    ("性别女", 100, 170, 120),
    ("民族", 300, 170, 60),
    ("蒙古", 380, 171, 80),
    ("出生", 100, 240, 60),
    ("1965 年 10 月 1 日", 200, 241, 300),
    ("住址", 100, 310, 60),
    ("内蒙古包头市白云鄂博矿区", 200, 312, 400),
    ("团结大街108号", 200, 360, 250),
    ("2栋1单元301号", 460, 361, 220),
    ("公民身份号码", 100, 480, 170),
    ("15020619651001088", 300, 482, 380),
    ("8", 682, 482, 20),
]
WANT = (
    "那仁高娃",
    "女",
    "蒙古",
    date(1965, 10, 1),
    "内蒙古包头市白云鄂博矿区团结大街108号2栋1单元301号",
    "150206196510010888",
)


def fields_of(lines: list[TextLine]) -> tuple[object, ...]:
    f = parse_id_card(lines).fields
    return (f.name, f.sex, f.nation, f.birth_date, f.address, f.id_number)


@pytest.mark.parametrize("degrees", [0.0, 4.0, -7.0, 15.0])
def test_split_and_merged_boxes_on_a_tilted_card_give_the_fields(degrees: float) -> None:
    assert fields_of(boxes(CARD, degrees=degrees)) == WANT


def test_a_card_upside_down_is_read_bottom_up() -> None:
    read = parse_id_card(boxes(CARD, degrees=3.0, turn=True))
    assert read.upside_down
    assert (read.fields.name, read.fields.id_number) == (WANT[0], WANT[5])


def test_lost_labels_fall_back_to_the_cards_fixed_order() -> None:
    no_labels = [b for b in CARD if b[0] not in ("姓名", "住址")]
    assert fields_of(boxes(no_labels)) == WANT


def test_ocr_slip_in_the_nation_is_repaired_and_full_width_digits_normalised() -> None:
    slipped = [("蒙右", *b[1:]) if b[0] == "蒙古" else b for b in CARD]
    slipped = [("１９６５年１０月１日", *b[1:]) if b[0].startswith("1965") else b for b in slipped]
    assert fields_of(boxes(slipped)) == WANT


def test_rows_group_by_height_and_order_left_to_right() -> None:
    rows = group_rows(boxes([("b", 300, 101, 50), ("a", 100, 99, 50), ("c", 100, 160, 50)]))
    assert [r.text for r in rows] == ["ab", "c"]


def test_value_after_a_label_stops_at_the_next_label() -> None:
    assert value_after("姓名孙晓雪性别男出生日期1992年7月12日", ["姓名"], ["性别"]) == "孙晓雪"
    assert value_after("体检结论:合格", ["体检结论"]) == "合格"
    assert value_after("体检结论", ["体检结论"]) == ""
    assert value_after("性别男", ["民族"]) is None


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("2026年11月20日", date(2026, 11, 20)),
        ("体检日期: 2026 年 1 月 5 日", date(2026, 1, 5)),
        ("2026-02-30", None),
        ("二〇二六年", None),
    ],
)
def test_dates_are_parsed_only_when_real(text: str, want: date | None) -> None:
    assert parse_date(text) == want


FORM: list[Box] = [
    ("机动车驾驶人身体条件证明", 300, 60, 500),
    ("编号：150200202611200001", 700, 110, 400),
    ("姓名", 60, 180, 60),
    ("巴特尔", 170, 180, 90),
    ("性别男", 340, 181, 100),
    ("出生日期", 480, 180, 110),
    ("1979年4月3日", 600, 181, 150),
    ("号码", 60, 240, 60),
    ("150203197904032174", 170, 241, 300),
    ("体检结论", 60, 300, 110),
    ("合格", 200, 301, 60),
    ("医疗机构名称（盖章）", 60, 360, 240),
    ("包头市健康体检中心", 320, 362, 250),
    ("体检专用章", 640, 372, 120),
    ("体检日期", 60, 420, 110),
    ("2026年5月26日", 200, 421, 190),
]


@pytest.mark.parametrize("degrees", [0.0, -5.0])
def test_health_certificate_fields_come_from_label_cells(degrees: float) -> None:
    read = parse_health_certificate(boxes(FORM, degrees=degrees), on=date(2026, 6, 1))
    f = read.fields
    assert (f.institution, f.examined_on, f.conclusion) == (
        "包头市健康体检中心",
        date(2026, 5, 26),
        "合格",
    )
    assert (f.certificate_no, f.name, f.id_number) == (
        "150200202611200001",
        "巴特尔",
        "150203197904032174",
    )
    assert read.ok


def test_health_certificate_date_without_its_label_is_not_the_birth_date() -> None:
    unlabelled = [("", *b[1:]) if b[0] == "体检日期" else b for b in FORM]
    read = parse_health_certificate(boxes(unlabelled))
    assert read.fields.examined_on == date(2026, 5, 26)


def test_unfit_conclusion_is_not_mistaken_for_fit() -> None:
    unfit = [("不合格", *b[1:]) if b[0] == "合格" else b for b in FORM]
    read = parse_health_certificate(boxes(unfit))
    assert read.fields.conclusion == "不合格"
    assert not read.ok


def test_a_fields_confidence_comes_from_its_own_boxes_not_its_label() -> None:
    lines = boxes([("姓名", 100, 100, 60), ("孙晓雪", 200, 100, 100)])
    lines[0] = replace(lines[0], score=0.4)
    read = parse_id_card(lines)
    assert read.fields.name == "孙晓雪"
    assert read.confidence["name"] == 0.98


def test_a_stray_mark_before_a_label_does_not_hide_the_field() -> None:
    marked = [("|姓名", *b[1:]) if b[0] == "姓名" else b for b in CARD]
    assert fields_of(boxes(marked)) == WANT


def test_sex_and_nation_split_onto_two_rows_are_both_found() -> None:
    split = [("民族", 300, 205, 60) if b[0] == "民族" else b for b in CARD]
    split = [("蒙古", 380, 206, 80) if b[0] == "蒙古" else b for b in split]
    assert fields_of(boxes(split)) == WANT
