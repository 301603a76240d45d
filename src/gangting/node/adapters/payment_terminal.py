"""Payment terminal port: reads the payer's QR payment code (付款码) for the centre's
payment platform. It moves no money itself: the charge happens at the centre, so a
terminal read with the centre down leaves nothing half-done.

The simulator answers codes that steer the centre's fake platform: ok -> ``QR…`` (paid),
decline -> ``DECLINE…`` (余额不足), timeout -> ``TIMEOUT…`` (answer lost; the payment stays
pending until the platform confirms it). A real code scanner is usually a USB HID
"keyboard wedge": a real adapter reads one line from its input device.
"""

from __future__ import annotations

import secrets
from typing import Literal, Protocol

Outcome = Literal["ok", "decline", "timeout"]
PREFIX: dict[str, str] = {"ok": "QR", "decline": "DECLINE", "timeout": "TIMEOUT"}


class PaymentTerminal(Protocol):
    def read_payer_code(self, amount_fen: int | None) -> str: ...


class SimulatedPaymentTerminal:
    def __init__(self, outcome: Outcome = "ok") -> None:
        self.outcome: Outcome = outcome

    def read_payer_code(self, amount_fen: int | None) -> str:
        return f"{PREFIX[self.outcome]}-{secrets.token_hex(6).upper()}"
