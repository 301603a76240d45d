"""The unsupervised second opinion on plain data (desks.detection_outliers): the per-feature
explanation, the ranking, the few-actors skip, and the feature rows."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from gangting.desks import detection_outliers as so
from gangting.desks.detection_scoring import FaceCheck, PointEdge, failed_then_passed
from gangting.detection.rules import Pattern, Thresholds

TH = Thresholds()
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 10:00 in Baotou
ROOT = "/BT/"


def test_tail_contributions_are_minus_log_of_the_share_at_or_above() -> None:
    values = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [4.0, 1.0], [2.0, 1.0]])
    tails = so.tail_contributions(values)
    assert tails[3, 0] == pytest.approx(math.log(5))  # 1 of 5 at 4 or more
    assert tails[4, 0] == pytest.approx(-math.log(2 / 5))  # 2 of 5 at 2 or more
    assert tails[0, 0] == pytest.approx(0.0)  # everyone is at 0 or more
    assert np.allclose(tails[:, 1], 0.0)  # a constant feature says nothing


def test_explain_names_only_features_above_the_median_that_few_reach() -> None:
    values = np.array([[0.0, 5.0, 1.0]] * 19 + [[3.0, 5.0, 2.0]])
    tails = so.tail_contributions(values)
    why = so.explain(values, tails, 19, ("a", "b", "c"), max_share=0.1)
    assert [c.feature for c in why] == ["a", "c"]
    first = why[0]
    assert (first.value, first.peer_median, first.share) == (3.0, 0.0, 0.05)
    assert first.contribution == pytest.approx(math.log(20))
    assert so.explain(values, tails, 0, ("a", "b", "c"), max_share=0.1) == []
    # a feature half the peers reach is not "standing out"
    assert so.explain(values, tails, 19, ("a", "b", "c"), max_share=0.01) == []


def test_top_rows_take_the_contamination_share_at_least_one_at_most_the_cap() -> None:
    scores = np.array([0.1, 5.0, 0.2, 5.0, 3.0] + [0.0] * 95)
    assert so.top_rows(scores, 0.01, 5) == [1]
    assert so.top_rows(scores, 0.03, 5) == [1, 3, 4]
    assert so.top_rows(scores, 0.5, 2) == [1, 3]
    assert so.top_rows(np.array([]), 0.1, 5) == []


def _staff_table(n: int, night_row: int | None) -> so.ActorRows:
    table = so.ActorRows("staff", ("night_ops_share", "reveals_per_100"))
    for i in range(n):
        night = 0.25 if i == night_row else 0.0
        table.add(
            f"s{i}",
            f"off-{i}",
            "/BT/KDL/",
            {"night_ops_share": night, "reveals_per_100": 2.0},
            {"night_ops_share": {"audit_entries": ["e1", "e2"] if night else []}},
        )
    return table


@pytest.mark.parametrize("model", ["ecod", "iforest"])
def test_the_second_opinion_proposes_the_odd_actor_with_its_reasons(model: str) -> None:
    th = replace(TH, second_opinion_model=model)
    result = so.second_opinion([_staff_table(30, night_row=7)], th, ROOT)
    assert [p.subject_id for p in result.proposals] == ["s7"]
    case = result.proposals[0]
    assert case.pattern is Pattern.MODEL_SECOND_OPINION and case.subject_kind == "staff"
    assert case.unit_path == "/BT/KDL/"
    assert result.ranked["staff"][0][0] == "s7"
    summary, feature = case.reasons
    assert summary.code == "model.second_opinion" and summary.numbers["rank"] == 1
    assert summary.numbers["actors"] == 30 and summary.numbers["model"] == model
    assert feature.code == "model.second_opinion.night_ops_share"
    assert feature.numbers["value"] == 0.25 and feature.numbers["peer_median"] == 0.0
    assert feature.numbers["share"] == pytest.approx(1 / 30, abs=1e-4)
    assert "凌晨" in feature.message and "中位数0" in feature.message
    assert case.evidence == {"audit_entries": ["e1", "e2"]}
    assert case.score == pytest.approx(1.0)  # one feature only this actor reaches


def test_the_isolation_forest_is_reproducible() -> None:
    th = replace(TH, second_opinion_model="iforest", second_opinion_max=3)
    table = _staff_table(40, night_row=3)
    first = so.second_opinion([table], th, ROOT).ranked
    assert first == so.second_opinion([table], th, ROOT).ranked


def test_nothing_unusual_is_no_case_and_few_actors_are_skipped() -> None:
    result = so.second_opinion([_staff_table(30, night_row=None)], TH, ROOT)
    assert result.proposals == [] and result.ranked["staff"]  # ranked, but nothing to say
    few = so.second_opinion([_staff_table(5, night_row=2)], TH, ROOT)
    assert few.proposals == [] and "仅5个" in few.skipped["staff"]
    with pytest.raises(ValueError, match="unknown second-opinion model"):
        so.second_opinion([_staff_table(30, 1)], replace(TH, second_opinion_model="x"), ROOT)


def test_a_refused_face_check_then_a_pass_of_the_same_citizen_is_counted_once() -> None:
    t = NOW
    checks = [
        FaceCheck("r1", "B1", "c1", t, passed=False),
        FaceCheck("p1", "B1", "c1", t + timedelta(minutes=3), passed=True),
        FaceCheck("p2", "B1", "c1", t + timedelta(minutes=4), passed=True),  # no new refusal
        FaceCheck("r2", "B2", "c2", t, passed=False),
        FaceCheck("p3", "B2", "c2", t + timedelta(minutes=30), passed=True),  # too late
        FaceCheck("r3", "B1", "c3", t, passed=False),
        FaceCheck("p4", "B2", "c3", t + timedelta(minutes=1), passed=True),  # other booth
    ]
    assert failed_then_passed(checks, 900) == {"B1": [("r1", "p1")]}


def _app(receipt: str, citizen: str, booth: str, hour: int, phone: str | None) -> so.Applicant:
    at = datetime(2026, 11, 20, hour, 0, tzinfo=UTC) - timedelta(hours=8)
    return so.Applicant(receipt, citizen, booth, at, "completed", phone)


def test_feature_rows_from_plain_records() -> None:
    apps = [
        _app("A1", "c1", "B1", 10, "139"),
        _app("A2", "c2", "B1", 2, "139"),  # at night, phone shared with c1
        _app("A3", "c3", "B2", 11, None),
        replace(_app("A4", "c3", "B2", 12, None), state="refused"),
    ]
    booths = so.booth_rows(
        {"B1": "/BT/KDL/", "B2": "/BT/DH/"},
        apps,
        [("v1", "B1", True), ("x1", "B2", False), ("v2", "B2", True)],
        {"B2": [("x1", "v2")]},
        TH,
    )
    b1, b2 = booths.matrix()
    f = booths.features
    assert b1[f.index("off_hours_share")] == 0.5
    assert b2[f.index("refusals_per_100")] == 50.0
    assert b2[f.index("failed_then_passed_per_100")] == 50.0
    assert booths.records[1]["refusals_per_100"] == {"applications": ["A4"]}

    at = datetime(2026, 11, 20, 18, 30, tzinfo=UTC)  # 02:30 in Baotou
    staff = so.staff_rows(
        {"s1": ("off-1", "/BT/")},
        [
            ("e1", "s1", "citizen.lookup", at),
            ("e2", "s1", "citizen.reveal", at - timedelta(hours=6)),
        ],
        TH,
    )
    row = dict(zip(staff.features, staff.matrix()[0], strict=True))
    assert row["night_ops_share"] == 0.5 and row["reveals_per_100"] == 50.0
    assert row["off_hours_ops_share"] == 1.0  # 20:30 and 02:30 are both outside 08-20

    edge = PointEdge("D1", 1, "V1", "蒙B1", "c9", "o1", NOW, date(2026, 1, 1), "B1", "/BT/KDL/")
    people = so.citizen_rows([edge, replace(edge, decision_no="D2", owner_id="o2")], apps, NOW, TH)
    rows = {
        cid: dict(zip(people.features, r, strict=True))
        for cid, r in zip(people.ids, people.matrix(), strict=True)
    }
    assert rows["c9"]["other_owners"] == 2 and rows["c9"]["cycles_for_others"] == 1
    assert rows["c1"]["phone_sharers"] == 1 and rows["c3"]["phone_sharers"] == 0
    assert rows["c3"]["applications"] == 2 and rows["c3"]["booths"] == 1
    assert people.paths[people.ids.index("c9")] == "/BT/KDL/"
