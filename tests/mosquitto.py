"""The test run's own Mosquitto: one private broker per pytest process, on a port it chose.

Tests never talk to the machine's broker on 1883: a running demo (or another test run) may
own it and publish on the same booth topics. The broker is started from the system binary
on first use and stopped when the process exits.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

REQUIRE_MQTT = os.environ.get("GANGTING_TEST_REQUIRE_MQTT") == "1"

_url: str | None = None


def mosquitto_binary() -> str | None:
    found = shutil.which("mosquitto")
    if found:
        return found
    return "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _start(binary: str) -> str:
    directory = Path(tempfile.mkdtemp(prefix="gangting-test-mosquitto-"))
    port = _free_port()
    lines = [
        f"listener {port} 127.0.0.1",
        "allow_anonymous true",
        "persistence false",
        "max_inflight_messages 1000",
        "max_queued_messages 10000",
    ]
    if os.geteuid() == 0:
        lines.append("user root")  # as root it would drop to 'mosquitto' otherwise
    conf = directory / "mosquitto.conf"
    conf.write_text("\n".join(lines) + "\n")
    log = (directory / "mosquitto.log").open("wb")
    proc = subprocess.Popen([binary, "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(directory, ignore_errors=True)

    atexit.register(stop)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if _listening(port):
            return f"mqtt://127.0.0.1:{port}"
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    stop()
    raise RuntimeError(f"test Mosquitto did not start: {(directory / 'mosquitto.log')}")


def private_mosquitto_url() -> str | None:
    """The URL of this process's private Mosquitto, started on first use; None where no
    Mosquitto binary is installed."""
    global _url
    if _url is None:
        binary = mosquitto_binary()
        if binary is None:
            return None
        _url = _start(binary)
    return _url


def require_mosquitto() -> str:
    """The private broker's URL for a test; without Mosquitto installed the test is skipped,
    or fails where the run requires MQTT (GANGTING_TEST_REQUIRE_MQTT=1, CI)."""
    import pytest

    url = private_mosquitto_url()
    if url is None:
        if REQUIRE_MQTT:
            pytest.fail("Mosquitto required (GANGTING_TEST_REQUIRE_MQTT=1) but not installed")
        pytest.skip("Mosquitto not installed")
    return url
