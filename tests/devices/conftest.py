"""Device tests: a registry of two booths in two brigades with broker accounts, staff of
each role, and brokers (the run's own Mosquitto, the embedded amqtt broker)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from gangting.booths.credentials import issue_broker_password
from gangting.devices.embedded_broker import EmbeddedBroker
from gangting.kernel.actor import SYSTEM
from tests import builders
from tests.desks.conftest import Api, api  # noqa: F401  (the API fixture, reused)
from tests.devices.harness import Harness, free_port
from tests.mosquitto import require_mosquitto


@dataclass
class Registry:
    kdl: str  # a booth of the KDL brigade
    qs: str  # a booth of the QS brigade
    passwords: dict[str, str]


@pytest.fixture
def registry(api: Api) -> Registry:  # noqa: F811
    tag = uuid.uuid4().hex[:5].upper()
    with api.ctx.uow() as uow:
        top = builders.org_unit(uow, "BT", kind="detachment")
        kdl = builders.org_unit(uow, "KDL", top)
        qs = builders.org_unit(uow, "QS", top)
        builders.booth(uow, kdl, code=f"BT-K{tag}-001")
        builders.booth(uow, qs, code=f"BT-Q{tag}-001")
        builders.staff(uow, kdl, "sup-kdl", "supervisor")
        builders.staff(uow, kdl, "off-kdl", "officer")
        builders.staff(uow, qs, "sup-qs", "supervisor")
        builders.staff(uow, top, "admin", "admin")
        codes = [f"BT-K{tag}-001", f"BT-Q{tag}-001"]
        passwords = {c: issue_broker_password(uow, SYSTEM, c)["password"] for c in codes}
    return Registry(codes[0], codes[1], passwords)


@pytest.fixture(scope="session")
def system_mosquitto() -> str:
    """The run's own Mosquitto (tests/mosquitto.py), never the machine's on 1883."""
    return require_mosquitto()


@pytest.fixture
def embedded_broker() -> Iterator[str]:
    broker = EmbeddedBroker("127.0.0.1", free_port())
    broker.start()
    yield broker.url
    broker.stop()


@pytest.fixture(params=["mosquitto", "embedded"])
def broker_url(request: pytest.FixtureRequest) -> str:
    if request.param == "mosquitto":
        return str(request.getfixturevalue("system_mosquitto"))
    return str(request.getfixturevalue("embedded_broker"))


@pytest.fixture
def harness(api: Api, broker_url: str) -> Iterator[Harness]:  # noqa: F811
    h = Harness(broker_url, api.ctx.uow, api.clock)
    yield h
    h.close()
