"""Spoken prompts (elderly mode) on the booth speaker, through espeak-ng (offline TTS) with
the Mandarin voice ``cmn``. Where espeak-ng is not installed it is silent (a no-op). With
simulators on, the speech is written to a WAV under var/speech/ instead of played.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


class Speaker:
    def __init__(self, directory: Path | None) -> None:
        self.directory = directory  # None: play on the speaker
        self.binary = shutil.which("espeak-ng")

    @property
    def available(self) -> bool:
        return self.binary is not None

    def say(self, text: str) -> Path | None:
        if self.binary is None:
            return None
        cmd = [self.binary, "-v", "cmn", "-s", "150"]
        out: Path | None = None
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            out = self.directory / "prompt.wav"  # one file, overwritten: no speech history
            cmd += ["-w", str(out)]
        subprocess.run([*cmd, "--", text], check=False, timeout=20, capture_output=True)
        return out

    def forget(self) -> None:
        """Wipe what was spoken (a prompt may have named the citizen)."""
        if self.directory is not None:
            (self.directory / "prompt.wav").unlink(missing_ok=True)
