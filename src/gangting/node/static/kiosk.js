// Kiosk screens of the booth node: one screen at a time, plain DOM, no storage of personal data.
// Personal data lives only in `session` (memory) and in the DOM of the current screen; both are
// wiped on finish and on idle timeout.

import { $, $$, el, newReasons, speakAloud } from "./dom.js";

const API = "/kiosk/api";
const UNAVAILABLE = "服务暂不可用，请稍后再试";
const LEVELS = ["非常满意", "满意", "基本满意", "不满意", "非常不满意"];
const LEVEL_VALUE = { 非常满意: 5, 满意: 4, 基本满意: 3, 不满意: 2, 非常不满意: 1 };
const BAD_LEVELS = new Set(["不满意", "非常不满意"]);
const BAD_REASONS = ["等待时间长", "操作复杂", "设备故障", "结果不清楚", "态度或服务不好"];

const SERVICES = [
  { id: "violations", name: "违法处理与缴款", note: "确认电子警察记录、记分、缴纳罚款" },
  { id: "renewal", name: "期满换证", note: "驾驶证有效期满前90日内" },
  { id: "replacement", name: "补领驾驶证", note: "驾驶证遗失或损毁" },
  { id: "mark", name: "申领检验标志", note: "免检车辆电子检验合格标志" },
  { id: "study", name: "学法减分", note: "登记学习平台的合格记录" },
  { id: "health", name: "提交身体条件证明", note: "年满70周岁驾驶人每年提交" },
  { id: "query", name: "查询", note: "驾驶证、记分、违法与车辆" },
  { id: "accident", name: "事故快处", note: "两车轻微财产损失事故，双方到场协商" }, // accident.js
];
const STEPS = ["身份核验", "选择业务", "确认", "缴款", "凭证", "评价"];
const SCREEN_STEP = { identify: 0, services: 1, review: 2, pay: 3, receipt: 4, rate: 5, done: 5 };

// Numbers for tests and the benchmark: no personal data in here.
const metrics = { screens: [], taps: 0, calls: [], identify: [], identifyStatus: [] };
window.__kiosk = metrics;

let status = { idle_timeout_s: 120, simulators: false, tts: false };
let elder = false;
let session = null; // { overview, service, pending, result, payment, ... } for the current citizen
let servicePage = 0;
let lastActivity = Date.now();
let idleWarned = false;
let pollTimer = null;
let doneTimer = null;

// ---------- helpers ----------

function maskName(name) {
  return name ? name[0] + "*".repeat(Math.max(1, name.length - 1)) : "";
}

