"""Every operation of the centre's and the booth node's OpenAPI documents says what it
answers: its success response (2xx) has a content entry with a schema that is not empty
(a response model, a page's HTML, the event stream's or a download's media type)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gangting.app import create_app
from gangting.config import Settings
from gangting.context import build_context
from gangting.node.app import create_node_app
from gangting.node.config import NodeSettings


def _says_what(schema: dict[str, Any] | None) -> bool:
    """A schema that describes something: not missing, not ``{}``, and not the bare open
    object a ``-> dict[str, Any]`` return annotation gives (no model, no fields)."""
    if not schema:
        return False
    bare = {k: v for k, v in schema.items() if k not in {"title", "description"}}
    return bare not in ({"type": "object"}, {"type": "object", "additionalProperties": True})


def _undocumented(document: dict[str, Any]) -> list[str]:
    """``METHOD path`` of each operation whose 2xx responses have no content schema."""
    missing = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "put", "post", "patch", "delete", "head", "options"}:
                continue
            answers = {
                code: answer
                for code, answer in operation.get("responses", {}).items()
                if str(code).startswith("2")
            }
            documented = answers and all(
                any(_says_what(media.get("schema")) for media in answer.get("content", {}).values())
                for answer in answers.values()
            )
            if not documented:
                missing.append(f"{method.upper()} {path}")
    return missing


@pytest.fixture(scope="module")
def centre_document(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    var = tmp_path_factory.mktemp("openapi")
    ctx = build_context(Settings(database_url=f"sqlite:///{var / 'centre.db'}", var_dir=var))
    try:
        yield create_app(ctx).openapi()
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def node_document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    var: Path = tmp_path_factory.mktemp("openapi-node")
    settings = NodeSettings(
        booth_code="BT-KDL-001",
        centre_url="http://centre",
        var_dir=var,
        demo_credentials=var / "none.txt",
        simulators=True,  # the simulator routes are documented too
    )
    document: dict[str, Any] = create_node_app(settings, background=False).openapi()
    return document


def test_every_centre_operation_documents_its_answer(centre_document: dict[str, Any]) -> None:
    assert "/api/v1/payments/quote" in centre_document["paths"]
    missing = _undocumented(centre_document)
    assert missing == [], "没有声明应答内容（response_model / responses）的接口：\n" + "\n".join(
        missing
    )


def test_every_node_operation_documents_its_answer(node_document: dict[str, Any]) -> None:
    assert node_document["paths"], "the node's document lists its kiosk API"
    assert "/kiosk/api/sim/sensors" in node_document["paths"]
    assert _undocumented(node_document) == []


# --- the refusals (issue 12, item 5) ----------------------------------------------------------

ERROR_REF = "#/components/schemas/ErrorBody"


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in {"get", "put", "post", "patch", "delete"}:
                yield path, method, operation


def _refusals(operation: dict[str, Any]) -> set[int]:
    return {int(code) for code in operation["responses"] if not str(code).startswith("2")}


def test_a_write_documents_its_refusals_and_requires_its_key(
    centre_document: dict[str, Any],
) -> None:
    """The probe: ``POST /payments`` listed 201 and 422 only, its key optional."""
    payment = centre_document["paths"]["/api/v1/payments"]["post"]
    assert {401, 403, 409, 413, 422, 503} <= _refusals(payment)
    key = next(p for p in payment["parameters"] if p["name"] == "Idempotency-Key")
    assert key["required"] is True
    assert key["schema"]["type"] == "string" and key["schema"]["minLength"] == 1
    assert payment["security"] == [{"bearer": []}]
    assert centre_document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_every_refusal_is_the_one_error_body(centre_document: dict[str, Any]) -> None:
    wrong = [
        f"{method.upper()} {path} {code}"
        for path, method, operation in _operations(centre_document)
        for code, answer in operation["responses"].items()
        if not str(code).startswith("2")
        and answer.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
        != ERROR_REF
    ]
    assert wrong == []


def test_every_operation_lists_the_refusals_its_inputs_allow(
    centre_document: dict[str, Any],
) -> None:
    missing = []
    for path, method, operation in _operations(centre_document):
        params = operation.get("parameters", [])
        headers = {p["name"].lower() for p in params if p["in"] == "header"}
        want: set[int] = set()
        if params or "requestBody" in operation:
            want.add(422)
        if "requestBody" in operation:
            want.add(413)
        if any(p["in"] == "path" for p in params):
            want.add(404)
        if operation.get("security"):
            want |= {401, 403, 404}
        if "idempotency-key" in headers:
            want |= {409, 422}
            key = next(p for p in params if p["name"] == "Idempotency-Key")
            if not key["required"]:
                missing.append(f"{method.upper()} {path}: Idempotency-Key not required")
        if path.startswith("/api/"):
            want.add(503)
        if not want <= _refusals(operation):
            missing.append(f"{method.upper()} {path}: {sorted(want - _refusals(operation))}")
    assert missing == []


def test_authenticated_operations_say_so(centre_document: dict[str, Any]) -> None:
    """Every staff and booth route needs the bearer token: a security requirement, never a
    header parameter that a generated client may leave out."""
    unsecured = [
        f"{method.upper()} {path}"
        for path, method, operation in _operations(centre_document)
        if path.startswith(("/api/v1/staff/", "/api/v1/me/", "/api/v1/centre/"))
        and operation.get("security") != [{"bearer": []}]
    ]
    assert unsecured == []
    params = [
        p["name"]
        for _path, _method, operation in _operations(centre_document)
        for p in operation.get("parameters", [])
    ]
    assert "authorization" not in {p.lower() for p in params}


def test_log_ins_document_throttling(centre_document: dict[str, Any]) -> None:
    for path in ("/api/v1/auth/staff", "/api/v1/auth/booth"):
        assert {401, 422, 429, 503} <= _refusals(centre_document["paths"][path]["post"])


def test_a_rating_level_lists_what_the_rule_accepts(centre_document: dict[str, Any]) -> None:
    """The fuzzer's probe: ``{"level": 30}`` matched the document (any integer) and was
    refused; the document now lists the five levels' spellings."""
    level = centre_document["components"]["schemas"]["RatingRequest"]["properties"]["level"]
    assert set(level["enum"]) == {1, 2, 3, 4, 5, "1", "2", "3", "4", "5"} | {
        "very_satisfied",
        "satisfied",
        "basic",
        "unsatisfied",
        "very_unsatisfied",
    }
