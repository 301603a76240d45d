// Officers' phone page: log in, my open instructions with deadlines counting down, one
// instruction, 签收 (acknowledge) and 反馈 (report). Plain DOM, no framework, nothing remote.
// The bearer token lives in sessionStorage (this tab only); deadlines count down from the
// centre's clock (every answer carries `now`), not the phone's. New and changed
// instructions arrive live (the centre's event stream, /api/v1/live, which passes an
// officer the instructions sent to them); polling is only the fallback while the stream
// is down.

import { connectLive } from "/centre/live.js";

const API = "/api/v1";
const TOKEN_KEY = "gangting.officer.token";
const KEYS_KEY = "gangting.officer.keys";
const POLL_MS = 15000;
const ZONE = "Asia/Shanghai";
const UNAVAILABLE = "网络不可用，请稍后重试";

const hhmm = new Intl.DateTimeFormat("zh-CN", {
  timeZone: ZONE, hour: "2-digit", minute: "2-digit", hour12: false,
});
const mdhm = new Intl.DateTimeFormat("zh-CN", {
  timeZone: ZONE, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
});

let offsetMs = 0; // centre time - phone time
let me = null;
let current = null; // the instruction on the detail screen
let pollTimer = null;
let live = null; // the live stream while logged in
let liveUp = false;
let liveTimer = null;

const $ = (sel, root = document) => root.querySelector(sel);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// ---------- the centre ----------

class ApiError extends Error {
  constructor(message, code, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function randomKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// One idempotency key per (instruction, action, body) until the centre gives a definitive
// answer: a retry after a lost answer carries the same key and is answered once.
function keyFor(slot, body) {
  const keys = JSON.parse(sessionStorage.getItem(KEYS_KEY) || "{}");
  const text = JSON.stringify(body);
  if (!keys[slot] || keys[slot].body !== text) keys[slot] = { key: randomKey(), body: text };
  sessionStorage.setItem(KEYS_KEY, JSON.stringify(keys));
  return keys[slot].key;
}

function spendKey(slot) {
  const keys = JSON.parse(sessionStorage.getItem(KEYS_KEY) || "{}");
  delete keys[slot];
  sessionStorage.setItem(KEYS_KEY, JSON.stringify(keys));
}

async function call(method, path, body = undefined, key = undefined) {
  const headers = { Accept: "application/json" };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (key) headers["Idempotency-Key"] = key;
  let response;
  try {
    response = await fetch(API + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store",
    });
  } catch {
    throw new ApiError(UNAVAILABLE, "network", 0);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const message = (data && data.message) || UNAVAILABLE;
    if (response.status === 401 && path !== "/auth/staff") {
      logout(message);
    }
    throw new ApiError(message, data && data.error, response.status);
  }
  if (data && data.now) offsetMs = Date.parse(data.now) - Date.now();
  return data;
}

function centreNow() {
  return Date.now() + offsetMs;
}

// ---------- little views ----------

function toast(text, bad = false) {
  const t = $("#toast");
  t.textContent = text;
  t.classList.toggle("bad", bad);
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 3500);
}

function show(screen) {
  for (const s of document.querySelectorAll("section[data-screen]")) s.hidden = s.dataset.screen !== screen;
  $("#btn-logout").hidden = screen === "login";
  document.body.dataset.current = screen;
}