function yuan(fen) {
  const n = Number(fen || 0);
  const sign = n < 0 ? "-" : "";
  const a = Math.abs(n);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, "0")}`;
}

function dateZh(iso) {
  if (!iso) return "";
  const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?/.exec(iso);
  if (!m) return iso;
  return m[3] ? `${m[1]}年${m[2]}月${m[3]}日` : `${m[1]}年${m[2]}月`;
}

function todayIso() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

class KioskError extends Error {
  constructor(status, body) {
    const code = body && body.error ? body.error : "network";
    let message = body && body.message ? body.message : UNAVAILABLE;
    if (code === "centre.unavailable" || code === "network" || status === 502 || status === 503 || status === 504) {
      message = UNAVAILABLE;
    }
    super(message);
    this.status = status;
    this.code = code;
    this.data = (body && body.data) || {};
  }
}

function serverMs(resp) {
  const h = resp.headers.get("Server-Timing");
  if (!h) return null;
  let total = 0;
  let found = false;
  for (const part of h.split(",")) {
    const m = /dur=([\d.]+)/.exec(part);
    if (m) {
      total = Math.max(total, Number(m[1]));
      found = true;
    }
  }
  return found ? total : null;
}

async function api(method, path, body) {
  const step = `${method} ${path.replace(/\/payments\/(?!quote$)[^/]+$/, "/payments/{no}")}`;
  const t0 = performance.now();
  let resp;
  try {
    resp = await fetch(API + path, {
      method,
      credentials: "same-origin",
      cache: "no-store",
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    metrics.calls.push({ step, ms: performance.now() - t0, status: 0 });
    throw new KioskError(0, null);
  }
  let data = null;
  try {
    data = await resp.json();
  } catch (e) {
    data = null;
  }
  metrics.calls.push({ step, ms: performance.now() - t0, server_ms: serverMs(resp), status: resp.status });
  if (!resp.ok) throw new KioskError(resp.status, data);
  return data || {};
}

function say(text) {
  $("#live").textContent = text;
  if (elder) {
    speakAloud(text);
  }
}

function notice(message, { basis = [], info = false } = {}) {
  const box = $("#notice");
  // in the current screen's action bar, above its buttons: never on top of them
  const bar = $(`section[data-screen="${currentScreen()}"] > .actions`);
  if (bar && box.parentElement !== bar) bar.prepend(box);
  box.classList.toggle("info", info);
  box.setAttribute("role", info ? "status" : "alert");
  $("#notice-text").textContent = message;
  const ul = $("#notice-basis");
  ul.replaceChildren(...basis.map((b) => el("li", { text: b })));
  box.hidden = false;
  if (elder) say(message);
}

function clearNotice() {
  $("#notice-guide").hidden = true;
  $("#notice-refer").hidden = true;
  $("#notice").hidden = true;
  $("#notice-text").textContent = "";
  $("#notice-basis").replaceChildren();
}

function showError(err) {
  const e = err instanceof KioskError ? err : new KioskError(0, null);
  const basis = e.data && Array.isArray(e.data.legal_basis) ? e.data.legal_basis : [];
  const reasons = e.data && Array.isArray(e.data.reasons) ? e.data.reasons.map((r) => r.message).filter(Boolean) : [];
  const more = newReasons(e.message, reasons);
  const message = ["request.invalid", "request.blank"].includes(e.code) ? invalidText(e.data.fields) : e.message;
  notice(more.length ? `${message}（${more.join("；")}）` : message, { basis });
  // a business refusal points at the failed condition of the business's guide (办事指南)
  const pointer = e.data && e.data.guide;
  if (pointer && pointer.business) {
    const codes = [pointer.condition, ...((e.data.reasons || []).map((r) => r.code))].filter(Boolean);
    failedGuide = { business: pointer.business, codes };
    $("#notice-guide").hidden = false;
    // the refusal, for a referral to the responsible unit (refer.js)
    document.dispatchEvent(new CustomEvent("kiosk:refused", { detail: { business: pointer.business, codes, message: e.message, reasons: more } }));
  }
  return e;
}

// ---------- service guide (办事指南): before a business starts, and after a refusal ----------

// the kiosk's services and the centre's businesses (application service items)
const GUIDE_OF = {
  violations: "process_violations",
  renewal: "renewal",
  replacement: "replacement",
  mark: "inspection_mark",
  study: "study_deduction",
  health: "health_certificate",
};
let failedGuide = null; // { business, codes } of the last refusal

function guideList(title, items) {
  return items.length ? [el("h3", { text: title }), el("ul", {}, items.map((t) => el("li", { text: t })))] : [];
}

function guideConditions(g, failed) {
  return el(
    "ol",
    { class: "conditions", "aria-label": "办理条件" },
    g.conditions.map((c) => {
      const miss = c.codes.some((code) => failed.includes(code));
      return el(
        "li",
        { class: miss ? "condition failed" : "condition", "data-code": c.code, "aria-current": miss ? "true" : false },
        el("p", {}, el("strong", { text: c.text }), miss ? el("span", { class: "flag", text: "未满足" }) : null),
        el("p", { class: "fail", text: `不符合时：${c.on_failure}` }),
        basisList(c.legal_basis),
      );
    }),
  );
}

// what elder mode reads aloud: the failed conditions, or the guide's summary and conditions
function guideSpeech(g, failed) {
  const missed = g.conditions.filter((c) => c.codes.some((code) => failed.includes(code)));
  const text = missed.length
    ? `办事指南，${g.title}。未满足的条件：${missed.map((c) => `${c.text}。${c.on_failure}`).join("；")}`
    : `办事指南，${g.title}。${g.summary}办理条件：${g.conditions.map((c) => c.text).join("；")}`;
  return text.slice(0, 300); // the speaker's limit
}

async function openGuide(business, failed = []) {
  const g = await api("GET", `/guides/${business}`);
  $("#guide-title").textContent = g.title;
  $("#guide-body").replaceChildren(
    el("p", { class: "lead", text: g.summary }),
    ...guideList("谁可以申请", g.applicants),
    el("h3", { text: "办理条件" }),
    guideConditions(g, failed),
    ...guideList("申请材料", g.materials.map((m) => (m.note ? `${m.name}：${m.note}` : m.name))),
    ...guideList("办理流程", g.steps.map((st) => `${st.title}：${st.text}`)),
    ...guideList("收费标准", g.fees.map((f) => `${f.item}：${f.text}`)),
    ...guideList("办理时限", g.time_limits.map((t) => `${t.item}：${t.text}`)),
    ...guideList("法律依据", g.legal_basis),
    ...guideList("其他办理渠道", g.channels),
    el("p", { class: "meta", text: `版本 ${g.version}，自${dateZh(g.effective_on)}起施行` }),
  );
  $("#guide").hidden = false;
  $("#guide-title").focus({ preventScroll: true });
  const miss = $("#guide-body .condition.failed");
  if (miss) miss.scrollIntoView({ block: "center" });
  if (elder) say(guideSpeech(g, failed));
}

async function showGuide(button, business, failed) {
  await busy(button, async () => {
    try {
      await openGuide(business, failed);
    } catch (err) {
      showError(err);
    }
  });
}

// What the citizen typed or chose, by the request field's last name: a form's own label.
const FIELD_ZH = {
  certificate_no: "证明编号",
  institution: "出具机构",
  issued_on: "出具日期",
  study_ref: "学习记录编号",
  reason: "原因",
  plate: "车辆",
};

// A malformed request in the citizen's words: the form's labels, never field names.
function invalidText(fields) {
  const names = [...new Set((Array.isArray(fields) ? fields : []).map((f) => FIELD_ZH[String(f.field || "").split(".").pop()]).filter(Boolean))];
  return names.length ? `请检查填写的内容：${names.join("、")}` : "填写的内容不完整，请检查后再提交";
}

async function busy(button, fn) {
  if (button) button.disabled = true;
  document.body.setAttribute("aria-busy", "true");
  try {
    return await fn();
  } finally {
    if (button) button.disabled = false;
    document.body.removeAttribute("aria-busy");
  }
}

// ---------- screens ----------

const PROMPTS = {
  start: "欢迎使用自助服务。请点击开始办理。",
  identify: "请将身份证放在读卡区，然后点击开始核验，并按提示正视摄像头、缓慢转头。",
  services: "请选择要办理的业务。",
  review: "请核对办理内容，确认无误后点击确认。",
  pay: "请在缴款终端扫码或插卡，然后点击开始缴款。",
  receipt: "办理成功。您可以打印凭证或查看电子凭证。",
  rate: "请对本次服务进行评价。",
  done: "办理完成，请取走身份证和凭证。",
  survey: "每道题都可以跳过，选好后点击提交问卷。",
};

function show(name) {
  for (const s of $$("section[data-screen]")) s.hidden = s.dataset.screen !== name;
  metrics.screens.push(name);
  // For remote assist (assist.js): which screen and service, never personal data.
  document.dispatchEvent(new CustomEvent("kiosk:screen", { detail: { screen: name, service: (session && session.service) || null, elder } }));
  const steps = $("#steps");
  const idx = SCREEN_STEP[name];
  if (idx === undefined) {
    steps.hidden = true;
  } else {
    steps.hidden = false;
    const visible = STEPS.filter((s) => s !== "缴款" || (session && session.needsPayment));
    const current = STEPS[idx];
    steps.replaceChildren(
      ...visible.map((s) => {
        const li = el("li", { text: s });
        if (s === current) li.setAttribute("aria-current", "step");
        else if (STEPS.indexOf(s) < idx) li.className = "done";
        return li;
      }),
    );
  }
  const h = $(`section[data-screen="${name}"] h1`);
  h.setAttribute("tabindex", "-1");
  h.focus({ preventScroll: true });
  window.scrollTo(0, 0);
  say(`${h.textContent}。${PROMPTS[name] || ""}`);
}

function currentScreen() {
  const s = $$("section[data-screen]").find((x) => !x.hidden);
  return s ? s.dataset.screen : "start";
}

// ---------- status, queue, help ----------

async function refreshStatus() {
  try {
    status = { ...status, ...(await api("GET", "/status")) };
  } catch (e) {
    status.centre_online = false;
  }
  renderPill();
  if (status.booth_name || status.name) $("#booth-name").textContent = status.booth_name || status.name;
  const q = status.queue || {};
  $("#queue-waiting").textContent = String(q.waiting ?? 0);
  const waitMin = q.estimated_wait_min ?? (q.estimated_wait_s !== undefined ? Math.ceil(q.estimated_wait_s / 60) : 0);
  $("#queue-wait").textContent = String(waitMin);
  $("#sim").hidden = !status.simulators;
  if (status.simulators) await loadSim();
}

// The header pill says what the start screen says: a kiosk the centre locked is 暂停服务.
function renderPill() {
  const pill = $("#centre-state");
  const online = status.centre_online !== false && status.centre !== "offline";
  const locked = !!(status.mode && status.mode.locked);
  pill.textContent = locked ? "暂停服务" : online ? "服务正常" : "中心连接中断";
  pill.classList.toggle("down", locked || !online);
}

async function takeQueue(button) {
  await busy(button, async () => {
    try {
      const t = await api("POST", "/queue", {});
      const no = t.number ?? t.ticket ?? t.queue_no ?? "";
      const waitMin = t.estimated_wait_min ?? (t.estimated_wait_s !== undefined ? Math.ceil(t.estimated_wait_s / 60) : 0);
      const ticket = $("#queue-ticket");
      ticket.hidden = false;
      ticket.textContent = `您的排队号：${no}，前面还有 ${t.waiting_ahead ?? t.ahead ?? 0} 人，预计等待 ${waitMin} 分钟`;
      say(ticket.textContent);
    } catch (err) {
      showError(err);
    }
  });
}

async function callHelp(button) {
  await busy(button, async () => {
    try {
      const r = await api("POST", "/help", {});
      notice(r.message || "已呼叫工作人员，请稍候，工作人员将尽快与您联系。", { info: true });
    } catch (err) {
      showError(err);
    }
  });
}

// ---------- identify: ID card, look at the camera, turn the head, then the centre ----------

const CHECKS = ["chk-card", "chk-look", "chk-turn", "chk-centre"];
// which step a refusal belongs to
const FAILED_STEP = {
  "kiosk.no_card": "chk-card",
  "kiosk.card_photo_unreadable": "chk-card",
  "kiosk.face_attempts_exhausted": "chk-card",
  "kiosk.face_not_found": "chk-look",
  "kiosk.face_liveness_failed": "chk-turn",
  "kiosk.face_mismatch": "chk-centre",
};

function setCheck(id, state) {
  $(`#${id}`).dataset.state = state;
  const done = CHECKS.filter((c) => $(`#${c}`).dataset.state === "done").length;
  $("#identify-bar").style.width = `${(done / CHECKS.length) * 100}%`;
  $(".progress").setAttribute("aria-valuenow", String(done));
}

