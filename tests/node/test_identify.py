"""The identify step on the booth node: ID card (chip photo) + live face (look, then turn
the head) decided by the real dlib verifier and liveness code on the simulator's real
photos; only a live, matching face is sent to the centre, with its evidence."""

from __future__ import annotations

import dataclasses
import os
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gangting.audit.models import AuditEntry
from gangting.identity.models import IdentityToken
from gangting.node import face_check
from gangting.node.adapters import sim_faces
from gangting.node.adapters.face_camera import (
    FaceCamera,
    Frame,
    OpenCvFaceCamera,
    Phase,
    Scene,
    SimulatedFaceCamera,
    turn_profile,
)
from gangting.node.adapters.id_reader import IdCard, SimulatedIdReader
from gangting.node.adapters.speaker import Speaker
from gangting.node.app import create_node_app, simulated_hardware
from gangting.node.config import NodeSettings
from gangting.node.face_check import FaceEngine, LivenessPolicy, decode_chip_photo
from gangting.node.service import KioskService
from tests import builders
from tests.desks.conftest import Api
from tests.node.conftest import CentreLink, FakeMonotonic, Node, count, register_node_key

START, LOOK, IDENTIFY = (
    "/kiosk/api/identify/start",
    "/kiosk/api/identify/look",
    "/kiosk/api/identify",
)


class RecordingLink(CentreLink):
    """The network to the centre, remembering which paths the node called."""

    def __init__(self, centre: TestClient) -> None:
        super().__init__(centre)
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return super().handle_request(request)


class RecordingSpeaker(Speaker):
    def __init__(self) -> None:
        super().__init__(None)
        self.binary = None  # silent here
        self.said: list[str] = []

    def say(self, text: str) -> Path | None:
        self.said.append(text)
        return None


class Tracked(np.ndarray):  # type: ignore[type-arg]
    """A frame that can be watched with a weak reference (plain ndarrays cannot)."""


class TrackingCamera:
    """Wraps a camera; keeps a weak reference to every frame it handed out."""

    def __init__(self, inner: FaceCamera) -> None:
        self.inner = inner
        self.refs: list[weakref.ref[Tracked]] = []

    def capture(self, phase: Phase, count: int) -> list[Frame]:
        frames = [f.view(Tracked) for f in self.inner.capture(phase, count)]
        self.refs += [weakref.ref(f) for f in frames]
        return list(frames)

    def release(self) -> None:
        self.inner.release()

    def alive(self) -> int:
        return sum(r() is not None for r in self.refs)


@dataclasses.dataclass
class Booth:
    client: TestClient
    link: RecordingLink
    clock: FakeMonotonic
    speaker: RecordingSpeaker
    camera: TrackingCamera
    settings: NodeSettings

    @property
    def kiosk(self) -> KioskService:
        kiosk: KioskService = self.client.app.state.kiosk  # type: ignore[attr-defined]
        return kiosk

    @property
    def sim_camera(self) -> SimulatedFaceCamera:
        inner = self.camera.inner
        assert isinstance(inner, SimulatedFaceCamera)
        return inner

    def card(self, id_number: str) -> None:
        r = self.client.post("/kiosk/api/sim/id-card", json={"id_number": id_number})
        assert r.status_code == 200, r.text

    def scene(self, scene: Scene) -> None:
        self.sim_camera.scene = scene  # (the tracking wrapper hides it from /sim/face)

    def session(self) -> None:
        assert self.client.post("/kiosk/api/session").status_code == 200

    def identify(self) -> Any:
        """The kiosk's three calls: card + steps, look, turn + decision."""
        start = self.client.post(START)
        assert start.status_code == 200, start.text
        look = self.client.post(LOOK)
        assert look.status_code == 200, look.text
        return self.client.post(IDENTIFY)


MakeBooth = Callable[..., Booth]


