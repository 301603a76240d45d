"""Rendered documents for the simulated document camera: ID-card fronts and driver health
certificates (Pillow + Noto CJK), laid on a grey desk as the camera sees them.

SIMULATOR ONLY. The OCR tests' renderer (``tests/identification/documents/render.py``)
draws its documents with these functions and adds the synthetic citizens and the camera
faults. The printed portrait is the holder's chip photo, scaled into the photo box of the
card front (``PORTRAIT_BOX``), so the OCR fallback's portrait crop shows the same simulated
person as the face camera; without one, a head-and-shoulders silhouette.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
SANS = FONT_DIR / "NotoSansCJK-Regular.ttc"
SANS_BOLD = FONT_DIR / "NotoSansCJK-Bold.ttc"
SERIF = FONT_DIR / "NotoSerifCJK-Regular.ttc"
_SC = 2  # face index of "Noto Sans/Serif CJK SC" in the collections
_MONO_SC = 7  # "Noto Sans Mono CJK SC"

# One pixel is 0.1 mm: the card (ISO/IEC 7810 ID-1, 85.6 x 54 mm) is 856 x 540.
CARD_W, CARD_H = 856, 540
# The printed portrait: left, top, width, height on the 856 x 540 card front.
PORTRAIT_BOX = (580, 70, 220, 280)
LABEL_INK = (20, 110, 175)
TEXT_INK = (25, 25, 25)
# A4 portrait at about 100 dpi.
PAGE_W, PAGE_H = 827, 1169

Bgr = NDArray[np.uint8]


@dataclass(frozen=True)
class CardFront:
    """What is printed on one card front (the portrait as JPEG/BMP bytes, may be empty)."""

    name: str
    sex: str  # 男 | 女
    nation: str
    birth_date: date
    address: str
    id_number: str
    portrait: bytes = b""


@dataclass(frozen=True)
class HealthForm:
    """What is printed on one 机动车驾驶人身体条件证明."""

    certificate_no: str
    name: str
    sex: str
    birth_date: date
    id_number: str
    institution: str
    examined_on: date
    conclusion: str  # 合格 | 不合格
    licence_class: str = "C1"
    height_cm: int = 170


def fonts_available() -> bool:
    return all(f.exists() for f in (SANS, SANS_BOLD, SERIF))


def _font(path: Path, size: int, index: int = _SC) -> ImageFont.FreeTypeFont:
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: apt-get install fonts-noto-cjk")
    return ImageFont.truetype(str(path), size, index=index)


def render_id_card(c: CardFront, *, silhouette_tone: int = 175) -> Bgr:
    """The front (photo side) of a second-generation ID card, upright, BGR, 856 x 540.

    ``silhouette_tone`` is the face's red level in the silhouette drawn when the card
    has no portrait. The address prints 11 characters a line, three lines at most.
    """
    y, x = np.mgrid[0:CARD_H, 0:CARD_W].astype(np.float32)
    base = np.stack([238 - 10 * x / CARD_W, 240 - 4 * y / CARD_H, 236 + 8 * x / CARD_W], axis=-1)
    waves = 5 * (np.sin(x / 9.0 + 3 * np.sin(y / 40.0)) > 0.96)
    img = Image.fromarray(np.clip(base - waves[..., None], 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    label, value = _font(SANS, 27), _font(SANS, 33)
    name_font, number_font = _font(SANS, 38), _font(SANS, 40, index=_MONO_SC)
    lx, vx = 70, 168
    draw.text((lx, 62), "姓 名", font=label, fill=LABEL_INK)
    draw.text((vx, 56), c.name, font=name_font, fill=TEXT_INK)
    draw.text((lx, 126), "性 别", font=label, fill=LABEL_INK)
    draw.text((vx, 122), c.sex, font=value, fill=TEXT_INK)
    draw.text((265, 126), "民 族", font=label, fill=LABEL_INK)
    draw.text((350, 122), c.nation, font=value, fill=TEXT_INK)
    draw.text((lx, 188), "出 生", font=label, fill=LABEL_INK)
    b = c.birth_date
    draw.text((vx, 184), f"{b.year}", font=value, fill=TEXT_INK)
    draw.text((262, 188), "年", font=label, fill=TEXT_INK)
    draw.text((306, 184), f"{b.month}", font=value, fill=TEXT_INK)
    draw.text((350, 188), "月", font=label, fill=TEXT_INK)
    draw.text((392, 184), f"{b.day}", font=value, fill=TEXT_INK)
    draw.text((436, 188), "日", font=label, fill=TEXT_INK)
    draw.text((lx, 252), "住 址", font=label, fill=LABEL_INK)
    lines = [c.address[i : i + 11] for i in range(0, len(c.address), 11)][:3]
    for i, line in enumerate(lines):
        draw.text((vx, 248 + 46 * i), line, font=value, fill=TEXT_INK)
    draw.text((lx, 448), "公民身份号码", font=label, fill=LABEL_INK)
    draw.text((268, 441), c.id_number, font=number_font, fill=TEXT_INK)
    px, py, pw, ph = PORTRAIT_BOX
    img.paste(_portrait(c.portrait, pw, ph, silhouette_tone), (px, py))
    return np.asarray(img)[:, :, ::-1].copy()


def _portrait(photo: bytes, pw: int, ph: int, tone: int) -> Image.Image:
    """The holder's photo scaled to the box, or a head-and-shoulders silhouette."""
    if photo:
        try:
            return (
                Image.open(io.BytesIO(photo))
                .convert("RGB")
                .resize((pw, ph), Image.Resampling.LANCZOS)
            )
        except OSError:
            pass
    out = Image.new("RGB", (pw, ph), (235, 238, 242))
    pd = ImageDraw.Draw(out)
    pd.ellipse([62, 40, pw - 62, 180], fill=(tone, tone - 25, tone - 45))
    pd.ellipse([10, 185, pw - 10, ph + 120], fill=(60, 70, 90))
    return out


