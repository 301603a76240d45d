"""Places of the demo city: districts (RULES.md §8), streets, camera sites and booth sites.

Street names are invented but plausible (RULES.md §8: "free to invent"); district codes,
names and 2012 resident populations are the real ones.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from gangting.geo.districts import DistrictShape, baotou_districts


@dataclass(frozen=True)
class District:
    code: str
    name: str
    short: str  # 昆都仑区 -> 昆都仑 (for brigade names)
    abbr: str  # KDL: booth codes BT-KDL-001, org paths /BT/KDL/
    population_10k: float  # resident population 2012 (万), RULES.md §8
    streets: tuple[str, ...]


DISTRICTS: tuple[District, ...] = (
    District(
        "150202",
        "东河区",
        "东河",
        "DH",
        50.78,
        (
            "巴彦塔拉大街",
            "南门外大街",
            "东河大街",
            "和平路",
            "环城路",
            "西脑包大街",
            "财神庙街",
            "北梁大街",
            "建设路",
            "解放路",
            "二里半街",
            "铁西路",
            "东兴路",
            "工业路",
        ),
    ),
    District(
        "150203",
        "昆都仑区",
        "昆都仑",
        "KDL",
        73.79,
        (
            "钢铁大街",
            "阿尔丁大街",
            "友谊大街",
            "团结大街",
            "林荫路",
            "昆河路",
            "少先路",
            "青年路",
            "白云路",
            "市府西路",
            "文化路",
            "乌兰道",
            "黄河大街",
            "建华路",
            "胜利路",
        ),
    ),
    District(
        "150204",
        "青山区",
        "青山",
        "QS",
        48.97,
        (
            "幸福路",
            "民族东路",
            "青年路",
            "文化路",
            "科学路",
            "呼得木林大街",
            "银河广场路",
            "富强路",
            "自由路",
            "团结大街",
            "阿尔丁大街",
            "青山路",
            "赛音道",
            "光荣路",
        ),
    ),
    District(
        "150205",
        "石拐区",
        "石拐",
        "SG",
        3.25,
        ("石拐大街", "大发街", "五当召路", "白狐沟路", "喜桂图路", "吉忽伦图路"),
    ),
    District(
        "150206",
        "白云鄂博矿区",
        "白云",
        "BY",
        2.55,
        ("矿山路", "白云大街", "通阳道", "石宝路", "稀土路", "包白路"),
    ),
    District(
        "150207",
        "九原区",
        "九原",
        "JY",
        20.82,
        (
            "建华南路",
            "滨河大道",
            "沙河大街",
            "哈屯高勒路",
            "九原路",
            "麻池路",
            "赛汗路",
            "新光大街",
            "万达路",
            "昆仑路",
        ),
    ),
    District(
        "150221",
        "土默特右旗",
        "土右",
        "TY",
        27.01,
        ("萨拉齐大街", "敕勒川大街", "新华路", "民主路", "建设路", "美岱召路", "沟门路"),
    ),
    District(
        "150222",
        "固阳县",
        "固阳",
        "GY",
        16.46,
        ("金山大街", "秦长城路", "东风路", "兴顺西路", "北环路", "春坤山路"),
    ),
    District(
        "150223",
        "达尔罕茂明安联合旗",
        "达茂",
        "DM",
        9.79,
        ("百灵庙大街", "草原路", "阿拉坦路", "满都拉路", "敖伦苏木路", "希拉穆仁路"),
    ),
)
DISTRICT_BY_CODE: dict[str, District] = {d.code: d for d in DISTRICTS}
AREA_CODES: tuple[str, ...] = tuple(d.code for d in DISTRICTS)
AREA_WEIGHTS: tuple[float, ...] = tuple(d.population_10k for d in DISTRICTS)


def shape(district: District) -> DistrictShape:
    return baotou_districts()[district.code]


def booth_counts(total: int) -> dict[str, int]:
    """Booths per district, by population: one each when there are enough, the rest by
    largest remainder; fewer booths than districts go to the most populous districts."""
    by_pop = sorted(DISTRICTS, key=lambda d: -d.population_10k)
    if total < len(DISTRICTS):
        return {d.code: 1 for d in by_pop[:total]}
    counts = {d.code: 1 for d in DISTRICTS}
    rest = total - len(DISTRICTS)
    pop = sum(AREA_WEIGHTS)
    shares = {d.code: rest * d.population_10k / pop for d in DISTRICTS}
    for code, share in shares.items():
        counts[code] += int(share)
    left = total - sum(counts.values())
    for code in sorted(shares, key=lambda c: -(shares[c] - int(shares[c])))[:left]:
        counts[code] += 1
    return counts


def point_in_district(rng: random.Random, district: District) -> tuple[float, float]:
    """A random point inside the district's boundary, near its seat (where people live):
    Gaussian around the seat (σ ≈ 2.5 km), rejected until inside; falls back to uniform
    points in the bounding box."""
    geo = shape(district)
    lon0, lat0 = geo.center
    for _ in range(500):
        lon = round(rng.gauss(lon0, 0.03), 6)
        lat = round(rng.gauss(lat0, 0.022), 6)
        if geo.contains(lon, lat):
            return lon, lat
    x0, y0, x1, y1 = geo.bbox
    while True:
        lon, lat = round(rng.uniform(x0, x1), 6), round(rng.uniform(y0, y1), 6)
        if geo.contains(lon, lat):
            return lon, lat


def street_address(rng: random.Random, district: District) -> str:
    return f"{district.name}{rng.choice(district.streets)}{rng.randint(1, 299)}号"


def camera_sites(rng: random.Random, per_district: int = 24) -> dict[str, tuple[str, ...]]:
    """Fixed camera sites (intersections and road sections) per district, as place text."""
    sites: dict[str, tuple[str, ...]] = {}
    for d in DISTRICTS:
        names: list[str] = []
        seen: set[str] = set()
        for _ in range(per_district * 4):
            a, b = rng.sample(d.streets, 2)
            name = (
                f"{d.name}{a}与{b}交叉口"
                if rng.random() < 0.7
                else f"{d.name}{a}{rng.randint(1, 120) * 10}号路段"
            )
            if name not in seen:
                seen.add(name)
                names.append(name)
            if len(names) == per_district:
                break
        sites[d.code] = tuple(names)
    return sites
