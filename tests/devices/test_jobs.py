"""The entry points the command line calls: broker files from the registry, a booth's new
broker password, the retention job, the expiry sweep, and the embedded broker as its own
process."""

from __future__ import annotations

import os
import stat
import uuid
from pathlib import Path

from gangting.booths.credentials import mosquitto_verify
from gangting.config import Settings
from gangting.devices import jobs
from gangting.devices.embedded_broker import read_password_file, spawn_embedded_broker
from gangting.devices.tls import broker_file_access, broker_user_ids
from tests.desks.conftest import Api
from tests.devices.conftest import Registry
from tests.devices.harness import connect, free_port, plain_client, wait_until


def test_broker_files_come_from_the_registry_and_a_new_password_replaces_the_old(
    api: Api, registry: Registry, tmp_path: Path
) -> None:
    settings = Settings(database_url=api.ctx.settings.database_url, mqtt_password="centre-pw-1234")
    issued = jobs.issue_broker_password(settings, registry.kdl)
    assert issued["username"] == registry.kdl and len(issued["password"]) >= 24
    files = jobs.write_mosquitto_files(settings, tmp_path / "broker", port=18990)
    accounts = read_password_file(files.password_file)
    assert set(accounts) == {"gangting-centre", registry.kdl, registry.qs}
    assert mosquitto_verify(issued["password"], accounts[registry.kdl])
    assert not mosquitto_verify(registry.passwords[registry.kdl], accounts[registry.kdl])
    assert mosquitto_verify("centre-pw-1234", accounts["gangting-centre"])
    acl = files.acl_file.read_text()
    assert f"user {registry.qs}\ntopic write gangting/v1/booths/{registry.qs}/telemetry/+" in acl
    conf = files.conf_file.read_text()
    assert "allow_anonymous false" in conf and "use_username_as_clientid true" in conf
    # Owner only, or (written by root) the broker's group may read: never anyone else.
    expected = broker_file_access(os.geteuid(), broker_user_ids("mosquitto"))
    assert stat.S_IMODE(files.password_file.stat().st_mode) == expected.mode
    assert files.password_file.stat().st_mode & 0o037 == 0


def test_the_job_entry_points_run_on_the_configured_database(api: Api, registry: Registry) -> None:
    settings = Settings(database_url=api.ctx.settings.database_url)
    assert jobs.purge_telemetry_history(settings, keep_days=30) == 0
    assert jobs.sweep_expired_commands(settings) == 0


def test_the_embedded_broker_runs_as_its_own_process_and_refuses_anonymous_clients() -> None:
    port = free_port()
    proc = spawn_embedded_broker("127.0.0.1", port)
    try:
        url = f"mqtt://127.0.0.1:{port}"
        got: list[bytes] = []
        named = plain_client(url, f"t-{uuid.uuid4().hex[:6]}", username="BT-KDL-001")
        named.on_message = lambda _c, _u, m: got.append(m.payload)
        assert connect(named)
        subscribed: list[bool] = []
        named.on_subscribe = lambda *_a: subscribed.append(True)
        named.subscribe("gangting/v1/test", qos=1)
        assert wait_until(lambda: subscribed)
        named.publish("gangting/v1/test", b"hello", qos=1).wait_for_publish(5)
        assert wait_until(lambda: got == [b"hello"])
        named.disconnect()
        named.loop_stop()
        assert not connect(plain_client(url, "anonymous-client"), 5)
    finally:
        proc.terminate()
        assert proc.wait(10) == 0