function facePrompt(step, text) {
  const box = $("#face-prompt");
  box.hidden = !text;
  box.dataset.step = step || "";
  $("#face-prompt-text").textContent = text || "";
  // the node speaks the challenge through the booth speaker; the screen reader hears it here
  if (text) $("#live").textContent = text;
  if (step) metrics.identify.push(step);
}

// What the identify step is doing right now, in words (the step can take a few seconds).
function identifyStatus(text) {
  const box = $("#identify-status");
  box.textContent = text;
  box.hidden = !text;
  if (text) metrics.identifyStatus.push(text);
}

function hideFaceResult() {
  $("#face-result").hidden = true;
  $("#face-result").dataset.outcome = "";
  $("#face-result-title").textContent = "";
  $("#face-result-reasons").replaceChildren();
  $("#face-result-advice").textContent = "";
  $("#face-result-attempts").textContent = "";
}

function resetIdentify() {
  for (const id of CHECKS) setCheck(id, "todo");
  facePrompt("", "");
  identifyStatus("");
  hideFaceResult();
  $("#btn-identify").hidden = false;
  $("#btn-identify").firstChild.textContent = "开始核验";
  $("#btn-identify-help").hidden = true;
}

// A refused attempt: what went wrong, why, and what to do next (retry, or a staffed window).
function faceResult(e) {
  const d = e.data || {};
  const box = $("#face-result");
  box.dataset.outcome = d.outcome || e.code;
  $("#face-result-title").textContent = e.message;
  const reasons = (d.reasons || []).map((r) => r.message).filter((m) => m && m !== e.message);
  $("#face-result-reasons").replaceChildren(...reasons.map((m) => el("li", { text: m })));
  $("#face-result-advice").textContent = d.advice || "";
  const window_ = d.next === "staffed_window";
  $("#face-result-attempts").textContent = window_
    ? "本机已无法继续核验，请到人工窗口办理。"
    : `还可重试 ${d.attempts_left} 次（共 ${d.max_attempts} 次）。`;
  box.hidden = false;
  $("#btn-identify").hidden = window_;
  $("#btn-identify").firstChild.textContent = "重新核验";
  $("#btn-identify-help").hidden = !window_;
  if (elder) say(`${e.message}。${d.advice || ""}`);
}

async function begin(button) {
  await busy(button, async () => {
    try {
      await api("POST", "/session", {});
    } catch (err) {
      showError(err);
      return;
    }
    session = { started: Date.now() };
    lastActivity = Date.now();
    resetIdentify();
    show("identify");
  });
}

async function identify(button) {
  await busy(button, async () => {
    clearNotice();
    resetIdentify();
    let step = "chk-card";
    try {
      setCheck(step, "busy");
      identifyStatus("正在读取身份证…");
      const plan = await api("POST", "/identify/start", {});
      setCheck(step, "done");
      const [look, turn] = plan.steps;
      step = "chk-look";
      setCheck(step, "busy");
      facePrompt("look", look.prompt);
      identifyStatus("正在拍摄正面人脸…");
      await api("POST", "/identify/look", {});
      setCheck(step, "done");
      step = "chk-turn";
      setCheck(step, "busy");
      facePrompt("turn", turn.prompt);
      identifyStatus("正在拍摄转头动作…");
      await api("POST", "/identify/turn", {});
      // the frames are taken: the node now checks the head turn and compares the faces
      setCheck("chk-centre", "busy");
      identifyStatus("正在进行活体检测和人证比对，请稍候…");
      const who = await api("POST", "/identify", {});
      setCheck("chk-turn", "done");
      setCheck("chk-centre", "done");
      facePrompt("done", "核验通过");
      identifyStatus("核验通过，正在查询您的业务信息…");
      session.citizen = who;
      await loadOverview();
      identifyStatus("");
      servicePage = 0;
      renderServices();
      show("services");
    } catch (err) {
      const e = err instanceof KioskError ? err : new KioskError(0, null);
      // the last call decides the turn and asks the centre: other refusals are the centre's
      const failed = FAILED_STEP[e.code] || (step === "chk-turn" ? "chk-centre" : step);
      // the steps before the one that failed passed; those after it were not reached
      const at = CHECKS.indexOf(failed);
      CHECKS.forEach((id, i) => setCheck(id, i < at ? "done" : i === at ? "failed" : "todo"));
      facePrompt("", "");
      identifyStatus("");
      if (e.data && e.data.next) faceResult(e);
      else showError(e);
    }
  });
}

async function loadOverview() {
  const ov = await api("GET", "/overview");
  const lic = ov.licence && ov.licence.licence !== undefined ? ov.licence : { licence: ov.licence, points: ov.points };
  const viol = ov.violations && !Array.isArray(ov.violations) ? ov.violations : ov;
  session.overview = {
    licence: lic.licence || null,
    points: lic.points || ov.points || null,
    violations: (Array.isArray(viol.violations) ? viol.violations : []) || [],
    unpaid: viol.unpaid_decisions || ov.unpaid_decisions || [],
    vehicles: (ov.vehicles || ov.plates || []).map((v) => (typeof v === "string" ? { plate: v } : v)),
    name: maskName((ov.citizen && ov.citizen.name) || (session.citizen && session.citizen.citizen && session.citizen.citizen.name) || ""),
  };
}

function openViolations() {
  return session.overview.violations.filter((v) => v.state === "unprocessed");
}

function renderSummary() {
  const ov = session.overview;
  const items = [];
  if (ov.name) items.push(["您好", ov.name]);
  if (ov.licence) items.push(["驾驶证", ov.licence.effective_status_text || ov.licence.status || ""]);
  if (ov.points) items.push(["本周期记分", `${ov.points.total} 分`]);
  items.push(["待处理违法", `${openViolations().length} 条`]);
  items.push(["待缴罚款", `${ov.unpaid.length} 笔`]);
  $("#summary").replaceChildren(
    ...items.map(([k, v]) => el("div", {}, el("dt", { text: k }), el("dd", { text: v }))),
  );
  $("#summary").setAttribute("role", "group");
  $("#summary").setAttribute("aria-label", "您的概况");
}

function renderServices() {
  renderSummary();
  const per = elder ? 3 : SERVICES.length;
  const pages = Math.ceil(SERVICES.length / per);
  servicePage = Math.min(servicePage, pages - 1);
  const shown = SERVICES.slice(servicePage * per, servicePage * per + per);
  const open = openViolations().length + session.overview.unpaid.length;
  $("#service-list").replaceChildren(
    ...shown.map((s) =>
      el(
        "button",
        { type: "button", class: "service", role: "listitem", "data-action": "service", "data-service": s.id },
        el("span", { text: s.name }),
        el("small", { text: s.note }),
        s.id === "violations" && open > 0 ? el("span", { class: "badge", text: `${open} 项待办` }) : null,
      ),
    ),
  );
  $("#service-pager").hidden = pages <= 1;
  $("#service-page").textContent = `第 ${servicePage + 1} / ${pages} 页`;
  $('[data-action="page-prev"]').disabled = servicePage === 0;
  $('[data-action="page-next"]').disabled = servicePage >= pages - 1;
}

