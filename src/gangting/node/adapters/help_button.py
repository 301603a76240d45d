"""Help button port (一键求助): calls back when pressed.

The simulator is pressed through /kiosk/api/sim/help-button. A real button is wired to a
GPIO pin (gpiozero ``Button(pin).when_pressed = handler``) or is a USB HID key the kiosk
page hears; either way the adapter calls ``press``.
"""

from __future__ import annotations

from collections.abc import Callable


class HelpButton:
    def __init__(self) -> None:
        self._handlers: list[Callable[[], None]] = []

    def on_press(self, handler: Callable[[], None]) -> None:
        self._handlers.append(handler)

    def press(self) -> None:
        for handler in self._handlers:
            handler()
