"""The booths' TLS listener (issue 12 §7): the generated configuration has one, the platform
makes a CA and per-booth certificates for the demo and tests, and the files are readable by
the broker's user. The system Mosquitto is started with the generated files on ports this
test chose, as the user running the tests (as root it drops to ``mosquitto``, as the probe
found): a booth connects with its certificate, one without a certificate or with one from
another CA is refused, and the certificate's name is the booth's only identity."""

from __future__ import annotations

import os
import shutil
import ssl
import stat
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, select

from gangting.booths.models import TelemetryReading
from gangting.booths.topics import telemetry_topic
from gangting.config import Settings
from gangting.devices import jobs
from gangting.devices.centre_link import CentreLink
from gangting.devices.connection import BrokerAddress, ClientTls
from gangting.devices.ingest import InboundRouter
from gangting.devices.mosquitto import TlsListener, conf_text
from gangting.devices.tls import (
    OWNER_ONLY,
    FileAccess,
    broker_file_access,
    broker_user_ids,
    directory_access,
    write_demo_pki,
)
from gangting.kernel.clock import SystemClock
from gangting.node.mqtt_link import BoothLink, CommandResult
from tests.desks.conftest import Api
from tests.devices.conftest import Registry
from tests.devices.harness import PrivateMosquitto, free_port, mosquitto_available, wait_until

CENTRE_PASSWORD = "centre-pw-tls-1234"
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


# --- who may read the files (pure)


def test_files_are_for_the_brokers_group_when_root_writes_them() -> None:
    """Mosquitto started as root drops to its own user before reading its files: root's
    0600 files were unreadable to it. Root with a broker user: root's, the broker's group,
    0640; anyone else (the broker runs as them): 0600."""
    assert broker_file_access(0, (105, 108)) == FileAccess(0o640, 0, 108)
    assert broker_file_access(0, None) == OWNER_ONLY
    assert broker_file_access(1000, (105, 108)) == OWNER_ONLY
    assert directory_access(FileAccess(0o640, 0, 108)) == FileAccess(0o750, 0, 108)
    assert directory_access(OWNER_ONLY) == FileAccess(0o700)
    assert broker_user_ids("no-such-user-gangting") is None


def _settings(api: Api) -> Settings:
    return Settings(database_url=api.ctx.settings.database_url, mqtt_password=CENTRE_PASSWORD)


