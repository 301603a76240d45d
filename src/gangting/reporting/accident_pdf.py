"""The quick-settlement agreement (道路交通事故自行协商协议书, 事故程序规定 第21条) as a PDF for its
parties: the issued content rendered as self-contained HTML (the CJK font subset inlined,
``reporting.fonts``) and printed by WeasyPrint with nothing fetched (``reporting.pdf``).
The content is the one issued and fingerprinted; the PDF is rendered from it on request and
kept in memory by the fingerprint, so a party gets the same bytes each time."""

from __future__ import annotations

import json
from functools import lru_cache
from html import escape
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from gangting.accidents import service as accidents
from gangting.accidents.errors import SettlementNotFound
from gangting.desks.booth_call import BoothReadDep
from gangting.reporting.fonts import FAMILY, font_face_css
from gangting.reporting.pdf import html_to_pdf
from gangting.web.openapi import error_responses

router = APIRouter(
    prefix="/api/v1/accidents",
    tags=["事故快处 quick accidents"],
    responses=error_responses(401, 403, 404),
)

CSS = """
@page { size: A4; margin: 16mm 16mm 16mm 16mm; }
html { font-family: '%(family)s', 'Noto Sans CJK SC', sans-serif; font-size: 10.5pt;
  color: #111827; line-height: 1.5; }
h1 { text-align: center; font-size: 17pt; margin: 0 0 2mm; }
p.no { text-align: center; color: #374151; margin: 0 0 4mm; font-size: 9pt; }
table { border-collapse: collapse; width: 100%%; margin: 0 0 4mm; }
th, td { border: 1px solid #9ca3af; padding: 1.5mm 2mm; text-align: left; vertical-align: top; }
th { background: #f3f4f6; width: 30mm; font-weight: 700; }
h2 { font-size: 11.5pt; margin: 4mm 0 1.5mm; }
p.small { font-size: 8.5pt; color: #374151; margin: 1mm 0; word-break: break-all; }
.sign { margin-top: 8mm; display: flex; justify-content: space-between; }
"""


def agreement_html(content: dict[str, Any], content_sha256: str, font_css: str = "") -> str:
    """The agreement as a self-contained zh-CN HTML page (every 第21条 item)."""
    e = escape
    rows = [
        ("时间", content["occurred_at"]),
        ("地点", content["place"]),
        ("天气", content["weather"]),
        ("事故形态", content["form"]),
        ("责任情形", content["case"]),
    ]
    facts = "".join(f"<tr><th>{e(k)}</th><td>{e(str(v))}</td></tr>" for k, v in rows)
    party_rows = [
        ("当事人姓名", "name"),
        ("驾驶证号或者身份证号", "licence_or_id_no"),
        ("联系方式", "phone"),
        ("机动车种类", "vehicle_kind"),
        ("号牌号码", "plate_no"),
        ("保险公司", "insurer"),
        ("保险凭证号", "policy_no"),
        ("碰撞部位", "collision_part"),
        ("当事人的责任", "liability"),
    ]
    parties = content["parties"]
    head = "".join(f"<th>第{p['seq']}方当事人</th>" for p in parties)
    body = "".join(
        f"<tr><th>{e(label)}</th>"
        + "".join(f"<td>{e(str(p.get(key, '')))}</td>" for p in parties)
        + "</tr>"
        for label, key in party_rows
    )
    basis = "；".join(content.get("legal_basis", []))
    photos = "、".join(h[:16] for h in content.get("photos", []))
    return (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>{e(content['title'])}</title><style>{font_css}"
        f"{CSS % {'family': FAMILY}}</style></head><body>"
        f"<h1>{e(content['title'])}</h1>"
        f"<p class='no'>协议书编号 {e(content['agreement_no'])}　事故快处编号 "
        f"{e(content['settlement_no'])}</p>"
        f"<table>{facts}</table>"
        f"<h2>当事人</h2><table><tr><th></th>{head}</tr>{body}</table>"
        f"<h2>损害赔偿</h2><p>{e(content['compensation'])}。</p>"
        f"<p class='small'>现场照片（SHA-256 前16位）：{e(photos)}</p>"
        f"<p class='small'>依据：{e(basis)}</p>"
        f"<p class='small'>本协议书内容的SHA-256：{e(content_sha256)}</p>"
        "<p class='small'>双方当事人已在交通智慧岗亭分别经居民身份证和人脸核验，"
        "确认上述事实和责任。"
        "自行协商达成协议后未履行的，可以申请人民调解委员会调解或者向人民法院提起民事诉讼。</p>"
        "</body></html>"
    )


def agreement_pdf(content: dict[str, Any], content_sha256: str, font: str = "") -> bytes:
    """The agreement's PDF (the same bytes for the same issued content and font)."""
    return _render(json.dumps(content, ensure_ascii=False, sort_keys=True), content_sha256, font)


@lru_cache(maxsize=32)
def _render(content_json: str, content_sha256: str, font: str) -> bytes:
    content = json.loads(content_json)
    plain = agreement_html(content, content_sha256)
    return html_to_pdf(agreement_html(content, content_sha256, font_face_css(plain, font)))


@router.get(
    "/{settlement_no}/agreement.pdf",
    response_class=Response,
    responses={
        200: {
            "description": "自行协商协议书（PDF）",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    summary="本人的道路交通事故自行协商协议书（PDF，第21条）",
)
def agreement_document(settlement_no: str, call: BoothReadDep) -> Response:
    def read(uow: Any, citizen: Any) -> tuple[dict[str, Any], str, str]:
        settlement = accidents.party_settlement(uow, settlement_no, [citizen.id])
        agreement = accidents.agreement_of(uow, settlement)
        if agreement is None:
            raise SettlementNotFound(
                "该事故快处尚未签发协议书", data={"settlement_no": settlement_no}
            )
        return agreement.content, agreement.content_sha256, agreement.agreement_no

    content, digest, agreement_no = call.read(read)
    body = agreement_pdf(content, digest, call.ctx.settings.report_font)
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{agreement_no}.pdf"',
            "Cache-Control": "no-store",
        },
    )
