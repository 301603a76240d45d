"""Booth sensors port: door, power, temperature, printer paper.

The simulator holds values set through /kiosk/api/sim/sensors. Real sensors differ per
booth cabinet (dry contacts on a GPIO/Modbus I/O module, a UPS over NUT, a 1-Wire
thermometer); none is bundled: a real adapter implements ``read``.
"""

from __future__ import annotations

from typing import Protocol

Reading = bool | int | float | str


class Sensors(Protocol):
    def read(self) -> dict[str, Reading]: ...


class SimulatedSensors:
    def __init__(self) -> None:
        self.values: dict[str, Reading] = {
            "door": "closed",
            "power": "mains",
            "temperature_c": 24.0,
            "paper": "ok",
        }

    def read(self) -> dict[str, Reading]:
        return dict(self.values)
