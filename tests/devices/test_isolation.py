"""Test isolation (issue 12 §8): the API test app is built with settings that name only the
brokers, servers and databases the run started, on ports it chose. The probe found the test
setup's default broker at 127.0.0.1:1884, the port a running demo's broker listens on, so
every API test's live publisher and hub connected to someone else's broker.

The guard checks the settings the test apps are built with (the ``api`` fixture's, and a
``Settings()`` or ``NodeSettings()`` a test builds without naming addresses): every MQTT
and HTTP address is this run's (tests/conftest.py ``NO_SERVICE_PORT``, the run's private
Mosquitto, or a port a test chose), never a well-known one; the database is the test's
own copy (SQLite in a temporary directory, or a ``gangting_test_*`` database on the
configured PostgreSQL)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from gangting.config import Settings
from gangting.devices.connection import BrokerAddress
from gangting.node.config import NodeSettings
from tests import conftest
from tests.desks.conftest import Api

# What a running demo or a machine's own services listen on: MQTT (plain, the demo's
# embedded broker, the centre's listener, TLS), the centre, the booth node, PostgreSQL.
WELL_KNOWN_PORTS = frozenset({1883, 1884, 1885, 8883, 8600, 8700, 5432})


def broker_ports(settings: Settings) -> list[int]:
    urls = [settings.mqtt_url, settings.live_mqtt_url or settings.mqtt_url]
    return [BrokerAddress.parse(url).port for url in urls]


def isolation_problems(settings: Settings, tmp_root: Path) -> list[str]:
    """What in ``settings`` could reach a service this test run did not start."""
    problems = [
        f"MQTT broker on well-known port {port}"
        for port in broker_ports(settings)
        if port in WELL_KNOWN_PORTS
    ]
    db = make_url(settings.database_url)
    if db.get_backend_name() == "sqlite":
        path = Path(db.database or "")
        if not path.is_absolute() or not path.resolve().is_relative_to(tmp_root.resolve()):
            problems.append(f"SQLite database outside the test's directories: {path}")
    else:
        configured = make_url(conftest.PG_URL)
        if (db.host, db.port or 5432) != (configured.host, configured.port or 5432):
            problems.append(f"PostgreSQL other than the configured one: {db.host}:{db.port}")
        if not (db.database or "").startswith("gangting_test_"):
            problems.append(f"PostgreSQL database not a test's own: {db.database}")
    return problems


def test_the_api_test_app_names_only_this_runs_services(api: Api, tmp_path: Path) -> None:
    settings = api.ctx.settings
    assert isolation_problems(settings, tmp_path) == []
    assert broker_ports(settings) == [conftest.NO_SERVICE_PORT] * 2


def test_settings_built_without_addresses_default_to_the_runs_held_port(tmp_path: Path) -> None:
    settings = Settings()
    assert settings.mqtt_url == conftest.NO_BROKER_URL
    assert settings.live_mqtt_url == ""
    assert str(conftest._RUN_DIR) in settings.database_url
    node = NodeSettings()
    assert node.centre_url == conftest.NO_CENTRE_URL
    assert node.node_mqtt_url == ""


def test_the_held_port_refuses_connections_at_once() -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", conftest.NO_SERVICE_PORT), timeout=2).close()
    # ... and nothing else can listen there while the run holds it.
    with socket.socket() as s, pytest.raises(OSError):
        s.bind(("127.0.0.1", conftest.NO_SERVICE_PORT))


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"mqtt_url": "mqtt://127.0.0.1:1884"}, "well-known port 1884"),
        ({"live_mqtt_url": "mqtt://127.0.0.1:1883"}, "well-known port 1883"),
        ({"database_url": "sqlite:///var/gangting.db"}, "SQLite database outside"),
        ({"database_url": "postgresql+psycopg://postgres@10.0.0.9:5432/gangting"}, "PostgreSQL"),
    ],
)
def test_the_guard_names_a_setting_that_reaches_out(
    tmp_path: Path, overrides: dict[str, str], problem: str
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'c.db'}").model_copy(update=overrides)
    problems = isolation_problems(settings, tmp_path)
    assert any(problem in p for p in problems), problems
