// The kiosk's mode as the command centre sets it (node/kiosk_mode.py): the announcement
// banner, and the "暂停服务" screen while the kiosk is locked. A locked kiosk still lets the
// citizen at it finish: the screen covers the start page only, never a running session.
// No data-action attributes here: kiosk.js owns those.

import { $, el } from "./dom.js";

const view = { screen: "start", locked: false, notice: null, shown: null };

function build() {
  const banner = el(
    "div",
    { id: "mode-banner", class: "mode-banner", role: "status", "aria-live": "assertive", hidden: true },
    el("span", { class: "mode-banner-head", text: "通知" }),
    el("span", { id: "mode-banner-text", class: "mode-banner-text" }),
  );
  const locked = el(
    "div",
    { id: "mode-locked", class: "mode-locked", role: "alert", "aria-labelledby": "mode-locked-title", hidden: true },
    el(
      "div",
      { class: "mode-locked-card" },
      el("h2", { id: "mode-locked-title", text: "暂停服务" }),
      el("p", { id: "mode-locked-notice", class: "mode-locked-notice" }),
      el("p", { class: "hint", text: "给您带来不便，敬请谅解。如需帮助，请点击右上角“求助”。" }),
    ),
  );
  const bar = $("header.bar");
  if (bar) bar.after(banner);
  else document.body.prepend(banner);
  const main = $("main");
  if (main) main.prepend(locked);
  else document.body.append(locked);
}

function render() {
  // the locked screen covers the start page only: a citizen in a session finishes first
  const cover = view.locked && view.screen === "start";
  $("#mode-locked").hidden = !cover;
  document.body.classList.toggle("kiosk-locked", cover);
  const notice = view.notice && view.notice !== "暂停服务" ? view.notice : "本岗亭自助服务暂时停止。";
  $("#mode-locked-notice").textContent = notice;
}

async function poll() {
  try {
    const resp = await fetch("/kiosk/api/mode", { cache: "no-store", credentials: "same-origin" });
    if (resp.ok) {
      const m = await resp.json();
      if (view.locked !== !!m.locked) document.dispatchEvent(new CustomEvent("kiosk:mode", { detail: { locked: !!m.locked } }));
      view.locked = !!m.locked;
      view.notice = m.notice;
      const a = m.announcement;
      const banner = $("#mode-banner");
      banner.hidden = !a;
      if (a && a.id !== view.shown) {
        view.shown = a.id;
        $("#mode-banner-text").textContent = a.text;
      }
      render();
    }
  } catch (e) {
    // the node itself is away: kiosk.js shows that; keep the last known mode
  }
  setTimeout(poll, 3000);
}

document.addEventListener("kiosk:screen", (e) => {
  view.screen = (e.detail && e.detail.screen) || "start";
  render();
});

build();
poll();
