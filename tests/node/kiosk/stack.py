"""A real centre and a real booth node as subprocesses, for browser tests, screenshots and
the per-flow measurement. Nothing here is a fake: the centre is `gangting.asgi:app` on a
seeded SQLite file, the node is `gangting booth` with its simulated hardware."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from gangting.cli import provision_demo_booth_key
from gangting.config import Settings

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(
    url: str, timeout_s: float = 30.0, proc: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status < 500:
                    return
        except urllib.error.HTTPError as e:
            if e.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer in {timeout_s} s")


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())


@dataclass
class Demo:
    """What the seed wrote to demo-credentials.txt: booths, citizens by role, study refs."""

    booths: list[tuple[str, str]]
    citizens: dict[str, dict[str, str]]
    study_refs: dict[str, str]
    # seed.services: what -> reference (instalments HQ…, objection YY…, cognitive_test SL…)
    refs: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> Demo:
        section = ""
        booths: list[tuple[str, str]] = []
        citizens: dict[str, dict[str, str]] = {}
        study: dict[str, str] = {}
        refs: dict[str, str] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("## "):
                section = line
                continue
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if "Booths" in section:
                booths.append((cols[0], cols[1]))
            elif "Demo citizens" in section:
                citizens[cols[0]] = {"name": cols[1], "id_number": cols[2], "plates": cols[3]}
            elif "Study" in section:
                study[cols[1]] = cols[0]
            elif "Booth business refs" in section:
                refs[cols[0]] = cols[1]
        return cls(booths, citizens, study, refs)


@dataclass
class Centre:
    var_dir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    workers: int = 1  # uvicorn worker processes

    @property
    def db_path(self) -> Path:
        return self.var_dir / "centre.db"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "GANGTING_DATABASE_URL": f"sqlite:///{self.db_path}",
            "GANGTING_VAR_DIR": str(self.var_dir),
        }

    def seed(self) -> Demo:
        from gangting.seed.city import seed_database

        self.var_dir.mkdir(parents=True, exist_ok=True)
        settings = Settings(database_url=f"sqlite:///{self.db_path}", var_dir=self.var_dir)
        seed_database(settings, scale="tiny", seed=20261126, console=Console(quiet=True))
        return Demo.read(self.var_dir / "demo-credentials.txt")

    def snapshot(self, to: Path) -> None:
        for suffix in ("", "-wal", "-shm"):
            src = Path(f"{self.db_path}{suffix}")
            if src.exists():
                shutil.copy(src, f"{to}{suffix}")
        learning = self.var_dir / "fake_learning_platform.db"
        if learning.exists():
            shutil.copy(learning, f"{to}.learning")

    def restore(self, snap: Path) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.db_path}{suffix}").unlink(missing_ok=True)
            if Path(f"{snap}{suffix}").exists():
                shutil.copy(f"{snap}{suffix}", f"{self.db_path}{suffix}")
        if Path(f"{snap}.learning").exists():
            shutil.copy(f"{snap}.learning", self.var_dir / "fake_learning_platform.db")

    def start(self) -> None:
        log = (self.var_dir / "centre.log").open("ab")
        self.proc = subprocess.Popen(
            [
                str(BIN / "python"),
                "-m",
                "uvicorn",
                "gangting.asgi:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--log-level",
                "warning",
            ],
            env=self.env(),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_http(f"{self.url}/healthz", proc=self.proc)

    def kill(self) -> None:
        """SIGKILL: the centre goes away mid-flow, as a crash or a cut line would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def count(self, sql: str, *args: Any) -> int:
        import sqlite3

        with sqlite3.connect(self.db_path) as conn:
            return int(conn.execute(sql, args).fetchone()[0])


@dataclass
class Node:
    centre: Centre
    booth: str
    secret: str
    var_dir: Path
    idle_timeout_s: int | None = None
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        # provisioned as `gangting up` does: the node's key pair, its public key registered
        provision_demo_booth_key(
            Settings(database_url=f"sqlite:///{self.centre.db_path}", var_dir=self.centre.var_dir),
            self.booth,
            self.var_dir,
        )
        env = {
            **os.environ,
            "GANGTING_VAR_DIR": str(self.var_dir),
            "GANGTING_BOOTH_SECRET": self.secret,
            "GANGTING_CENTRE_URL": self.centre.url,
            "GANGTING_NODE_SIMULATORS": "true",
            "GANGTING_NODE_OUTBOX_INTERVAL_S": "0.5",
            "GANGTING_DEMO_CREDENTIALS": str(self.centre.var_dir / "demo-credentials.txt"),
        }
        if self.idle_timeout_s is not None:
            env["GANGTING_NODE_IDLE_TIMEOUT_S"] = str(self.idle_timeout_s)
        log = (self.var_dir / "node.log").open("ab")
        self.proc = subprocess.Popen(
            [
                str(BIN / "gangting"),
                "booth",
                "--code",
                self.booth,
                "--centre",
                self.centre.url,
                "--secret",
                self.secret,
                "--port",
                str(self.port),
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_http(f"{self.url}/kiosk/api/status", proc=self.proc)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def status(self) -> Any:
        return get_json(f"{self.url}/kiosk/api/status")


class Rig:
    """Centre + node for the screenshot and measurement commands: seeded once, then put back
    to the seeded state (a fresh node, the seeded database) whenever a round needs fresh
    personas."""

    def __init__(self, root: Path, booth_index: int = 0) -> None:
        self.root = root
        self.centre = Centre(root / "centre")
        self.demo = self.centre.seed()
        self.snap = root / "seeded.db"
        self.centre.snapshot(self.snap)
        self.booth_index = booth_index
        self.round = 0
        self.node: Node | None = None

    def fresh(self) -> Node:
        self.close()
        self.centre.restore(self.snap)
        self.centre.start()
        self.round += 1
        code, secret = self.demo.booths[self.booth_index]
        self.node = Node(self.centre, code, secret, self.root / f"node-{self.round}")
        self.node.start()
        return self.node

    def close(self) -> None:
        if self.node is not None:
            self.node.stop()
            self.node = None
        self.centre.stop()
