"""Survey rules: a survey's definition (sections of Likert items on named scales, some
reverse-worded), the check of one set of answers, reverse scoring, and the parse of an
answer sheet in CSV. Pure: stdlib + kernel only.

A survey is data (package data ``surveys/data/*.json``, decision 0021); its ``(code,
version)`` never changes meaning: a changed wording is a new version.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any

from gangting.kernel.clock import CITY_ZONE

KIOSK_SURVEY = "service_quality"  # the short survey the booth offers after the rating
MAX_IMPORT_ROWS = 20_000
MAX_REPORTED_ERRORS = 50
# Columns of an answer sheet besides the item codes.
META_COLUMNS = ("respondent", "submitted_at", "receipt_no")


class Channel(StrEnum):
    """Where an answer sheet came from."""

    KIOSK = "kiosk"  # the booth's screen, after the rating
    LINK = "link"  # the receipt's link (QR code), later on the citizen's phone
    IMPORT = "import"  # a CSV file (paper forms, telephone callbacks, another system)


@dataclass(frozen=True)
class Item:
    code: str
    text: str  # zh-CN, as shown
    scale: str  # the construct it measures
    scale_min: int
    scale_max: int
    labels: Mapping[int, str]
    reverse: bool = False

    def score(self, raw: int) -> int:
        """The answer on the construct's direction: a reverse-worded item scores
        (min + max) - raw (on 1..5: 1 -> 5, 2 -> 4, 3 -> 3); others score raw."""
        return self.scale_min + self.scale_max - raw if self.reverse else raw


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Survey:
    code: str
    version: int
    title: str
    intro: str
    source: str
    scales: Mapping[str, str]  # scale code -> zh-CN name, in order
    sections: tuple[Section, ...]

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(i for s in self.sections for i in s.items)

    def item(self, code: str) -> Item | None:
        return next((i for i in self.items if i.code == code), None)

    def scale_items(self, scale: str) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.scale == scale)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "version": self.version,
            "title": self.title,
            "intro": self.intro,
            "source": self.source,
            "scales": [{"code": k, "name": v} for k, v in self.scales.items()],
            "sections": [
                {
                    "code": s.code,
                    "title": s.title,
                    "items": [
                        {
                            "code": i.code,
                            "text": i.text,
                            "scale": i.scale,
                            "reverse": i.reverse,
                            "min": i.scale_min,
                            "max": i.scale_max,
                            "labels": {str(k): v for k, v in i.labels.items()},
                        }
                        for i in s.items
                    ],
                }
                for s in self.sections
            ],
        }


def parse_survey(raw: Mapping[str, Any]) -> Survey:
    """A survey from its JSON definition. Checks: a code and a version ≥ 1, at least one
    item, unique item codes, every item on a declared scale, min < max and a label for
    every level. An item may override the survey's scale (``min``, ``max``, ``labels``).
    Raises ValueError naming the first problem."""
    code = str(raw.get("code") or "")
    version = raw.get("version")
    if not code or not isinstance(version, int) or version < 1:
        raise ValueError("a survey needs a code and a version >= 1")
    default = raw.get("scale") or {}
    scales = {str(k): str(v) for k, v in (raw.get("scales") or {}).items()}
    sections = []
    seen: set[str] = set()
    for s in raw.get("sections") or []:
        items = []
        for i in s.get("items") or []:
            icode = str(i.get("code") or "")
            if not icode or icode in seen or icode in META_COLUMNS:
                raise ValueError(f"item code {icode!r} is empty, repeated or reserved")
            seen.add(icode)
            if i.get("scale") not in scales:
                raise ValueError(f"item {icode} is on an undeclared scale {i.get('scale')!r}")
            lo = int(i.get("min", default.get("min", 1)))
            hi = int(i.get("max", default.get("max", 5)))
            labels = {
                int(k): str(v) for k, v in (i.get("labels") or default.get("labels") or {}).items()
            }
            if lo >= hi or set(labels) != set(range(lo, hi + 1)):
                raise ValueError(f"item {icode} needs min < max and a label for every level")
            items.append(
                Item(icode, str(i["text"]), str(i["scale"]), lo, hi, labels, bool(i.get("reverse")))
            )
        sections.append(Section(str(s.get("code") or ""), str(s.get("title") or ""), tuple(items)))
    if not seen:
        raise ValueError(f"survey {code} has no items")
    return Survey(
        code,
        version,
        str(raw.get("title") or code),
        str(raw.get("intro") or ""),
        str(raw.get("source") or ""),
        scales,
        tuple(sections),
    )


def answer_problems(survey: Survey, answers: Mapping[str, object]) -> list[dict[str, Any]]:
    """What is wrong with one answer sheet ``{item code: level}`` (empty when nothing): an
    unknown item, a level that is not a whole number on the item's scale, or no answer at
    all. A missing item or None is a skipped question (the survey is optional, item by item).
    Each problem: ``{"column": item code or None, "message": zh-CN}``."""
    problems: list[dict[str, Any]] = []
    given = 0
    for code, value in answers.items():
        item = survey.item(code)
        if item is None:
            problems.append({"column": code, "message": f"问卷中没有题目“{code}”"})
            continue
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(
                {
                    "column": code,
                    "message": f"题目“{code}”的答案应为整数 {item.scale_min}–{item.scale_max}",
                }
            )
            continue
        if not item.scale_min <= value <= item.scale_max:
            problems.append(
                {
                    "column": code,
                    "message": f"题目“{code}”的答案 {value} 超出量表范围 "
                    f"{item.scale_min}–{item.scale_max}",
                }
            )
            continue
        given += 1
    if not problems and given == 0:
        problems.append({"column": None, "message": "至少需要回答一道题目"})
    return problems


@dataclass(frozen=True)
class SheetRow:
    """One valid row of an answer sheet: its line in the file (the header is line 1)."""

    line: int
    respondent: str | None
    submitted_at: datetime | None
    receipt_no: str | None
    answers: dict[str, int]


def parse_sheet(survey: Survey, text: str) -> tuple[list[SheetRow], list[dict[str, Any]]]:
    """An answer sheet in CSV (UTF-8, a BOM allowed, as Excel writes it): a header of item
    codes plus the optional columns ``respondent`` (an id of the paper form, ≤ 64 chars),
    ``submitted_at`` (ISO 8601; a date or a time without zone counts in Asia/Shanghai) and
    ``receipt_no`` (the application it follows); one row per respondent, an empty cell a
    skipped question.

    Returns (rows, problems); every row is checked, and each problem names its line (the
    header is line 1), its column and a zh-CN message. Rows are only usable when there are
    no problems (an import is all or nothing).
    """
    problems: list[dict[str, Any]] = []
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return [], [{"line": 1, "column": None, "message": "文件为空，缺少表头"}]
    except csv.Error as exc:
        return [], [{"line": 1, "column": None, "message": f"CSV 格式错误：{exc}"}]
    known = {i.code for i in survey.items}
    for col in header:
        if col not in known and col not in META_COLUMNS:
            problems.append({"line": 1, "column": col, "message": f"未知的列“{col}”"})
    if len(set(header)) != len(header):
        problems.append({"line": 1, "column": None, "message": "表头中有重复的列"})
    if not known & set(header):
        problems.append({"line": 1, "column": None, "message": "表头中没有任何题目列"})
    if problems:
        return [], problems
    rows: list[SheetRow] = []
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                problems.append(
                    {"line": line, "column": None, "message": f"行数超过上限 {MAX_IMPORT_ROWS}"}
                )
                break
            row = _sheet_row(survey, header, record, line, problems)
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        problems.append(
            {"line": reader.line_num, "column": None, "message": f"CSV 格式错误：{exc}"}
        )
    if not rows and not problems:
        problems.append({"line": 2, "column": None, "message": "文件中没有数据行"})
    return rows, problems


def _sheet_row(
    survey: Survey, header: list[str], record: list[str], line: int, problems: list[dict[str, Any]]
) -> SheetRow | None:
    if len(record) != len(header):
        problems.append(
            {
                "line": line,
                "column": None,
                "message": f"该行有 {len(record)} 列，表头有 {len(header)} 列",
            }
        )
        return None
    cells = {h: c.strip() for h, c in zip(header, record, strict=True)}
    before = len(problems)
    answers: dict[str, object] = {}
    for code in header:
        if code in META_COLUMNS:
            continue
        cell = cells[code]
        if cell == "":
            continue
        try:
            answers[code] = int(cell)
        except ValueError:
            answers[code] = cell
    for p in answer_problems(survey, answers):
        problems.append({"line": line, **p})
    respondent = cells.get("respondent") or None
    if respondent is not None and len(respondent) > 64:
        problems.append(
            {"line": line, "column": "respondent", "message": "respondent 不能超过64个字符"}
        )
    submitted_at = None
    if cells.get("submitted_at"):
        submitted_at = parse_moment(cells["submitted_at"])
        if submitted_at is None:
            problems.append(
                {
                    "line": line,
                    "column": "submitted_at",
                    "message": f"无法识别的时间“{cells['submitted_at']}”"
                    "（应为 ISO 8601，如 2026-11-26T10:00+08:00）",
                }
            )
    receipt_no = cells.get("receipt_no") or None
    if receipt_no is not None and len(receipt_no) > 32:
        problems.append({"line": line, "column": "receipt_no", "message": "受理编号过长"})
    if len(problems) > before:
        return None
    return SheetRow(
        line,
        respondent,
        submitted_at,
        receipt_no,
        {k: v for k, v in answers.items() if isinstance(v, int)},
    )


def parse_moment(text: str) -> datetime | None:
    """An ISO 8601 instant; a date alone is that day's midnight and a time without zone is
    read in Asia/Shanghai (where paper forms are dated). None when it cannot be read."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.combine(date.fromisoformat(text), time())
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CITY_ZONE)
    return moment.astimezone(UTC)