@pytest.fixture
def make_booth(api: Api, world: dict[str, Any], tmp_path: Path) -> Iterator[MakeBooth]:
    clients: list[TestClient] = []

    def make(
        camera: FaceCamera | None = None, *, register_key: bool = True, **settings_over: Any
    ) -> Booth:
        settings = NodeSettings(
            booth_code="BT-KDL-001",
            booth_secret=builders.BOOTH_SECRET,
            centre_url="http://centre",
            var_dir=tmp_path / f"node-{len(clients)}",
            demo_credentials=tmp_path / "none.txt",
            **settings_over,
        )
        sim = simulated_hardware(settings)
        speaker = RecordingSpeaker()
        tracking = TrackingCamera(camera or sim.face_camera)
        hardware = dataclasses.replace(sim, speaker=speaker, face_camera=tracking)
        link = RecordingLink(api.client)
        clock = FakeMonotonic()
        if register_key:
            register_node_key(api, settings)
        app = create_node_app(
            settings, centre_transport=link, hardware=hardware, clock=clock, background=False
        )
        app.state.kiosk.wall = api.clock
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return Booth(client, link, clock, speaker, tracking, settings)

    yield make
    for c in clients:
        c.__exit__(None, None, None)


def tokens(api: Api) -> list[IdentityToken]:
    with api.ctx.uow() as uow:
        return list(uow.session.execute(select(IdentityToken)).scalars())


# -- the kiosk flow against a real centre ------------------------------------------------


def test_the_turn_is_its_own_step_and_the_decision_after_it_reports_each_stage(
    world: dict[str, Any], make_booth: MakeBooth
) -> None:
    booth = make_booth()
    booth.session()
    booth.card(world["driver"])
    assert booth.client.post(START).status_code == 200
    assert booth.client.post(LOOK).status_code == 200
    turn = booth.client.post("/kiosk/api/identify/turn")
    assert turn.status_code == 200, turn.text
    assert turn.json() == {"step": "compare"}
    r = booth.client.post(IDENTIFY)
    assert r.status_code == 200, r.text
    assert r.json()["face_check"]["outcome"] == "matched"
    timings = r.json()["timings_ms"]
    stages = ("card_ms", "look_capture_ms", "turn_capture_ms", "face_check_ms", "centre_ms")
    assert all(timings[k] >= 0 for k in stages), timings
    # the look frames and the chip photo were worked on while the head turned
    assert timings["look_ms"] > 0 and timings["verify_ms"] < timings["look_ms"], timings
    assert booth.speaker.said == [face_check.PROMPT_LOOK, face_check.PROMPT_TURN]


def test_a_genuine_citizen_looks_turns_and_gets_the_token_with_the_evidence_recorded(
    api: Api, world: dict[str, Any], make_booth: MakeBooth
) -> None:
    booth = make_booth()
    booth.session()
    booth.card(world["driver"])
    start = booth.client.post(START)
    assert start.status_code == 200, start.text
    steps = start.json()
    assert [s["step"] for s in steps["steps"]] == ["look", "turn"]
    assert steps["attempt"] == 1 and steps["max_attempts"] == 3
    assert booth.client.post(LOOK).json() == {"step": "turn", "prompt": face_check.PROMPT_TURN}
    r = booth.client.post(IDENTIFY)
    assert r.status_code == 200, r.text
    body = r.json()
    assert "identity_token" not in body
    assert body["face_check"]["outcome"] == "matched"
    codes = [x["code"] for x in body["face_check"]["reasons"]]
    assert codes == ["faces.liveness.passed", "faces.matched"]
    # the challenge was spoken through the speaker port, in order
    assert booth.speaker.said == [face_check.PROMPT_LOOK, face_check.PROMPT_TURN]
    # the centre recorded what the booth saw, not a bare yes
    (token,) = tokens(api)
    assert token.face_score is None and token.liveness_passed is True
    assert token.face_threshold == 0.5
    assert token.face_distance is not None and 0 < token.face_distance <= 0.5
    assert booth.client.get("/kiosk/api/overview").status_code == 200
    assert count(api, AuditEntry, AuditEntry.action == "identity.verified") == 1


