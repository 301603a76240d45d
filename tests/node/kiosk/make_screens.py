"""Screenshots of every screen of every kiosk flow, portrait 1080x1920 and landscape 1920x1080.

    .venv/bin/python -m tests.node.kiosk.make_screens [FLOW ...]

writes docs/screens/<flow>/<nn>-<screen>-<layout>.png and the kiosk's section of
docs/screens/README.md (the other makers' sections stay), against a real centre and booth
node started here (seeded `tiny`, demo personas). Naming flows regenerates only those; the
section keeps the other flows' screenshots already there."""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from tests.node.kiosk.accident_flow import quick_accident, quick_accident_dispute
from tests.node.kiosk.flows import FLOWS, Kiosk, assist_conversation, lock_kiosk, payment_pending
from tests.node.kiosk.more_flows import MORE_FLOWS, page_to
from tests.node.kiosk.stack import CHROMIUM_ARGS, ROOT, Demo, Rig
from tests.screens_readme import README, sections, write_section

OUT = ROOT / "docs" / "screens"
LAYOUTS = {
    "portrait": {"width": 1080, "height": 1920},
    "landscape": {"width": 1920, "height": 1080},
}


def elderly(k: Kiosk, demo: Demo) -> None:
    k.act("toggle-elder")
    k.identify("senior")
    k.act("page-next")
    k.shot("services-page-2")
    page_to(k, "query")
    k.choose("query")
    k.confirm_to("rate")
    k.tap('[data-level="满意"]')
    k.act("rate")
    k.wait("done")
    k.shot("done")
    k.finish()


def centre_down(k: Kiosk, demo: Demo, rig: Rig) -> None:
    person = demo.citizens["study_online"]["id_number"]
    k.identify("study_online")
    k.choose("study")
    k.page.fill("#study-ref", demo.study_refs[person])
    rig.centre.kill()
    try:
        k.tap("#btn-confirm")
        expect(k.page.locator("#notice-text")).to_have_text("服务暂不可用，请稍后再试")
        k.shot("centre-unavailable")
    finally:
        rig.centre.start()
    k.act("dismiss")
    k.act("help")
    k.shot("help-called")
    k.page.request.post(f"{k.base_url}/kiosk/api/finish")


def idle_warning(k: Kiosk, demo: Demo) -> None:
    k.identify("renewal")
    k.page.evaluate(
        "() => { document.getElementById('idle-warning').hidden = false;"
        " document.getElementById('idle-seconds').textContent = '15'; }"
    )
    k.shot("idle-warning")
    k.page.request.post(f"{k.base_url}/kiosk/api/finish")


