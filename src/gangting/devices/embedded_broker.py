"""The embedded broker for `gangting up`: amqtt (pure Python, asyncio) so a newcomer needs
nothing installed. Production runs Mosquitto or EMQX (``GANGTING_MQTT_BROKER=external``).

It runs on its own event loop in a background thread (``EmbeddedBroker``) or as its own
process (``python -m gangting.devices.embedded_broker``, see ``spawn_embedded_broker``).
Two plugins make it behave like our Mosquitto:

- ``AccountsAuthPlugin``: without a password file any client that names itself is let in
  (demo on loopback); with one (the same file as Mosquitto's, from the registry) the
  password must match its ``$7$`` hash and the client id must be the username (Mosquitto's
  ``use_username_as_clientid``). Anonymous clients are never let in: amqtt keeps no
  offline messages for them.
- ``AccountsTopicPlugin``: with ``enforce`` the same ACL as Mosquitto's (booths.topics):
  a booth only its own topics, the centre everything.

``GangtingBroker`` mends three faults of amqtt 0.12 (pinned) without touching it:

- On every CONNECT amqtt sends the new client the retained messages of *every* client's
  subscriptions (the centre's ``booths/+/state`` and ``booths/+/availability`` included),
  not only its own: a booth got the other booths' retained state and availability and
  refused them as commands. A client now gets the retained messages of its own
  subscriptions only, as from Mosquitto.
- amqtt walks its subscription table across awaits (broadcasting a message, sending
  retained messages on connect) while a disconnecting client's subscriptions are deleted
  from it: at shutdown with clients still connected this raised ``RuntimeError:
  dictionary changed size during iteration`` (a traceback in the demo's console). The
  table is walked over a snapshot.
- amqtt's shutdown stops each connection's reader by cancelling it mid-read; with clients
  still publishing the cancel can be lost and the shutdown never ends. The listeners and
  the client connections are closed first, so the readers end by themselves.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amqtt.broker import Broker
from amqtt.contexts import Action, BaseContext
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin
from amqtt.session import Session

from gangting.booths.credentials import mosquitto_verify
from gangting.booths.topics import (
    Access,
    booth_acl,
    centre_acl,
    may_publish,
    may_receive,
    may_subscribe,
    valid_booth_code,
)

log = logging.getLogger("gangting.devices.broker")

CLOSE_WAIT_S = 2.0  # at shutdown, for the client connections to close


def read_password_file(path: Path) -> dict[str, str]:
    """``username:hash`` lines (Mosquitto's password file format)."""
    accounts: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and ":" in line:
            username, hashed = line.split(":", 1)
            accounts[username] = hashed
    return accounts


class AccountsAuthPlugin(BaseAuthPlugin):  # type: ignore[misc]  # amqtt ships no types
    @dataclass
    class Config:
        password_file: str | None = None

    def __init__(self, context: BaseContext) -> None:
        super().__init__(context)
        path = self._get_config_option("password_file", None)
        self._accounts = read_password_file(Path(path)) if path else None

    async def authenticate(self, *, session: Session) -> bool:
        username = session.username
        if not username:
            return False
        if self._accounts is None:
            return True
        hashed = self._accounts.get(username)
        if hashed is None or not session.password or session.client_id != username:
            return False
        return mosquitto_verify(str(session.password), hashed)


class AccountsTopicPlugin(BaseTopicPlugin):  # type: ignore[misc]
    @dataclass
    class Config:
        enforce: bool = False
        centre_username: str = "gangting-centre"

    async def topic_filtering(
        self,
        *,
        session: Session | None = None,
        topic: str | None = None,
        action: Action | None = None,
    ) -> bool:
        if not self._get_config_option("enforce", False):
            return True
        if session is None or topic is None or session.username is None:
            return False
        username = session.username
        acl: list[tuple[Access, str]]
        if username == self._get_config_option("centre_username", "gangting-centre"):
            acl = centre_acl()
        elif valid_booth_code(username):
            acl = booth_acl(username)
        else:
            acl = []
        if action == Action.PUBLISH:
            return may_publish(acl, topic)
        if action == Action.SUBSCRIBE:
            return may_subscribe(acl, topic)
        return may_receive(acl, topic)


class _SubscriptionTable(dict[str, list[tuple[Session, int]]]):
    """amqtt's ``topic filter -> [(session, qos)]``, walked over a snapshot: entries may
    come and go while amqtt awaits inside its loops over the table."""

    def __iter__(self) -> Iterator[str]:
        return iter(list(super().keys()))

    def items(self) -> list[tuple[str, list[tuple[Session, int]]]]:  # type: ignore[override]
        return list(super().items())


class GangtingBroker(Broker):  # type: ignore[misc]
    """amqtt's broker with the faults above mended (see the module's docstring)."""

    _subscriptions: _SubscriptionTable

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._subscriptions = _SubscriptionTable(self._subscriptions)

    async def shutdown(self) -> None:
        for server in self._servers.values():
            if server.instance is not None:
                server.instance.close()  # no new connections while the old ones close
        handlers = [handler for _session, handler in self._sessions.values() if handler]
        writers = [h.writer.close() for h in handlers if h.writer is not None]
        readers = [h._reader_stopped.wait() for h in handlers if h._reader_task is not None]
        for step in (writers, readers):
            if step:
                tasks = [asyncio.ensure_future(coroutine) for coroutine in step]
                _done, late = await asyncio.wait(tasks, timeout=CLOSE_WAIT_S)
                for task in late:
                    task.cancel()
        await super().shutdown()

    async def _publish_retained_messages_for_subscription(
        self, subscription: tuple[str, int], session: Session
    ) -> None:
        holders = self._subscriptions.get(subscription[0], [])
        if any(held.client_id == session.client_id for held, _qos in holders):
            await super()._publish_retained_messages_for_subscription(subscription, session)


def broker_config(
    host: str, port: int, password_file: Path | None, centre_username: str
) -> dict[str, Any]:
    return {
        "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}},
        "plugins": {
            f"{__name__}.AccountsAuthPlugin": {
                "password_file": str(password_file) if password_file else None
            },
            f"{__name__}.AccountsTopicPlugin": {
                "enforce": password_file is not None,
                "centre_username": centre_username,
            },
        },
    }


class EmbeddedBroker:
    """amqtt on its own event loop in a daemon thread."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 1884,
        *,
        password_file: Path | None = None,
        centre_username: str = "gangting-centre",
    ) -> None:
        self.host = host
        self.port = port
        self._config = broker_config(host, port, password_file, centre_username)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._broker: GangtingBroker | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def start(self, timeout_s: float = 15.0) -> None:
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()
        self._loop = loop

        def run() -> None:
            asyncio.set_event_loop(loop)

            async def boot() -> None:
                self._broker = GangtingBroker(self._config, loop=loop)
                await self._broker.start()

            try:
                loop.run_until_complete(boot())
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="embedded-mqtt-broker", daemon=True)
        self._thread.start()
        if not ready.wait(timeout_s):
            raise RuntimeError("embedded MQTT broker did not start in time")
        if failure:
            raise RuntimeError(f"embedded MQTT broker failed to start: {failure[0]}")
        log.info("embedded MQTT broker on %s", self.url)

    def stop(self, timeout_s: float = 10.0) -> None:
        loop, broker, thread = self._loop, self._broker, self._thread
        if loop is None or broker is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(broker.shutdown(), loop).result(timeout_s)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout_s)
            self._loop = self._broker = self._thread = None


def wait_for_port(host: str, port: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def spawn_embedded_broker(
    host: str,
    port: int,
    *,
    password_file: Path | None = None,
    centre_username: str = "gangting-centre",
    timeout_s: float = 20.0,
    own_session: bool = False,
) -> subprocess.Popen[bytes]:
    """The embedded broker as a child process (its own GIL); returns once it listens.
    ``own_session``: out of the caller's process group, so a Ctrl+C in the terminal does
    not reach it and the caller stops it when its clients are gone (``gangting up``)."""
    args = [sys.executable, "-m", __name__, "--host", host, "--port", str(port)]
    args += ["--centre-username", centre_username]
    if password_file is not None:
        args += ["--password-file", str(password_file)]
    proc = subprocess.Popen(args, start_new_session=own_session)
    if not wait_for_port(host, port, timeout_s):
        proc.terminate()
        proc.wait(10)
        raise RuntimeError(f"embedded MQTT broker did not listen on {host}:{port}")
    return proc


def _not_a_probe(record: logging.LogRecord) -> bool:
    message = record.getMessage()
    return "No data to decode MQTT packet" not in message and "No data from" not in message


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="gangting embedded MQTT broker (amqtt)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1884)
    parser.add_argument("--password-file", type=Path, default=None)
    parser.add_argument("--centre-username", default="gangting-centre")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    # A port probe (connect, then close without a packet: wait_for_port, health checks) is
    # not an error worth a line in the demo's console.
    logging.getLogger("amqtt.broker").addFilter(_not_a_probe)
    config = broker_config(args.host, args.port, args.password_file, args.centre_username)

    async def serve() -> None:
        broker = GangtingBroker(config)
        await broker.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await broker.shutdown()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