function left(ms) {
  const s = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${String(m).padStart(2, "0")}:${sec}`;
}

function countdown(due) {
  return el("span", { class: "countdown", "data-due": due });
}

function tick() {
  const now = centreNow();
  for (const node of document.querySelectorAll(".countdown[data-due]")) {
    const ms = Date.parse(node.dataset.due) - now;
    node.textContent = ms >= 0 ? `剩余 ${left(ms)}` : `已超时 ${left(ms)}`;
    node.classList.toggle("overdue", ms < 0);
    node.classList.toggle("urgent", ms >= 0 && ms < 60000);
  }
}

// What the caller still owes on an instruction: "acknowledge", "report" or null.
function owed(item) {
  const mine = item.mine;
  if (!mine || !item.active) return null;
  if (mine.state === "sent" || (mine.state === "missed" && mine.missed_step === "acknowledge")) return "acknowledge";
  if (mine.state === "acknowledged" || (mine.state === "missed" && mine.missed_step === "report")) return "report";
  return null;
}

function title(item) {
  if (item.subject.plate) return item.subject.plate;
  if (item.subject.booth) return `岗亭 ${item.subject.booth}`;
  return item.kind_zh;
}

// ---------- log in / out ----------

async function login(event) {
  event.preventDefault();
  const error = $("#login-error");
  error.hidden = true;
  const username = $("#username").value.trim();
  const password = $("#password").value;
  if (!username || !password) {
    error.textContent = "请输入账号和密码";
    error.hidden = false;
    return;
  }
  const button = $("#btn-login");
  button.disabled = true;
  const body = { username, password };
  const code = $("#totp-code").value.trim();
  if (!$("#totp-row").hidden && code) body.totp_code = code;
  try {
    const answer = await call("POST", "/auth/staff", body);
    if (answer.second_factor === "enrolment_required") {
      // A supervisor or administrator not yet bound: binding happens on the centre's screen.
      await endSession(answer.access_token);
      throw new ApiError("督察、管理员首次登录须先在指挥中心绑定动态验证码，请在电脑上登录指挥中心完成绑定", "staff.totp_enrolment_required", 403);
    }
    sessionStorage.setItem(TOKEN_KEY, answer.access_token);
    lastRenewal = Date.now();
    $("#password").value = "";
    $("#totp-code").value = "";
    $("#totp-row").hidden = true;
    location.hash = "#/";
    await route();
  } catch (e) {
    if (e.code === "staff.totp_required") {
      $("#totp-row").hidden = false;
      $("#totp-code").focus();
    }
    error.textContent = e.message;
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
}

// Ends the token on the server at once (a failed call still forgets it here: it ends at its
// idle limit).
async function endSession(value) {
  if (!value) return;
  try {
    await fetch(API + "/staff/logout", {
      method: "POST", headers: { Authorization: `Bearer ${value}` }, cache: "no-store",
    });
  } catch {
    // the centre is away
  }
}

// A staff session ends 30 minutes after log-in or its last renewal (8 hours at most): while
// the officer uses the page it is renewed every few minutes; an idle phone is signed out.
const RENEW_EVERY_MS = 5 * 60 * 1000;
let lastActivity = 0;
let lastRenewal = Date.now();
for (const name of ["pointerdown", "keydown", "touchstart", "scroll"]) {
  addEventListener(name, () => { lastActivity = Date.now(); }, { capture: true, passive: true });
}
setInterval(() => {
  if (!token() || lastActivity <= lastRenewal || Date.now() - lastRenewal < RENEW_EVERY_MS) return;
  lastRenewal = Date.now();
  call("POST", "/staff/token/renew", {}).catch(() => {});
}, 30 * 1000);

function logout(message = null) {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(KEYS_KEY);
  me = null;
  current = null;
  clearInterval(pollTimer);
  stopLive();
  $("#who").textContent = "交通管理支队 · 民警端";
  show("login");
  if (message) {
    const error = $("#login-error");
    error.textContent = message;
    error.hidden = false;
  }
}

// ---------- list ----------

function card(item) {
  const step = owed(item);
  const due = step === "acknowledge" ? item.acknowledge_due_at : step === "report" ? item.report_due_at : null;
  const overdue = due && Date.parse(due) <= centreNow();
  const status = step === "acknowledge" ? "待签收" : step === "report" ? "待反馈" : item.mine ? item.mine.state_zh : item.state_zh;
  return el(
    "li", {},
    el(
      "a", { href: `#/i/${item.id}`, class: overdue ? "overdue" : step ? "" : "done", "data-id": item.id },
      el("div", { class: "card-top" },
        el("span", { class: `tag kind ${item.kind}`, text: item.kind_zh }),
        due ? countdown(due) : el("span", { class: "tag state done", text: status })),
      el("p", { class: "card-title", text: `${title(item)} · ${status}` }),
      el("p", { class: "card-text", text: item.text }),
    ),
  );
}

