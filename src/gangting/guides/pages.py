"""The guides as zh-CN HTML: the public list, one page per guide (its stylesheet is a local
file: the pages obey the house CSP), and the printable document for the PDF (its CSS and the
CJK font subset inline, so WeasyPrint fetches nothing)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from gangting.applications.guides import Guide, page_url
from gangting.kernel.money import format_yuan

CSS_URL = "/guides/static/guides.css"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _version(guide: Guide) -> str:
    return f"版本 {_e(guide.version)} · 自 {_e(guide.effective_on)} 起施行"


def _basis(lines: Iterable[str]) -> str:
    items = "".join(f"<li>{_e(b)}</li>" for b in lines)
    return f'<ul class="basis" aria-label="法律依据">{items}</ul>' if items else ""


def _section(title: str, body: str, anchor: str) -> str:
    return f'<section id="{anchor}"><h2>{_e(title)}</h2>{body}</section>'


def guide_body(guide: Guide) -> str:
    """The guide's sections in the order the issue names them."""
    conditions = "".join(
        f'<li class="condition" id="{_e(c.code)}" data-codes="{_e(" ".join(c.all_codes))}">'
        f'<p class="text">{_e(c.text)}</p>'
        f'<p class="fail"><span class="label">不符合时：</span>{_e(c.on_failure)}</p>'
        f'{_basis(c.legal_basis)}<p class="code">条件编号 {_e(c.code)}</p></li>'
        for c in guide.conditions
    )
    materials = "".join(
        f"<li><b>{_e(m.name)}</b>{'：' + _e(m.note) if m.note else ''}</li>"
        for m in guide.materials
    )
    steps = "".join(f"<li><b>{_e(s.title)}</b>：{_e(s.text)}</li>" for s in guide.steps)
    fees = "".join(
        f"<li><b>{_e(f.item)}</b>：{_e(f.text)}"
        + (f"（{_e(format_yuan(f.amount_fen))}）" if f.amount_fen and "元" not in f.text else "")
        + f"{_basis(f.legal_basis)}</li>"
        for f in guide.fees
    )
    limits = "".join(
        f"<li><b>{_e(t.item)}</b>：{_e(t.text)}{_basis(t.legal_basis)}</li>"
        for t in guide.time_limits
    )
    return (
        f'<header class="guide-head"><p class="org">办事指南</p><h1>{_e(guide.title)}</h1>'
        f'<p class="summary">{_e(guide.summary)}</p>'
        f'<p class="meta">{_version(guide)}</p></header>'
        + _section(
            "谁可以申请",
            "<ul>" + "".join(f"<li>{_e(a)}</li>" for a in guide.applicants) + "</ul>",
            "applicants",
        )
        + _section("办理条件", f'<ol class="conditions">{conditions}</ol>', "conditions")
        + _section("申请材料", f"<ul>{materials}</ul>", "materials")
        + _section("办理流程", f'<ol class="steps">{steps}</ol>', "steps")
        + _section("法律依据", _basis(guide.legal_basis), "legal-basis")
        + _section("收费标准", f"<ul>{fees}</ul>", "fees")
        + _section("办理时限", f"<ul>{limits}</ul>", "time-limits")
        + _section(
            "其他办理渠道",
            "<ul>" + "".join(f"<li>{_e(c)}</li>" for c in guide.channels) + "</ul>",
            "channels",
        )
    )


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{_e(title)}</title><link rel="stylesheet" href="{CSS_URL}"></head>'
        f'<body><main class="guides">{body}</main></body></html>\n'
    )


def list_page(guides: Sequence[Guide]) -> str:
    rows = "".join(
        f'<li class="guide-item"><a href="{_e(page_url(g.business))}">{_e(g.title)}</a>'
        f'<p>{_e(g.summary)}</p><p class="meta">{_version(g)}'
        f' · <a href="/guides/{_e(g.business)}.pdf">下载PDF</a></p></li>'
        for g in guides
    )
    body = (
        '<header class="guide-head"><p class="org">交通智慧岗亭</p><h1>办事指南</h1>'
        '<p class="summary">岗亭可办理的每一项业务：谁可以申请、办理条件、材料、流程、法律依据、'
        "收费、时限和其他办理渠道。</p></header>"
        f'<ul class="guide-list">{rows}</ul>'
    )
    return _page("办事指南", body)


def guide_page(guide: Guide) -> str:
    nav = (
        '<nav class="crumbs"><a href="/guides/">全部办事指南</a>'
        f' · <a href="/guides/{_e(guide.business)}.pdf">下载PDF（张贴用）</a></nav>'
    )
    return _page(f"办事指南：{guide.title}", nav + guide_body(guide))


PRINT_CSS = """
@page { size: A4; margin: 14mm 14mm 16mm;
  @bottom-center { content: "办事指南 · " counter(page) " / " counter(pages);
    font-size: 8pt; color: #4b5563; } }
html { font-family: '%(family)s', sans-serif; color: #111827; font-size: 10.5pt; line-height: 1.5; }
h1 { font-size: 22pt; margin: 0 0 2mm; }
h2 { font-size: 13pt; margin: 5mm 0 1.5mm; border-left: 4px solid #1d4ed8; padding-left: 2mm;
  break-after: avoid; }
.org { color: #1d4ed8; margin: 0; font-size: 10pt; }
.summary { font-size: 12pt; margin: 0 0 1mm; }
.meta, .code { color: #4b5563; font-size: 8.5pt; margin: 0; }
ol, ul { margin: 0; padding-left: 6mm; }
li { margin: 0 0 1.5mm; }
.condition { break-inside: avoid; }
.condition .text { font-weight: 700; margin: 0; }
.condition .fail { margin: 0; }
.label { color: #b91c1c; }
ul.basis { color: #374151; font-size: 8.5pt; list-style: none; padding-left: 0; }
"""


def print_document(guide: Guide, font_css: str, family: str) -> str:
    """The self-contained document for the PDF; ``font_css`` is the embedded font's rule."""
    css = PRINT_CSS % {"family": family}
    return (
        '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>办事指南：{_e(guide.title)}</title><style>{font_css}{css}</style></head>"
        f"<body>{guide_body(guide)}</body></html>\n"
    )
