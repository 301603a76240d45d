"""A schema-driven fuzz run of the centre's API (issue 12, item 5): schemathesis generates
requests from the OpenAPI document (valid and invalid ones, every operation, all checks) and
sends them to the ASGI app on a seeded SQLite database with real tokens (an administrator
for the staff routes, a booth and a verified citizen for the booth routes), so the
authenticated routes are exercised past the log-in. Every answer must be what the document
says (status, body schema, headers), never a server error.

Bounded in time: a few examples per operation (``MAX_EXAMPLES``), no shrinking beyond what
reproduces a failure. Excluded: the live event stream (``/api/v1/live``: it never ends).
Decision record: docs/decisions/0015-error-contract-and-pages.md."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from schemathesis.generation.modes import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from gangting.app import create_app  # noqa: E402
from gangting.config import Settings  # noqa: E402
from gangting.context import build_context  # noqa: E402
from gangting.identity.models import IdentityToken  # noqa: E402
from gangting.integrations.learning import FakeLearningPlatform  # noqa: E402
from gangting.integrations.payment import FakePaymentPlatform  # noqa: E402
from gangting.kernel.clock import FixedClock  # noqa: E402
from tests import builders  # noqa: E402
from tests.conftest import NOW  # noqa: E402

MAX_EXAMPLES = int(os.environ.get("GANGTING_FUZZ_EXAMPLES", "8"))
IDENTITY_TOKEN = "fuzz-identity-token"
BOOTH_PREFIXES = (
    "/api/v1/identity/",
    "/api/v1/me/",
    "/api/v1/violations/",
    "/api/v1/payments",
    "/api/v1/licences/",
    "/api/v1/vehicles/",
    "/api/v1/points/",
    "/api/v1/ratings",
    "/api/v1/surveys/",
    "/api/v1/help-calls",
    "/api/v1/booths/",
    "/api/v1/receipts/",
    "/api/v1/booth/",
)
EXCLUDED = {"/api/v1/live"}  # the live event stream never ends


def _seed(ctx: Any) -> dict[str, str]:
    """A detachment with a brigade, a booth, an administrator and a driver with a car and
    two violations; an identity token for the driver at the booth (inserted as the identity
    check would, so the citizen routes get past it)."""
    with ctx.uow() as uow:
        top = builders.org_unit(uow, "BT", kind="detachment")
        kdl = builders.org_unit(uow, "KDL", top)
        booth = builders.booth(uow, kdl)
        builders.staff(uow, top, "admin", "admin")
        builders.staff(uow, kdl, "off-kdl", "officer")
        driver = builders.citizen(uow)
        car = builders.vehicle(uow, driver, "蒙B12345")
        builders.violation(uow, car, "1625")
        builders.violation(uow, car, "1344", days_ago=10)
        uow.session.execute(
            insert(IdentityToken).values(
                token_hash=hashlib.sha256(IDENTITY_TOKEN.encode()).hexdigest(),
                citizen_id=driver.id,
                booth_id=booth.id,
                issued_at=uow.clock.now(),
                expires_at=uow.clock.now() + timedelta(days=3650),
            )
        )
    return {"driver": driver.id_number}


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Any]:
    var = tmp_path_factory.mktemp("fuzz")
    shutil.copy(sqlite_template, var / "centre.db")
    clock = FixedClock(NOW)
    ctx = build_context(
        Settings(database_url=f"sqlite:///{var / 'centre.db'}", var_dir=var),
        clock=clock,
        payments=FakePaymentPlatform(var / "pay.db", clock=clock),
        learning=FakeLearningPlatform(),
    )
    _seed(ctx)
    app = create_app(ctx)
    tokens = {}
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        for kind, path, body in (
            (
                "staff",
                "/api/v1/auth/staff",
                builders.staff_login("admin", clock.now()),
            ),
            (
                "booth",
                "/api/v1/auth/booth",
                {"booth_code": "BT-KDL-001", "secret": builders.BOOTH_SECRET},
            ),
        ):
            answer = client.post(path, json=body)
            assert answer.status_code == 200, answer.text
            tokens[kind] = answer.json()["access_token"]
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", app, headers={"Authorization": f"Bearer {tokens['staff']}"}
    )

    @schema.auth()
    class Tokens:
        """The administrator's token for the staff routes; the booth's and the citizen's
        identity token for the booth routes."""

        def get(self, case: Any, context: Any) -> dict[str, str]:
            return tokens

        def set(self, case: Any, data: dict[str, str], context: Any) -> None:
            case.headers = {**(case.headers or {}), **_headers(case.operation.path, data)}

    yield schema
    ctx.close()


def _headers(path: str, tokens: dict[str, str]) -> dict[str, str]:
    if path.startswith(BOOTH_PREFIXES):
        return {"Authorization": f"Bearer {tokens['booth']}", "X-Identity-Token": IDENTITY_TOKEN}
    return {"Authorization": f"Bearer {tokens['staff']}"}


def positive_data_accepted_unless_a_rule_refuses(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis's ``positive_data_acceptance``, less one kind of answer: a 422 with a
    named rule's code (a check digit, a plate's format, a time range, a key reused with
    another request: rules JSON Schema cannot state). A 422 ``request.invalid`` (the request
    matched the document and the app's own parsing refused it) still fails."""
    if response.status_code == 422 and case.meta and case.meta.generation.mode.is_positive:
        if response.json().get("error") != "request.invalid":
            return None
    result: bool | None = positive_data_acceptance(ctx, response, case)
    return result


def _takes_input(operation: Any) -> bool:
    return bool(list(operation.iter_parameters())) or bool(operation.body)


def _fuzz(operation: Any, mode: Any, calls: list[int]) -> None:
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, auth_storage=operation.schema.auth))
    def run(case: Any) -> None:
        calls[0] += 1
        if mode.is_positive and case.headers and "Idempotency-Key" in case.headers:
            # A client's key is unique per business act; the generator's strings repeat
            case.headers["Idempotency-Key"] = uuid.uuid4().hex
        case.call_and_validate(
            excluded_checks=[positive_data_acceptance],
            additional_checks=[positive_data_accepted_unless_a_rule_refuses],
        )

    run()


def test_the_api_answers_what_its_document_says(fuzzed: Any) -> None:
    started = time.monotonic()
    calls = [0]
    operations = 0
    failures: list[str] = []
    for result in fuzzed.get_all_operations():
        operation = result.ok()
        if operation.path in EXCLUDED:
            continue
        operations += 1
        modes = [GenerationMode.POSITIVE]
        if _takes_input(operation):  # nothing to make invalid otherwise
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:
            try:
                _fuzz(operation, mode, calls)
            except (
                Exception,
                BaseExceptionGroup,
            ) as exc:  # each failure is reported, the run goes on
                failures.append(f"{operation.method.upper()} {operation.path} [{mode}]: {exc}")
    elapsed = time.monotonic() - started
    print(f"fuzz: {operations} operations, {calls[0]} requests, {elapsed:.1f} s")
    assert failures == [], "\n\n".join(failures)
