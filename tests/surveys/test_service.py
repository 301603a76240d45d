"""Survey services on the database (SQLite and PostgreSQL): the receipt link's sheet, the
command line's import (as the system) with receipts checked against applications, and the
all-or-nothing rule when a late check fails."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from gangting.applications.models import Application
from gangting.audit.models import AuditEntry
from gangting.kernel.actor import SYSTEM
from gangting.kernel.errors import DomainError
from gangting.surveys import service
from gangting.surveys.models import Survey, SurveyAnswer, SurveyResponse
from tests.desks.conftest import Api, Booth


def _receipt(booth: Booth, world: dict[str, Any], ref: str = "v1") -> str:
    r = booth.post("/api/v1/violations/process", {"violation_refs": [world[ref]]})
    assert r.status_code == 200, r.text
    return str(r.json()["receipt_no"])


def _count(api: Api, model: Any, *where: Any) -> int:
    with api.ctx.uow() as uow:
        return int(
            uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def test_the_receipt_link_records_a_sheet_linked_to_the_application_and_its_booth(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    receipt = _receipt(booth, world)
    with api.ctx.uow() as uow:
        done = service.record_link_response(
            uow, SYSTEM, receipt_no=receipt, answers={"conv1": 4, "rel3": 2}
        )
    assert done["channel"] == "link" and done["answered"] == 2
    with api.ctx.uow() as uow:
        response = uow.session.execute(select(SurveyResponse)).scalar_one()
        application = uow.session.execute(
            select(Application).where(Application.receipt_no == receipt)
        ).scalar_one()
        assert response.application_id == application.id
        assert response.booth_id == application.booth_id
        assert response.submitted_at == api.clock.now()
        answers = dict(
            uow.session.execute(select(SurveyAnswer.item_code, SurveyAnswer.value)).all()
        )
        assert answers == {"conv1": 4, "rel3": 2}  # stored raw; reverse scoring is analysis
        survey = uow.session.execute(select(Survey)).scalar_one()
        assert (survey.code, survey.version) == ("service_quality", 1)
        assert survey.definition["sections"][0]["items"][0]["code"] == "conv1"
    assert _count(api, AuditEntry, AuditEntry.action == "survey.registered") == 1
    with pytest.raises(DomainError) as refused, api.ctx.uow() as uow:
        service.record_link_response(uow, SYSTEM, receipt_no=receipt, answers={"conv1": 5})
    assert refused.value.code == "surveys.already_answered"
    assert _count(api, SurveyResponse) == 1


def test_an_import_with_one_unknown_receipt_writes_nothing(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    receipt = _receipt(booth, world)
    text = (
        "respondent,receipt_no,conv1,conv2,conv3\n"
        f"A1,{receipt},5,4,1\n"
        "A2,,4,4,2\n"
        "A3,SL00000000000000,3,3,3\n"
    )
    with pytest.raises(DomainError) as refused, api.ctx.uow() as uow:
        service.import_csv(uow, SYSTEM, survey_code="service_quality", text=text)
    assert refused.value.code == "surveys.import_invalid"
    assert refused.value.data["errors"] == [
        {"line": 4, "column": "receipt_no", "message": "未查询到受理编号“SL00000000000000”"}
    ]
    assert _count(api, SurveyResponse) == 0 and _count(api, Survey) == 0
    good = text.rsplit("\n", 2)[0] + "\n"
    with api.ctx.uow() as uow:
        done = service.import_csv(uow, SYSTEM, survey_code="service_quality", text=good)
    assert done["rows"] == 2
    with api.ctx.uow() as uow:
        linked = uow.session.execute(
            select(SurveyResponse.respondent, SurveyResponse.application_id).order_by(
                SurveyResponse.respondent
            )
        ).all()
    assert linked[0][1] is not None and linked[1][1] is None
    # the receipt now has its sheet: a second file naming it again is refused by line
    with pytest.raises(DomainError) as twice, api.ctx.uow() as uow:
        service.import_csv(
            uow,
            SYSTEM,
            survey_code="service_quality",
            text=f"receipt_no,conv1\n{receipt},3\n",
        )
    assert twice.value.data["errors"][0]["line"] == 2
    assert "已有问卷答卷" in twice.value.data["errors"][0]["message"]
    assert _count(api, SurveyResponse) == 2