def render_health_form(f: HealthForm, *, seal: bool = False) -> Bgr:
    """The form on white paper, as a table of label and value cells; BGR, 827 x 1169.

    With ``seal``, a red seal ring stamped over the institution's row.
    """
    img = Image.new("RGB", (PAGE_W, PAGE_H), (252, 252, 250))
    draw = ImageDraw.Draw(img)
    title, text, serif = _font(SANS_BOLD, 34), _font(SANS, 21), _font(SERIF, 21)
    ink = (20, 20, 20)
    draw.text((PAGE_W // 2 - 5 * 34, 50), "机动车驾驶人身体条件证明", font=title, fill=ink)
    draw.text((470, 112), f"编号：{f.certificate_no}", font=text, fill=ink)
    x0, x1 = 50, PAGE_W - 50
    b, e = f.birth_date, f.examined_on
    rows: list[list[tuple[str, int]]] = [
        [("姓名", 0), (f.name, 110), ("性别", 280), (f.sex, 350), ("出生日期", 420),
         (f"{b.year}年{b.month}月{b.day}日", 530)],
        [("身份证明名称", 0), ("居民身份证", 160), ("号码", 330), (f.id_number, 400)],
        [("申请/已具有准驾车型", 0), (f.licence_class, 250)],
        [("身高", 0), (f"{f.height_cm}cm", 110), ("辨色力", 300), ("正常", 410)],
        [("视力", 0), ("左眼 5.0  右眼 5.1", 110), ("是否矫正", 420), ("否", 540)],
        [("听力", 0), ("左耳 正常  右耳 正常", 110)],
        [("上肢", 0), ("正常", 110), ("下肢", 300), ("正常", 410)],
        [("躯干和颈部", 0), ("正常", 150)],
        [("体检结论", 0), (f.conclusion, 150)],
        [("体检医生", 0), ("（签字）", 150)],
        [("医疗机构名称", 0), (f.institution, 170)],
        [("体检日期", 0), (f"{e.year}年{e.month}月{e.day}日", 150)],
    ]  # fmt: skip
    top, row_h = 160, 62
    for r, cells in enumerate(rows):
        y = top + r * row_h
        draw.line([(x0, y), (x1, y)], fill=ink, width=2)
        for i, (cell, dx) in enumerate(cells):
            draw.text((x0 + 12 + dx, y + 17), cell, font=serif if i % 2 else text, fill=ink)
            if i and i % 2 == 0:
                draw.line([(x0 + dx - 8, y), (x0 + dx - 8, y + row_h)], fill=ink, width=1)
    bottom = top + len(rows) * row_h
    draw.line([(x0, bottom), (x1, bottom)], fill=ink, width=2)
    draw.line([(x0, top), (x0, bottom)], fill=ink, width=2)
    draw.line([(x1, top), (x1, bottom)], fill=ink, width=2)
    draw.text((x0, bottom + 30), "本证明自出具之日起六个月内有效。", font=text, fill=ink)
    if seal:
        cy = top + 10 * row_h + row_h // 2 + 40
        red = (215, 40, 40)
        draw.ellipse([560, cy - 85, 730, cy + 85], outline=red, width=5)
        draw.text((645 - 42, cy - 12), "体检专用章", font=_font(SANS, 17), fill=red)
    return np.asarray(img)[:, :, ::-1].copy()


def on_desk(doc: Bgr, *, frame: tuple[int, int] = (1280, 960), fill: float = 0.72) -> Bgr:
    """``doc`` lying square on a grey desk in the middle of a ``frame`` (w, h) shot."""
    w, h = frame
    dh, dw = doc.shape[:2]
    scale = min(fill * w / dw, fill * h / dh)
    sw, sh = round(dw * scale), round(dh * scale)
    out = np.full((h, w, 3), (103, 95, 95), np.uint8)
    x, y = (w - sw) // 2, (h - sh) // 2
    out[y : y + sh, x : x + sw] = cv2.resize(doc, (sw, sh), interpolation=cv2.INTER_AREA)
    return out