def test_a_node_whose_key_is_not_registered_gets_no_token(
    api: Api, world: dict[str, Any], make_booth: MakeBooth
) -> None:
    """The evidence is signed with the node's own key; the registry holds another (the
    builders' test key): the centre refuses, audits, and issues no token."""
    booth = make_booth(register_key=False)
    booth.session()
    booth.card(world["driver"])
    assert booth.client.post(START).status_code == 200
    assert booth.client.post(LOOK).status_code == 200
    r = booth.client.post(IDENTIFY)
    assert r.status_code == 403, r.text
    assert r.json()["error"] == "identity.signature_invalid"
    assert tokens(api) == []
    assert booth.link.paths.count("/api/v1/booth/identity/nonce") == 1
    assert count(api, AuditEntry, AuditEntry.action == "identity.check_refused") == 1


def test_an_impostor_is_refused_and_the_centre_is_not_asked(
    api: Api, world: dict[str, Any], make_booth: MakeBooth
) -> None:
    booth = make_booth()
    booth.session()
    booth.card(world["driver"])
    booth.scene("impostor")
    r = booth.identify()
    assert r.status_code == 403, r.text
    err = r.json()
    assert err["error"] == "kiosk.face_mismatch"
    assert err["message"] == "人脸与身份证照片不一致"
    data = err["data"]
    assert data["distance"] > data["threshold"] == 0.5
    assert data["next"] == "retry" and data["attempts_left"] == 2 and data["attempt"] == 1
    assert "本人身份证" in data["advice"]
    assert [x["code"] for x in data["reasons"]] == ["faces.liveness.passed", "faces.mismatch"]
    assert "/api/v1/identity/check" not in booth.link.paths
    assert tokens(api) == []
    assert booth.client.get("/kiosk/api/overview").status_code == 401


def test_a_new_identification_replaces_the_last_even_when_it_fails(
    api: Api, world: dict[str, Any], make_booth: MakeBooth
) -> None:
    booth = make_booth()
    booth.session()
    booth.card(world["driver"])
    assert booth.identify().status_code == 200
    assert booth.client.get("/kiosk/api/overview").status_code == 200
    booth.scene("impostor")  # someone else steps up to the same screen
    assert booth.identify().status_code == 403
    r = booth.client.get("/kiosk/api/overview")
    assert r.status_code == 401 and r.json()["error"] == "identity.required"


def test_a_second_identify_while_one_runs_is_told_to_wait(
    api: Api, world: dict[str, Any], make_booth: MakeBooth
) -> None:
    booth = make_booth()
    booth.session()
    booth.card(world["driver"])
    with booth.kiosk._identify_lock:  # a check in progress (e.g. a double tap)
        r = booth.client.post(IDENTIFY)
    assert r.status_code == 409 and r.json()["error"] == "kiosk.identify_busy"
    assert booth.identify().status_code == 200


def test_a_photo_held_still_fails_the_head_turn(
    api: Api, world: dict[str, Any], make_booth: MakeBooth
) -> None:
    booth = make_booth()
    booth.session()
    booth.card(world["driver"])
    booth.scene("still")
    r = booth.identify()
    assert r.status_code == 403, r.text
    assert r.json()["error"] == "kiosk.face_liveness_failed"
    assert r.json()["message"] == "转头动作未通过"
    assert [x["message"] for x in r.json()["data"]["reasons"]] == ["未完成转头动作"]
    assert "转头" in r.json()["data"]["advice"]
    assert "distance" not in r.json()["data"]  # no comparison for a face that is not live
    assert tokens(api) == []


