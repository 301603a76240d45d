// Remote assist (远程协助) at the centre: the kiosk's screen state read-only, the chat with
// the citizen and hints pushed to the kiosk screen. Live: remote_assist events.

import { get, post } from "./api.js";
import { el, timeText } from "./panels.js";

const STEPS = ["身份核验", "选择业务", "确认", "缴款", "凭证", "评价"];
const HINTS = [
  "请将身份证放在读卡区，保持不动",
  "请正视摄像头，摘下帽子和口罩",
  "请按屏幕提示缓慢转头",
  "请点击“确认办理”继续",
  "工作人员正在赶来，请稍候",
];
const $ = (s) => document.querySelector(s);

export class AssistPanel {
  constructor({ onError, nowMs, onChange }) {
    this.session = null;
    this.messages = [];
    this.onError = onError;
    this.nowMs = nowMs;
    this.onChange = onChange;
    $("#hint-presets").replaceChildren(
      ...HINTS.map((h) => el("button", { type: "button", class: "chip", "data-hint": h, text: h })),
    );
    $("#hint-presets").addEventListener("click", (e) => {
      const b = e.target.closest("[data-hint]");
      if (b) this.send("hints", b.dataset.hint);
    });
    $("#chat-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const input = $("#chat-text");
      if (input.value.trim()) this.send("messages", input.value.trim()).then((ok) => ok && (input.value = ""));
    });
    $("#hint-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const input = $("#hint-text");
      if (input.value.trim()) this.send("hints", input.value.trim()).then((ok) => ok && (input.value = ""));
    });
    $("#btn-assist-join").addEventListener("click", () => this.act("join"));
    $("#btn-assist-close").addEventListener("click", () => this.act("close", { note: "远程协助完成" }));
    setInterval(() => this.session && this.renderMirror(), 1000);
  }

  get open() {
    return !$("#assist-drawer").hidden && this.session;
  }

  async show(sessionId) {
    try {
      const s = await get(`/api/v1/centre/assist/${sessionId}`);
      this.session = s;
      this.messages = s.messages;
      this.screenSeenAt = Date.now();
      $("#assist-drawer").hidden = false;
      this.render();
      $("#assist-title").focus();
    } catch (e) {
      this.onError(e);
    }
  }

  hide() {
    $("#assist-drawer").hidden = true;
    this.session = null;
  }

  async act(what, body = {}) {
    if (!this.session) return;
    try {
      const s = await post(`/api/v1/centre/assist/${this.session.id}/${what}`, body);
      this.session = s;
      this.messages = s.messages;
      this.render();
      this.onChange(s);
    } catch (e) {
      this.onError(e);
    }
  }

  async send(path, text) {
    if (!this.session) return false;
    try {
      const r = await post(`/api/v1/centre/assist/${this.session.id}/${path}`, { text });
      this.session = { ...this.session, ...r.session };
      this.addMessage(r.message);
      return true;
    } catch (e) {
      this.onError(e);
      return false;
    }
  }

  addMessage(m) {
    if (!m || this.messages.some((x) => x.seq === m.seq)) return;
    this.messages.push(m);
    this.messages.sort((a, b) => a.seq - b.seq);
    this.renderChat();
  }

  /** A remote_assist event: update the open session (screen, state, a new message). */
  onEvent(data) {
    if (!this.session || data.session.id !== this.session.id) return;
    const rank = { waiting: 0, active: 1, closed: 2 };
    if (rank[data.session.state] < rank[this.session.state]) {
      if (data.message) this.addMessage(data.message); // an older view: keep only its message
      return;
    }
    const had = JSON.stringify(this.session.screen);
    this.session = { ...this.session, ...data.session };
    if (JSON.stringify(this.session.screen) !== had) this.screenSeenAt = Date.now();
    if (data.message) this.addMessage(data.message);
    this.render();
  }

  render() {
    const s = this.session;
    if (!s) return;
    $("#assist-title").textContent = `远程协助 · ${s.booth_name}（${s.booth}）`;
    const state = $("#assist-state");
    state.textContent = `${s.state_zh}${s.operator ? ` · 接入：${s.operator}` : ""} · 求助于 ${timeText(s.opened_at)}`;
    state.dataset.state = s.state;
    $("#btn-assist-join").hidden = s.state !== "waiting";
    $("#btn-assist-close").hidden = s.state === "closed";
    const active = s.state === "active";
    for (const sel of ["#chat-text", "#hint-text", "#chat-form button", "#hint-form button"]) $(sel).disabled = !active;
    for (const b of document.querySelectorAll("#hint-presets button")) b.disabled = !active;
    this.renderMirror();
    this.renderChat();
  }

  renderMirror() {
    const s = this.session;
    const screen = s.screen || {};
    $("#mirror-booth").textContent = `${s.booth} 自助终端`;
    $("#mirror-elder").hidden = !screen.elder;
    $("#mirror-steps").replaceChildren(
      ...STEPS.map((name, i) => {
        const cls = screen.step === i + 1 ? "current" : screen.step && i + 1 < screen.step ? "done" : "";
        return el("li", { class: cls, text: name });
      }),
    );
    $("#mirror-screen").textContent = screen.screen_zh || "等待终端上报…";
    $("#mirror-service").textContent = screen.service_zh ? `办理业务：${screen.service_zh}` : "尚未选择业务";
    const since = screen.screen_elapsed_s !== undefined ? screen.screen_elapsed_s + Math.round((Date.now() - (this.screenSeenAt || Date.now())) / 1000) : null;
    $("#mirror-elapsed").textContent = since !== null ? `在此界面已停留 ${since} 秒` : "";
    const hint = [...this.messages].reverse().find((m) => m.kind === "hint");
    const box = $("#mirror-hint");
    box.hidden = !hint || s.state === "closed";
    if (hint) box.textContent = `工作人员提示：${hint.text}`;
    $("#mirror-seen").textContent = s.booth_seen_at ? `终端最近同步 ${timeText(s.booth_seen_at)}；不显示任何身份证号、姓名等个人信息` : "";
  }

  renderChat() {
    const log = $("#chat-log");
    log.replaceChildren(
      ...this.messages.map((m) =>
        el(
          "li",
          { class: `msg ${m.kind === "hint" ? "hint" : m.sender}`, "data-seq": m.seq, "data-sender": m.sender },
          el("span", { class: "who", text: `${{ citizen: "群众", system: "系统" }[m.sender] || m.author || "工作人员"}${m.kind === "hint" ? " · 屏幕提示" : ""} · ${timeText(m.at)}` }),
          m.text,
        ),
      ),
    );
    log.scrollTop = log.scrollHeight;
  }
}
