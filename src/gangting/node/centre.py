"""The node's client of the centre: the booth's bearer token (logged in with its own
credentials, again on a 401), timeouts, and one named error for "the centre is not there".

A 4xx from the centre is an answer (passed to the kiosk as is); no answer, a timeout or a
5xx is CentreUnavailable, which the kiosk shows as "服务暂不可用，请稍后再试".
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

from gangting.node.errors import CentreUnavailable


@dataclass(frozen=True)
class CentreAnswer:
    status_code: int
    body: Any
    replayed: bool = False

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def definitive(self) -> bool:
        """2xx, or a 4xx that a retry with the same request cannot change."""
        return self.ok or (400 <= self.status_code < 500 and self.status_code not in (408, 429))


class CentreClient:
    def __init__(
        self,
        base_url: str,
        booth_code: str,
        secret: str,
        *,
        timeout_s: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.booth_code = booth_code
        self._secret = secret
        self._http = httpx.Client(base_url=base_url, timeout=timeout_s, transport=transport)
        self._token: str | None = None
        self._lock = threading.Lock()
        self.last_ok_at: float | None = None
        self.last_failure_at: float | None = None

    @property
    def online(self) -> bool:
        if self.last_ok_at is None:
            return False
        return self.last_failure_at is None or self.last_ok_at > self.last_failure_at

    def close(self) -> None:
        self._http.close()

    def ping(self) -> bool:
        try:
            self._send("GET", "/healthz", None, {})
        except CentreUnavailable:
            return False
        return True

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        key: str | None = None,
        identity: str | None = None,
    ) -> CentreAnswer:
        headers: dict[str, str] = {}
        if key:
            headers["Idempotency-Key"] = key
        if identity:
            headers["X-Identity-Token"] = identity
        answer = self._send(method, path, body, {**headers, **self._auth()})
        if answer.status_code == 401 and _booth_token_refused(answer.body):
            self._token = None
            answer = self._send(method, path, body, {**headers, **self._auth()})
        return answer

    def _auth(self) -> dict[str, str]:
        with self._lock:
            if self._token is None:
                answer = self._send(
                    "POST",
                    "/api/v1/auth/booth",
                    {"booth_code": self.booth_code, "secret": self._secret},
                    {},
                )
                if not answer.ok:
                    raise CentreUnavailable(f"booth login refused: {answer.body}")
                self._token = str(answer.body["access_token"])
            return {"Authorization": f"Bearer {self._token}"}

    def _send(self, method: str, path: str, body: Any, headers: dict[str, str]) -> CentreAnswer:
        try:
            response = self._http.request(method, path, json=body, headers=headers)
        except httpx.HTTPError as exc:
            self.last_failure_at = time.monotonic()
            raise CentreUnavailable(type(exc).__name__) from exc
        if response.status_code >= 500:
            self.last_failure_at = time.monotonic()
            raise CentreUnavailable(f"centre answered {response.status_code}")
        self.last_ok_at = time.monotonic()
        try:
            data = response.json()
        except ValueError:
            data = {"error": "centre.bad_answer", "message": response.text[:200], "data": {}}
        return CentreAnswer(
            response.status_code,
            data,
            response.headers.get("Idempotent-Replayed") == "true",
        )


def _booth_token_refused(body: Any) -> bool:
    """Only the booth's own token is renewed; an expired identity token is the citizen's."""
    return isinstance(body, dict) and str(body.get("error", "")).startswith("auth.")
