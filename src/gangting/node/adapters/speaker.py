"""Spoken prompts (elderly mode) on the booth speaker, through espeak-ng (offline TTS) with
the Mandarin voice ``cmn``.

- A real booth (``directory`` None) plays the speech; where espeak-ng is not installed it
  is silent and the port reports itself unavailable (the centre shows it offline).
- With simulators on (``directory`` set), the speech is written to a WAV under var/speech/
  instead of played. Where espeak-ng is not installed the simulated speaker stands in: it
  writes the text it would have said (``prompt.txt``) and stays available, so a demo
  machine without a voice does not show every booth with a speaker fault.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

WAV = "prompt.wav"
TEXT = "prompt.txt"


class Speaker:
    def __init__(self, directory: Path | None) -> None:
        self.directory = directory  # None: play on the speaker
        self.binary = shutil.which("espeak-ng")

    @property
    def available(self) -> bool:
        return self.binary is not None or self.directory is not None

    def say(self, text: str) -> Path | None:
        if self.binary is None:
            return self._write_text(text)
        cmd = [self.binary, "-v", "cmn", "-s", "150"]
        out: Path | None = None
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            out = self.directory / WAV  # one file, overwritten: no speech history
            cmd += ["-w", str(out)]
        subprocess.run([*cmd, "--", text], check=False, timeout=20, capture_output=True)
        return out

    def _write_text(self, text: str) -> Path | None:
        """The simulated speaker without espeak-ng: the text instead of the sound."""
        if self.directory is None:
            return None
        self.directory.mkdir(parents=True, exist_ok=True)
        out = self.directory / TEXT  # one file, overwritten, as the WAV
        out.write_text(text, encoding="utf-8")
        return out

    def forget(self) -> None:
        """Wipe what was spoken (a prompt may have named the citizen)."""
        if self.directory is not None:
            for name in (WAV, TEXT):
                (self.directory / name).unlink(missing_ok=True)
