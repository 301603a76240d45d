"""The speaker port without espeak-ng: a simulated booth's speaker stands in (the text it
would have said, no fault), a real booth's speaker is silent and reported offline."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from gangting.node.adapters import speaker as speaker_module
from gangting.node.adapters.speaker import Speaker
from gangting.node.app import simulated_hardware
from gangting.node.centre import CentreClient
from gangting.node.commands import Adapters
from gangting.node.config import NodeSettings
from gangting.node.service import KioskService
from gangting.node.store import NodeStore


@pytest.fixture
def no_espeak(monkeypatch: pytest.MonkeyPatch) -> None:
    real_which = shutil.which
    monkeypatch.setattr(
        speaker_module.shutil,
        "which",
        lambda name, *a, **k: None if name == "espeak-ng" else real_which(name, *a, **k),
    )


def _kiosk(tmp_path: Path) -> KioskService:
    settings = NodeSettings(
        booth_code="BT-T-001", var_dir=tmp_path, demo_credentials=tmp_path / "none.txt"
    )
    centre = CentreClient(
        "http://centre",
        "BT-T-001",
        "s",
        transport=httpx.MockTransport(lambda _: httpx.Response(503)),
    )
    return KioskService(
        settings, NodeStore(tmp_path / "booth.db"), centre, simulated_hardware(settings)
    )


@pytest.mark.usefixtures("no_espeak")
def test_a_simulated_booth_without_espeak_ng_has_a_working_speaker(tmp_path: Path) -> None:
    kiosk = _kiosk(tmp_path)
    adapters = Adapters(kiosk, lambda: simulated_hardware(kiosk.settings))
    assert kiosk.hw.speaker.binary is None
    assert adapters.health()["speaker"] == "ok"  # not a hardware fault of every demo booth
    assert kiosk.status()["tts_available"] is True
    said = kiosk.hw.speaker.say("请将身份证放在读卡区")
    assert said is not None and said.read_text(encoding="utf-8") == "请将身份证放在读卡区"
    kiosk.hw.speaker.forget()
    assert not said.exists()


@pytest.mark.usefixtures("no_espeak")
def test_a_real_speaker_without_espeak_ng_is_silent_and_unavailable() -> None:
    speaker = Speaker(None)
    assert not speaker.available
    assert speaker.say("请注意") is None
