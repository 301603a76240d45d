// Remote assist on the kiosk (远程协助): after a help call the citizen talks to an operator
// at the command centre by text, and the operator's hints show large on the screen. The
// node relays (node/assist.py); this page reports only which screen and service it shows.
// No data-action attributes here: kiosk.js owns those.

import { $, el } from "./dom.js";

const API = "/kiosk/api/assist";
const QUICK = ["我不会操作", "身份证读不出来", "人脸核验不通过", "请工作人员过来", "好的，谢谢"];

async function call(method, path, body) {
  const resp = await fetch(API + path, {
    method,
    cache: "no-store",
    credentials: "same-origin",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!resp.ok) throw new Error(String(resp.status));
  return resp.json();
}

const view = { session: null, seq: 0, messages: [], pending: [], state: null, operator: null, hintShown: null, fast: false, timer: null, hidden: false };

function build() {
  const panel = el(
    "aside",
    { id: "assist-panel", class: "assist-panel", "aria-labelledby": "assist-heading", hidden: true },
    el(
      "div",
      { class: "assist-head" },
      el("h2", { id: "assist-heading", text: "远程协助" }),
      el("p", { id: "assist-status", class: "assist-status", role: "status", "aria-live": "polite" }),
      el("button", { type: "button", class: "btn ghost small", id: "assist-hide", text: "收起" }),
    ),
    el("ol", { id: "assist-log", class: "assist-log", "aria-live": "polite", "aria-label": "与工作人员的对话" }),
    el("div", { id: "assist-quick", class: "assist-quick" }, ...QUICK.map((q) => el("button", { type: "button", class: "btn secondary small", "data-quick": q, text: q }))),
    el(
      "form",
      { id: "assist-form", class: "assist-form" },
      el("label", { for: "assist-text", class: "sr-only", text: "发给工作人员的文字" }),
      el("input", { id: "assist-text", maxlength: "300", autocomplete: "off", placeholder: "输入文字（请勿输入身份证号）" }),
      el("button", { type: "submit", class: "btn primary small", text: "发送" }),
    ),
  );
  const hint = el(
    "div",
    { id: "assist-hint", class: "assist-hint", role: "alert", hidden: true },
    el("p", { class: "assist-hint-head", text: "工作人员提示" }),
    el("p", { id: "assist-hint-text", class: "assist-hint-text" }),
    el("button", { type: "button", class: "btn primary small", id: "assist-hint-ok", text: "知道了" }),
  );
  const reopen = el("button", { type: "button", class: "btn primary small assist-reopen", id: "assist-reopen", hidden: true, text: "远程协助对话" });
  document.body.append(panel, hint, reopen);

  $("#assist-hide").addEventListener("click", () => {
    view.hidden = true;
    render();
  });
  $("#assist-reopen").addEventListener("click", () => {
    view.hidden = false;
    render();
  });
  $("#assist-hint-ok").addEventListener("click", () => ($("#assist-hint").hidden = true));
  $("#assist-quick").addEventListener("click", (e) => {
    const b = e.target.closest("[data-quick]");
    if (b) say(b.dataset.quick);
  });
  $("#assist-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("#assist-text");
    if (input.value.trim()) say(input.value.trim()).then(() => (input.value = ""));
  });
}

async function say(text) {
  try {
    await call("POST", "/messages", { text });
    view.pending = [...(view.pending || []), text];
    render();
    poll(true);
  } catch (e) {
    $("#assist-status").textContent = "发送失败，请稍后再试";
  }
}

const STATUS = {
  opening: "正在呼叫指挥中心，请稍候…",
  waiting: "已通知指挥中心，工作人员即将接入…",
  active: "工作人员已接入，可以直接输入文字交流",
  closed: "本次远程协助已结束",
};

function render() {
  const panel = $("#assist-panel");
  const on = view.state && view.state !== "ended";
  panel.hidden = !on || view.hidden;
  document.body.classList.toggle("assisting", !panel.hidden);
  $("#assist-reopen").hidden = !on || !view.hidden;
  if (!on) return;
  $("#assist-status").textContent = (STATUS[view.state] || "") + (view.operator && view.state === "active" ? `（${view.operator}）` : "");
  const log = $("#assist-log");
  log.replaceChildren(
    ...view.messages.map((m) =>
      el(
        "li",
        { class: `assist-msg ${m.kind === "hint" ? "hint" : m.sender}`, "data-seq": m.seq },
        el("span", { class: "who", text: { citizen: "我", system: "" }[m.sender] ?? (m.kind === "hint" ? "工作人员提示" : "工作人员") }),
        m.text,
      ),
    ),
    ...(view.pending || []).map((t) => el("li", { class: "assist-msg citizen sending" }, el("span", { class: "who", text: "我（发送中）" }), t)),
  );
  log.scrollTop = log.scrollHeight;
  const open = view.state === "active";
  for (const b of document.querySelectorAll("#assist-quick button, #assist-form button, #assist-text")) b.disabled = !open && view.state !== "waiting";
}

function showHint(text) {
  if (!text || text === view.hintShown) return;
  view.hintShown = text;
  $("#assist-hint-text").textContent = text;
  $("#assist-hint").hidden = false;
}

async function poll(now = false) {
  clearTimeout(view.timer);
  if (!now) {
    try {
      let r = await call("GET", `?since=${view.seq}`);
      if (r.session_id && r.session_id !== view.session) {
        // a new session: start its conversation afresh
        view.session = r.session_id;
        view.messages = [];
        view.seq = 0;
        view.hintShown = null;
        r = await call("GET", "?since=0");
      }
      const unseen = view.state === null || view.state === "ended";
      if (r.state === "closed" && unseen) {
        // a conversation that ended before this page followed it (an earlier citizen's):
        // nothing to show the next citizen
        view.state = "ended";
      } else if (r.state) {
        if (unseen) view.hidden = false;
        view.state = r.state;
        view.operator = r.operator;
      } else if (view.state && view.state !== "ended") {
        // the node follows no session any more (the citizen finished): forget it here too
        view.state = "ended";
        view.session = null;
        view.messages = [];
        view.seq = 0;
        $("#assist-hint").hidden = true;
      }
      for (const m of r.messages) {
        if (!view.messages.some((x) => x.seq === m.seq)) view.messages.push(m);
        view.seq = Math.max(view.seq, m.seq);
      }
      view.messages.sort((a, b) => a.seq - b.seq);
      view.pending = r.sending;
      if (r.hint) showHint(r.hint);
      if (r.state === "closed") $("#assist-hint").hidden = true;
      render();
      view.fast = r.active;
    } catch (e) {
      view.fast = false;
    }
  }
  view.timer = setTimeout(() => poll(), now ? 300 : view.fast ? 1000 : 4000);
}

document.addEventListener("kiosk:screen", (e) => {
  const d = e.detail || {};
  call("POST", "/screen", { screen: d.screen, service: d.service || null, elder: !!d.elder }).catch(() => {});
  if (d.screen === "start" && view.state === "closed") {
    view.state = "ended";
    view.messages = [];
    view.seq = 0;
    render();
  }
});
document.addEventListener("click", (e) => {
  if (e.target.closest('[data-action="help"]')) {
    view.hidden = false;
    setTimeout(() => poll(true), 200);
  }
});

build();
poll();
