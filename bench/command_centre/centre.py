"""The centre under test as its own processes (`gangting worker`, `gangting server` with one
uvicorn worker) on the private broker, and a sampler of every process's CPU and memory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.machine import TICKS_PER_S, rss_and_cpu


@dataclass
class CentreProcess:
    """One centre process: started with the bench's environment, logs appended to a file."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_file: Path
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        with self.log_file.open("ab") as log:
            log.write(f"\n=== start {self.starts + 1} at {time.time():.3f} ===\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gangting.cli", *self.argv],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with suppress(ProcessLookupError):
            os.kill(self.proc.pid, sig)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def pids(self) -> list[int]:
        return [self.proc.pid] if self.proc is not None and self.proc.poll() is None else []

    def log_text(self) -> str:
        return self.log_file.read_text(errors="replace")


def wait_for(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with suppress(Exception):
            if check():
                return
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


def wait_worker_connected(worker: CentreProcess, timeout_s: float = 30) -> None:
    """The worker's ingest logs its connection (one more line per start)."""
    wait_for(
        lambda: "centre connected to" in worker.log_text().rsplit("=== start", 1)[-1],
        timeout_s,
        "the worker",
    )


def wait_server(base_url: str, timeout_s: float = 60) -> None:
    wait_for(
        lambda: httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200,
        timeout_s,
        "the server",
    )


PidSource = Callable[[], list[int]]


def postgres_pids() -> list[int]:
    """Every PostgreSQL process (the server and its backends), from /proc."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() == "postgres":
                        pids.append(int(entry))
            except OSError:
                continue
    return pids


@dataclass
class Sample:
    at: float
    cpu_s: dict[str, float]  # CPU seconds used since the previous sample, per group
    rss: dict[str, int]  # resident memory now, per group


@dataclass
class Sampler:
    """Every ``every_s``: CPU seconds and RSS of each group of processes (a group's pids are
    looked up each time: restarted processes count under their group)."""

    groups: dict[str, PidSource]
    every_s: float = 1.0
    samples: list[Sample] = field(default_factory=list)
    _last: dict[int, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        self._take()
        threading.Thread(target=self._run, name="sampler", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self._take()

    def _take(self) -> None:
        cpu: dict[str, float] = {}
        rss: dict[str, int] = {}
        for name, source in self.groups.items():
            cpu[name], rss[name] = 0.0, 0
            for pid in source():
                resident, ticks = rss_and_cpu([pid])
                if not resident:
                    continue  # gone
                rss[name] += resident
                # a process first seen after the first sample started since: all its ticks
                start = self._last.get(pid, ticks if not self.samples else 0)
                cpu[name] += (ticks - start) / TICKS_PER_S
                self._last[pid] = ticks
        self.samples.append(Sample(time.time(), cpu, rss))

    def between(self, t0: float, t1: float) -> dict[str, dict[str, float]]:
        """Mean CPU (% of one core) and peak RSS (MiB) of each group from t0 to t1."""
        inside = [s for s in self.samples if t0 < s.at <= t1]
        if not inside:
            return {}
        span = inside[-1].at - max(t0, self.samples[0].at)
        first = [s for s in self.samples if s.at <= t0]
        if first:
            span = inside[-1].at - first[-1].at
        out: dict[str, dict[str, float]] = {}
        for name in self.groups:
            used = sum(s.cpu_s.get(name, 0.0) for s in inside)
            out[name] = {
                "cpu_pct": round(100 * used / span, 1) if span > 0 else 0.0,
                "peak_rss_mib": round(max(s.rss.get(name, 0) for s in inside) / 2**20, 1),
            }
        return out
