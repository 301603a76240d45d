"""Rendered test documents (Pillow + Noto CJK): ID-card fronts and driver health certificates,
drawn by the booth simulator's renderer (``gangting.node.adapters.sim_documents``).

Synthetic Baotou citizens: valid 1502xx ID numbers (GB 11643-1999 check character computed
here, independently of the code under test), names with rare characters, nations such as
蒙古/达斡尔/鄂温克, addresses in 包头市 districts over two or three lines, and a face-photo
placeholder. ``camera`` puts a document on a desk as a document camera sees it: perspective,
slight rotation, uneven light, blur, noise and JPEG.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from gangting.node.adapters import sim_documents
from gangting.node.adapters.sim_documents import SANS as SANS
from gangting.node.adapters.sim_documents import SANS_BOLD as SANS_BOLD
from gangting.node.adapters.sim_documents import SERIF as SERIF
from gangting.node.adapters.sim_documents import HealthForm as HealthForm

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


# What is printed on one card front (the simulator's card, drawn without a chip photo).
Citizen = sim_documents.CardFront


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


def render_id_card(c: Citizen, *, seed: int = 0) -> NDArray[np.uint8]:
    """The front (photo side) of a second-generation ID card, upright, BGR, 856 x 540; the
    placeholder face's tone varies with ``seed``."""
    assert len(c.address) <= 33, "an address longer than three lines does not fit the card"
    tone = int(np.random.default_rng(seed).integers(150, 200))
    return sim_documents.render_id_card(c, silhouette_tone=tone)


INSTITUTIONS = (
    "包头市中心医院",
    "包头市第四医院",
    "内蒙古科技大学包头医学院第一附属医院",
    "包头市昆都仑区人民医院",
    "包钢集团第三职工医院",
    "包头市九原区医院",
)


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
        height_cm=170 + len(citizen.name),
    )


def render_health_form(f: HealthForm) -> NDArray[np.uint8]:
    """The form on white paper with the institution's red seal; BGR, 827 x 1169."""
    return sim_documents.render_health_form(f, seal=True)


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