// ---------- review: what will happen and why ----------

function basisList(basis) {
  const lines = (basis || []).filter((b) => b && String(b).trim());
  return lines.length ? el("ul", { class: "basis", "aria-label": "法律依据" }, lines.map((b) => el("li", { text: b }))) : null;
}

function reasonBlock(reasons) {
  return (reasons || []).map((r) => el("div", { class: "why" }, el("p", { text: r.message }), basisList(r.legal_basis)));
}

function amountText(d) {
  const fine = `罚款${yuan(d.fine_fen)}元`;
  if (d.days_late > 0 && d.late_fee_fen > 0) {
    const cap = d.late_fee_capped ? "（加处罚款数额以罚款数额为限）" : "";
    return `${fine}，逾期${d.days_late}天加处罚款${yuan(d.late_fee_fen)}元${cap}，合计${yuan(d.total_fen)}元`;
  }
  if (!d.fine_fen) return "不罚款";
  return `${fine}，请于${dateZh(d.due_on)}前缴纳，合计${yuan(d.total_fen ?? d.fine_fen)}元`;
}

function decisionCard(d, title) {
  const spared = d.outcome === "no_penalty"; // 首违不罚 (行政处罚法 第33条): no fine, no points
  return el(
    "div",
    { class: spared ? "card decision spared" : "card decision" },
    el("h3", { text: title || d.description || "处罚决定" }),
    d.description && title && title !== d.description ? el("p", { text: d.description }) : null,
    spared ? el("p", { class: "outcome" }, "处理结果：", el("strong", { text: "不予处罚（首违）" }), d.outcome_text ? `　${d.outcome_text}` : "") : null,
    spared ? el("p", { text: "不罚款，不记分" }) : null,
    !spared && d.points !== undefined ? el("p", {}, "记分：", el("strong", { text: `${d.points} 分` })) : null,
    spared ? null : el("p", { class: "money", text: amountText(d) }),
    d.due_on && !spared ? el("p", { text: `缴款期限：${dateZh(d.due_on)}` }) : null,
    basisList(d.legal_basis),
  );
}

const REVIEW = {
  async violations() {
    let refs = openViolations()
      .filter((v) => v.processable_at_booth !== false)
      .map((v) => v.ref);
    const notHere = openViolations().filter((v) => v.processable_at_booth === false);
    const unpaid = session.overview.unpaid;
    const parts = [];
    let preview = null;
    // records the centre holds back now (an objection under review): shown, left out of the processing
    let held = [];
    if (refs.length) {
      preview = await api("POST", "/violations/preview", { violation_refs: refs });
      held = (preview.refusals || []).filter((x) => x.data && x.data.ref);
      if (held.length) {
        const out = new Set(held.map((x) => x.data.ref));
        refs = refs.filter((ref) => !out.has(ref));
        if (refs.length) preview = await api("POST", "/violations/preview", { violation_refs: refs });
      }
    }
    if (refs.length) {
      const byRef = Object.fromEntries(session.overview.violations.map((v) => [v.ref, v]));
      parts.push(el("h2", { text: "本次将处理的违法记录" }));
      for (const d of preview.decisions || []) {
        const v = byRef[d.violation_ref] || {};
        const when = v.occurred_at ? `${dateZh(v.occurred_at)} ${v.place || ""} ${v.plate || ""}` : "";
        parts.push(decisionCard({ ...d, total_fen: d.fine_fen, days_late: 0 }, d.description));
        if (when) parts[parts.length - 1].insertBefore(el("p", { class: "hint", text: when }), parts[parts.length - 1].children[1]);
      }
      const after = preview.points_this_cycle;
      if (after !== undefined) parts.push(el("p", { class: "total", text: `处理后本周期累计记分：${after} 分` }));
      if (preview.full_score) parts.push(el("p", { class: "money", text: `本周期记满12分，驾驶证将被扣留，需参加${preview.full_score.study_days}天满分学习和考试。` }));
      parts.push(el("h2", { text: "为什么这样处理" }), ...reasonBlock(preview.reasons));
    }
    if (unpaid.length) {
      parts.push(el("h2", { text: "已作出决定、尚未缴纳的罚款" }));
      for (const d of unpaid) parts.push(decisionCard(d, `决定书 ${d.decision_no}`));
    }
    if (held.length) {
      parts.push(el("h2", { text: "暂不能处理" }));
      for (const x of held) parts.push(el("div", { class: "card" }, el("p", { text: `${x.data.ref}：${x.message}` }), basisList(x.data.legal_basis)));
    }
    if (notHere.length) {
      parts.push(el("h2", { text: "需到窗口办理" }));
      for (const v of notHere) parts.push(el("div", { class: "card" }, el("p", { text: `${v.description}：该违法行为需适用一般程序，请到交警大队窗口处理。` })));
    }
    if (!refs.length && !unpaid.length) {
      session.pending = { refs, unpaid: [] };
      session.needsPayment = false;
      return { parts: [el("p", { class: "lead", text: "您没有需要在岗亭处理的违法记录，也没有待缴罚款。" }), ...parts], confirm: null };
    }
    // The centre prices what is due; the screen only shows its number.
    const decisionNos = unpaid.map((d) => d.decision_no);
    const quote = await api("POST", "/payments/quote", { violation_refs: refs, decision_nos: decisionNos });
    session.pending = { refs, unpaid: decisionNos };
    session.needsPayment = quote.total_fen > 0;
    parts.push(el("p", { class: "total", text: `应缴合计：${yuan(quote.total_fen)}元` }));
    return { parts, confirm: session.needsPayment ? "确认处理并缴款" : "确认处理" };
  },
  async renewal() {
    const lic = session.overview.licence || {};
    return {
      parts: [
        el("div", { class: "card" }, el("h2", { text: "您的驾驶证" }), el("p", { text: `有效期至：${dateZh(lic.expires_on) || "长期"}（${lic.validity_text || ""}）` }), el("p", { text: `状态：${lic.effective_status_text || ""}` })),
        el("div", { class: "why" }, el("p", { text: "驾驶证有效期满前九十日内可申请换证，需提交六个月内出具的身体条件证明。换证后有效期按规定延续（六年换十年、十年换长期）。" }), basisList(["《机动车驾驶证申领和使用规定》(公安部令第162号) 第62条、第63条"])),
        ...certificateFields(),
      ],
      confirm: "确认换证",
    };
  },
  async replacement() {
    return {
      parts: [
        el("fieldset", {}, el("legend", { text: "请选择补领原因" }), radio("replace-reason", "lost", "驾驶证遗失", true), radio("replace-reason", "damaged", "驾驶证损毁", false)),
        el("div", { class: "why" }, el("p", { text: "驾驶证遗失或损毁无法辨认的，可申请补领；补领后原驾驶证作废，不得继续使用。驾驶证被扣押、扣留期间不予补领。" }), basisList(["《机动车驾驶证申领和使用规定》(公安部令第162号) 第69条"])),
      ],
      confirm: "确认补领",
    };
  },
  async mark() {
    const vehicles = session.overview.vehicles;
    if (!vehicles.length) return { parts: [el("p", { class: "lead", text: "未查询到您名下的机动车。" })], confirm: null };
    return {
      parts: [
        el("fieldset", {}, el("legend", { text: "请选择车辆" }), vehicles.map((v, i) => radio("mark-plate", v.plate, v.plate, i === 0))),
        el("div", { class: "why" }, el("p", { text: "符合免检条件的非营运小型、微型载客汽车，在交通违法已处理完毕、交强险有效的情况下，可直接申领电子检验合格标志，无需到检验机构检验。" }), basisList(["《机动车登记规定》(公安部令第164号) 第55条"])),
      ],
      confirm: "申领检验标志",
    };
  },
  async study() {
    return {
      parts: [
        el("div", { class: "field" }, el("label", { for: "study-ref", text: "学习记录编号（在学习平台完成学习后获得）" }), el("input", { id: "study-ref", name: "study_ref", autocomplete: "off", inputmode: "text", value: simValue("study_ref") })),
        el("div", { class: "why" }, el("p", { text: "参加网上学习或现场学习并考试合格的，可减免相应记分；一个记分周期内累计最多减免6分。" }), basisList(["《道路交通安全违法行为记分管理办法》第27条"])),
      ],
      confirm: "确认减分",
    };
  },
  async health() {
    return {
      parts: [
        el("div", { class: "why" }, el("p", { text: "年满70周岁的驾驶人，每年应当提交一次身体条件证明。证明自出具之日起六个月内有效。" }), basisList(["《机动车驾驶证申领和使用规定》(公安部令第162号) 第75条、第85条"])),
        ...certificateFields(),
      ],
      confirm: "提交证明",
    };
  },
  async query() {
    const ov = session.overview;
    const lic = ov.licence;
    const parts = [];
    if (lic) {
      parts.push(el("div", { class: "card" }, el("h2", { text: "驾驶证" }), el("p", { text: `证号：${lic.licence_no_masked || ""}` }), el("p", { text: `准驾车型：${(lic.classes || []).join("、")}` }), el("p", { text: `状态：${lic.effective_status_text || ""}` }), el("p", { text: `有效期至：${dateZh(lic.expires_on) || "长期"}` })));
    }
    if (ov.points) parts.push(el("div", { class: "card" }, el("h2", { text: "记分" }), el("p", { text: `本周期（${dateZh(ov.points.cycle_start)}至${dateZh(ov.points.cycle_end)}）累计记分 ${ov.points.total} 分` }), basisList(ov.points.legal_basis)));
    parts.push(el("div", { class: "card" }, el("h2", { text: "违法记录" }), openViolations().length ? openViolations().map((v) => el("p", { text: `${dateZh(v.occurred_at)} ${v.plate || ""} ${v.description}（${v.points}分）` })) : el("p", { text: "无待处理违法记录" })));
    parts.push(el("div", { class: "card" }, el("h2", { text: "待缴罚款" }), ov.unpaid.length ? ov.unpaid.map((d) => el("p", { class: "money", text: amountText(d) })) : el("p", { text: "无待缴罚款" })));
    parts.push(el("div", { class: "card" }, el("h2", { text: "名下车辆" }), ov.vehicles.length ? ov.vehicles.map((v) => el("p", { text: v.plate })) : el("p", { text: "无" })));
    return { parts, confirm: "查询完毕" };
  },
};

