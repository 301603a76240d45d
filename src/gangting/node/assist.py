"""Remote assist on the booth node (远程协助, docs/decisions/0005-live-events.md): after a
help call the node follows the centre's remote-assist session for its kiosk.

- Transport: the centre's HTTP API with the booth's own token (the node already talks to
  it for everything else), as a long poll: ``POST /api/v1/booth/assist/sync`` answers at
  once when the operator wrote, else after up to ``wait_s``; the centre wakes it from its
  live events. Only while a session is open: an idle booth sends nothing.
- What goes up: the kiosk's screen (its name, the service's name, elder mode, seconds on
  this screen: names from fixed lists, never what the citizen typed or the card held) and
  the citizen's messages (each with an id of its own, so a retry adds it once).
- What comes down: the operator's messages and hints; the kiosk page polls the node
  (``GET /kiosk/api/assist``) and shows them. Everything is held in memory only and
  dropped when the next help call starts.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field

from gangting.contracts import Request as Body
from gangting.node.centre import CentreClient
from gangting.node.errors import CentreUnavailable
from gangting.node.schemas import AssistView, Ok, Queued

log = logging.getLogger("gangting.node.assist")

SYNC_PATH = "/api/v1/booth/assist/sync"


class AssistRelay:
    """The node's side of one remote-assist session at a time."""

    def __init__(
        self,
        centre: CentreClient,
        *,
        clock: Callable[[], float] = time.monotonic,
        wait_s: float = 3.0,
        retry_s: float = 2.0,
    ) -> None:
        self._centre = centre
        self._clock = clock
        self._wait_s = wait_s
        self._retry_s = retry_s
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._want_open = False
        self._leaving: str | None = None  # the session to end for a citizen who finished
        self._screen: dict[str, Any] = {"screen": "start", "service": None, "elder": False}
        self._screen_since = clock()
        self._screen_dirty = True
        self._outgoing: list[dict[str, str]] = []
        self.session: dict[str, Any] | None = None
        self.messages: list[dict[str, Any]] = []
        self.last_error: str | None = None

    # --- life cycle

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="assist-relay", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    # --- from the kiosk

    def open(self) -> None:
        """The citizen asked for help: follow (or open) the booth's session."""
        with self._lock:
            if self.session is not None and self.session.get("state") == "closed":
                self.session = None
                self.messages = []
            self._want_open = True
            self._screen_dirty = True
        self._wake.set()

    def leave(self) -> None:
        """The citizen finished at the kiosk: the conversation ends with them. The session
        is closed at the centre and nothing of it stays on the node."""
        with self._lock:
            if self._active():
                assert self.session is not None
                self._leaving = str(self.session["id"])
            self.session = None
            self.messages = []
            self._outgoing = []
            self._want_open = False
        self._wake.set()

    def report_screen(self, screen: str, service: str | None, elder: bool) -> None:
        with self._lock:
            changed = (screen, service, elder) != (
                self._screen["screen"],
                self._screen["service"],
                self._screen["elder"],
            )
            if changed:
                self._screen = {"screen": screen, "service": service, "elder": elder}
                self._screen_since = self._clock()
                self._screen_dirty = True
            active = self._active()
        if changed and active:
            self._wake.set()

    def say(self, text: str) -> dict[str, Any]:
        """A message from the citizen, sent with the next sync (at once)."""
        item = {"client_id": uuid.uuid4().hex, "text": text}
        with self._lock:
            self._outgoing.append(item)
        self._wake.set()
        return {"queued": True, "client_id": item["client_id"]}

    def view(self, since_seq: int = 0) -> dict[str, Any]:
        """What the kiosk page shows: the session's state, the messages after
        ``since_seq`` (and those still being sent), the latest hint."""
        with self._lock:
            session = self.session
            hints = [m for m in self.messages if m.get("kind") == "hint"]
            return {
                "active": self._active() or self._want_open,
                "session_id": session.get("id") if session else None,
                "state": session.get("state")
                if session
                else ("opening" if self._want_open else None),
                "operator": session.get("operator") if session else None,
                "messages": [m for m in self.messages if int(m.get("seq", 0)) > since_seq],
                "sending": [o["text"] for o in self._outgoing],
                "hint": hints[-1]["text"]
                if hints and session and session.get("state") != "closed"
                else None,
                "centre_reachable": self.last_error is None,
            }

    # --- to the centre (worker thread)

    def _active(self) -> bool:
        return self.session is not None and self.session.get("state") != "closed"

    def _body(self) -> tuple[dict[str, Any], list[str]]:
        with self._lock:
            body: dict[str, Any] = {
                "open": self._want_open,
                "since_seq": max((int(m["seq"]) for m in self.messages), default=0),
                "messages": list(self._outgoing),
            }
            if self.session is not None:
                body["session_id"] = self.session["id"]
            body["screen"] = {
                **self._screen,
                "screen_elapsed_s": int(self._clock() - self._screen_since),
            }
            urgent = bool(self._outgoing) or self._screen_dirty or self._want_open
            body["wait_s"] = 0 if urgent else self._wait_s
            self._screen_dirty = False
            return body, [o["client_id"] for o in self._outgoing]

    def sync_once(self) -> bool:
        """One sync with the centre; False when it could not be reached."""
        body, sent = self._body()
        try:
            answer = self._centre.call("POST", SYNC_PATH, body)
        except CentreUnavailable as exc:
            self.last_error = str(exc)
            with self._lock:
                self._screen_dirty = True
            return False
        if not answer.ok:
            self.last_error = f"{answer.status_code} {answer.body}"
            log.warning("assist sync refused: %s", self.last_error)
            with self._lock:
                if answer.status_code == 404:  # the session is gone: stop following it
                    self.session = None
                self._want_open = False
            return False
        self.last_error = None
        with self._lock:
            self._outgoing = [o for o in self._outgoing if o["client_id"] not in sent]
            session = answer.body.get("session")
            if session is None:
                self._want_open = False
                return True
            if self.session is not None and self.session.get("id") != session.get("id"):
                self.messages = []
            self.session = session
            self._want_open = False
            known = {int(m["seq"]) for m in self.messages}
            for message in answer.body.get("messages", []):
                if int(message["seq"]) not in known:
                    self.messages.append(message)
            self.messages.sort(key=lambda m: int(m["seq"]))
        return True

    def _leave_once(self) -> None:
        with self._lock:
            session_id, self._leaving = self._leaving, None
        if session_id is None:
            return
        try:
            self._centre.call("POST", SYNC_PATH, {"session_id": session_id, "leave": True})
        except CentreUnavailable:
            log.warning("assist session %s not closed at the centre (unreachable)", session_id)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._leave_once()
            with self._lock:
                busy = self._want_open or self._active() or bool(self._outgoing)
            if not busy:
                self._wake.wait(5.0)
                self._wake.clear()
                continue
            self._wake.clear()
            try:
                ok = self.sync_once()
            except Exception:
                log.exception("assist sync failed")
                ok = False
            if not ok:
                self._stop.wait(self._retry_s)