def test_nobody_in_front_of_the_camera(
    api: Api, world: dict[str, Any], make_booth: MakeBooth
) -> None:
    booth = make_booth()
    booth.session()
    booth.card(world["driver"])
    booth.scene("no_face")
    r = booth.identify()
    assert r.status_code == 403
    assert r.json()["error"] == "kiosk.face_not_found"
    assert r.json()["data"]["reasons"][0]["code"] == "faces.liveness.no_face"
    assert r.json()["data"]["next"] == "retry"


def test_after_three_failures_the_card_goes_to_a_staffed_window_even_in_a_new_session(
    api: Api, world: dict[str, Any], make_booth: MakeBooth
) -> None:
    booth = make_booth()
    booth.card(world["driver"])
    booth.scene("impostor")
    seen = []
    for _ in range(3):
        booth.session()  # starting over does not reset the count: it is per card
        r = booth.client.post(IDENTIFY)  # one call does the whole check
        assert r.status_code == 403
        seen.append((r.json()["data"]["attempt"], r.json()["data"]["next"]))
    assert seen == [(1, "retry"), (2, "retry"), (3, "staffed_window")]
    assert "人工窗口" in r.json()["data"]["advice"]
    booth.scene("genuine")
    booth.session()
    r = booth.client.post(START)
    assert r.status_code == 403
    assert r.json()["error"] == "kiosk.face_attempts_exhausted"
    assert r.json()["data"]["next"] == "staffed_window"
    booth.clock.advance(booth.settings.face_attempts_window_s)  # forgotten after the window
    booth.session()
    assert booth.identify().status_code == 200
    assert booth.link.paths.count("/api/v1/identity/check") == 1


def test_the_threshold_is_a_node_setting_strict_by_default(
    api: Api, world: dict[str, Any], make_booth: MakeBooth
) -> None:
    from gangting.identification.faces import DEFAULT_THRESHOLD

    assert NodeSettings().face_distance_threshold == DEFAULT_THRESHOLD == 0.5
    booth = make_booth(face_distance_threshold=0.2)
    booth.session()
    booth.card(world["driver"])
    r = booth.identify()
    assert r.status_code == 403
    assert r.json()["error"] == "kiosk.face_mismatch"
    assert r.json()["data"]["threshold"] == 0.2


def test_the_centre_refuses_a_booth_threshold_looser_than_its_own(
    api: Api, world: dict[str, Any], make_booth: MakeBooth
) -> None:
    booth = make_booth(face_distance_threshold=0.7)
    booth.session()
    booth.card(world["driver"])
    r = booth.identify()
    assert r.status_code == 403, r.text
    assert r.json()["error"] == "identity.threshold_too_loose"
    assert tokens(api) == []


def test_no_card_and_an_unreadable_chip_photo(
    api: Api, world: dict[str, Any], make_booth: MakeBooth
) -> None:
    booth = make_booth()
    booth.session()
    r = booth.client.post(START)
    assert r.status_code == 409 and r.json()["error"] == "kiosk.no_card"
    reader = booth.kiosk.hw.id_reader
    assert isinstance(reader, SimulatedIdReader)
    reader.insert(IdCard(world["driver"], "演示群众", photo=b"not an image"))
    r = booth.client.post(IDENTIFY)
    assert r.status_code == 403
    assert r.json()["error"] == "kiosk.card_photo_unreadable"
    assert r.json()["data"]["next"] == "staffed_window"
    assert booth.kiosk.face_attempts.failures(world["driver"]) == 0  # not the citizen's fault


