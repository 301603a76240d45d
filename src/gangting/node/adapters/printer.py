"""Receipt printer port (受理回执).

``EscPosPrinter`` drives a real thermal printer through python-escpos: ``usb://VID:PID``,
``tcp://host:9100`` or ``file:///dev/usb/lp0``; Chinese text is sent as GB18030 in the
printer's Chinese mode (FS &), which common Chinese ESC/POS printers accept. The simulator
renders the same ticket to a text file and, with Pillow, a PNG under var/receipts/.
A receipt never carries the citizen's name or ID number: it may be left behind.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

from gangting.node.errors import DeviceFault

CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


@dataclass(frozen=True)
class Receipt:
    receipt_no: str
    lines: tuple[str, ...]


class Printer(Protocol):
    def print_receipt(self, receipt: Receipt) -> list[Path]:
        """Print; the simulator answers the files it wrote, a real printer nothing."""
        ...


class SimulatedPrinter:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.paper = True

    def print_receipt(self, receipt: Receipt) -> list[Path]:
        if not self.paper:
            raise DeviceFault("打印机缺纸，请联系工作人员", code="kiosk.printer_paper_out")
        self.directory.mkdir(parents=True, exist_ok=True)
        text = self.directory / f"{receipt.receipt_no}.txt"
        text.write_text("\n".join(receipt.lines) + "\n", encoding="utf-8")
        png = _render_png(receipt, self.directory / f"{receipt.receipt_no}.png")
        return [text] if png is None else [text, png]


def _render_png(receipt: Receipt, path: Path) -> Path | None:
    try:
        image_mod: Any = importlib.import_module("PIL.Image")
        draw_mod: Any = importlib.import_module("PIL.ImageDraw")
        font_mod: Any = importlib.import_module("PIL.ImageFont")
    except ImportError:
        return None
    font_path = next((f for f in CJK_FONTS if Path(f).exists()), None)
    font = font_mod.truetype(font_path, 20) if font_path else font_mod.load_default()
    width, line_h = 576, 30  # 80 mm paper at 203 dpi
    image = image_mod.new("L", (width, 40 + line_h * len(receipt.lines)), 255)
    draw = draw_mod.Draw(image)
    for n, line in enumerate(receipt.lines):
        draw.text((16, 20 + n * line_h), line, fill=0, font=font)
    image.save(path)
    return path


class EscPosPrinter:
    def __init__(self, url: str) -> None:
        self._url = url

    def _connect(self) -> Any:
        printer: Any = importlib.import_module("escpos.printer")
        u = urlparse(self._url)
        if u.scheme == "usb":
            vid, pid = (int(x, 16) for x in u.netloc.split(":"))
            return printer.Usb(vid, pid)
        if u.scheme == "tcp":
            return printer.Network(u.hostname, port=u.port or 9100)
        if u.scheme == "file":
            return printer.File(u.path)
        raise DeviceFault(f"不支持的打印机地址：{self._url}")

    def print_receipt(self, receipt: Receipt) -> list[Path]:
        try:
            p = self._connect()
            p._raw(b"\x1c\x26")  # FS & : Chinese character mode
            for line in receipt.lines:
                p._raw(line.encode("gb18030") + b"\n")
            p.cut()
            p.close()
        except DeviceFault:
            raise
        except Exception as exc:  # the driver's errors vary by link (USB, network, file)
            raise DeviceFault("打印机故障，请联系工作人员") from exc
        return []