function simValue(key) {
  return (status.simulators && sim.defaults && sim.defaults[key]) || "";
}

function radio(name, value, label, checked) {
  const id = `${name}-${value}`.replace(/[^\w-]/g, "_");
  return el("label", { class: "choice", for: id }, el("input", { type: "radio", id, name, value, checked }), el("span", { text: label }));
}

function certificateFields() {
  const d = (status.simulators && sim.defaults) || {};
  return [
    el("h2", { text: "身体条件证明" }),
    el("div", { class: "field" }, el("label", { for: "cert-no", text: "证明编号" }), el("input", { id: "cert-no", autocomplete: "off", value: d.certificate_no || "" })),
    el("div", { class: "field" }, el("label", { for: "cert-inst", text: "出具机构" }), el("input", { id: "cert-inst", autocomplete: "off", value: d.institution || "" })),
    el("div", { class: "field" }, el("label", { for: "cert-date", text: "出具日期" }), el("input", { id: "cert-date", type: "date", value: d.issued_on || todayIso() })),
  ];
}

// The certificate as typed or read, checked before it is sent: each problem in the citizen's
// words beside its field, and a refusal for the action bar (no request goes out).
function certificateBody() {
  const body = { certificate_no: $("#cert-no").value.trim(), institution: $("#cert-inst").value.trim(), issued_on: $("#cert-date").value };
  const problems = [];
  if (!body.certificate_no) problems.push(["#cert-no", "请填写证明编号（在证明右上角），或点击“拍摄体检证明”自动填写"]);
  else if (body.certificate_no.length < 4) problems.push(["#cert-no", "证明编号至少4位，请核对后重新填写"]);
  if (body.institution.length < 2) problems.push(["#cert-inst", "请填写出具证明的医疗机构名称"]);
  if (!body.issued_on) problems.push(["#cert-date", "请选择证明的出具日期"]);
  markFields(problems);
  if (problems.length) {
    throw new KioskError(422, { error: "kiosk.form_incomplete", message: FORM_INCOMPLETE });
  }
  return body;
}

const FORM_INCOMPLETE = "身体条件证明的内容不完整，请按提示补全后再提交";

// A field typed into (or filled by the document camera) loses its problem; the last one
// gone takes the notice about them with it.
function fieldChanged(input) {
  if (!input.id || input.getAttribute("aria-invalid") !== "true") return;
  input.removeAttribute("aria-invalid");
  input.removeAttribute("aria-describedby");
  const error = $(`#${input.id}-error`);
  if (error) error.remove();
  if (!$("#review-content .field-error") && $("#notice-text").textContent === FORM_INCOMPLETE) clearNotice();
}

