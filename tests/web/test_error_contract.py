"""The error contract at the web edge (issue 12, item 5): every malformed request gets the
one error body ({"error", "message", "data"}) with a zh-CN message and a stable code, 422
(or 413 for size), never the framework's English ``http.400``; a 405 says what is allowed."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.desks.conftest import Api, api, world

__all__ = ["api", "world"]

ZH = re.compile(r"[\u4e00-\u9fff]")
JSON = {"Content-Type": "application/json"}


def _staff(api: Api) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.login_staff('admin')}"}


def _is_error_body(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert set(body) == {"error", "message", "data"}
    assert body["error"] == code
    assert ZH.search(body["message"]), body["message"]
    assert not body["error"].startswith("http.")
    return body


def _write(api: Api, content: bytes, headers: dict[str, str] | None = None) -> Any:
    """A staff write (an instruction) with the given raw body."""
    return api.client.post(
        "/api/v1/staff/instructions",
        content=content,
        headers={**_staff(api), "Idempotency-Key": uuid.uuid4().hex, **(headers or JSON)},
    )


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b'{"username": "\xff\xfe", "password": "x"}', id="invalid-utf8"),
        pytest.param(b"[" * 5000 + b"]" * 5000, id="nested-arrays-5000"),
        pytest.param(b'{"a":' * 3000 + b"1" + b"}" * 3000, id="nested-objects-3000"),
    ],
)
def test_an_unreadable_body_is_422_in_chinese(api: Api, content: bytes) -> None:
    answer = api.client.post("/api/v1/auth/staff", content=content, headers=JSON)
    body = _is_error_body(answer, 422, "request.invalid")
    assert body["data"]["fields"][0]["type"] == "body_unreadable"


def test_an_unreadable_body_of_an_authenticated_write_is_422(
    api: Api, world: dict[str, Any]
) -> None:
    _is_error_body(_write(api, b'{"kind": "\xc3\x28"}'), 422, "request.invalid")
    _is_error_body(_write(api, b"[" * 2000 + b"]" * 2000), 422, "request.invalid")


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        pytest.param(b"not json at all", JSON, id="not-json"),
        pytest.param(b'{"username": "a", "password": "b"}', {}, id="no-content-type"),
        pytest.param(
            b'{"username": "a", "password": "b"}', {"Content-Type": "text/plain"}, id="text-plain"
        ),
        pytest.param(
            b"username=a&password=b",
            {"Content-Type": "application/x-www-form-urlencoded"},
            id="form",
        ),
        pytest.param(b"[1, 2]", JSON, id="array-not-object"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_422_in_chinese(
    api: Api, content: bytes, headers: dict[str, str]
) -> None:
    answer = api.client.post("/api/v1/auth/staff", content=content, headers=headers)
    body = _is_error_body(answer, 422, "request.invalid")
    assert all(ZH.search(f["message"]) for f in body["data"]["fields"])
    assert "（：" not in body["message"]  # the body itself is named, not an empty field


def test_a_body_over_the_limit_is_413(api: Api) -> None:
    big = b'{"username": "' + b"a" * (api.ctx.settings.max_body_bytes + 10) + b'"}'
    _is_error_body(
        api.client.post("/api/v1/auth/staff", content=big, headers=JSON), 413, "request.too_large"
    )


def test_405_names_the_allowed_methods(api: Api) -> None:
    answer = api.client.delete("/healthz")
    body = _is_error_body(answer, 405, "method.not_allowed")
    assert answer.headers["Allow"] == "GET"
    assert body["data"]["allow"] == ["GET"]
    answer = api.client.get("/api/v1/auth/staff")
    _is_error_body(answer, 405, "method.not_allowed")
    assert answer.headers["Allow"] == "POST"


def test_a_post_only_route_answers_get_with_405_not_422(api: Api, world: dict[str, Any]) -> None:
    """``GET /staff/instructions/sweep`` matched ``GET /staff/instructions/{instruction_id}``
    and failed its UUID (422); the path names the sweep, so the method is what is wrong."""
    answer = api.client.get("/api/v1/staff/instructions/sweep", headers=_staff(api))
    _is_error_body(answer, 405, "method.not_allowed")
    assert answer.headers["Allow"] == "POST"
    answer = api.client.get("/api/v1/staff/instructions/sweep")  # no token: the same
    _is_error_body(answer, 405, "method.not_allowed")
    assert answer.headers["Allow"] == "POST"
    # a malformed id at the parameter route is still malformed input
    answer = api.client.get("/api/v1/staff/instructions/not-a-uuid", headers=_staff(api))
    _is_error_body(answer, 422, "request.invalid")
    answer = api.client.get("/api/v1/staff/instructions/not-a-uuid")  # no token: 401
    _is_error_body(answer, 401, "auth.required")


def test_an_unknown_address_is_404_with_a_stable_code(api: Api) -> None:
    _is_error_body(api.client.get("/api/v1/no-such-thing"), 404, "route.not_found")


def test_a_body_that_breaks_a_rule_across_its_fields_is_named_apart(
    api: Api, world: dict[str, Any]
) -> None:
    """Every field as documented, together inconsistent (nothing to price): 422 with its own
    code and the rule's own zh-CN words, not the bare "格式不正确"."""
    headers = {"Authorization": f"Bearer {api.login_booth()}"}
    answer = api.client.post("/api/v1/payments/quote", json={}, headers=headers)
    body = _is_error_body(answer, 422, "request.inconsistent")
    assert "至少需要一项违法记录或处罚决定" in body["message"]
    assert body["data"]["fields"][0]["field"] == "请求体"


def test_a_field_error_is_still_request_invalid(api: Api) -> None:
    answer = api.client.post("/api/v1/auth/staff", json={"username": "a"})
    body = _is_error_body(answer, 422, "request.invalid")
    assert body["data"]["fields"] == [
        {"field": "password", "type": "missing", "message": "缺少必填字段"}
    ]


def test_a_text_blank_once_trimmed_is_named_apart(api: Api) -> None:
    """The fuzzer's probe: ``"\\u000b"`` is one character (the document's minLength 1) and
    nothing once trimmed: 422 ``request.blank``, not a mismatch with the document."""
    answer = api.client.post(
        "/api/v1/auth/staff",
        content=b'{"username": "\\u000b \\u0085", "password": "x"}',
        headers=JSON,
    )
    body = _is_error_body(answer, 422, "request.blank")
    assert body["data"]["fields"][0] == {
        "field": "username",
        "type": "string_too_short",
        "message": "去掉首尾空白后内容过短",
    }
