"""The answers are what the API description says: a booth's way through the citizen routes,
each answer read back through its route's response model without a change."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from gangting.desks.schemas import (
    MyVehicles,
    MyViolations,
    PaymentView,
    ProcessAnswer,
    VehicleSummary,
    ViolationPreview,
)
from gangting.web.openapi import ErrorBody
from tests.desks.conftest import Booth


def _answers(r: Any, model: type[BaseModel], status: int = 200) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert model.model_validate(body).model_dump(mode="json", exclude_unset=True) == body
    return body


def test_a_booth_visit_answers_the_described_shapes(booth: Booth, world: dict[str, Any]) -> None:
    plates = _answers(booth.get("/api/v1/me/vehicles"), MyVehicles)["plates"]
    car = _answers(booth.get(f"/api/v1/me/vehicles/{plates[0]}"), VehicleSummary)
    assert car["violations"] and car["inspection"]["reasons"]
    refs = {"violation_refs": [world["v1"], world["v2"], "WF-NONE"]}
    preview = _answers(booth.post("/api/v1/violations/preview", refs), ViolationPreview)
    assert preview["decisions"] and not preview["processable"]
    ErrorBody.model_validate(preview["refusals"][0])
    refs["violation_refs"].pop()
    done = _answers(booth.post("/api/v1/violations/process", refs), ProcessAnswer)
    owed = _answers(booth.get("/api/v1/me/violations"), MyViolations)["unpaid_decisions"]
    assert {d["decision_no"] for d in owed} == {d["decision_no"] for d in done["decisions"]}
    body = {"decision_nos": [owed[0]["decision_no"]], "payer_code": "PAY-OK-1"}
    paid = _answers(booth.post("/api/v1/payments", body), PaymentView, status=201)
    _answers(booth.get(f"/api/v1/payments/{paid['payment_no']}"), PaymentView)
    refused = booth.post("/api/v1/violations/process", refs)
    assert refused.status_code == 409
    ErrorBody.model_validate(refused.json())