# --- the kiosk page's API -------------------------------------------------------------------

router = APIRouter(prefix="/kiosk/api/assist", tags=["远程协助 remote assist"])


def get_assist(request: Request) -> AssistRelay:
    relay: AssistRelay = request.app.state.assist
    return relay


AssistDep = Annotated[AssistRelay, Depends(get_assist)]


class ScreenReport(Body):
    screen: str = Field(pattern="^[a-z_-]{1,24}$")
    service: str | None = Field(default=None, pattern="^[a-z_-]{1,24}$")
    elder: bool = False


class CitizenText(Body):
    text: str = Field(min_length=1, max_length=300)


@router.get("", response_model=AssistView, summary="远程协助：会话状态、工作人员消息与屏幕提示")
def assist_view(relay: AssistDep, since: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    return relay.view(since)


@router.post("/screen", response_model=Ok, summary="上报当前界面（只含界面与业务名称）")
def assist_screen(body: ScreenReport, relay: AssistDep) -> dict[str, Any]:
    relay.report_screen(body.screen, body.service, body.elder)
    return {"ok": True}


@router.post("/messages", status_code=202, response_model=Queued, summary="群众发给工作人员的文字")
def assist_say(body: CitizenText, relay: AssistDep) -> dict[str, Any]:
    return relay.say(body.text)