def _mode(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid


def test_written_as_another_user_the_files_stay_owner_only(
    api: Api, registry: Registry, tmp_path: Path
) -> None:
    files = jobs.write_mosquitto_files(
        _settings(api), tmp_path / "b", port=free_port(), tls=jobs.TlsOptions(), euid=1000
    )
    for path in (
        files.conf_file,
        files.password_file,
        files.acl_file,
        tmp_path / "b/tls/broker.key",
    ):
        assert _mode(path)[0] == 0o600, path


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_written_as_root_the_broker_user_can_read_them_but_not_the_keys_it_needs_not(
    api: Api, registry: Registry, tmp_path: Path
) -> None:
    ids = broker_user_ids("mosquitto")
    if ids is None:
        pytest.skip("no mosquitto user on this system")
    out = tmp_path / "b"
    files = jobs.write_mosquitto_files(_settings(api), out, port=free_port(), tls=jobs.TlsOptions())
    for path in (files.conf_file, files.password_file, files.acl_file):
        assert _mode(path) == (0o640, 0, ids[1]), path
    for name in ("ca.crt", "broker.crt", "broker.key"):
        assert _mode(out / "tls" / name) == (0o640, 0, ids[1]), name
    assert _mode(out) == (0o750, 0, ids[1])
    # The CA key and the booths' keys are not the broker's to read.
    assert _mode(out / "tls/ca.key") == (0o600, 0, 0)
    assert _mode(out / f"tls/booths/{registry.kdl}.key") == (0o600, 0, 0)
    assert _mode(out / "tls/booths")[0] == 0o700


# --- the certificates and the configuration


def test_the_demo_pki_names_each_booth_and_reuses_its_ca(tmp_path: Path) -> None:
    pki = write_demo_pki(tmp_path / "tls", ["BT-KDL-001"], NOW, server_names=["broker.local"])
    cert = x509.load_pem_x509_certificate(pki.booths["BT-KDL-001"].cert_file.read_bytes())
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "BT-KDL-001"
    ca = x509.load_pem_x509_certificate(pki.ca_file.read_bytes())
    assert cert.issuer == ca.subject
    cert.verify_directly_issued_by(ca)
    server = x509.load_pem_x509_certificate(pki.cert_file.read_bytes())
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["broker.local"]
    # A booth added later: the same CA signs its certificate.
    again = write_demo_pki(tmp_path / "tls", ["BT-KDL-002"], NOW)
    later = x509.load_pem_x509_certificate(again.booths["BT-KDL-002"].cert_file.read_bytes())
    later.verify_directly_issued_by(ca)
    with pytest.raises(ValueError):
        write_demo_pki(tmp_path / "tls", ["bt/#"], NOW)


def test_the_tls_listener_requires_a_certificate_whose_name_is_the_username(tmp_path: Path) -> None:
    tls = TlsListener("0.0.0.0", 8883, tmp_path / "ca", tmp_path / "crt", tmp_path / "key")
    conf = conf_text("0.0.0.0", 1883, tmp_path / "p", tmp_path / "a", tls_listener=tls)
    part = conf.split("listener 8883 0.0.0.0")[1]
    for line in (
        "require_certificate true",
        "use_identity_as_username true",
        "use_username_as_clientid true",
        "allow_anonymous false",
        f"cafile {tmp_path / 'ca'}",
        f"acl_file {tmp_path / 'a'}",
    ):
        assert line in part, line
    assert "password_file" not in part
    only = conf_text(
        "0.0.0.0", 1883, tmp_path / "p", tmp_path / "a", tls_listener=tls, booths_plain=False
    )
    assert "listener 1883" not in only and "listener 8883 0.0.0.0" in only
    with pytest.raises(ValueError):
        conf_text("0.0.0.0", 8883, tmp_path / "p", tmp_path / "a", tls_listener=tls)


# --- the system Mosquitto with the generated files


@pytest.fixture
def tls_broker(api: Api, registry: Registry) -> Iterator[tuple[Path, int, int]]:
    """The generated files (TLS, password and centre listeners on free ports) in a
    directory the broker's user can reach, and Mosquitto started from them, as this user."""
    if not mosquitto_available():
        pytest.skip("Mosquitto not installed")
    out = Path(tempfile.mkdtemp(prefix="gangting-tls-broker-"))  # under /tmp: reachable
    tls_port, centre_port = free_port(), free_port()
    files = jobs.write_mosquitto_files(
        _settings(api),
        out,
        host="127.0.0.1",
        port=free_port(),
        centre_port=centre_port,
        tls=jobs.TlsOptions(port=tls_port, host="127.0.0.1"),
    )
    broker = PrivateMosquitto(files.conf_file, tls_port, out / "mosquitto.log")
    yield out, tls_port, centre_port
    broker.stop()
    shutil.rmtree(out, ignore_errors=True)


def _tls_client(
    out: Path, port: int, client_id: str, cert: tuple[Path, Path] | None
) -> tuple[mqtt.Client, bool]:
    """A paho client over TLS (``tls_set``) with ``cert`` (certificate, key) or none;
    whether the broker accepted it (a refusal ends the wait: the connection drops)."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
    client.tls_set(
        ca_certs=str(out / "tls/ca.crt"),
        certfile=None if cert is None else str(cert[0]),
        keyfile=None if cert is None else str(cert[1]),
    )
    accepted, settled = threading.Event(), threading.Event()

    def on_connect(*args: object) -> None:
        if not getattr(args[3], "is_failure", True):
            accepted.set()
        settled.set()

    client.on_connect = on_connect
    client.on_disconnect = lambda *args: settled.set()
    try:
        client.connect("127.0.0.1", port, keepalive=10)
    except (ssl.SSLError, OSError):
        return client, False
    client.loop_start()
    settled.wait(10)
    return client, accepted.is_set()


def _booth_cert(out: Path, code: str) -> tuple[Path, Path]:
    return out / f"tls/booths/{code}.crt", out / f"tls/booths/{code}.key"


def test_a_booth_connects_over_tls_with_its_certificate_and_publishes_as_itself(
    registry: Registry, tls_broker: tuple[Path, int, int]
) -> None:
    out, tls_port, centre_port = tls_broker
    received: list[str] = []
    centre = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="centre-tls-test")
    centre.username_pw_set("gangting-centre", CENTRE_PASSWORD)
    subscribed = threading.Event()
    centre.on_message = lambda c, u, m: received.append(m.topic)
    centre.on_subscribe = lambda *a: subscribed.set()
    centre.on_connect = lambda c, *a: c.subscribe("gangting/v1/booths/#", qos=1)
    centre.connect("127.0.0.1", centre_port)
    centre.loop_start()
    booth, ok = _tls_client(out, tls_port, registry.kdl, _booth_cert(out, registry.kdl))
    try:
        assert ok, (out / "mosquitto.log").read_text()
        assert subscribed.wait(5)
        mine, other = telemetry_topic(registry.kdl, "door"), telemetry_topic(registry.qs, "door")
        booth.publish(other, b"{}", qos=1).wait_for_publish(5)  # the ACL drops it
        booth.publish(mine, b"{}", qos=1).wait_for_publish(5)
        assert wait_until(lambda: mine in received, 5)
        assert other not in received
    finally:
        booth.loop_stop()
        booth.disconnect()
        centre.loop_stop()
        centre.disconnect()


def test_without_a_valid_certificate_a_client_is_refused(
    registry: Registry, tls_broker: tuple[Path, int, int], tmp_path: Path
) -> None:
    out, tls_port, _ = tls_broker
    client, ok = _tls_client(out, tls_port, registry.kdl, None)
    client.loop_stop()
    assert not ok
    # A certificate for the same booth code from a CA the broker does not trust.
    foreign = write_demo_pki(tmp_path / "foreign", [registry.kdl], SystemClock().now())
    creds = foreign.booths[registry.kdl]
    client, ok = _tls_client(out, tls_port, registry.kdl, (creds.cert_file, creds.key_file))
    client.loop_stop()
    assert not ok
    # Plain MQTT on the TLS port is no way in either.
    plain = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="plain")
    plain.username_pw_set("gangting-centre", CENTRE_PASSWORD)
    accepted = threading.Event()
    plain.on_connect = lambda c, u, f, rc, p: accepted.set() if not rc.is_failure else None
    try:
        plain.connect("127.0.0.1", tls_port, keepalive=5)
        plain.loop_start()
        assert not accepted.wait(2)
    except (TimeoutError, OSError):
        pass
    finally:
        plain.loop_stop()


def test_the_booth_nodes_link_connects_with_its_certificate_and_the_centre_stores_its_report(
    api: Api, registry: Registry, tls_broker: tuple[Path, int, int]
) -> None:
    """The node's own link (``GANGTING_NODE_MQTT_CA_FILE``/``_CERT_FILE``/``_KEY_FILE``) on
    the TLS listener, no password; the centre on its own listener stores the reading."""
    out, tls_port, centre_port = tls_broker
    centre = CentreLink(
        InboundRouter(api.ctx.uow),
        api.ctx.uow,
        BrokerAddress("127.0.0.1", centre_port),
        username="gangting-centre",
        password=CENTRE_PASSWORD,
        client_id=f"centre-{registry.kdl}",
    )
    cert, key = _booth_cert(out, registry.kdl)
    booth = BoothLink(
        registry.kdl,
        BrokerAddress("127.0.0.1", tls_port, tls=True),
        password=None,
        on_command=lambda _c: CommandResult(ok=True),
        clock=api.clock,
        tls=ClientTls(str(out / "tls/ca.crt"), str(cert), str(key)),
    )
    centre.start()
    booth.start()
    try:
        assert centre.wait_connected(10) and booth.wait_connected(10)

        # Until the centre's subscription is in place at the broker, a reading may find no
        # subscriber: publish until one is stored.
        def stored() -> bool:
            booth.publish_telemetry("door", "open").wait_for_publish(5)
            return wait_until(lambda: _readings(api) >= 1, 0.5)

        assert wait_until(stored, 15)
    finally:
        booth.stop(timeout_s=3)
        centre.stop(timeout_s=3)


def _readings(api: Api) -> int:
    with api.ctx.uow() as uow:
        return int(
            uow.session.execute(select(func.count()).select_from(TelemetryReading)).scalar_one()
        )