def renewal_tray(k: Kiosk, demo: Demo) -> None:
    """期满换证 with the demo drawer's document tray: an empty form sent, the certificate laid
    on the tray, read by OCR, then confirmed (needs a persona nobody renewed: a fresh node)."""
    k.identify("renewal")
    k.choose("renewal")
    k.page.fill("#cert-no", "")
    k.page.fill("#cert-inst", "")
    k.tap("#btn-confirm")
    expect(k.page.locator("#cert-no-error")).to_be_visible()
    k.shot("form-incomplete")
    k.page.locator("#sim-toggle").click()
    k.page.locator("#sim-tray").select_option("health_certificate")
    k.page.wait_for_function(
        "() => { const i = document.getElementById('sim-tray-preview');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    k.shot("document-tray")
    k.page.locator("#sim-toggle").click()
    k.page.locator("#btn-doc-cert").click()
    expect(k.page.locator("#doc-cert-result")).to_have_attribute("data-ok", "busy")
    k.shot("certificate-reading")
    expect(k.page.locator("#doc-cert-result")).to_have_attribute("data-ok", "true", timeout=30_000)
    k.shot("certificate-read")
    k.confirm_to("receipt")
    k.print_and_rate()
    k.finish()


def assist(k: Kiosk, demo: Demo) -> None:
    """Remote assist after a help call: the conversation panel beside the help notice."""
    assist_conversation(k.page)
    k.identify("learner")
    k.act("help")
    expect(k.page.locator("#assist-quick button").first).to_be_enabled(timeout=15_000)
    k.page.locator("#assist-quick button").first.click()
    k.shot("assist-conversation")
    k.page.unroute_all(behavior="ignoreErrors")
    k.page.request.post(f"{k.base_url}/kiosk/api/finish")


def locked(k: Kiosk, demo: Demo) -> None:
    """A kiosk the centre locked (暂停服务): the start screen and the header say so."""
    lock_kiosk(k.page)
    k.page.reload()
    expect(k.page.locator("#mode-locked")).to_be_visible(timeout=15_000)
    expect(k.page.locator("#centre-state")).to_have_text("暂停服务", timeout=15_000)
    k.shot("locked")
    k.page.unroute_all(behavior="ignoreErrors")


def kept_rows(skip: set[str]) -> list[tuple[str, str, Path]]:
    """The screenshots already there of the flows in the kiosk's section, but ``skip``."""
    text = README.read_text(encoding="utf-8") if README.exists() else ""
    flows = re.findall(r"^### (\S+)$", sections(text).get("kiosk", ""), re.M)
    return [
        (flow, p.stem.rsplit("-", 1)[1], p)
        for flow in flows
        if flow not in skip
        for p in sorted((OUT / flow).glob("*.png"))
    ]


def readme_section(rows: list[tuple[str, str, Path]]) -> str:
    """The kiosk's section of docs/screens/README.md: one table per flow."""
    lines = [
        "## Kiosk screens",
        "",
        "Regenerate with `.venv/bin/python -m tests.node.kiosk.make_screens` (real centre +",
        "booth node, system Chromium, demo personas of the `tiny` seed).",
        "Portrait 1080x1920, landscape 1920x1080.",
        "",
    ]
    for flow in dict.fromkeys(r[0] for r in rows):
        lines += [f"### {flow}", "", "| screen | portrait | landscape |", "|---|---|---|"]
        shots = sorted({p.name.rsplit("-", 1)[0] for f, _, p in rows if f == flow})
        for s in shots:
            lines.append(
                f"| {s} | [png]({flow}/{s}-portrait.png) | [png]({flow}/{s}-landscape.png) |"
            )
        lines.append("")
    return "\n".join(lines)


# Flows after the special ones (their own folders, in this order in the README section).
LATER: dict[str, Callable[[Kiosk, Demo], None]] = {
    "quick_accident": quick_accident,
    "quick_accident_dispute": quick_accident_dispute,
}


def main(only: list[str]) -> int:
    """All flows; or only the flows named as arguments (``make_screens quick_accident``),
    the others' screenshots kept as they are."""
    flows: dict[str, Callable[..., object]] = {
        **FLOWS,
        **MORE_FLOWS,
        "payment_pending": payment_pending,
        "elderly": elderly,
        "idle_warning": idle_warning,
        "assist": assist,
        "locked": locked,
    }
    extra = ["centre_down", "renewal_tray", *LATER]
    unknown = sorted(set(only) - {*flows, *extra})
    if unknown:
        print(f"unknown flows: {', '.join(unknown)}", file=sys.stderr)
        return 2
    chosen = set(only or [*flows, *extra])
    for name in chosen:  # only the kiosk's folders: docs/screens has others
        shutil.rmtree(OUT / name, ignore_errors=True)
    rows: list[tuple[str, str, Path]] = kept_rows(chosen) if only else []
    with tempfile.TemporaryDirectory(prefix="kiosk-screens-") as tmp, sync_playwright() as p:
        rig = Rig(Path(tmp))
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS
        )
        try:
            for layout, viewport in LAYOUTS.items():
                node = rig.fresh()
                for name, flow in [
                    *flows.items(),
                    ("centre_down", None),
                    ("renewal_tray", renewal_tray),
                    *LATER.items(),
                ]:
                    if name not in chosen:
                        continue
                    # the renewal persona was renewed above: its refusal needs a fresh node
                    if name == "renewal_tray" or (name == "refer" and "renewal" in chosen):
                        node = rig.fresh()
                    context = browser.new_context(viewport=viewport, locale="zh-CN")
                    k = Kiosk(context.new_page(), node.url, OUT / name, f"-{layout}")
                    k.open()
                    if flow is None:
                        centre_down(k, rig.demo, rig)
                    else:
                        flow(k, rig.demo)
                    rows += [(name, layout, path) for path in k.written]
                    context.close()
                    print(f"{layout:9} {name:20} {len(k.written)} screens", flush=True)
        finally:
            browser.close()
            rig.close()
    order = [*flows, *extra]
    rows.sort(key=lambda r: order.index(r[0]) if r[0] in order else len(order))
    write_section("kiosk", readme_section(rows), OUT / "README.md")
    print(f"{len(rows)} screenshots in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