async function loadList() {
  const data = await call("GET", "/staff/instructions?mine=true&state=active&limit=100");
  me = data.me;
  if (me) $("#who").textContent = `${me.name}（${me.username}）`;
  const items = data.instructions;
  // what I still owe first, the nearest deadline first
  items.sort((a, b) => {
    const da = owed(a) ? Date.parse(owed(a) === "acknowledge" ? a.acknowledge_due_at : a.report_due_at) : Infinity;
    const db = owed(b) ? Date.parse(owed(b) === "acknowledge" ? b.acknowledge_due_at : b.report_due_at) : Infinity;
    return da - db;
  });
  const list = $("#list");
  list.replaceChildren(...items.map(card));
  $("#list-empty").hidden = items.length > 0;
  const todo = items.filter(owed).length;
  $("#list-status").textContent = `待办 ${todo} 条 · 更新于 ${hhmm.format(new Date(centreNow()))}${liveUp ? " · 实时推送" : ""}`;
  tick();
}

// ---------- detail ----------

function deadlineRow(label, due, doneAt, late) {
  const row = el("div", { class: "deadline" + (doneAt ? " past" : "") });
  row.append(el("span", {}, `${label}时限 ${hhmm.format(new Date(due))}`));
  if (doneAt) row.append(el("span", { class: "countdown" + (late ? " overdue" : ""), text: `${late ? "逾时" : ""}已于 ${hhmm.format(new Date(doneAt))} 完成` }));
  else row.append(countdown(due));
  return row;
}

function renderDetail(item) {
  current = item;
  const mine = item.mine;
  const step = owed(item);
  $("#d-kind").textContent = item.kind_zh;
  $("#d-kind").className = `tag kind ${item.kind}`;
  const stateText = mine ? `${item.state_zh} · 我：${mine.state_zh}` : item.state_zh;
  $("#d-state").textContent = stateText;
  $("#d-state").className = "tag state" + (item.active ? "" : " done");
  $("#h-detail").textContent = title(item);
  $("#d-text").textContent = item.text;

  const facts = $("#d-facts");
  const rows = [
    ["指令编号", item.no],
    ["号牌", item.subject.plate],
    ["岗亭", item.subject.booth],
    ["位置去向", item.subject.location],
    ["下发", `${item.issued_by_name || item.issued_by} · ${hhmm.format(new Date(item.issued_at))}`],
    ["接收单位", item.unit.name],
  ];
  facts.replaceChildren(...rows.filter(([, v]) => v).flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]));

  const deadlines = $("#d-deadlines");
  const ackDone = mine && mine.acknowledged_at;
  const repDone = mine && mine.reported_at;
  deadlines.replaceChildren(
    deadlineRow("签收", item.acknowledge_due_at, ackDone, mine && mine.acknowledged_late),
    deadlineRow("反馈", item.report_due_at, repDone, mine && mine.reported_late),
  );
  const basis = $("#d-basis");
  basis.hidden = !item.legal_basis.length;
  basis.textContent = item.legal_basis.length ? `拦截依据：须有布控比中或明确事由（${item.legal_basis.join("；")}）` : "";

  $("#ack-box").hidden = step !== "acknowledge";
  const form = $("#report-form");
  form.hidden = !(step === "acknowledge" || step === "report");
  const results = $("#results");
  if (!form.hidden && results.dataset.for !== item.id) {
    results.dataset.for = item.id;
    results.replaceChildren(...item.results.map((r, i) =>
      el("label", { class: "choice" },
        el("input", { type: "radio", name: "result", value: r.value, checked: i === 0 }),
        el("span", { text: r.zh }))));
    $("#report-text").value = "";
    $("#evidence-note").value = "";
    $("#report-error").hidden = true;
  }

  const done = $("#my-report");
  done.hidden = !(mine && mine.state === "reported");
  if (!done.hidden) {
    // replaceChildren would write a null as the text "null": leave the missing parts out
    done.replaceChildren(...[
      el("h2", { text: `已反馈：${mine.result_zh}` }),
      mine.report_text ? el("p", { text: mine.report_text }) : null,
      mine.evidence_note ? el("p", { class: "sub", text: `证据：${mine.evidence_note}` }) : null,
      el("p", { class: "sub", text: `反馈时间 ${hhmm.format(new Date(mine.reported_at))}` }),
    ].filter(Boolean));
  }

  $("#d-trail").replaceChildren(...item.trail.map((e) =>
    el("li", {},
      el("time", { datetime: e.at, text: mdhm.format(new Date(e.at)) }),
      `${e.action_zh}`,
      e.actor_kind === "staff" ? ` · ${e.actor_name}` : " · 系统",
      e.data && e.data.officer && e.actor_kind !== "staff" ? `（${e.data.officer}）` : "")));
  tick();
}

