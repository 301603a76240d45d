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
        ctx.engine.dispose()


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
