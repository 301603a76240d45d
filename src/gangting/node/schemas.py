"""What the booth node's kiosk API answers (``response_model`` of node.routes, assist,
mode_routes and sim_routes). The node's own answers list every key (``NodeAnswer``);
what the node relays from the centre (a business step's answer, the remote-assist
messages) is the centre's body and passes through whole (``CentreBody``). Pydantic only:
the node loads none of the centre's routes, services or models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gangting.web.openapi import Answer

# The node's own answers list every key, as the centre's do (one base: web.openapi).
NodeAnswer = Answer


class CentreBody(BaseModel):
    """The centre's answer to a business step, relayed as it came (its keys are the
    centre API's: see the centre's documentation of the same path)."""

    model_config = ConfigDict(extra="allow")


# --- status and session ---------------------------------------------------------------


class BoothName(NodeAnswer):
    code: str
    name: str


class QueueStatus(NodeAnswer):
    waiting: int
    estimated_wait_s: int
    estimated_wait_min: int


class OutboxRefusal(NodeAnswer):
    """An outbox row the centre refused: what was sent, when, and the centre's answer."""

    id: int
    path: str
    created_at: float = Field(description="入队时间（Unix 秒）")
    settled_at: float | None
    status: int | None
    error: str | None


class Announcement(NodeAnswer):
    id: str
    text: str
    seconds_left: int


class KioskModeView(NodeAnswer):
    """Locked (暂停服务) or in service, and the centre's announcement being shown."""

    kiosk: str
    locked: bool
    notice: str | None = Field(description="暂停服务时的提示")
    announcement: Announcement | None


class KioskStatus(NodeAnswer):
    booth: BoothName
    booth_name: str
    centre_online: bool
    session_active: bool
    queue: QueueStatus
    idle_timeout_s: float
    tts_available: bool
    face_check_ready: bool
    simulators: bool
    outbox_pending: int
    outbox_refused: int
    outbox_refusals: list[OutboxRefusal]
    mode: KioskModeView


class SessionStarted(NodeAnswer):
    session_id: str
    resumed: bool = Field(description="是否接续本机已有的会话")
    idle_timeout_s: float


class Finished(NodeAnswer):
    finished: bool


# --- identification ---------------------------------------------------------------------


class Step(NodeAnswer):
    step: str = Field(description="look | turn | compare")


class PromptedStep(Step):
    prompt: str = Field(description="语音与屏幕提示")


class IdentifyPlan(NodeAnswer):
    attempt: int
    max_attempts: int
    steps: list[PromptedStep]
    face_engine_ready: bool


class CardRead(NodeAnswer):
    name: str
    id_number_masked: str


class DocumentPlan(IdentifyPlan):
    source: str = Field(description="ocr：以证件正面识别结果核验")
    card: CardRead
    ocr_ms: int


class CertificateRead(NodeAnswer):
    """The health certificate as read (to pre-fill the form; nothing is sent)."""

    certificate_no: str
    institution: str | None
    issued_on: str | None
    conclusion: str | None = Field(description="合格 | 不合格")
    confidence: dict[str, float]
    ms: int


class FaceCheckReason(NodeAnswer):
    code: str
    message: str


class FaceCheckOut(NodeAnswer):
    outcome: str
    reasons: list[FaceCheckReason]


class Identified(CentreBody):
    """The centre's identity answer without its token (the node keeps that), with the
    citizen masked, the face check and where the step's time went."""

    citizen: CardRead
    face_check: FaceCheckOut
    timings_ms: dict[str, float]


class Overview(CentreBody):
    """The centre's licence and violations answers merged, with the citizen's plates."""

    plates: list[Any]
    citizen: CardRead | None


# --- receipts, rating, help, queue, speech ----------------------------------------------


class Printed(NodeAnswer):
    printed: bool
    receipt_no: str
    files: list[str]


class Accepted(NodeAnswer):
    """Stored on the booth, forwarded to the centre by the outbox."""

    accepted: bool
    message: str


class RatingAccepted(Accepted):
    receipt_no: str | None = Field(description="所评价业务的受理编号")
    level: int
    level_name: str
    level_zh: str


class SurveyAccepted(Accepted):
    survey: str = Field(description="问卷代码")
    answered: int = Field(description="作答题数")


class HelpAccepted(Accepted):
    kind: str


class Ticket(NodeAnswer):
    number: str
    waiting_ahead: int
    estimated_wait_s: int
    estimated_wait_min: int


class Spoken(NodeAnswer):
    spoken: bool
    file: str | None


# --- remote assist ---------------------------------------------------------------------


class AssistMessage(CentreBody):
    """A message of the session as the centre sent it."""

    seq: int
    sender: str = Field(description="citizen | operator")
    kind: str = Field(description="text | hint")
    text: str


class AssistView(NodeAnswer):
    active: bool
    session_id: str | None
    state: str | None = Field(description="opening | waiting | active | closed")
    operator: str | None
    messages: list[AssistMessage]
    sending: list[str] = Field(description="尚未送达中心的群众消息")
    hint: str | None
    centre_reachable: bool


class Ok(NodeAnswer):
    ok: bool


class Queued(NodeAnswer):
    queued: bool
    client_id: str


# --- simulators --------------------------------------------------------------------------


class DemoCard(NodeAnswer):
    role: str
    name: str
    label: str
    id_number: str
    situation: str


class OnReader(NodeAnswer):
    id_number: str


class SimDefaults(NodeAnswer):
    face_scene: str | None
    face_scenes: list[str]
    payer: str | None
    document_tray: str | None
    document_trays: list[str]
    chip_readable: bool


class SimOverview(NodeAnswer):
    cards: list[DemoCard]
    current: OnReader | None
    defaults: SimDefaults


class CardRemoved(NodeAnswer):
    on_reader: bool


class CardPlaced(CardRemoved):
    persona: str | None
    chip_readable: bool


class TraySet(NodeAnswer):
    tray: str


class SceneSet(NodeAnswer):
    scene: str


class PayerSet(NodeAnswer):
    outcome: str


class Pressed(NodeAnswer):
    pressed: bool


class SensorsSet(NodeAnswer):
    values: dict[str, bool | int | float | str]
    queued: int = Field(description="本次上报入队的读数条数")


class Health(NodeAnswer):
    ok: bool
    booth: str
