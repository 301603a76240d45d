"""Reading a driver's health certificate (机动车驾驶人身体条件证明) from a document camera.

    read = read_health_certificate(image_bgr, on=clock.today())
    read.fields.institution, read.fields.examined_on, read.fields.conclusion, read.ok

The form is a table: each label sits in its own cell with its value in the next cell, so
OCR returns label and value as separate boxes, or merged, or one table row as one line.
Values are therefore taken from the row text after their label, up to the next known
label; the examination date also has an unlabelled fallback (a date on a row that is not
the birth date). Key items: the medical institution (医疗机构名称), the examination date
(体检日期, taken as the issue day for the six-month validity) and the conclusion
(体检结论: 合格 / 不合格); the certificate number, the applicant's name and ID number
are read when printed, for matching against the ID card.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gangting.identification.documents.engine import OcrEngine, TextLine, shared_engine
from gangting.identification.documents.layout import Row, group_rows, parse_date, value_after
from gangting.identification.documents.rules import (
    HealthCertificateFields,
    check_health_certificate,
)
from gangting.kernel.decision import Reason

_INSTITUTION = ("医疗机构名称", "体检医疗机构", "医疗机构", "体检机构", "体检单位")
_EXAMINED = ("体检日期", "检查日期", "出具日期")
_CONCLUSION = ("体检结论", "结论")
_NAME = ("姓名",)
_NUMBER_LABELS = ("身份证明号码", "证件号码", "号码")
_CERT_NO = ("证明编号", "编号", "No.", "NO.")
# Every label of the form, so a value stops where the next cell's label starts.
_STOPS = (
    "性别", "出生日期", "身份证明名称", "身份证明号码", "号码", "住所", "联系电话", "申请",
    "准驾车型", "身高", "视力", "辨色力", "听力", "上肢", "下肢", "躯干", "体检结论",
    "体检日期", "体检医生", "医生签字", "医疗机构", "出具日期",
)  # fmt: skip
_DECORATIONS = re.compile(r"\((?:盖章|签字|签名)\)")
_SEAL = re.compile(r"专用章$")
_ID_NUMBER = re.compile(r"\d{17}[\dX]")
_CERT_TOKEN = re.compile(r"[0-9A-Z-]{4,40}")


@dataclass(frozen=True)
class HealthCertificateRead:
    """What was read from one certificate image and whether it can be used.

    ``ok``: institution, date and conclusion read, the conclusion is 合格 and, when a date
    was given, the certificate is within its six months.
    """

    fields: HealthCertificateFields
    confidence: dict[str, float]
    ok: bool
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        f = asdict(self.fields)
        if self.fields.examined_on is not None:
            f["examined_on"] = self.fields.examined_on.isoformat()
        return {
            "fields": f,
            "confidence": dict(self.confidence),
            "ok": self.ok,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def read_health_certificate(
    image: NDArray[np.uint8], *, engine: OcrEngine | None = None, on: date | None = None
) -> HealthCertificateRead:
    """OCR ``image`` (BGR) and read it as a health certificate; ``on`` is today (validity)."""
    lines = (engine or shared_engine()).read(image)
    return parse_health_certificate(lines, on=on)


def parse_health_certificate(
    lines: Sequence[TextLine], *, on: date | None = None
) -> HealthCertificateRead:
    """Read the fields from OCR text boxes (no OCR here: testable on hand-made boxes)."""
    rows = [row for row in map(_cleaned, group_rows(lines)) if row.cells]
    confidence: dict[str, float] = {}

    def labelled(labels: Sequence[str], key: str) -> str | None:
        for row in rows:
            value = value_after(row.text, labels, _STOPS)
            if value:
                confidence[key] = row.score_of(value)
                return value
        return None

    institution = labelled(_INSTITUTION, "institution")
    if institution is not None:
        institution = institution.strip(":()（）")

    examined_on = None
    for row in rows:
        value = value_after(row.text, _EXAMINED)
        if value is not None and (d := parse_date(value)) is not None:
            examined_on, confidence["examined_on"] = d, row.score_of(value)
            break
    if examined_on is None:  # label lost: the last date that is not the birth date
        for row in reversed(rows):
            if "出生" in row.text:
                continue
            if (d := parse_date(row.text)) is not None:
                examined_on, confidence["examined_on"] = d, row.score
                break

    conclusion = None
    raw = labelled(_CONCLUSION, "conclusion")
    if raw is not None:
        if "不合格" in raw:
            conclusion = "不合格"
        elif "合格" in raw:
            conclusion = "合格"
        else:
            confidence.pop("conclusion", None)

    name = labelled(_NAME, "name")
    id_number = None
    for row in rows:
        if "编号" in row.text:
            continue  # a certificate number may be 18 digits too
        m = _ID_NUMBER.search(row.text.upper())
        if m is not None:
            id_number, confidence["id_number"] = m.group(0), row.score_of(m.group(0))
            break
    certificate_no = None
    for row in rows:
        value = value_after(row.text, _CERT_NO)
        if value is not None and (m := _CERT_TOKEN.match(value.upper())) is not None:
            certificate_no = m.group(0)
            confidence["certificate_no"] = row.score_of(certificate_no)
            break

    fields = HealthCertificateFields(
        certificate_no, name, id_number, institution, examined_on, conclusion
    )
    decision = check_health_certificate(fields, on=on)
    return HealthCertificateRead(fields, confidence, decision.allowed, decision.reasons)


def _cleaned(row: Row) -> Row:
    """Drop seal text ('体检专用章', stamped over the table) and '(盖章)'/'(签字)' marks."""
    cells = []
    for cell in row.cells:
        if _SEAL.search(cell.text):
            continue
        text = _DECORATIONS.sub("", cell.text)
        if text:
            cells.append(replace(cell, text=text))
    return Row(tuple(cells), row.y, row.height)
