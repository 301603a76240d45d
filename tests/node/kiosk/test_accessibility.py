"""Accessibility of every screen of the violations flow, portrait and landscape: every
interactive element has an accessible name, tab order follows the visual reading order, and
text contrast meets WCAG 2 AA (4.5:1 normal text, 3:1 large text), computed in the page from
the computed colours (opacity and translucent grounds composited, WCAG relative luminance)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.node.kiosk.conftest import PORTRAIT, Stack
from tests.node.kiosk.flows import FLOWS, Kiosk

pytestmark = pytest.mark.kiosk

LANDSCAPE = {"width": 1920, "height": 1080}

AUDIT_JS = """() => {
  const out = [];
  const visible = (e) => {
    if (!e.getClientRects().length) return false;
    const s = getComputedStyle(e);
    if (s.visibility === 'hidden' || s.display === 'none') return false;
    const r = e.getBoundingClientRect();
    return r.width > 1 && r.height > 1;  // 1px clipped = screen-reader-only
  };
  const label = (e) => (e.outerHTML.match(/^<[^>]*>/) || [''])[0].slice(0, 80);

  // -- 1. accessible names --
  const INTERACTIVE = 'button, a[href], input, select, textarea, [role="button"], ' +
    '[tabindex]:not([tabindex="-1"])';
  const textOf = (ids) => ids.split(/\\s+/).map((id) => document.getElementById(id))
    .filter(Boolean).map((x) => x.textContent.trim()).join(' ').trim();
  const nameOf = (e) => {
    if (e.getAttribute('aria-labelledby')) {
      const t = textOf(e.getAttribute('aria-labelledby'));
      if (t) return t;
    }
    if ((e.getAttribute('aria-label') || '').trim()) return e.getAttribute('aria-label').trim();
    if (e.labels && e.labels.length) {
      const t = [...e.labels].map((l) => l.innerText.trim()).join(' ').trim();
      if (t) return t;
    }
    if (['INPUT', 'SELECT', 'TEXTAREA'].includes(e.tagName)) return (e.title || '').trim();
    return (e.innerText || e.textContent || '').trim() || (e.title || '').trim();
  };
  const interactive = [...document.querySelectorAll(INTERACTIVE)].filter(visible);
  for (const e of interactive) if (!nameOf(e)) out.push('no accessible name: ' + label(e));

  // -- 2. tab order = reading order --
  const focusable = interactive.filter((e) => !e.disabled && e.tabIndex >= 0);
  for (const e of focusable) if (e.tabIndex > 0) out.push('positive tabindex: ' + label(e));
  // fixed overlays (notice, dialog, demo drawer) float over the page: each layer on its own
  const fixed = (e) => {
    for (let x = e; x; x = x.parentElement) if (getComputedStyle(x).position === 'fixed') return x;
    return null;
  };
  const TOL = 8;
  for (let i = 1; i < focusable.length; i++) {
    if (fixed(focusable[i - 1]) !== fixed(focusable[i])) continue;
    const a = focusable[i - 1].getBoundingClientRect();
    const b = focusable[i].getBoundingClientRect();
    const sameRow = b.top < a.bottom - TOL && a.top < b.bottom - TOL;
    // next row (below), same row to the right, or the top of a column to the right
    const ok = sameRow ? b.left >= a.left - TOL : b.top >= a.top - TOL || b.left >= a.right - TOL;
    if (!ok) out.push('tab order jumps back: ' + label(focusable[i - 1]) + ' -> ' +
      label(focusable[i]));
  }

  // -- 3. contrast --
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, bottom) => ({  // top composited over an opaque bottom
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a), a: 1,
  });
  const groundOf = (e) => {
    const layers = [];
    for (let x = e; x; x = x.parentElement) {
      const s = getComputedStyle(x);
      if (s.backgroundImage && s.backgroundImage !== 'none') return null;
      const c = parse(s.backgroundColor);
      if (c && c.a > 0) {
        layers.push(c);
        if (c.a >= 1) break;
      }
    }
    let g = { r: 255, g: 255, b: 255, a: 1 };
    for (const c of layers.reverse()) g = over(c, g);
    return g;
  };
  const opacityOf = (e) => {
    let o = 1;
    for (let x = e; x; x = x.parentElement) o *= Number(getComputedStyle(x).opacity);
    return o;
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (x, y) => {
    const [l1, l2] = [lum(x), lum(y)].sort((p, q) => q - p);
    return (l1 + 0.05) / (l2 + 0.05);
  };
  const seen = new Set();
  for (const e of document.querySelectorAll('body *')) {
    const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !visible(e) || e.closest('[disabled]')) continue;
    if (['SCRIPT', 'STYLE', 'OPTION'].includes(e.tagName)) continue;
    const s = getComputedStyle(e);
    const ground = groundOf(e);
    const fg = parse(s.color);
    if (!ground || !fg) continue;
    const o = opacityOf(e);
    // element opacity blends text and ground with what lies under the translucent subtree
    const text = over({ ...over(fg, ground), a: o }, groundOf(e.parentElement) || ground);
    const size = parseFloat(s.fontSize);
    const bold = Number(s.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    const need = large ? 3 : 4.5;
    const r = ratio(text, o < 1 ? over({ ...ground, a: o }, groundOf(e.parentElement) || ground)
      : ground);
    if (r < need) {
      const key = label(e) + r.toFixed(2);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(`contrast ${r.toFixed(2)} < ${need} (${size}px${bold ? ' bold' : ''}): ` +
        `${label(e)} "${e.textContent.trim().slice(0, 20)}"`);
    }
  }
  return out;
}"""


class AuditingKiosk(Kiosk):
    """Runs the audit on every screen the flow stops to show (where screenshots are taken)."""

    problems: list[str]
    audited: list[str]

    def shot(self, name: str) -> None:
        self.page.wait_for_timeout(50)
        found: list[Any] = self.page.evaluate(AUDIT_JS)
        self.audited.append(name)
        self.problems += [f"{self.suffix} {name}: {p}" for p in found]


@pytest.mark.parametrize("layout", ["portrait", "landscape"])
def test_every_violations_screen_is_named_ordered_and_legible(
    browser: Browser, fresh_stack: Callable[[str], Stack], layout: str
) -> None:
    stack = fresh_stack(f"a11y-{layout}")
    viewport = PORTRAIT if layout == "portrait" else LANDSCAPE
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    try:
        k = AuditingKiosk(context.new_page(), stack.node.url, suffix=layout)
        k.problems, k.audited = [], []
        k.open()
        FLOWS["violations"](k, stack.demo)
        assert k.audited == [
            "start",
            "identify",
            "services",
            "review",
            "pay",
            "receipt",
            "rate",
            "done",
        ]
        assert k.problems == [], "\n".join(k.problems)
    finally:
        context.close()