def test_face_images_are_never_written_and_are_dropped_after_the_check(
    api: Api, world: dict[str, Any], make_booth: MakeBooth, tmp_path: Path
) -> None:
    booth = make_booth()
    writes = _watch_file_writes()
    with writes:  # the watch is live: a write is seen
        (tmp_path / "probe.txt").write_text("x")
    assert writes.seen == [str(tmp_path / "probe.txt")]
    writes.seen.clear()
    before = _files(booth.settings.var_dir)
    booth.card(world["driver"])
    for scene, status in (("genuine", 200), ("impostor", 403), ("still", 403)):
        booth.session()
        booth.scene(scene)
        with writes:
            r = booth.identify()
        assert r.status_code == status, r.text
        assert booth.kiosk._check is None
        assert booth.camera.refs and booth.camera.alive() == 0, scene
    assert writes.seen == []
    assert _files(booth.settings.var_dir) - before <= {"booth-BT-KDL-001.db-journal"}
    assert not [p for p in booth.settings.var_dir.rglob("*") if p.suffix in IMAGE_SUFFIXES]
    # what the node keeps of a check is numbers
    for f in dataclasses.fields(face_check.FaceOutcome):
        assert f.type not in ("Frame", "bytes", "NDArray[np.uint8]"), f.name


IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".npy", ".webp"}


class _Writes:
    """Python-level file opens for writing, anywhere in the process, while active."""

    def __init__(self) -> None:
        self.active = False
        self.seen: list[str] = []

    def __enter__(self) -> None:
        self.active = True

    def __exit__(self, *exc: object) -> None:
        self.active = False

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.active or event != "open" or len(args) < 3:
            return
        path, mode, flags = args[0], args[1], args[2]
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
        )
        if writing:
            self.seen.append(str(path))


_WRITES: _Writes | None = None


def _watch_file_writes() -> _Writes:
    global _WRITES
    if _WRITES is None:  # an audit hook cannot be removed: one per test process
        _WRITES = _Writes()
        sys.addaudithook(_WRITES.hook)
    _WRITES.seen.clear()
    return _WRITES


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_the_simulator_controls_choose_the_scene(node: Node, world: dict[str, Any]) -> None:
    sim = node.client.get("/kiosk/api/sim").json()
    assert sim["defaults"]["face_scene"] == "genuine"
    assert sim["defaults"]["face_scenes"] == ["genuine", "impostor", "still", "no_face"]
    assert node.client.post("/kiosk/api/sim/face", json={"scene": "mask"}).status_code == 422
    r = node.client.post("/kiosk/api/sim/face", json={"scene": "still"})
    assert r.json() == {"scene": "still"}
    node.client.post("/kiosk/api/session")
    node.client.post("/kiosk/api/sim/id-card", json={"id_number": world["driver"]})
    assert node.client.post(IDENTIFY).json()["error"] == "kiosk.face_liveness_failed"
    node.client.post("/kiosk/api/sim/face", json={"scene": "genuine"})
    assert node.client.post(IDENTIFY).status_code == 200


# -- the engine and the simulator, no centre needed --------------------------------------


def test_the_models_load_once_per_process_in_the_background() -> None:
    a = FaceEngine(threshold=0.5, policy=LivenessPolicy())
    b = FaceEngine(threshold=0.4, policy=LivenessPolicy())
    a.start()
    b.start()
    assert face_check._loaded.wait(60)
    assert a.ready and b.ready
    first = face_check._verifier
    a.start()
    assert face_check._verifier is first  # loaded once, shared
    assert not [t for t in threading.enumerate() if t.name == "face-models" and t.is_alive()]


def test_every_simulated_person_passes_as_themself_and_fails_as_someone_else() -> None:
    engine = FaceEngine(threshold=0.5, policy=LivenessPolicy())
    for person in sim_faces.people():
        holder = _id_number_of(person)
        for scene, outcome in (("genuine", "matched"), ("impostor", "mismatch")):
            camera = SimulatedFaceCamera(lambda h=holder: h, scene)  # type: ignore[misc]
            result = engine.check(
                camera.capture("look", 3), camera.capture("turn", 8), person.chip_photo()
            )
            assert result.outcome == outcome, (person.key, scene, result)
            assert result.liveness_passed and result.max_abs_yaw >= 25
            assert result.distance is not None
            assert (result.distance <= 0.5) is (outcome == "matched")
            evidence = result.evidence()
            assert evidence["liveness"]["passed"] and evidence["threshold"] == 0.5


