"""The command-centre live feed as a screen reads it: GET /api/v1/live (server-sent events)
with a staff bearer token, in a thread; the arrival time of each hit (first view of each
hit id), and how often the stream had to be opened again."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from typing import Any

import httpx


class LiveFeed:
    def __init__(self, base_url: str, token: str, kinds: str | None) -> None:
        self.url = f"{base_url}/api/v1/live"
        self.params = {"kinds": kinds} if kinds else {}
        self.headers = {"Authorization": f"Bearer {token}"}
        self.hits: dict[str, tuple[float, dict[str, Any]]] = {}  # hit id -> (arrival, view)
        self.counts: Counter[str] = Counter()
        self.hello = threading.Event()
        self._stop = threading.Event()
        self._last_id: str | None = None
        self._thread = threading.Thread(target=self._run, name="live-feed", daemon=True)

    def start(self) -> None:
        self._thread.start()
        if not self.hello.wait(15):
            raise RuntimeError("the live stream did not say hello")

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            headers = dict(self.headers)
            if self._last_id:
                headers["Last-Event-ID"] = self._last_id
            try:
                self._read(headers)
            except httpx.HTTPError:
                self.counts["stream_errors"] += 1
            if not self._stop.is_set():
                self.counts["reopened"] += 1
                time.sleep(0.5)

    def _read(self, headers: dict[str, str]) -> None:
        with httpx.stream(
            "GET", self.url, params=self.params, headers=headers, timeout=None
        ) as response:
            response.raise_for_status()
            event = ""
            for line in response.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith("event: "):
                    event = line[7:]
                    self.counts[event] += 1
                elif line.startswith("id: "):
                    self._last_id = line[4:]
                elif line.startswith("data: ") and event == "hit":
                    view = json.loads(line[6:])
                    data = view.get("data", view)
                    self.hits.setdefault(str(data["id"]), (time.time(), data))
                elif line.startswith("data: ") and event == "hello":
                    self.hello.set()
