"""ID-card reader port (二代身份证读卡器).

Real readers (华视 CVR-100, 神思 SS628 …) ship vendor SDKs behind a serial/USB link; none is
bundled: a real adapter implements ``IdReader.read`` with that SDK. Besides the printed
fields the chip holds the holder's photo, 102x126 px; the SDKs decode it (from its WLT
compression) to a BMP or JPEG, which the adapter passes on as ``photo`` bytes for the
live-face check. The simulator holds the card "on the reader", chosen from the demo
citizens (var/demo-credentials.txt), with a chip photo of one of the packaged simulator
people (``sim_faces``), picked by the ID number. ``chip_readable = False`` simulates a
card whose chip cannot be read (worn or damaged): the card lies on the reader
(``on_reader``, what the simulated document camera photographs) but ``read`` returns
None, as a real reader does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from gangting.node.adapters import sim_faces


@dataclass(frozen=True)
class IdCard:
    id_number: str
    name: str
    # The chip photo (BMP/JPEG bytes), for the face check only; never logged or stored.
    photo: bytes = field(default=b"", repr=False, compare=False)


@dataclass(frozen=True)
class DemoCitizen:
    role: str
    name: str
    id_number: str
    plates: str
    situation: str


class IdReader(Protocol):
    def read(self) -> IdCard | None:
        """The card on the reader, or None."""
        ...


def load_demo_citizens(path: Path) -> list[DemoCitizen]:
    """The demo citizens section of var/demo-credentials.txt (empty when absent)."""
    if not path.exists():
        return []
    citizens: list[DemoCitizen] = []
    inside = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            inside = "Demo citizens" in line
            continue
        parts = line.split("\t")
        if inside and len(parts) >= 5:
            citizens.append(DemoCitizen(*parts[:5]))
    return citizens


class SimulatedIdReader:
    def __init__(self, demo_citizens: list[DemoCitizen] | None = None) -> None:
        self.demo_citizens = list(demo_citizens or [])
        self._card: IdCard | None = None
        self.chip_readable = True

    def read(self) -> IdCard | None:
        return self._card if self.chip_readable else None

    def on_reader(self) -> IdCard | None:
        """The card lying on the reader, whether or not its chip can be read."""
        return self._card

    def insert(self, card: IdCard) -> None:
        self._card = card

    def remove(self) -> None:
        self._card = None

    def persona(self, role: str) -> IdCard | None:
        for c in self.demo_citizens:
            if c.role == role:
                return self.card(c.id_number, c.name)
        return None

    @staticmethod
    def card(id_number: str, name: str) -> IdCard:
        """A simulated card, its chip photo that of the simulator person of this number."""
        return IdCard(id_number, name, sim_faces.person_for(id_number).chip_photo())
