"""Rendered test documents (Pillow + Noto CJK): ID-card fronts and driver health certificates.

Synthetic Baotou citizens: valid 1502xx ID numbers (GB 11643-1999 check character computed
here, independently of the code under test), names with rare characters, nations such as
蒙古/达斡尔/鄂温克, addresses in 包头市 districts over two or three lines, and a face-photo
placeholder. ``camera`` puts a document on a desk as a document camera sees it: perspective,
slight rotation, uneven light, blur, noise and JPEG.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

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

DISTRICTS = {
    "150202": "东河区",
    "150203": "昆都仑区",
    "150204": "青山区",
    "150205": "石拐区",
    "150206": "白云鄂博矿区",
    "150207": "九原区",
    "150221": "土默特右旗",
    "150222": "固阳县",
    "150223": "达尔罕茂明安联合旗",
}
STREETS = (
    "钢铁大街", "阿尔丁大街", "友谊大街", "民族东路", "建设路", "幸福路", "少先路",
    "巴彦塔拉大街", "林荫路", "团结大街", "南门外大街", "青年路", "呼得木林大街", "文化路",
)  # fmt: skip
SURNAMES = ("王", "李", "张", "刘", "赵", "孙", "周", "吴", "郭", "乌", "包", "敖", "那", "鄂")
GIVEN = (
    "喆", "堃", "燚", "犇", "淼", "玥", "珺", "翀", "昇", "晧", "骉", "垚", "龑", "婧",
    "志强", "秀英", "建国", "丽娜", "海涛", "晓雪", "子涵", "雨桐",
)  # fmt: skip
MONGOLIAN_NAMES = ("巴特尔", "其其格", "乌日娜", "苏日古嘎", "额尔敦", "那仁高娃", "斯琴")
NATIONS = ("汉", "蒙古", "回", "满", "达斡尔", "鄂温克", "鄂伦春", "朝鲜")

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 as GB 11643-1999 §4.2 states it (test oracle, written out anew)."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


@dataclass(frozen=True)
class Citizen:
    """What is printed on one card front."""

    name: str
    sex: str  # 男 | 女
    nation: str
    birth_date: date
    address: str
    id_number: str


def make_citizen(rng: random.Random, *, want_x: bool = False) -> Citizen:
    """A random Baotou citizen whose printed fields agree with a valid ID number."""
    area = rng.choice(sorted(DISTRICTS))
    nation = rng.choice(NATIONS)
    if nation == "蒙古" and rng.random() < 0.6:
        name = rng.choice(MONGOLIAN_NAMES)
    else:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 56))
    sex = rng.choice(("男", "女"))
    while True:
        seq = rng.randrange(0, 1000)
        if (seq % 2 == 1) != (sex == "男"):
            seq = (seq + 1) % 1000
        first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
        if not want_x or check_char(first17) == "X":
            break
    parts = [
        "内蒙古包头市",
        DISTRICTS[area],
        rng.choice(STREETS),
        f"{rng.randrange(1, 300)}号",
        f"{rng.randrange(1, 30)}栋",
        f"{rng.randrange(1, 7)}单元",
        f"{rng.randrange(1, 18)}0{rng.randrange(1, 5)}号",
    ]
    if rng.random() < 0.4:
        del parts[4:]  # a house, not a flat
    while len("".join(parts)) > 33:  # three printed lines of 11 at most
        del parts[4]
    address = "".join(parts)
    return Citizen(name, sex, nation, birth, address, first17 + check_char(first17))


def id_number(area: str, birth: date, seq: int) -> str:
    """A valid 18-character number; ``seq`` odd for a man, even for a woman."""
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def with_wrong_check_char(c: Citizen) -> Citizen:
    right = c.id_number[17]
    wrong = "0" if right != "0" else "1"
    return replace(c, id_number=c.id_number[:17] + wrong)


def with_printed_birth_date(c: Citizen, printed: date) -> Citizen:
    return replace(c, birth_date=printed)


def _font(path: Path, size: int, index: int = _SC) -> ImageFont.FreeTypeFont:
    assert path.exists(), f"{path} is missing: apt-get install fonts-noto-cjk"
    return ImageFont.truetype(str(path), size, index=index)


def _wrap(text: str, per_line: int) -> list[str]:
    return [text[i : i + per_line] for i in range(0, len(text), per_line)]


# One pixel is 0.1 mm: the card (ISO/IEC 7810 ID-1, 85.6 x 54 mm) is 856 x 540.
CARD_W, CARD_H = 856, 540
LABEL_INK = (20, 110, 175)
TEXT_INK = (25, 25, 25)


def render_id_card(c: Citizen, *, seed: int = 0) -> NDArray[np.uint8]:
    """The front (photo side) of a second-generation ID card, upright, BGR, 856 x 540."""
    rng = np.random.default_rng(seed)
    # Pale guilloche background: light blue-to-cream gradient with fine sine lines.
    y, x = np.mgrid[0:CARD_H, 0:CARD_W].astype(np.float32)
    base = np.stack(
        [
            238 - 10 * x / CARD_W,
            240 - 4 * y / CARD_H,
            236 + 8 * x / CARD_W,
        ],
        axis=-1,
    )
    waves = 5 * (np.sin(x / 9.0 + 3 * np.sin(y / 40.0)) > 0.96)
    img_arr = np.clip(base - waves[..., None], 0, 255).astype(np.uint8)
    img = Image.fromarray(img_arr, "RGB")
    draw = ImageDraw.Draw(img)

    label = _font(SANS, 27)
    value = _font(SANS, 33)
    name_font = _font(SANS, 38)
    number_font = _font(SANS, 40, index=_MONO_SC)

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
    lines = _wrap(c.address, 11)
    assert len(lines) <= 3, "an address longer than three lines does not fit the card"
    for i, line in enumerate(lines):
        draw.text((vx, 248 + 46 * i), line, font=value, fill=TEXT_INK)
    draw.text((lx, 448), "公民身份号码", font=label, fill=LABEL_INK)
    draw.text((268, 441), c.id_number, font=number_font, fill=TEXT_INK)

    # Face-photo placeholder: pale backdrop, a head-and-shoulders silhouette.
    pw, ph = 220, 280
    tone = int(rng.integers(150, 200))
    photo = Image.new("RGB", (pw, ph), (235, 238, 242))
    pd = ImageDraw.Draw(photo)
    pd.ellipse([62, 40, pw - 62, 180], fill=(tone, tone - 25, tone - 45))
    pd.ellipse([10, 185, pw - 10, ph + 120], fill=(60, 70, 90))
    img.paste(photo, (580, 70))
    return np.asarray(img)[:, :, ::-1].copy()


# A4 portrait at about 100 dpi: 827 x 1169 pixels.
PAGE_W, PAGE_H = 827, 1169

INSTITUTIONS = (
    "包头市中心医院",
    "包头市第四医院",
    "内蒙古科技大学包头医学院第一附属医院",
    "包头市昆都仑区人民医院",
    "包钢集团第三职工医院",
    "包头市九原区医院",
)


@dataclass(frozen=True)
class HealthForm:
    """What is printed on one 机动车驾驶人身体条件证明."""

    certificate_no: str
    name: str
    sex: str
    birth_date: date
    id_number: str
    licence_class: str
    institution: str
    examined_on: date
    conclusion: str  # 合格 | 不合格


def make_health_form(rng: random.Random, citizen: Citizen, examined_on: date) -> HealthForm:
    return HealthForm(
        certificate_no=f"150200{examined_on:%Y%m%d}{rng.randrange(10000):04d}",
        name=citizen.name,
        sex=citizen.sex,
        birth_date=citizen.birth_date,
        id_number=citizen.id_number,
        licence_class=rng.choice(("C1", "C2", "B2", "A1", "C1")),
        institution=rng.choice(INSTITUTIONS),
        examined_on=examined_on,
        conclusion="合格" if rng.random() < 0.75 else "不合格",
    )


def render_health_form(f: HealthForm) -> NDArray[np.uint8]:
    """The form on white paper, as a table of label and value cells; BGR, 827 x 1169."""
    img = Image.new("RGB", (PAGE_W, PAGE_H), (252, 252, 250))
    draw = ImageDraw.Draw(img)
    title = _font(SANS_BOLD, 34)
    text = _font(SANS, 21)
    serif = _font(SERIF, 21)
    ink = (20, 20, 20)
    draw.text((PAGE_W // 2 - 5 * 34, 50), "机动车驾驶人身体条件证明", font=title, fill=ink)
    draw.text((470, 112), f"编号：{f.certificate_no}", font=text, fill=ink)

    x0, x1 = 50, PAGE_W - 50
    b = f.birth_date
    born = f"{b.year}年{b.month}月{b.day}日"
    e = f.examined_on
    examined = f"{e.year}年{e.month}月{e.day}日"
    rows: list[list[tuple[str, int]]] = [
        [("姓名", 0), (f.name, 110), ("性别", 280), (f.sex, 350), ("出生日期", 420), (born, 530)],
        [("身份证明名称", 0), ("居民身份证", 160), ("号码", 330), (f.id_number, 400)],
        [("申请/已具有准驾车型", 0), (f.licence_class, 250)],
        [("身高", 0), (f"{170 + len(f.name)}cm", 110), ("辨色力", 300), ("正常", 410)],
        [("视力", 0), ("左眼 5.0  右眼 5.1", 110), ("是否矫正", 420), ("否", 540)],
        [("听力", 0), ("左耳 正常  右耳 正常", 110)],
        [("上肢", 0), ("正常", 110), ("下肢", 300), ("正常", 410)],
        [("躯干和颈部", 0), ("正常", 150)],
        [("体检结论", 0), (f.conclusion, 150)],
        [("体检医生", 0), ("（签字）", 150)],
        [("医疗机构名称", 0), (f.institution, 170)],
        [("体检日期", 0), (examined, 150)],
    ]  # fmt: skip
    top, row_h = 160, 62
    for r, cells in enumerate(rows):
        y = top + r * row_h
        draw.line([(x0, y), (x1, y)], fill=ink, width=2)
        for i, (cell, dx) in enumerate(cells):
            font = serif if i % 2 else text
            draw.text((x0 + 12 + dx, y + 17), cell, font=font, fill=ink)
            if i and i % 2 == 0:
                draw.line([(x0 + dx - 8, y), (x0 + dx - 8, y + row_h)], fill=ink, width=1)
    bottom = top + len(rows) * row_h
    draw.line([(x0, bottom), (x1, bottom)], fill=ink, width=2)
    draw.line([(x0, top), (x0, bottom)], fill=ink, width=2)
    draw.line([(x1, top), (x1, bottom)], fill=ink, width=2)
    note = "本证明自出具之日起六个月内有效。"
    draw.text((x0, bottom + 30), note, font=text, fill=ink)
    # A red seal ring beside the institution, as stamped on the paper.
    cy = top + 10 * row_h + row_h // 2 + 40
    red = (215, 40, 40)
    draw.ellipse([560, cy - 85, 730, cy + 85], outline=red, width=5)
    draw.text((645 - 42, cy - 12), "体检专用章", font=_font(SANS, 17), fill=red)
    return np.asarray(img)[:, :, ::-1].copy()


def camera(
    doc: NDArray[np.uint8],
    *,
    seed: int,
    angle_deg: float = 0.0,
    perspective: float = 0.0,
    blur: float = 0.0,
    noise: float = 0.0,
    jpeg: int | None = None,
    frame: tuple[int, int] = (1280, 960),
    fill: float = 0.72,
) -> NDArray[np.uint8]:
    """``doc`` lying on a grey desk under a document camera: a ``frame`` (w, h) BGR image.

    The document spans ``fill`` of the frame's width (or height); corners move by up to
    ``perspective`` of its size, it turns by ``angle_deg``; then uneven light, Gaussian
    ``blur`` (sigma, px), Gaussian ``noise`` (sigma, grey levels) and ``jpeg`` quality.
    """
    rng = np.random.default_rng(seed)
    w, h = frame
    dh, dw = doc.shape[:2]
    scale = min(fill * w / dw, fill * h / dh)
    sw, sh = dw * scale, dh * scale
    cx, cy = w / 2 + rng.uniform(-0.04, 0.04) * w, h / 2 + rng.uniform(-0.04, 0.04) * h
    corners = np.array([[-sw / 2, -sh / 2], [sw / 2, -sh / 2], [sw / 2, sh / 2], [-sw / 2, sh / 2]])
    corners += rng.uniform(-perspective, perspective, corners.shape) * np.array([sw, sh])
    t = np.deg2rad(angle_deg)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    dst = (corners @ rot.T + np.array([cx, cy])).astype(np.float32)
    src = np.float32([[0, 0], [dw, 0], [dw, dh], [0, dh]])
    m = cv2.getPerspectiveTransform(src, dst)
    desk = rng.normal(95, 6, (h // 8, w // 8, 3)).astype(np.float32)
    desk = cv2.resize(desk, (w, h), interpolation=cv2.INTER_LINEAR)
    desk[..., 0] += 8
    warped = cv2.warpPerspective(doc, m, (w, h), flags=cv2.INTER_AREA).astype(np.float32)
    mask = cv2.warpPerspective(np.full((dh, dw), 1.0, np.float32), m, (w, h))[..., None]
    out = desk + (warped - desk) * mask
    xs = np.arange(w, dtype=np.float32)
    light = 1.0 + 0.08 * np.cos((xs - w * rng.uniform(0, 1)) / w * np.pi)
    out *= light[None, :, None]
    if blur > 0:
        out = cv2.GaussianBlur(out, (0, 0), blur)
    if noise > 0:
        out += rng.standard_normal(out.shape, dtype=np.float32) * noise
    img = np.clip(out, 0, 255).astype(np.uint8)
    if jpeg is not None:
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, jpeg])
        assert ok
        img = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return np.asarray(img, dtype=np.uint8)


def degraded(doc: NDArray[np.uint8], seed: int, **frame: Any) -> NDArray[np.uint8]:
    """A document-camera shot with random but bounded faults (the 'degraded' set)."""
    rng = random.Random(seed)
    return camera(
        doc,
        seed=seed,
        angle_deg=rng.uniform(-6, 6),
        perspective=rng.uniform(0.01, 0.04),
        blur=rng.uniform(0.6, 1.4),
        noise=rng.uniform(3, 8),
        jpeg=rng.randrange(50, 80),
        **frame,
    )


def clean(doc: NDArray[np.uint8], seed: int, **frame: Any) -> NDArray[np.uint8]:
    """A document-camera shot, square to the camera, sharp, no noise (the 'clean' set)."""
    return camera(doc, seed=seed, jpeg=92, **frame)