function markFields(problems) {
  for (const p of $$("#review-content .field-error")) p.remove();
  for (const input of $$("#review-content [aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  }
  for (const [sel, message] of problems) {
    const input = $(sel);
    const id = `${input.id}-error`;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", id);
    input.after(el("p", { id, class: "field-error", text: message }));
  }
  if (problems.length) $(problems[0][0]).focus();
}

async function chooseService(id, button) {
  if (id === "accident") return document.dispatchEvent(new CustomEvent("kiosk:accident")); // accident.js
  await busy(button, async () => {
    clearNotice();
    session.service = id;
    session.needsPayment = false;
    session.result = null;
    session.payment = null;
    const titles = { violations: "确认违法处理", query: "查询结果" };
    $("#h-review").textContent = titles[id] || `确认办理：${SERVICES.find((s) => s.id === id).name}`;
    try {
      const { parts, confirm } = await REVIEW[id]();
      $("#review-content").replaceChildren(...parts);
      $("#btn-guide").hidden = !GUIDE_OF[id];
      const btn = $("#btn-confirm");
      btn.hidden = !confirm;
      btn.textContent = confirm || "";
      show("review");
    } catch (err) {
      showError(err);
    }
  });
}

// ---------- confirm: the business call ----------

const CONFIRM = {
  async violations() {
    const p = session.pending;
    let decisionNos = [...p.unpaid];
    if (p.refs.length) {
      const r = await api("POST", "/violations/process", { violation_refs: p.refs });
      session.result = r;
      decisionNos = [...(r.decisions || []).filter((d) => d.fine_fen > 0).map((d) => d.decision_no), ...decisionNos];
    }
    if (decisionNos.length) {
      const quote = await api("POST", "/payments/quote", { decision_nos: decisionNos });
      session.payment = { decision_nos: decisionNos, total_fen: quote.total_fen };
      return "pay";
    }
    return "receipt";
  },
  async renewal() {
    session.result = await api("POST", "/licences/renewal", { health_certificate: certificateBody() });
    return "receipt";
  },
  async replacement() {
    const reason = ($('input[name="replace-reason"]:checked') || {}).value || "lost";
    session.result = await api("POST", "/licences/replacement", { reason });
    return "receipt";
  },
  async mark() {
    const plate = ($('input[name="mark-plate"]:checked') || {}).value;
    session.result = await api("POST", "/vehicles/inspection-mark", { plate });
    return "receipt";
  },
  async study() {
    session.result = await api("POST", "/points/study-deduction", { study_ref: $("#study-ref").value.trim() });
    return "receipt";
  },
  async health() {
    session.result = await api("POST", "/licences/health-certificate", certificateBody());
    return "receipt";
  },
  async query() {
    session.result = null;
    return "rate";
  },
};

async function confirm(button) {
  await busy(button, async () => {
    clearNotice();
    try {
      const next = await CONFIRM[session.service]();
      if (next === "pay") renderPay();
      if (next === "receipt") renderReceipt();
      if (next === "rate") renderRate();
      show(next);
    } catch (err) {
      showError(err);
    }
  });
}

// ---------- pay ----------

function renderPay() {
  $("#pay-amount").textContent = yuan(session.payment.total_fen);
  // a payment of another kind (an instalment: more.js) brings its own lines
  const lines = session.payment.lines || fineLines();
  $("#pay-items").replaceChildren(el("div", { class: "card" }, lines));
  setPayState("ready", "请在下方缴款终端扫描付款码或插入银行卡，然后点击“开始缴款”。");
  $("#btn-pay").hidden = false;
  $("#btn-pay").textContent = "开始缴款";
  $("#btn-pay-later").hidden = false;
}

function fineLines() {
  const lines = [];
  for (const d of (session.result && session.result.decisions) || []) {
    if (d.fine_fen > 0) lines.push(el("p", { text: `${d.description}：${amountText({ ...d, days_late: 0 })}` }));
  }
  for (const d of session.overview.unpaid) lines.push(el("p", { text: `决定书 ${d.decision_no}：${amountText(d)}` }));
  return lines;
}

function setPayState(state, text) {
  const box = $("#pay-state");
  box.dataset.state = state;
  box.textContent = text;
  if (elder) say(text);
}

function payDone(view) {
  session.paymentView = view;
  renderReceipt();
  show("receipt");
}

async function handlePayment(view) {
  if (view.state === "succeeded") {
    setPayState("succeeded", `缴款成功，金额 ${yuan(view.amount_fen)}元`);
    payDone(view);
  } else if (view.state === "pending") {
    session.payment.payment_no = view.payment_no;
    setPayState("pending", "缴款结果确认中：正在向支付平台确认本次缴款结果，请勿离开，请勿重复缴款…");
    $("#btn-pay").hidden = true;
    $("#btn-pay-later").hidden = true;
    schedulePoll(0);
  } else {
    const why = view.failure || view.state_text || "缴款未成功";
    setPayState(view.state === "declined" ? "declined" : "failed", `${why}。罚款尚未缴纳，您可以更换付款方式后重新缴款。`);
    $("#btn-pay").hidden = false;
    $("#btn-pay").textContent = "重新缴款";
    $("#btn-pay-later").hidden = false;
  }
}

function schedulePoll(attempt) {
  clearTimeout(pollTimer);
  pollTimer = setTimeout(async () => {
    if (!session || !session.payment || !session.payment.payment_no) return;
    try {
      const view = await api("GET", `/payments/${encodeURIComponent(session.payment.payment_no)}`);
      if (view.state === "pending" && attempt < 60) {
        schedulePoll(attempt + 1);
        return;
      }
      if (view.state === "pending") {
        setPayState("failed", "支付平台暂未确认，请联系工作人员核实，请勿重复缴款。");
        return;
      }
      await handlePayment(view);
    } catch (err) {
      showError(err);
      if (attempt < 60) schedulePoll(attempt + 1);
    }
  }, attempt === 0 ? 500 : 1500);
}

async function pay(button) {
  await busy(button, async () => {
    clearNotice();
    setPayState("waiting", "正在缴款，请按缴款终端提示操作…");
    try {
      const { path = "/payments", body = { decision_nos: session.payment.decision_nos } } = session.payment;
      const view = await api("POST", path, body);
      await handlePayment(view);
    } catch (err) {
      const e = showError(err);
      setPayState("failed", `${e.message}。罚款尚未缴纳。`);
      $("#btn-pay").textContent = "重新缴款";
    }
  });
}

// ---------- receipt ----------

function row(k, v) {
  return v === undefined || v === null || v === "" ? [] : [el("dt", { text: k }), el("dd", { text: v })];
}

function receiptRows() {
  const r = session.result || {};
  const p = session.paymentView;
  const svc = SERVICES.find((s) => s.id === session.service);
  const rows = [...row("业务", svc ? svc.name : ""), ...row("受理编号", r.receipt_no), ...row("账本条目", r.ledger_entry)];
  for (const d of r.decisions || []) {
    if (d.outcome === "no_penalty") rows.push(...row("不予处罚（首违）", `${d.decision_no}（${d.outcome_text || "首违不罚"}，不罚款，不记分）`));
    else rows.push(...row("处罚决定书", `${d.decision_no}（记${d.points}分，罚款${yuan(d.fine_fen)}元）`));
  }
  if (r.points_this_cycle !== undefined) rows.push(...row("本周期累计记分", `${r.points_this_cycle} 分`));
  if (p) {
    rows.push(...row("缴款金额", `${yuan(p.amount_fen)}元`), ...row("缴款凭证号", p.receipt_no), ...row("缴款单号", p.payment_no));
    for (const it of p.items || []) {
      if (it.late_fee_fen > 0) rows.push(...row(`其中 ${it.decision_no}`, `罚款${yuan(it.fine_fen)}元，逾期${it.days_late}天加处罚款${yuan(it.late_fee_fen)}元`));
    }
  }
  if (r.licence) rows.push(...licenceRows(r.licence));
  if (r.mark) rows.push(...row("检验标志车辆", r.mark.plate), ...row("检验有效期至", dateZh(r.mark.valid_until)));
  if (r.points_deducted !== undefined) rows.push(...row("减免记分", `${r.points_deducted} 分`));
  if (r.cycle_end) rows.push(...row("下次提交期限", dateZh(r.cycle_end)));
  for (const extra of RECEIPT_ROWS) rows.push(...extra(r, p));
  return rows;
}

// More rows of a receipt, added by the businesses in their own files (more.js): (result, payment) -> [dt, dd, ...]
const RECEIPT_ROWS = [];

// The licence as issued: its validity and, from the centre's card count (serial_no: 1 for the
// first card, one more for each card issued since), that the earlier card is void.
function licenceRows(lic) {
  const rows = [
    ...row("准驾车型", (lic.classes || []).join("、")),
    ...(lic.expires_on ? row("有效期限", lic.validity_text) : []), // 长期 says it once below
    ...row("驾驶证有效期至", dateZh(lic.expires_on) || "长期"),
  ];
  if (Number(lic.serial_no) > 1) rows.push(...row("证件", "已制发新证，此前的驾驶证作废"));
  return rows;
}

// Decisions with a fine that this visit did not pay (暂不缴款, or a payment that did not go through).
function unpaidDecisions() {
  const r = session.result || {};
  const p = session.paymentView;
  const paid = new Set(p && p.state === "succeeded" ? (p.items || []).map((it) => it.decision_no) : []);
  return (r.decisions || []).filter((d) => d.fine_fen > 0 && !paid.has(d.decision_no));
}

function renderReceipt() {
  const r = session.result || {};
  const rows = receiptRows();
  // the deadline and 加处罚款 warning is for a fine still to pay, not for one paid just now
  const owed = unpaidDecisions().length > 0;
  const reasons = (r.reasons || []).filter((x) => x.code !== "violations.self_service" && (owed || x.code !== "fines.late_fee_notice"));
  $("#receipt-content").replaceChildren(el("dl", {}, rows), ...reasonBlock(reasons));
  $("#print-state").textContent = "";
}

async function printReceipt(button) {
  await busy(button, async () => {
    try {
      await api("POST", "/print", {});
      $("#print-state").textContent = "凭证已打印，请从出纸口取走。";
      say("凭证已打印，请从出纸口取走。");
    } catch (err) {
      showError(err);
    }
  });
}

// The electronic certificate (电子凭证): the receipt's fields on screen, and for an inspection
// mark the e-mark as the centre issued it. Printable (kiosk.css @media print shows only it).
function electronicReceipt(button) {
  const r = session.result || {};
  const p = session.paymentView || {};
  const svc = SERVICES.find((s) => s.id === session.service);
  const no = p.receipt_no || r.receipt_no || "";
  const m = r.mark;
  const title = m ? m.title || "机动车检验合格标志（电子）" : `${svc ? svc.name : "业务办理"}电子凭证`;
  const parts = [];
  if (m) {
    parts.push(
      el("h3", { text: "电子检验合格标志" }),
      el(
        "dl",
        { class: "emark" },
        ...row("标志编号", m.mark_no),
        ...row("号牌号码", m.plate),
        ...row("车辆类型", m.vehicle_kind_text || VEHICLE_KINDS[m.vehicle_kind] || m.vehicle_kind),
        ...row("检验有效期至", dateZh(m.valid_until)),
        ...row("发证日期", dateZh(m.issued_on)),
        ...row("发证机关", m.issuer),
      ),
      m.legal_note ? el("p", { class: "legal", text: m.legal_note }) : null,
      el("h3", { text: "办理凭证" }),
    );
  }
  parts.push(el("dl", {}, receiptRows()));
  parts.push(el("p", { class: "hint", text: `凭证编号 ${no}，可在“交管12123”查询核验。` }));
  $("#ecert-title").textContent = title;
  $("#ecert-body").replaceChildren(...parts);
  $("#ecert").hidden = false;
  $("#ecert").dataset.opener = button && button.dataset ? button.dataset.action : "";
  $("#ecert-title").focus();
  $("#print-state").textContent = `电子凭证已生成（编号 ${no}）。`;
  say(`${title}。电子凭证已显示在屏幕上。`);
}

const VEHICLE_KINDS = {
  small_passenger: "小型、微型载客汽车",
  large_passenger: "大型、中型载客汽车",
  goods: "载货汽车",
  motorcycle: "摩托车",
  other: "其他机动车",
};

function closeCertificate() {
  $("#ecert").hidden = true;
  $("#ecert-body").replaceChildren();
  $("#ecert-title").textContent = "";
  const opener = $('section[data-screen="receipt"] [data-action="e-receipt"]');
  if (opener && currentScreen() === "receipt") opener.focus();
}

// ---------- rate ----------

function renderRate() {
  session.level = null;
  $("#level-list").replaceChildren(
    ...LEVELS.map((lv) =>
      el("button", { type: "button", class: `btn secondary level${BAD_LEVELS.has(lv) ? " bad" : ""}`, "aria-pressed": "false", "data-action": "level", "data-level": lv, text: lv }),
    ),
  );
  $("#rate-reason").value = "";
  $("#reason-box").hidden = true;
  $("#reason-chips").replaceChildren(
    ...BAD_REASONS.map((t) => el("button", { type: "button", class: "btn ghost small", "data-action": "reason-chip", text: t })),
  );
}

function pickLevel(level) {
  session.level = level;
  for (const b of $$("#level-list .level")) b.setAttribute("aria-pressed", String(b.dataset.level === level));
  const bad = BAD_LEVELS.has(level);
  $("#reason-box").hidden = !bad;
  $("#rate-reason").required = bad;
  if (bad) say("请告诉我们哪里做得不好。");
}

async function rate(button) {
  if (!session.level) {
    notice("请先选择一个评价等级。");
    return;
  }
  const reason = $("#rate-reason").value.trim();
  if (BAD_LEVELS.has(session.level) && !reason) {
    notice("选择“不满意”或“非常不满意”时，请填写原因。");
    $("#rate-reason").focus();
    return;
  }
  await busy(button, async () => {
    try {
      const body = { level: LEVEL_VALUE[session.level] };
      if (reason) body.reason = reason;
      await api("POST", "/rating", body);
      toDone();
    } catch (err) {
      showError(err);
    }
  });
}

// ---------- optional survey (offered on the done screen, after the rating) ----------

async function toSurvey(button) {
  clearInterval(doneTimer);
  await busy(button, async () => {
    try {
      renderSurvey(await api("GET", "/survey"));
      show("survey");
    } catch (err) {
      showError(err);
    }
  });
}

function renderSurvey(survey) {
  session.survey = {};
  $("#survey-intro").textContent = survey.intro;
  const items = survey.sections.flatMap((s) => s.items);
  $("#survey-items").replaceChildren(
    ...items.map((item, n) =>
      el(
        "fieldset",
        { class: "survey-item" },
        el("legend", { text: `${n + 1}. ${item.text}` }),
        el(
          "div",
          { class: "survey-levels" },
          ...Object.entries(item.labels).map(([value, label]) =>
            el("button", { type: "button", class: "btn secondary survey-level", "aria-pressed": "false", "data-action": "survey-level", "data-item": item.code, "data-value": value, text: label }),
          ),
        ),
      ),
    ),
  );
}

function pickSurveyLevel(button) {
  session.survey[button.dataset.item] = Number(button.dataset.value);
  for (const b of $$(`.survey-level[data-item="${button.dataset.item}"]`)) b.setAttribute("aria-pressed", String(b === button));
}

async function submitSurvey(button) {
  if (!Object.keys(session.survey || {}).length) {
    notice("请至少回答一道题目，或点击“不填了”。");
    return;
  }
  await busy(button, async () => {
    try {
      await api("POST", "/survey", { answers: session.survey });
      session.surveyed = true;
      toDone();
      say("问卷已提交，感谢您的反馈。");
    } catch (err) {
      showError(err);
    }
  });
}

function toDone() {
  $("#btn-survey").hidden = !session || !!session.surveyed;
  show("done");
  let left = 30;
  $("#done-countdown").textContent = `${left} 秒后自动退出`;
  clearInterval(doneTimer);
  doneTimer = setInterval(() => {
    left -= 1;
    $("#done-countdown").textContent = `${left} 秒后自动退出`;
    if (left <= 0) finish();
  }, 1000);
}

// ---------- finish and wipe ----------

function wipe() {
  clearTimeout(pollTimer);
  clearInterval(doneTimer);
  session = null;
  servicePage = 0;
  for (const id of ["summary", "service-list", "review-content", "pay-items", "receipt-content", "level-list", "reason-chips", "notice-basis", "survey-items"]) {
    $(`#${id}`).replaceChildren();
  }
  for (const id of ["notice-text", "print-state", "done-countdown", "live", "queue-ticket", "pay-amount", "survey-intro"]) $(`#${id}`).textContent = "";
  $("#queue-ticket").hidden = true;
  $("#ecert").hidden = true;
  $("#ecert-body").replaceChildren();
  $("#ecert-title").textContent = "";
  $("#guide").hidden = true;
  $("#guide-body").replaceChildren();
  failedGuide = null;
  $("#rate-reason").value = "";
  $("#reason-box").hidden = true;
  $("#notice").hidden = true;
  $("#idle-warning").hidden = true;
  resetIdentify();
  try {
    sessionStorage.clear();
    localStorage.clear();
  } catch (e) {
    // storage may be disabled in kiosk mode; nothing is kept there anyway
  }
}

let finishing = false;
async function finish() {
  if (finishing) return;
  finishing = true;
  try {
    await api("POST", "/finish", {}).catch(() => {});
  } finally {
    wipe();
    idleWarned = false;
    finishing = false;
    show("start");
    refreshStatus();
  }
}

// ---------- idle timeout ----------

function touch() {
  lastActivity = Date.now();
  if (idleWarned) {
    idleWarned = false;
    $("#idle-warning").hidden = true;
  }
}

function idleTick() {
  if (!session) return;
  const limit = Number(status.idle_timeout_s || 120) * 1000;
  const idle = Date.now() - lastActivity;
  const warnAt = Math.max(limit - 15000, limit / 2);
  if (idle >= limit) {
    finish();
  } else if (idle >= warnAt) {
    if (!idleWarned) {
      idleWarned = true;
      $("#idle-warning").hidden = false;
      $('#idle-warning [data-action="still-here"]').focus();
      say("您还在办理吗？即将自动退出。");
    }
    $("#idle-seconds").textContent = String(Math.ceil((limit - idle) / 1000));
  }
}

// ---------- elder mode ----------

function setElder(on) {
  elder = on;
  document.body.classList.toggle("elder", on);
  $("#btn-elder").setAttribute("aria-pressed", String(on));
  $("#elder-state").textContent = on ? "开" : "关";
  if (session && session.overview) renderServices();
  if (on) say("已开启长辈模式。字更大，每页选项更少，并有语音提示。");
}

// ---------- simulator drawer (demo only) ----------

const sim = { loaded: false, defaults: {} };

async function loadSim() {
  if (sim.loaded) return;
  sim.loaded = true;
  try {
    const info = await api("GET", "/sim");
    const cards = info.cards || info.citizens || [];
    sim.defaults = info.defaults || {};
    $("#sim-card").replaceChildren(
      // demo personas by role and situation only: no name or ID number on the screen
      ...cards.map((c) => el("option", { value: c.role, text: `${c.role} ${(c.situation || "").split(" / ")[0]}`.trim() })),
    );
    const current = info.current && cards.find((c) => c.id_number === info.current.id_number);
    if (current) $("#sim-card").value = current.role;
    if (info.defaults && info.defaults.payer) $("#sim-payer").value = info.defaults.payer;
    if (info.defaults && info.defaults.face_scene) $("#sim-face").value = info.defaults.face_scene;
    if (info.defaults && info.defaults.document_tray) $("#sim-tray").value = info.defaults.document_tray;
  } catch (e) {
    $("#sim-card").replaceChildren(el("option", { value: "", text: "（无演示数据）" }));
  }
}

async function simSet(kind, body) {
  try {
    await api("POST", `/sim/${kind}`, body);
  } catch (err) {
    showError(err);
  }
}

// The drawer's thumbnail of what lies on the document tray (rendered for the card on the reader).
function simTrayPreview() {
  const img = $("#sim-tray-preview");
  if ($("#sim-panel").hidden) return;
  img.src = `${API}/sim/document/preview?t=${Date.now()}`;
  img.hidden = false;
}

// ---------- wiring ----------

const ACTIONS = {
  begin: (b) => begin(b),
  queue: (b) => takeQueue(b),
  help: (b) => callHelp(b),
  "toggle-elder": () => setElder(!elder),
  identify: (b) => identify(b),
  service: (b) => chooseService(b.dataset.service, b),
  "page-prev": () => {
    servicePage -= 1;
    renderServices();
  },
  "page-next": () => {
    servicePage += 1;
    renderServices();
  },
  "back-services": () => {
    clearNotice();
    clearTimeout(pollTimer);
    clearInterval(doneTimer);
    if (!session || !session.overview) return finish();
    loadOverview()
      .catch(() => {})
      .then(() => {
        renderServices();
        show("services");
      });
  },
  confirm: (b) => confirm(b),
  pay: (b) => pay(b),
  "pay-later": () => {
    renderReceipt();
    show("receipt");
  },
  print: (b) => printReceipt(b),
  "e-receipt": (b) => electronicReceipt(b),
  "ecert-close": () => closeCertificate(),
  "ecert-print": () => window.print(),
  "to-rate": () => {
    closeCertificate();
    renderRate();
    show("rate");
  },
  level: (b) => pickLevel(b.dataset.level),
  "reason-chip": (b) => {
    const t = $("#rate-reason");
    t.value = t.value ? `${t.value}；${b.textContent}` : b.textContent;
  },
  rate: (b) => rate(b),
  "skip-rate": () => toDone(),
  "to-survey": (b) => toSurvey(b),
  "survey-level": (b) => pickSurveyLevel(b),
  "survey-submit": (b) => submitSurvey(b),
  "skip-survey": () => toDone(),
  finish: () => finish(),
  dismiss: () => clearNotice(),
  guide: (b) => showGuide(b, GUIDE_OF[session.service], []),
  "guide-failed": (b) => failedGuide && showGuide(b, failedGuide.business, failedGuide.codes),
  "guide-close": () => {
    $("#guide").hidden = true;
  },
  "still-here": () => touch(),
};

document.addEventListener("click", (ev) => {
  const b = ev.target.closest("[data-action]");
  if (!b || b.disabled) return;
  metrics.taps += 1;
  ACTIONS[b.dataset.action](b);
});
for (const t of ["pointerdown", "keydown", "input", "touchstart"]) document.addEventListener(t, touch, { passive: true });
$("#review-content").addEventListener("input", (ev) => fieldChanged(ev.target));

$("#sim-toggle").addEventListener("click", () => {
  const panel = $("#sim-panel");
  panel.hidden = !panel.hidden;
  $("#sim-toggle").setAttribute("aria-expanded", String(!panel.hidden));
  simTrayPreview();
});
$("#sim-card").addEventListener("change", (e) => simSet("id-card", { persona: e.target.value }).then(simTrayPreview));
$("#sim-tray").addEventListener("change", (e) => simSet("document", { tray: e.target.value }).then(simTrayPreview));
$("#sim-face").addEventListener("change", (e) => simSet("face", { scene: e.target.value }));
$("#sim-payer").addEventListener("change", (e) => simSet("payer", { outcome: e.target.value }));

// mode.js polls the kiosk's mode more often than the status: the pill follows it at once
document.addEventListener("kiosk:mode", (e) => {
  status.mode = { ...(status.mode || {}), locked: !!(e.detail && e.detail.locked) };
  renderPill();
});

setInterval(idleTick, 1000);
setInterval(() => {
  if (!session) refreshStatus();
}, 15000);
refreshStatus().then(() => show("start"));
window.__kioskReady = true;

// Hooks for the businesses kept in their own files (more.js): they add their services, review
// and confirm steps, guides, actions and receipt rows, and use the helpers here.
export const hooks = {
  SERVICES, GUIDE_OF, REVIEW, CONFIRM, ACTIONS, RECEIPT_ROWS, FIELD_ZH,
  api, busy, notice, clearNotice, showError, say, show, basisList, reasonBlock, row, radio, simValue,
  yuan, dateZh, renderPay, renderReceipt, markFields, KioskError,
  session: () => session,
};
