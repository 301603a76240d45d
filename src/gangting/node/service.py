"""The kiosk's use cases on the node: a session, the identity check, business steps through
the centre with durable keys, store-and-forward reports, printing, the queue."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from gangting.applications.rules import SERVICE_ZH
from gangting.citizens.rules import mask_id_number
from gangting.identity.rules import SignedFields
from gangting.kernel.clock import CITY_ZONE, Clock, SystemClock
from gangting.kernel.ids import new_id
from gangting.kernel.money import format_yuan
from gangting.node.adapters.document_camera import DocumentCamera
from gangting.node.adapters.face_camera import FaceCamera
from gangting.node.adapters.help_button import HelpButton
from gangting.node.adapters.id_reader import IdCard, IdReader
from gangting.node.adapters.payment_terminal import PaymentTerminal
from gangting.node.adapters.printer import Printer, Receipt
from gangting.node.adapters.sensors import Reading, Sensors
from gangting.node.adapters.speaker import Speaker
from gangting.node.centre import CentreAnswer, CentreClient
from gangting.node.config import NodeSettings
from gangting.node.document_reading import (
    DocumentUnreadable,
    read_card_front,
    read_certificate,
)
from gangting.node.errors import NoCardOnReader, NothingToPrint
from gangting.node.evidence_key import key_path, load_or_create, public_key, sign
from gangting.node.face_check import (
    PROMPT_LOOK,
    PROMPT_TURN,
    FaceAttempts,
    FaceEngine,
    Frame,
    IdentifyBusy,
    LivenessPolicy,
    LookWork,
    exhausted,
    refusal,
)
from gangting.node.keys import StepKeys
from gangting.node.outbox import Outbox
from gangting.node.queue import Queue
from gangting.node.session import KioskSession, Sessions
from gangting.node.store import NodeStore
from gangting.ratings.errors import ReasonRequired
from gangting.ratings.rules import parse_level, rating_acceptable
from gangting.surveys.catalogue import find_packaged
from gangting.surveys.errors import BadAnswers
from gangting.surveys.rules import KIOSK_SURVEY, Survey, answer_problems


@dataclass
class Hardware:
    id_reader: IdReader
    face_camera: FaceCamera
    printer: Printer
    payment_terminal: PaymentTerminal
    help_button: HelpButton
    sensors: Sensors
    speaker: Speaker
    document_camera: DocumentCamera | None = None  # OCR fallback and paper documents


@dataclass
class PendingCheck:
    """One identify attempt in progress: the card read and the frames so far. Held in
    memory for the length of the check only; ``drop`` lets go of every image."""

    session_id: str
    card: IdCard | None
    source: str = "chip"  # chip | ocr: where the card's number and photo came from
    look: list[Frame] | None = None
    turn: list[Frame] | None = field(default=None, repr=False)
    prepared: Future[LookWork] | None = field(default=None, repr=False)  # the look's share

    def drop(self) -> None:
        self.card = None
        self.look = None
        self.turn = None
        self.prepared = None


_WALL = SystemClock()
log = logging.getLogger("gangting.node")


class KioskService:
    def __init__(
        self,
        settings: NodeSettings,
        store: NodeStore,
        centre: CentreClient,
        hardware: Hardware,
        *,
        clock: Any = time.monotonic,
        wall_clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.centre = centre
        self.hw = hardware
        # The booth's wall clock: the times its reports carry and the time it signs its face
        # evidence with (the centre holds both to a window around its own time, decisions
        # 0016 and 0018).
        self.wall: Clock = wall_clock or _WALL
        self.keys = StepKeys(store, settings.booth_code)
        self.outbox = Outbox(
            store, centre, max_backoff_s=settings.outbox_max_backoff_s, clock=wall_clock
        )
        self.queue = Queue(store)
        self.sessions = Sessions(settings.idle_timeout_s, clock, on_end=self._ended)
        self.faces = FaceEngine(
            threshold=settings.face_distance_threshold,
            policy=LivenessPolicy(
                turn_deg=settings.face_turn_deg,
                frontal_deg=settings.face_frontal_deg,
                min_turn_frames=settings.face_min_turn_frames,
            ),
        )
        self.face_attempts = FaceAttempts(
            settings.face_max_attempts, settings.face_attempts_window_s, clock
        )
        # The node's own evidence key (made on first start, 0600, never sent anywhere).
        self.evidence_key = load_or_create(key_path(settings.var_dir, settings.booth_code))
        log.info("evidence public key %s", public_key(self.evidence_key))
        self._check: PendingCheck | None = None
        self._identify_lock = threading.Lock()
        self.last_face_timings: dict[str, float] = {}  # for the bench and the logs: numbers
        self.identify_timings: dict[str, float] = {}  # per stage of the attempt, ms: numbers
        self._last_telemetry: dict[str, Reading] = {}
        self._report_lock = threading.Lock()
        hardware.help_button.on_press(self._help_pressed)
        # A report the centre refused is reported at once (telemetry ``outbox_refused``).
        self.outbox.on_refused(self._refusals_changed)

    # -- session ---------------------------------------------------------------------
    def start_session(self, cookie_id: str | None) -> KioskSession:
        resume = cookie_id if cookie_id and self.keys.has_pending(cookie_id) else None
        session = self.sessions.start(resume)
        self.queue.call_next(self._today())
        return session

    def finish(self, cookie_id: str | None) -> bool:
        return self.sessions.finish(cookie_id)

    def _ended(self, session: KioskSession, why: str) -> None:
        self.queue.record_session(session.last_seen - session.started_at)
        self.keys.close_session(session.id)
        self._drop_check()
        self.hw.speaker.forget()

    # -- identity: ID card + live face, then the centre --------------------------------
    def identify_start(self, session: KioskSession) -> dict[str, Any]:
        """Read the card and open an attempt: the challenge's steps for the screen."""
        with self._identifying():
            return self._start(session)

    def identify_look(self, session: KioskSession) -> dict[str, Any]:
        """Phase 1: the citizen looks at the camera (spoken prompt, then frames)."""
        with self._identifying():
            return self._look(self._pending(session))

    def identify_turn(self, session: KioskSession) -> dict[str, Any]:
        """Phase 2: the citizen turns the head (spoken prompt, then frames); the decision
        follows with ``identify``, so the screen can say which stage is running."""
        with self._identifying():
            check = self._pending(session)
            if check.look is None:
                self._look(check)
            try:
                self._turn(check)
            except BaseException:
                self._drop_check()
                raise
        return {"step": "compare"}

    def identify(self, session: KioskSession) -> CentreAnswer:
        """Phase 2 and the decision: the head turn, liveness + face vs chip photo; only a
        live, matching face is sent to the centre for the identity token. Runs the earlier
        phases too when the caller skipped them (one call does the whole check)."""
        with self._identifying():
            check = self._pending(session)
            if check.look is None:
                self._look(check)
            try:
                if check.turn is None:
                    self._turn(check)
                card, look, turn = check.card, check.look, check.turn
                if card is None or look is None or turn is None:  # the session ended meanwhile
                    raise IdentifyBusy("核验已中断，请重新核验", code="kiosk.identify_interrupted")
                id_number, source = card.id_number, check.source
                with self._timed("face_check_ms"):
                    result = self.faces.check(look, turn, card.photo, prepared=check.prepared)
                del card, look, turn
            finally:
                self._drop_check()
        self.last_face_timings = dict(result.timings_ms)
        log.info("face check: %s %s", result.outcome, result.timings_ms)  # numbers only
        if not result.matched:
            attempt = self.face_attempts.failures(id_number) + 1
            if result.outcome == "card_photo_unreadable":  # not the citizen's failure
                left = self.face_attempts.left(id_number)
            else:
                left = self.face_attempts.fail(id_number)
            raise refusal(
                result, attempt=attempt, max_attempts=self.face_attempts.max_attempts, left=left
            )
        self.face_attempts.clear(id_number)
        with self._timed("centre_ms"):
            answer = self._signed_check(id_number, source, result.evidence())
        log.info("identify stages: %s", self.identify_timings)  # numbers only
        if answer.ok:
            session.identity_token = str(answer.body["identity_token"])
            session.citizen = {
                "name": answer.body["citizen"]["name"],
                "id_number_masked": mask_id_number(id_number),
            }
            body = {k: v for k, v in answer.body.items() if k != "identity_token"}
            body["citizen"] = session.citizen
            body["face_check"] = {"outcome": result.outcome, "reasons": result.reasons_view()}
            # where the step's time went, per stage (numbers only): the bench reads them
            body["timings_ms"] = {**self.identify_timings, **result.timings_ms}
            return CentreAnswer(200, body)
        return answer

    def _signed_check(self, id_number: str, source: str, face: dict[str, Any]) -> CentreAnswer:
        """Take a nonce from the centre, sign the evidence with it and send the check."""
        issued = self.centre.call("POST", "/api/v1/booth/identity/nonce")
        if not issued.ok:
            return issued
        nonce = str(issued.body["nonce"])
        signed_at = self.wall.now().isoformat()
        liveness = face["liveness"]
        fields = SignedFields(
            booth_code=self.settings.booth_code,
            id_number=id_number,
            card_source=source,
            matched=bool(face["matched"]),
            distance=float(face["distance"]),
            threshold=float(face["threshold"]),
            liveness_passed=bool(liveness["passed"]),
            max_abs_yaw=float(liveness["max_abs_yaw"]),
            turn_deg=float(liveness["turn_deg"]),
            signed_at=signed_at,
            nonce=nonce,
        )
        evidence = {
            "nonce": nonce,
            "signed_at": signed_at,
            "signature": sign(self.evidence_key, fields),
        }
        return self.centre.call(
            "POST",
            "/api/v1/identity/check",
            {"id_number": id_number, "face": face, "card_source": source, "evidence": evidence},
        )

    def identify_document(self, session: KioskSession) -> dict[str, Any]:
        """The chip could not be read: read the card front on the document camera by OCR
        (fields, check character, birth date) and open an attempt with the printed
        portrait as the reference photo; the face check then runs as on the chip path."""
        with self._identifying():
            camera = self._document_camera()
            read = read_card_front(camera.capture(), on=self._today())
            started = self._start(session, card=read.card, source="ocr")
        return {
            **started,
            "source": "ocr",
            "card": {
                "name": read.fields["name"],
                "id_number_masked": mask_id_number(read.card.id_number),
            },
            "ocr_ms": round(read.ms),
        }

    def read_health_certificate(self, session: KioskSession) -> dict[str, Any]:
        """The health certificate on the document camera, read by OCR to pre-fill the
        form (nothing is sent: the citizen confirms, then submits as usual)."""
        with self._identifying():
            frame = self._document_camera().capture()
        return read_certificate(frame, on=self._today())

    def _document_camera(self) -> DocumentCamera:
        camera = self.hw.document_camera
        if camera is None:
            raise DocumentUnreadable(
                "本岗亭未配置拍摄区，请到人工窗口办理", code="kiosk.no_document_camera"
            )
        return camera

    @contextmanager
    def _identifying(self) -> Iterator[None]:
        """One identify call at a time (one camera; a double tap must not interleave)."""
        if not self._identify_lock.acquire(blocking=False):
            raise IdentifyBusy("正在核验，请稍候")
        try:
            yield
        finally:
            self._identify_lock.release()

    def _start(
        self, session: KioskSession, card: IdCard | None = None, source: str = "chip"
    ) -> dict[str, Any]:
        if card is None:
            self.identify_timings = {}
            with self._timed("card_ms"):
                card = self.hw.id_reader.read()
        ocr = self._check
        if card is None and ocr and ocr.session_id == session.id and ocr.source == "ocr":
            if ocr.card is not None and ocr.look is None:  # the card front was just read
                return self._plan(self.face_attempts.left(ocr.card.id_number))
        if card is None:
            raise NoCardOnReader(
                "请将身份证放在读卡区",
                data={"document_fallback": self.hw.document_camera is not None},
            )
        left = self.face_attempts.left(card.id_number)
        if left <= 0:
            raise exhausted(self.face_attempts.max_attempts)
        self._drop_check()
        # a new identification replaces the last one: nobody keeps a previous holder's token
        session.identity_token = None
        session.citizen = None
        self._check = PendingCheck(session.id, card, source)
        return self._plan(left)

    def _plan(self, left: int) -> dict[str, Any]:
        return {
            "attempt": self.face_attempts.max_attempts - left + 1,
            "max_attempts": self.face_attempts.max_attempts,
            "steps": [
                {"step": "look", "prompt": PROMPT_LOOK},
                {"step": "turn", "prompt": PROMPT_TURN},
            ],
            "face_engine_ready": self.faces.ready,
        }

    def _look(self, check: PendingCheck) -> dict[str, Any]:
        try:
            with self._timed("look_speak_ms"):
                self.hw.speaker.say(PROMPT_LOOK)
            with self._timed("look_capture_ms"):
                check.look = self.hw.face_camera.capture("look", self.settings.face_look_frames)
            if check.card is not None:  # worked on while the citizen turns
                check.prepared = self.faces.prepare(check.look, check.card.photo)
        except BaseException:
            self._drop_check()
            raise
        return {"step": "turn", "prompt": PROMPT_TURN}

    def _turn(self, check: PendingCheck) -> None:
        with self._timed("turn_speak_ms"):
            self.hw.speaker.say(PROMPT_TURN)
        with self._timed("turn_capture_ms"):
            check.turn = self.hw.face_camera.capture("turn", self.settings.face_turn_frames)

    @contextmanager
    def _timed(self, stage: str) -> Iterator[None]:
        """Time one stage of the identify step into ``identify_timings`` (ms)."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.identify_timings[stage] = round((time.perf_counter() - t0) * 1000, 1)

    def _pending(self, session: KioskSession) -> PendingCheck:
        """This session's attempt in progress, or a new one (reads the card)."""
        if self._check is None or self._check.session_id != session.id:
            self._start(session)
        assert self._check is not None
        return self._check

    def _drop_check(self) -> None:
        check, self._check = self._check, None
        if check is not None:
            check.drop()
        self.hw.face_camera.release()

    def read(self, session: KioskSession, path: str) -> CentreAnswer:
        return self.centre.call("GET", path, identity=session.identity_token)

    def overview(self, session: KioskSession) -> CentreAnswer:
        parts = [self.read(session, f"/api/v1/me/{p}") for p in ("licence", "violations")]
        for part in parts:
            if not part.ok:
                return part
        vehicles = self.read(session, "/api/v1/me/vehicles")
        return CentreAnswer(
            200,
            {
                **parts[0].body,
                **parts[1].body,
                "plates": vehicles.body.get("plates", []) if vehicles.ok else [],
                "citizen": session.citizen,
            },
        )

    def preview(self, session: KioskSession, body: dict[str, Any]) -> CentreAnswer:
        return self.centre.call(
            "POST", "/api/v1/violations/preview", body, identity=session.identity_token
        )

    def quote(self, session: KioskSession, body: dict[str, Any]) -> CentreAnswer:
        """The amount due, priced by the centre (the screen never adds amounts up)."""
        return self.centre.call(
            "POST", "/api/v1/payments/quote", body, identity=session.identity_token
        )

    # -- business steps (need the centre now; never queued) ---------------------------
    def business(
        self, session: KioskSession, path: str, about: dict[str, Any], make_body: Any = None
    ) -> CentreAnswer:
        step = self.keys.step(session.id, path, about, make_body)
        answer = self.centre.call(
            "POST", path, step.body, key=step.key, identity=session.identity_token
        )
        if answer.definitive:
            self.keys.spend(step.key)
        if answer.ok and isinstance(answer.body, dict):
            if answer.body.get("receipt_no"):
                session.last_answer = answer.body
            session.completed(answer.body)
        return answer

    def pay(self, session: KioskSession, decision_nos: list[str]) -> CentreAnswer:
        return self.pay_at(session, "/api/v1/payments", {"decision_nos": decision_nos})

    def pay_at(self, session: KioskSession, path: str, about: dict[str, Any]) -> CentreAnswer:
        """A payment order through the payment terminal: the payer code is read when the
        step's body is first made (a retry of the step sends the same order)."""
        return self.business(
            session,
            path,
            about,
            lambda: {**about, "payer_code": self.hw.payment_terminal.read_payer_code(None)},
        )

    def payment(self, session: KioskSession, payment_no: str) -> CentreAnswer:
        answer = self.read(session, f"/api/v1/payments/{payment_no}")
        if answer.ok and answer.body.get("receipt_no"):
            session.last_answer = answer.body
            session.completed(answer.body)
        return answer

    # -- printing and store-and-forward reports ---------------------------------------
    def print_receipt(self, session: KioskSession) -> dict[str, Any]:
        answer = session.last_answer
        if answer is None:
            raise NothingToPrint("暂无可打印的回执")
        receipt = self._receipt(answer)
        files = self.hw.printer.print_receipt(receipt)
        self.outbox.enqueue(
            "/api/v1/receipts/printed",
            {
                "receipt_no": receipt.receipt_no,
                "booth": self.settings.booth_code,
                "at": self._now_iso(),
            },
        )
        return {"printed": True, "receipt_no": receipt.receipt_no, "files": [str(f) for f in files]}

    def rate(
        self, session: KioskSession, level_raw: int | str, reason: str | None
    ) -> dict[str, Any]:
        level = parse_level(level_raw)
        verdict = rating_acceptable(level, reason)
        if not verdict.allowed:
            first = verdict.reasons[0]
            raise ReasonRequired(first.message, legal_basis=list(first.legal_basis))
        # The application rated is the 受理编号 (SL…), never a payment's 票据号 (PJ…).
        receipt_no = session.applications[-1] if session.applications else None
        self.outbox.enqueue(
            "/api/v1/ratings",
            {
                "receipt_no": receipt_no,
                "level": level.value,
                "reason": reason,
                "booth": self.settings.booth_code,
                "at": self._now_iso(),
            },
        )
        return {
            "accepted": True,
            "receipt_no": receipt_no,
            "level": level.value,
            "level_name": level.name,
            "level_zh": level.zh,
            "message": "感谢您的评价",
        }

    def survey(self) -> Survey:
        """The short optional survey offered after the rating (package data: no centre call)."""
        survey = find_packaged(KIOSK_SURVEY)
        if survey is None:  # the package ships it; a broken install must not break the kiosk
            raise BadAnswers("本岗亭暂未提供问卷", code="surveys.not_found")
        return survey

    def answer_survey(
        self, session: KioskSession, answers: Mapping[str, int | None]
    ) -> dict[str, Any]:
        """Check the sheet here, store it in the outbox for the centre, linked to the
        session's last application (its 受理编号) when there is one."""
        survey = self.survey()
        problems = answer_problems(survey, answers)
        if problems:
            raise BadAnswers(problems[0]["message"], data={"problems": problems})
        given = {k: v for k, v in answers.items() if v is not None}
        self.outbox.enqueue(
            f"/api/v1/surveys/{survey.code}/responses",
            {
                "receipt_no": session.applications[-1] if session.applications else None,
                "answers": given,
                "booth": self.settings.booth_code,
                "at": self._now_iso(),
            },
        )
        return {
            "accepted": True,
            "survey": survey.code,
            "answered": len(given),
            "message": "问卷已提交，感谢您的反馈",
        }

    def _help_pressed(self) -> None:
        self.call_help("assistance", "岗亭求助按钮")

    def call_help(self, kind: str, note: str | None) -> dict[str, Any]:
        # The call's own id travels with it on either path (HTTP or MQTT): the centre stores
        # one call however it arrives and however often.
        self.outbox.enqueue(
            "/api/v1/help-calls",
            {
                "id": str(new_id()),
                "kind": kind,
                "note": note,
                "booth": self.settings.booth_code,
                "at": self._now_iso(),
            },
        )
        return {"accepted": True, "kind": kind, "message": "已呼叫工作人员，请稍候"}

    def _refusals_changed(self) -> None:
        self.report_sensors()

    def report_sensors(self, *, all_kinds: bool = False) -> int:
        """Queue telemetry for each sensor value that changed (or all of them)."""
        sent = 0
        # One reporter at a time (the background loop, the simulator, a refusal): a change
        # is queued once.
        with self._report_lock:
            readings = {**self.hw.sensors.read(), "outbox_refused": self.outbox.refused_count()}
            for kind, value in readings.items():
                if all_kinds or self._last_telemetry.get(kind) != value:
                    self.outbox.enqueue(
                        "/api/v1/booths/telemetry",
                        {
                            "kind": kind,
                            "value": value,
                            "booth": self.settings.booth_code,
                            "at": self._now_iso(),
                        },
                    )
                    self._last_telemetry[kind] = value
                    sent += 1
        return sent

    def take_number(self) -> dict[str, Any]:
        return self.queue.take(self._today(), self.sessions.busy)

    def status(self) -> dict[str, Any]:
        busy = self.sessions.busy
        return {
            "booth": {"code": self.settings.booth_code, "name": self.settings.booth_name},
            "booth_name": self.settings.booth_name or self.settings.booth_code,
            "centre_online": self.centre.online or self.centre.ping(),
            "session_active": busy,
            "queue": self.queue.status(self._today(), busy),
            "idle_timeout_s": self.settings.idle_timeout_s,
            "tts_available": self.hw.speaker.available,
            "face_check_ready": self.faces.ready,
            "simulators": self.settings.simulators,
            "outbox_pending": self.outbox.pending(),
            "outbox_refused": self.outbox.refused_count(),
            "outbox_refusals": self.outbox.refused(limit=5),
        }

    def _receipt(self, answer: dict[str, Any]) -> Receipt:
        receipt_no = str(answer["receipt_no"])
        item = SERVICE_ZH.get(str(answer.get("service_item", "")), "缴款")
        lines = [
            "包头市公安局交通管理支队",
            "交通智慧岗亭 受理回执",
            f"岗亭：{self.settings.booth_code} {self.settings.booth_name}".rstrip(),
            f"受理编号：{receipt_no}",
            f"业务：{item}",
        ]
        for d in answer.get("decisions", []):
            lines.append(f"决定书 {d['decision_no']}  记{d['points']}分  罚款{d['fine_display']}")
            lines.append(f"  缴款期限：{d['due_on']}")
        if "amount_fen" in answer:
            lines.append(f"缴款金额：{format_yuan(int(answer['amount_fen']))}")
            lines.append(f"缴款状态：{answer.get('state_text', answer.get('state', ''))}")
        if answer.get("ledger_entry"):
            # the audit ledger's entry: the detachment can prove this receipt later
            lines.append(f"账本条目：{answer['ledger_entry']}")
        if answer.get("rating_link"):
            # 好差评: the one-use link to rate this business from a phone (GB/T 39734-2020)
            lines.append("请为本次服务评价（一次有效）：")
            lines.append(str(answer["rating_link"]))
        lines.append(f"打印时间：{_WALL.now().astimezone(CITY_ZONE):%Y-%m-%d %H:%M}")
        lines.append("请妥善保管本回执")
        return Receipt(receipt_no, tuple(lines))

    def _today(self) -> date:
        return _WALL.today()

    def _now_iso(self) -> str:
        return self.wall.now().isoformat()
