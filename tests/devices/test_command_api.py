"""Staff API for remote commands: who may issue (supervisor and above, own scope), the
idempotency key, parameter checks, and the list with states; a kiosk lock takes two keys.
SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.approvals.helpers import add_supervisor, approved, decide
from tests.desks.conftest import Api
from tests.devices.conftest import Registry


def _post(api: Api, token: str, code: str, body: dict[str, Any], key: str = "k-1") -> Any:
    return api.client.post(
        f"/api/v1/staff/booths/{code}/commands",
        json=body,
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )


def _get(api: Api, token: str, path: str) -> Any:
    return api.client.get(path, headers={"Authorization": f"Bearer {token}"})


ANNOUNCE = {
    "kind": "announcement",
    "params": {"text": "前方施工，请绕行"},
    "reason": "临时交通管制",
}


def test_a_supervisor_issues_a_command_once_per_key(api: Api, registry: Registry) -> None:
    token = api.login_staff("sup-kdl")
    r = _post(api, token, registry.kdl, ANNOUNCE)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["state"], body["kind"], body["issued_by"]) == ("queued", "announcement", "sup-kdl")
    assert body["params"] == {"text": "前方施工，请绕行", "repeat": 1}
    assert body["expires_at"] > body["issued_at"]
    again = _post(api, token, registry.kdl, ANNOUNCE)
    assert again.json() == body and again.headers.get("Idempotent-Replayed") == "true"
    listed = _get(api, token, f"/api/v1/staff/booth-commands?booth={registry.kdl}").json()
    assert [c["id"] for c in listed["commands"]] == [body["id"]]
    one = _get(api, token, f"/api/v1/staff/booth-commands/{body['id']}")
    assert one.json()["kind_zh"] == "岗亭喇叭播报"


def test_officers_follow_commands_but_may_not_issue_them(api: Api, registry: Registry) -> None:
    sup = api.login_staff("sup-kdl")
    add_supervisor(api, "sup-kdl-2")
    approved(api, _post(api, sup, registry.kdl, {"kind": "lock_kiosk"}), "sup-kdl-2")
    officer = api.login_staff("off-kdl")
    refused = _post(api, officer, registry.kdl, ANNOUNCE, key="k-2")
    assert refused.status_code == 403
    assert refused.json()["error"] == "auth.role_required"
    seen = _get(api, officer, "/api/v1/staff/booth-commands?state=queued").json()["commands"]
    assert [c["kind"] for c in seen] == ["lock_kiosk"]


def test_staff_command_only_booths_in_their_own_scope(api: Api, registry: Registry) -> None:
    qs = api.login_staff("sup-qs")
    r = _post(api, qs, registry.kdl, ANNOUNCE)
    assert r.status_code == 403 and r.json()["error"] == "auth.out_of_scope"
    assert _get(api, qs, "/api/v1/staff/booth-commands").json()["commands"] == []
    admin = api.login_staff("admin")
    assert _post(api, admin, registry.kdl, ANNOUNCE, key="k-admin").status_code == 201


def test_bad_commands_are_refused_with_their_reason(api: Api, registry: Registry) -> None:
    token = api.login_staff("sup-kdl")
    cases = [
        ({"kind": "announcement", "params": {}}, 422, "booths.command_params_invalid"),
        (
            {"kind": "restart_adapter", "params": {"adapter": "toaster"}},
            422,
            "booths.command_params_invalid",
        ),
        ({"kind": "self_destruct"}, 422, "request.invalid"),
        ({"kind": "lock_kiosk", "expires_in_s": 5}, 422, "request.invalid"),
    ]
    for n, (body, status, error) in enumerate(cases):
        r = _post(api, token, registry.kdl, body, key=f"bad-{n}")
        assert (r.status_code, r.json()["error"]) == (status, error), body
    missing = _post(api, token, "BT-NONE-001", ANNOUNCE, key="k-none")
    assert (missing.status_code, missing.json()["error"]) == (404, "booths.not_found")
    no_key = api.client.post(
        f"/api/v1/staff/booths/{registry.kdl}/commands",
        json=ANNOUNCE,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert no_key.json()["error"] == "idempotency.key_required"


def test_a_kiosk_lock_is_queued_only_when_a_second_supervisor_approves(
    api: Api, registry: Registry
) -> None:
    sup = api.login_staff("sup-kdl")
    add_supervisor(api, "sup-kdl-2")
    lock = {"kind": "lock_kiosk", "params": {"notice": "设备检修"}, "expires_in_s": 600}
    asked = _post(api, sup, registry.kdl, lock)
    assert asked.status_code == 202, asked.text
    pending = asked.json()
    assert (pending["kind"], pending["state"], pending["subject_id"]) == (
        "kiosk_lock",
        "pending",
        registry.kdl,
    )
    assert _get(api, sup, "/api/v1/staff/booth-commands").json()["commands"] == []
    again = _post(api, sup, registry.kdl, lock)
    assert again.json() == pending and again.headers.get("Idempotent-Replayed") == "true"
    own = decide(api, "sup-kdl", pending["id"])
    assert own.status_code == 403 and own.json()["error"] == "approvals.same_person"
    foreign = decide(api, "sup-qs", pending["id"])
    assert foreign.status_code == 403 and foreign.json()["error"] == "auth.out_of_scope"
    command = approved(api, asked, "sup-kdl-2").json()["result"]
    assert (command["kind"], command["state"], command["issued_by"]) == (
        "lock_kiosk",
        "queued",
        "sup-kdl",
    )
    assert command["params"] == {"notice": "设备检修"}
    listed = _get(api, sup, "/api/v1/staff/booth-commands").json()["commands"]
    assert [c["id"] for c in listed] == [command["id"]]
    # unlocking is not a risky act: queued at once
    unlock = _post(api, sup, registry.kdl, {"kind": "unlock_kiosk"}, key="k-unlock")
    assert unlock.status_code == 201 and unlock.json()["state"] == "queued"
