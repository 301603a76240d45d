"""The API description says what each route answers: a response schema for its success and
the one error body for its documented refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gangting.app import create_app
from gangting.config import Settings
from gangting.context import build_context

# The routes' modules whose answers are described so far (all of them, once every router
# declares its response_model).
DESCRIBED = (
    "gangting.app",
    "gangting.booths.",
    "gangting.desks.",
    "gangting.fines.",
    "gangting.identity.",
    "gangting.plate_reads.",
    "gangting.ratings.",
    "gangting.staff.",
)


def _flat_routes(routes: list[Any]) -> list[Any]:
    """The app's routes with FastAPI's included routers opened up."""
    flat: list[Any] = []
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        flat.extend(contexts() if contexts is not None else [route])
    return flat


def _openapi(tmp_path: Path) -> tuple[list[Any], dict[str, Any]]:
    ctx = build_context(Settings(database_url=f"sqlite:///{tmp_path / 'c.db'}", var_dir=tmp_path))
    try:
        app = create_app(ctx)
        routes = [
            r
            for r in _flat_routes(app.routes)
            if getattr(r, "include_in_schema", False)
            and r.endpoint.__module__.startswith(DESCRIBED)
        ]
        return routes, app.openapi()
    finally:
        ctx.close()


def test_every_described_route_has_a_response_schema(tmp_path: Path) -> None:
    routes, doc = _openapi(tmp_path)
    assert len(routes) >= 30
    missing = []
    for route in routes:
        for method in route.methods:
            answers = doc["paths"][route.path_format][method.lower()]["responses"]
            ok = [s for s in answers if s.startswith("2")]
            schema = answers[ok[0]].get("content", {}).get("application/json", {}).get("schema")
            if len(ok) != 1 or not schema or schema == {}:
                missing.append(f"{method} {route.path}")
            if "HTTPValidationError" in str(answers):  # 422 is the error body, too
                missing.append(f"{method} {route.path} 422")
    assert not missing, f"routes without a response schema: {missing}"


def test_refusals_are_documented_with_the_one_error_body(tmp_path: Path) -> None:
    _, doc = _openapi(tmp_path)
    error = {"$ref": "#/components/schemas/ErrorBody"}
    check = doc["paths"]["/api/v1/identity/check"]["post"]["responses"]
    assert check["401"]["content"]["application/json"]["schema"] == error
    assert check["422"]["content"]["application/json"]["schema"] == error
    assert "HTTPValidationError" not in str(check)
    process = doc["paths"]["/api/v1/violations/process"]["post"]["responses"]
    assert set(process) >= {"200", "401", "403", "404", "409", "422"}
    assert doc["paths"]["/api/v1/payments"]["post"]["responses"].keys() >= {"201", "409"}