async function loadDetail(id) {
  const item = await call("GET", `/staff/instructions/${encodeURIComponent(id)}`);
  renderDetail(item);
}

async function act(action, body, button) {
  const id = current.id;
  const slot = `${id}:${action}`;
  const key = keyFor(slot, body);
  button.disabled = true;
  try {
    const item = await call("POST", `/staff/instructions/${id}/${action}`, body, key);
    spendKey(slot);
    renderDetail(item);
    toast(action === "acknowledge" ? "已签收" : "反馈已提交");
    return true;
  } catch (e) {
    if (e.status >= 400 && e.status < 500) spendKey(slot); // a definitive answer
    if (action === "report") {
      const error = $("#report-error");
      error.textContent = e.message;
      error.hidden = false;
    } else {
      toast(e.message, true);
    }
    if (e.code === "instructions.closed" || e.code === "instructions.step_done") await loadDetail(id);
    return false;
  } finally {
    button.disabled = false;
  }
}

// ---------- live updates ----------

// Whatever screen is shown, read again (the event says something changed; what this
// officer sees of it comes from their own REST view).
function reload() {
  const match = /^#\/i\/([0-9a-f-]{36})$/.exec(location.hash);
  return match ? loadDetail(match[1]) : loadList();
}

function reloadSoon() {
  clearTimeout(liveTimer);
  liveTimer = setTimeout(() => {
    if (token()) reload().catch(() => {});
  }, 250);
}

function setLive(up) {
  liveUp = up;
  document.body.dataset.live = up ? "on" : "off";
}

async function startLive() {
  if (live || !token()) return;
  live = {}; // starting
  // A centre that runs without live events says so; the phone then polls (no stream to retry).
  const status = await call("GET", "/centre/live-status").catch(() => null);
  if (!status || !status.enabled || !token()) {
    live = null;
    return;
  }
  live = connectLive({
    getToken: token,
    kinds: ["instruction"],
    onEvent: (e) => {
      if (e.kind === "instruction") reloadSoon();
    },
    onReset: reloadSoon,
    onStatus: (up) => {
      const was = liveUp;
      setLive(up);
      if (up && !was) reloadSoon(); // catch up on what happened while it was down
    },
    onAuth: () => logout("登录已失效，请重新登录"),
  });
}

function stopLive() {
  if (live && live.stop) live.stop();
  live = null;
  setLive(false);
}

// ---------- routing ----------

async function route() {
  clearInterval(pollTimer);
  if (!token()) {
    show("login");
    return;
  }
  startLive().catch(() => {});
  const match = /^#\/i\/([0-9a-f-]{36})$/.exec(location.hash);
  // polling only while the live stream is down
  const poll = (load) => setInterval(() => {
    if (!liveUp) load().catch(() => {});
  }, POLL_MS);
  try {
    if (match) {
      show("detail");
      await loadDetail(match[1]);
      pollTimer = poll(() => loadDetail(match[1]));
    } else {
      show("list");
      await loadList();
      pollTimer = poll(loadList);
    }
  } catch (e) {
    if (token()) {
      toast(e.message, true);
      if (match && e.status === 404) location.hash = "#/";
    }
  }
}

function start() {
  $("#login-form").addEventListener("submit", login);
  $("#btn-logout").addEventListener("click", () => {
    endSession(token());
    logout();
    location.hash = "";
  });
  $("#btn-refresh").addEventListener("click", () => loadList().then(() => toast("已刷新")).catch((e) => toast(e.message, true)));
  $("#btn-back").addEventListener("click", () => { location.hash = "#/"; });
  $("#btn-ack").addEventListener("click", (e) => act("acknowledge", {}, e.currentTarget));
  $("#report-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const picked = document.querySelector("input[name=result]:checked");
    const body = { result: picked ? picked.value : "" };
    const text = $("#report-text").value.trim();
    const evidence = $("#evidence-note").value.trim();
    if (text) body.text = text;
    if (evidence) body.evidence_note = evidence;
    $("#report-error").hidden = true;
    act("report", body, $("#btn-report"));
  });
  window.addEventListener("hashchange", route);
  setInterval(tick, 1000);
  route();
}

start();
