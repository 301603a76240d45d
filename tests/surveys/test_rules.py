"""Survey rules without a database: the shipped survey, answer checks, CSV sheets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gangting.surveys.catalogue import find_packaged
from gangting.surveys.rules import Survey, answer_problems, parse_moment, parse_sheet, parse_survey


@pytest.fixture
def survey() -> Survey:
    found = find_packaged("service_quality")
    assert found is not None
    return found


def test_the_shipped_survey_is_short_with_reverse_items_on_every_scale(survey: Survey) -> None:
    assert 6 <= len(survey.items) <= 10
    assert 2 <= len(survey.scales) <= 3
    for scale in survey.scales:
        items = survey.scale_items(scale)
        assert len(items) >= 3
        assert any(i.reverse for i in items)
    assert all(i.labels[1] == "非常不同意" and i.labels[5] == "非常同意" for i in survey.items)
    assert "SERVQUAL" in survey.source


def test_reverse_items_score_min_plus_max_minus_raw(survey: Survey) -> None:
    reverse = next(i for i in survey.items if i.reverse)
    plain = next(i for i in survey.items if not i.reverse)
    assert [reverse.score(v) for v in range(1, 6)] == [5, 4, 3, 2, 1]
    assert [plain.score(v) for v in range(1, 6)] == [1, 2, 3, 4, 5]


def test_a_definition_with_a_gap_in_its_labels_or_an_unknown_scale_is_refused() -> None:
    base = {
        "code": "t",
        "version": 1,
        "scale": {"min": 1, "max": 3, "labels": {"1": "a", "2": "b", "3": "c"}},
        "scales": {"s": "S"},
        "sections": [
            {"code": "x", "title": "X", "items": [{"code": "q", "text": "Q", "scale": "s"}]}
        ],
    }
    assert parse_survey(base).items[0].labels == {1: "a", 2: "b", 3: "c"}
    with pytest.raises(ValueError):
        parse_survey({**base, "scale": {"min": 1, "max": 3, "labels": {"1": "a", "3": "c"}}})
    with pytest.raises(ValueError):
        parse_survey({**base, "scales": {"other": "O"}})
    with pytest.raises(ValueError):
        parse_survey({**base, "version": 0})


def test_answer_problems(survey: Survey) -> None:
    assert answer_problems(survey, {"conv1": 5, "conv2": None}) == []
    assert [
        p["column"] for p in answer_problems(survey, {"conv1": 6, "nope": 1, "rel1": True})
    ] == [
        "conv1",
        "nope",
        "rel1",
    ]
    assert answer_problems(survey, {})[0]["message"] == "至少需要回答一道题目"
    assert answer_problems(survey, {"conv1": None})[0]["message"] == "至少需要回答一道题目"


def test_a_sheet_with_a_bom_skipped_cells_and_blank_lines_parses(survey: Survey) -> None:
    text = "\ufeffrespondent,submitted_at,conv1,conv3,tru1\nA1,2026-11-20,5,1,\n\nA2,,3,,4\n"
    rows, problems = parse_sheet(survey, text)
    assert problems == []
    assert [(r.line, r.respondent, r.answers) for r in rows] == [
        (2, "A1", {"conv1": 5, "conv3": 1}),
        (4, "A2", {"conv1": 3, "tru1": 4}),
    ]
    assert rows[0].submitted_at == datetime(2026, 11, 19, 16, 0, tzinfo=UTC)  # midnight in Shanghai
    assert rows[1].submitted_at is None


def test_every_bad_row_is_reported_with_its_line(survey: Survey) -> None:
    text = (
        "respondent,submitted_at,conv1,conv2\n"
        "A1,2026-11-20,5,4\n"
        "A2,2026-11-20,7,4\n"  # line 3: off the scale
        "A3,yesterday,x,\n"  # line 4: bad time and a non-number
        "A4,2026-11-20,,\n"  # line 5: nothing answered
        "A5,2026-11-20,1\n"  # line 6: a column short
    )
    rows, problems = parse_sheet(survey, text)
    assert [(p["line"], p["column"]) for p in problems] == [
        (3, "conv1"),
        (4, "conv1"),
        (4, "submitted_at"),
        (5, None),
        (6, None),
    ]
    assert "超出量表范围 1–5" in problems[0]["message"]
    assert [r.line for r in rows] == [2]


def test_a_header_with_an_unknown_column_refuses_the_whole_sheet(survey: Survey) -> None:
    rows, problems = parse_sheet(survey, "conv1,age\n5,30\n")
    assert rows == []
    assert problems == [{"line": 1, "column": "age", "message": "未知的列“age”"}]
    assert parse_sheet(survey, "")[1][0]["message"] == "文件为空，缺少表头"
    assert parse_sheet(survey, "respondent\nA\n")[1][0]["message"] == "表头中没有任何题目列"
    assert parse_sheet(survey, "conv1\n")[1][0]["message"] == "文件中没有数据行"


def test_parse_moment() -> None:
    assert parse_moment("2026-11-20T10:00:00+08:00") == datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    assert parse_moment("2026-11-20 10:00") == datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    assert parse_moment("20/11/2026") is None
