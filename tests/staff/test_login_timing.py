"""Unknown and known names cost the same (issue 12 §1, probe "an unknown user answers in 7 ms
and a known one in 438 ms, and Server-Timing shows it; the same for booth codes"): an unknown
name is checked against a dummy argon2 hash, the answers are byte for byte the same, and log-in
answers carry no Server-Timing."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import update

from gangting.booths.models import Booth
from gangting.staff.models import StaffAccount
from gangting.staff.service import dummy_hash, hash_secret
from tests.desks.conftest import Api, api, world

__all__ = ["api", "world"]

ROUNDS = 9
# Medians of interleaved attempts; argon2 (tens of ms) dominates both, so a leak of the old
# kind (one side skipping it: ~60x) is far outside this band.
RATIO = 1.6


@pytest.fixture
def real_hashes(api: Api, world: dict[str, Any]) -> None:
    """The accounts hashed as production hashes them (the builders' cheap hash would make the
    known side the fast one); limits raised so that the throttle stays out of the way."""
    with api.ctx.uow() as uow:
        uow.session.execute(
            update(StaffAccount)
            .where(StaffAccount.username == "off-kdl")
            .values(password_hash=hash_secret("Right-Password-1"))
        )
        uow.session.execute(
            update(Booth)
            .where(Booth.code == "BT-KDL-001")
            .values(secret_hash=hash_secret("right-booth-secret"))
        )
    api.ctx.settings.login_account_max_failures = 1000
    api.ctx.settings.login_source_max_failures = 1000
    dummy_hash()


def timed(post: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    r = post()
    return time.perf_counter() - started, r


def compare(known: Callable[[], Any], unknown: Callable[[], Any]) -> tuple[float, Any, Any]:
    known_s: list[float] = []
    unknown_s: list[float] = []
    answers: list[Any] = []
    for _ in range(ROUNDS):
        k, rk = timed(known)
        u, ru = timed(unknown)
        known_s.append(k)
        unknown_s.append(u)
        answers = [rk, ru]
    ratio = statistics.median(known_s) / statistics.median(unknown_s)
    return ratio, answers[0], answers[1]


def same_refusal(a: Any, b: Any) -> None:
    assert a.status_code == b.status_code == 401
    assert a.content == b.content
    assert "server-timing" not in a.headers and "server-timing" not in b.headers
    assert sorted(a.headers.keys()) == sorted(b.headers.keys())


@pytest.mark.usefixtures("real_hashes")
def test_an_unknown_username_costs_what_a_known_one_costs(api: Api) -> None:
    def login(name: str) -> Callable[[], Any]:
        body = {"username": name, "password": "Wrong-Password-1"}
        return lambda: api.client.post("/api/v1/auth/staff", json=body)

    ratio, known, unknown = compare(login("off-kdl"), login("no-such-officer"))
    same_refusal(known, unknown)
    assert 1 / RATIO < ratio < RATIO, ratio


@pytest.mark.usefixtures("real_hashes")
def test_an_unknown_booth_code_costs_what_a_known_one_costs(api: Api) -> None:
    def login(code: str) -> Callable[[], Any]:
        body = {"booth_code": code, "secret": "wrong-booth-secret"}
        return lambda: api.client.post("/api/v1/auth/booth", json=body)

    ratio, known, unknown = compare(login("BT-KDL-001"), login("BT-NONE-404"))
    same_refusal(known, unknown)
    assert 1 / RATIO < ratio < RATIO, ratio


@pytest.mark.usefixtures("real_hashes")
def test_an_inactive_account_costs_the_same_and_answers_the_same(api: Api) -> None:
    with api.ctx.uow() as uow:
        uow.session.execute(
            update(StaffAccount).where(StaffAccount.username == "off-kdl").values(active=False)
        )

    def login(name: str, password: str) -> Callable[[], Any]:
        body = {"username": name, "password": password}
        return lambda: api.client.post("/api/v1/auth/staff", json=body)

    ratio, inactive, unknown = compare(
        login("off-kdl", "Right-Password-1"), login("no-such-officer", "Right-Password-1")
    )
    same_refusal(inactive, unknown)
    assert 1 / RATIO < ratio < RATIO, ratio


def test_other_answers_still_carry_server_timing(api: Api) -> None:
    assert "server-timing" in api.client.get("/healthz").headers
