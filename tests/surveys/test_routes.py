"""The survey API: the booth's optional survey after a rating, staff CSV import (all or
nothing, errors by line) and the analysis per scale; bad input is a zh-CN refusal with a
stable code and writes nothing."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from gangting.audit.models import AuditEntry
from gangting.surveys.models import SurveyAnswer, SurveyImport, SurveyResponse
from tests.desks.conftest import Api, Booth
from tests.surveys.sheets import simulated_csv

SURVEY = "/api/v1/surveys/service_quality"
STAFF = "/api/v1/staff/surveys"


def _count(api: Api, model: Any, *where: Any) -> int:
    with api.ctx.uow() as uow:
        return int(
            uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def _receipt(booth: Booth, world: dict[str, Any]) -> str:
    r = booth.post("/api/v1/violations/process", {"violation_refs": [world["v1"]]})
    assert r.status_code == 200, r.text
    return str(r.json()["receipt_no"])


def _staff(api: Api, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.login_staff(username)}"}


def _post(api: Api, headers: dict[str, str], path: str, body: dict[str, Any], key: str) -> Any:
    return api.client.post(path, json=body, headers={**headers, "Idempotency-Key": key})


def test_the_booth_shows_the_survey_and_records_a_sheet_after_the_rating(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    shown = booth.get(SURVEY)
    assert shown.status_code == 200, shown.text
    survey = shown.json()
    items = [i for s in survey["sections"] for i in s["items"]]
    assert len(items) == 9 and {s["code"] for s in survey["scales"]} == {
        "convenience",
        "reliability",
        "trust",
    }
    receipt = _receipt(booth, world)
    assert booth.post("/api/v1/ratings", {"receipt_no": receipt, "level": 5}).status_code == 201
    body = {"receipt_no": receipt, "answers": {"conv1": 5, "conv3": 1, "tru2": None}}
    r = booth.post(f"{SURVEY}/responses", body, key="survey-1")
    assert r.status_code == 201, r.text
    assert r.json()["answered"] == 2 and r.json()["channel"] == "kiosk"
    again = booth.post(f"{SURVEY}/responses", body, key="survey-1")
    assert again.json() == r.json() and again.headers.get("Idempotent-Replayed") == "true"
    assert _count(api, SurveyResponse) == 1
    assert _count(api, SurveyAnswer) == 2
    assert _count(api, AuditEntry, AuditEntry.action == "survey_response.recorded") == 1
    twice = booth.post(f"{SURVEY}/responses", body, key="survey-2")
    assert twice.status_code == 409
    assert twice.json()["error"] == "surveys.already_answered"
    # a sheet without a receipt is the booth's own
    alone = booth.post(f"{SURVEY}/responses", {"answers": {"rel1": 4}}, key="survey-3")
    assert alone.status_code == 201, alone.text


def test_bad_answers_are_refused_in_chinese_and_write_nothing(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    cases = [
        ({"answers": {"conv1": 6}}, 422, "surveys.bad_answers", "超出量表范围"),
        ({"answers": {"nope": 3}}, 422, "surveys.bad_answers", "问卷中没有题目"),
        ({"answers": {}}, 422, "surveys.bad_answers", "至少需要回答一道题目"),
        ({"answers": {"conv1": "五"}}, 422, "request.invalid", "应为整数"),
        (
            {"receipt_no": "SL-NONE", "answers": {"conv1": 3}},
            404,
            "surveys.receipt_not_found",
            "受理编号",
        ),
    ]
    for body, status, code, words in cases:
        r = booth.post(f"{SURVEY}/responses", body)
        assert r.status_code == status, (body, r.text)
        assert r.json()["error"].startswith(code), r.text
        assert words in r.json()["message"]
    missing = booth.post("/api/v1/surveys/no_such/responses", {"answers": {"conv1": 3}})
    assert missing.status_code == 404 and missing.json()["error"] == "surveys.not_found"
    other = Booth(api, api.login_booth("BT-QS-001"))
    receipt = _receipt(booth, world)
    r = other.post(f"{SURVEY}/responses", {"receipt_no": receipt, "answers": {"conv1": 3}})
    assert r.status_code == 403 and r.json()["error"] == "surveys.not_this_booth"
    assert _count(api, SurveyResponse) == 0
    assert _count(api, SurveyAnswer) == 0


def test_staff_import_a_csv_all_or_nothing_and_read_the_analysis(
    api: Api, world: dict[str, Any]
) -> None:
    sup = _staff(api, "sup-kdl")
    officer = _staff(api, "off-kdl")
    text = simulated_csv(240)
    bad = text.splitlines()
    bad[2] = bad[2].rsplit(",", 1)[0] + ",9"  # line 3: off the scale
    bad[4] = bad[4].replace("2026-11-20", "20.11.2026")  # line 5: not a date
    r = _post(api, sup, f"{STAFF}/service_quality/imports", {"csv": "\n".join(bad)}, "imp-bad")
    assert r.status_code == 422, r.text
    refusal = r.json()
    assert refusal["error"] == "surveys.import_invalid"
    assert refusal["message"].startswith("导入失败：共 2 处错误，未导入任何数据。第 3 行")
    assert [(e["line"], e["column"]) for e in refusal["data"]["errors"]] == [
        (3, "tru3"),
        (5, "submitted_at"),
    ]
    assert _count(api, SurveyResponse) == 0 and _count(api, SurveyImport) == 0

    denied = _post(api, officer, f"{STAFF}/service_quality/imports", {"csv": text}, "imp-off")
    assert denied.status_code == 403

    done = _post(
        api, sup, f"{STAFF}/service_quality/imports", {"csv": text, "file_name": "a.csv"}, "imp-1"
    )
    assert done.status_code == 201, done.text
    assert done.json()["rows"] == 240
    assert _count(api, SurveyResponse, SurveyResponse.channel == "import") == 240
    assert _count(api, AuditEntry, AuditEntry.action == "survey_import.imported") == 1
    again = _post(api, sup, f"{STAFF}/service_quality/imports", {"csv": text}, "imp-2")
    assert again.status_code == 409 and again.json()["error"] == "surveys.already_imported"
    assert _count(api, SurveyResponse) == 240

    listed = api.client.get(STAFF, headers=officer)
    assert listed.status_code == 200, listed.text
    assert listed.json()["surveys"][0]["responses"] == 240

    analysis = api.client.get(f"{STAFF}/service_quality/analysis", headers=officer)
    assert analysis.status_code == 200, analysis.text
    result = analysis.json()
    assert result["responses"] == result["complete_responses"] == 240
    for scale in result["scales"]:
        a = scale["alpha"]
        # the reverse-worded item was answered reversed: only reverse scoring makes the
        # scale consistent (without it the item would pull alpha down)
        assert 0.7 < a["alpha"] < 1 and a["ci_low"] < a["alpha"] < a["ci_high"], scale
        assert (a["n"], a["k"]) == (240, 3)
        assert scale["bartlett"]["p_value"] < 0.001
        assert len(scale["reverse_items"]) == 1
        for row in scale["descriptives"]:
            assert (
                sum(row["percent"].values()) == 100.0
                or abs(sum(row["percent"].values()) - 100) < 1e-6
            )
            assert row["n"] == 240
    overall = result["overall"]
    assert 0.6 < overall["kmo"]["overall"] <= 1
    loadings = overall["efa"]["loadings"]
    groups = {}
    for scale in result["scales"]:
        groups[scale["scale"]] = {
            max(range(3), key=lambda f: abs(loadings[i][f])) for i in scale["items"]
        }
    assert all(len(g) == 1 for g in groups.values()) and len(set.union(*groups.values())) == 3
    fit = overall["cfa"]["fit"]
    assert fit["df"] == 24 and fit["CFI"] > 0.9 and fit["RMSEA"] < 0.08
    assert set(overall["cfa"]["loadings"]) == {"convenience", "reliability", "trust"}


def test_an_analysis_without_answers_says_why_instead_of_failing(
    api: Api, world: dict[str, Any]
) -> None:
    r = api.client.get(f"{STAFF}/service_quality/analysis", headers=_staff(api, "off-kdl"))
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["responses"] == 0
    assert result["scales"][0]["alpha"]["error"] == "surveys.not_estimable"
    assert result["overall"]["cfa"]["error"] == "surveys.not_estimable"
    unknown = api.client.get(
        f"{STAFF}/{uuid.uuid4().hex[:8]}/analysis", headers=_staff(api, "off-kdl")
    )
    assert unknown.status_code == 404 and unknown.json()["error"] == "surveys.not_found"
    assert api.client.get(f"{STAFF}/service_quality/analysis").status_code == 401