def test_the_simulated_turn_is_seen_turning_by_the_real_landmarks() -> None:
    engine = FaceEngine(threshold=0.5, policy=LivenessPolicy())
    verifier = engine._verifier_now()
    person = sim_faces.people()[0]
    camera = SimulatedFaceCamera(lambda: _id_number_of(person))
    look, turn = camera.capture("look", 3), camera.capture("turn", 8)
    yaws = [verifier.yaw(f) for f in [*look, *turn]]
    assert all(y is not None for y in yaws)
    assert all(abs(y) <= 10 for y in yaws[:3] if y is not None)  # facing the camera
    assert max(abs(y) for y in yaws if y is not None) >= 25  # turned
    assert abs(yaws[-1] or 99) <= 10  # and back
    second = camera.capture("turn", 8)  # the next turn goes the other way
    y1, y2 = verifier.yaw(turn[3]), verifier.yaw(second[3])
    assert y1 is not None and y2 is not None and y1 * y2 < 0


def test_the_packaged_photos_are_small_and_chip_sized() -> None:
    files = [p for p in sim_faces.HERE.iterdir() if p.suffix == ".jpg"]
    assert sum(p.stat().st_size for p in files) <= 1_000_000
    assert (sim_faces.HERE / "SOURCE.md").exists()
    engine = FaceEngine(threshold=0.5, policy=LivenessPolicy())
    verifier = engine._verifier_now()
    for person in sim_faces.people():
        chip = cv2.imdecode(np.frombuffer(person.chip_photo(), np.uint8), cv2.IMREAD_COLOR)
        assert chip.shape == (126, 102, 3)  # a second-generation card's chip photo
        decoded = decode_chip_photo(person.chip_photo())
        assert decoded is not None and decoded.shape == (252, 204, 3)
        frame = person.live_frame()
        assert frame.shape == (480, 640, 3)
        face = verifier.detect(frame)
        assert face is not None
        # faces.json was measured on these very files
        for (x, y), (mx, my) in zip(face.landmarks, person.landmarks, strict=True):
            assert abs(x - mx) <= 2 and abs(y - my) <= 2, person.key


def test_the_turn_profile_turns_and_comes_back() -> None:
    angles = turn_profile(8)
    assert len(angles) == 8 and max(angles) > 25
    assert angles[-2:] == [0.0, 0.0]
    with pytest.raises(ValueError):
        turn_profile(2)


def test_the_opencv_adapter_reads_frames_from_a_video_file(tmp_path: Path) -> None:
    """The real camera adapter on a recorded clip of a (simulated) citizen."""
    person = sim_faces.people()[1]
    sim = SimulatedFaceCamera(lambda: _id_number_of(person))
    clip = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 10, (640, 480))
    assert writer.isOpened()
    for frame in [*sim.capture("look", 3), *sim.capture("turn", 8)]:
        writer.write(frame)
    writer.release()
    camera = OpenCvFaceCamera(str(clip))
    look = camera.capture("look", 3)
    turn = camera.capture("turn", 8)
    camera.release()
    assert len(look) == 3 and len(turn) == 8 and look[0].shape == (480, 640, 3)
    engine = FaceEngine(threshold=0.5, policy=LivenessPolicy())
    assert engine.check(look, turn, person.chip_photo()).outcome == "matched"
    with pytest.raises(Exception, match="摄像头"):
        OpenCvFaceCamera(str(tmp_path / "missing.avi")).capture("look", 1)


def _id_number_of(person: sim_faces.SimPerson) -> str:
    """An ID number whose simulated holder is ``person`` (the reader picks by number)."""
    for n in range(1000):
        number = f"15020319800101{n:04d}"
        if sim_faces.person_for(number) == person:
            return number
    raise AssertionError(person.key)
