// The command-centre screen (指挥中心 · 实时监控): a snapshot from /api/v1/centre/snapshot,
// then live events from /api/v1/live. Plain DOM, no framework, nothing from elsewhere.

import { ApiError, SESSION_ENDED, get, post, staffLogin, token } from "./api.js";
import { AssistPanel } from "./assist.js";
import { drawChart } from "./chart.js";
import { connectLive } from "./live.js";
import { CityMap, STATUS_ZH, colourOf } from "./map.js";
import {
  ago, clockText, el, plateTag, renderAlerts, toast, renderAssist, renderInstructions, renderReads, tickDeadlines, timeText,
} from "./panels.js";

const $ = (s, root = document) => root.querySelector(s);
const $$ = (s, root = document) => [...root.querySelectorAll(s)];

const state = {
  me: null,
  offsetMs: 0,
  alerts: new Map(),
  hits: new Map(),
  instructions: new Map(),
  assist: new Map(),
  reads: [],
  filter: "all",
  form: null, // an inline form open in the alert feed: {act, id}
  evidence: new Map(), // plate read id -> data URL | "loading" | "none"
  booth: null, // the booth detail shown
  issueFromHit: null,
};
// For tests and the wall display's own health check: numbers only, no personal data.
const metrics = { events: 0, byKind: {}, resets: 0, connected: false, snapshots: 0 };
window.__centre = metrics;

let map;
let live = null;
let assist;
let dirty = new Set();

const nowMs = () => Date.now() + state.offsetMs;

// --- errors and notices -------------------------------------------------------------------

// One help press reaches the screen twice (the help call and the kiosk's assist request):
// the operator is told once per booth in HELP_TOAST_MS.
const HELP_TOAST_MS = 30_000;
const helpToasted = new Map();
function helpToast(booth, text) {
  const now = Date.now();
  if (now - (helpToasted.get(booth) || 0) < HELP_TOAST_MS) return;
  helpToasted.set(booth, now);
  toast(text, true);
  window.__centre.helpToasts = (window.__centre.helpToasts || 0) + 1;
}

const showError = (e) => toast(e instanceof ApiError ? e.message : String(e));

// --- evidence crops (fetched once, kept as data URLs) -------------------------------------

function evidence(readId) {
  const have = state.evidence.get(readId);
  if (have && have !== "loading" && have !== "none") return have;
  if (!have) {
    state.evidence.set(readId, "loading");
    get(`/api/v1/centre/plate-reads/${readId}/evidence`)
      .then((r) => {
        const url = r.jpeg_b64 ? `data:image/jpeg;base64,${r.jpeg_b64}` : "none";
        state.evidence.set(readId, url);
        if (url !== "none") {
          for (const img of $$(`[data-read="${readId}"] img, [data-read-img="${readId}"]`)) img.src = url;
          mark("alerts");
        }
      })
      .catch(() => state.evidence.set(readId, "none"));
  }
  return null;
}

// --- rendering (batched per animation frame) ----------------------------------------------

function mark(...parts) {
  const first = dirty.size === 0;
  for (const p of parts) dirty.add(p);
  if (first) requestAnimationFrame(flush);
}

function assistByBooth() {
  const m = new Map();
  for (const s of state.assist.values()) if (s.state !== "closed") m.set(s.booth, s);
  return m;
}

function helpFlag(code) {
  if (assistByBooth().has(code)) return true;
  for (const a of state.alerts.values()) if (a.kind === "help_call" && a.booth === code && a.state !== "closed") return true;
  return false;
}

function refreshHelp(code) {
  const b = map.get(code);
  if (!b) return;
  const help = helpFlag(code);
  if (b.help !== help) map.update({ code, help });
  mark("legend");
}

function flush() {
  const parts = dirty;
  dirty = new Set();
  const now = nowMs();
  if (parts.has("alerts")) {
    renderAlerts($("#alert-list"), {
      alerts: state.alerts, hits: state.hits, assistByBooth: assistByBooth(), filter: state.filter,
      me: state.me, nowMs: now, evidence, openForm: state.form,
    });
    renderAssist($("#assist-list"), state.assist, now, state.alerts);
    if (state.form) {
      const input = $(`[data-form-input="${state.form.act}"]`);
      if (input && document.activeElement !== input) input.focus();
    }
  }
  if (parts.has("board")) renderInstructions($("#instruction-list"), state.instructions, now);
  if (parts.has("reads")) {
    const hitReads = new Set([...state.hits.values()].map((h) => h.plate_read_id));
    renderReads($("#read-list"), state.reads, hitReads, evidence);
  }
  if (parts.has("legend") || parts.has("alerts") || parts.has("board")) renderCounters();
}

function renderCounters() {
  const booths = map.all();
  const by = { ok: 0, fault: 0, offline: 0, unknown: 0, help: 0 };
  for (const b of booths) by[colourOf(b)] = (by[colourOf(b)] || 0) + 1;
  $("#legend").replaceChildren(
    ...["ok", "fault", "offline", "help", "unknown"].map((k) =>
      el("li", { "data-status": k }, el("span", { class: `dot ${k}`, "aria-hidden": "true" }), `${STATUS_ZH[k]} ${by[k]}`),
    ),
  );
  $("#count-booths").textContent = String(booths.length);
  $("#count-alerts").textContent = String([...state.alerts.values()].filter((a) => a.state !== "closed").length);
  $("#count-hits").textContent = String([...state.hits.values()].filter((h) => h.state === "pending").length);
  $("#count-instructions").textContent = String([...state.instructions.values()].filter((i) => i.active).length);
}

// --- snapshot and live events -------------------------------------------------------------

async function loadSnapshot() {
  const snap = await get("/api/v1/centre/snapshot");
  metrics.snapshots += 1;
  state.offsetMs = Date.parse(snap.now) - Date.now();
  state.me = snap.me;
  $("#me").textContent = `${snap.me.name}（${snap.me.role_zh}${snap.me.unit ? " · " + snap.me.unit : ""}）`;
  $("#btn-issue").hidden = !snap.me.may_command;
  state.alerts = new Map(snap.alerts.map((a) => [a.id, a]));
  state.hits = new Map(snap.hits.map((h) => [h.id, h]));
  state.instructions = new Map(snap.instructions.map((i) => [i.id, i]));
  state.assist = new Map(snap.assist.map((s) => [s.id, s]));
  state.reads = snap.plate_reads;
  map.setBooths(snap.booths);
  mark("alerts", "board", "reads", "legend");
}

// Events from several processes may arrive out of order: each is a view of its subject as
// one commit left it, so an older view never replaces a newer one (states only move on).
const RANK = {
  alert: { open: 0, acknowledged: 1, closed: 2 },
  hit: { pending: 0, confirmed: 1, rejected: 1 },
  remote_assist: { waiting: 0, active: 1, closed: 2 },
  booth_command: { queued: 0, sent: 1, acknowledged: 2, succeeded: 3, failed: 3, expired: 3 },
};
const older = (kind, known, next) => known && RANK[kind][next] < RANK[kind][known];
const closedAssist = new Set();

function onEvent(e) {
  metrics.events += 1;
  metrics.byKind[e.kind] = (metrics.byKind[e.kind] || 0) + 1;
  const d = e.data;
  switch (e.kind) {
    case "booth_state": {
      const known = map.get(d.code);
      if (!known) return;
      if (known.last_reported_at && d.last_reported_at && Date.parse(d.last_reported_at) < Date.parse(known.last_reported_at)) return;
      map.update({ ...d, help: helpFlag(d.code) });
      mark("legend");
      if (state.booth && state.booth.booth.code === d.code) updateBoothState(d);
      break;
    }
    case "alert":
      if (older("alert", state.alerts.get(d.id)?.state, d.state)) return;
      state.alerts.set(d.id, d);
      if (d.kind === "help_call" && d.booth) refreshHelp(d.booth);
      mark("alerts");
      break;
    case "hit": {
      const old = state.hits.get(d.id);
      if (older("hit", old?.state, d.state)) return;
      if (d.state === "rejected") state.hits.delete(d.id);
      else state.hits.set(d.id, { ...d, instruction: old ? old.instruction : null });
      mark("alerts", "reads");
      break;
    }
    case "instruction": {
      const known = state.instructions.get(d.id);
      if (known && Date.parse(d.state_changed_at) < Date.parse(known.state_changed_at)) return;
      if (d.active) state.instructions.set(d.id, d);
      else state.instructions.delete(d.id);
      if (d.subject && d.subject.hit_id && state.hits.has(d.subject.hit_id)) {
        const h = state.hits.get(d.subject.hit_id);
        state.hits.set(h.id, { ...h, instruction: { id: d.id, no: d.no, state: d.state } });
        mark("alerts");
      }
      mark("board");
      break;
    }
    case "plate_read":
      state.reads = [d, ...state.reads.filter((r) => r.id !== d.id)].slice(0, 20);
      mark("reads");
      if (state.booth && state.booth.booth.code === d.booth) refreshBooth();
      break;
    case "help_call":
      helpToast(d.booth, `${d.booth_name}（${d.booth}）一键求助`);
      break;
    case "remote_assist": {
      const s = d.session;
      if (closedAssist.has(s.id) || older("remote_assist", state.assist.get(s.id)?.state, s.state)) return;
      if (s.state === "closed") {
        closedAssist.add(s.id);
        state.assist.delete(s.id);
      } else state.assist.set(s.id, s);
      refreshHelp(s.booth);
      if (d.change === "opened") helpToast(s.booth, `${s.booth_name} 请求远程协助`);
      assist.onEvent(d);
      mark("alerts");
      break;
    }
    case "booth_command":
      if (state.booth && state.booth.booth.code === d.booth) {
        const known = state.booth.commands.find((c) => c.id === d.id);
        if (older("booth_command", known?.state, d.state)) return;
        const cmds = state.booth.commands.filter((c) => c.id !== d.id);
        state.booth.commands = [d, ...cmds].sort((a, b) => Date.parse(b.issued_at) - Date.parse(a.issued_at));
        renderCommands();
      }
      break;
    default:
      break;
  }
}

function setLive(connected) {
  metrics.connected = connected;
  const pill = $("#live-state");
  pill.textContent = connected ? "实时连接正常" : "实时连接中断，正在重连…";
  pill.classList.toggle("down", !connected);
}

function startLive() {
  if (live) live.stop();
  live = connectLive({
    onEvent,
    onStatus: (ok) => setLive(ok),
    onReset: () => {
      metrics.resets += 1;
      loadSnapshot().catch(showError);
    },
    onAuth: () => login.signOut(SESSION_ENDED),
  });
}

// --- alert feed actions -------------------------------------------------------------------

async function feedAction(act, id) {
  try {
    switch (act) {
      case "confirm-hit": {
        const h = await post(`/api/v1/staff/watch-list-hits/${id}/confirm`, { note: "指挥中心人工确认" });
        state.hits.set(h.id, { ...h, instruction: null });
        toast(`已确认比中 ${h.plate}，可下发拦截指令`, true);
        break;
      }
      case "reject-hit":
      case "assign-alert":
      case "close-alert":
        state.form = { act, id };
        break;
      case "cancel-form":
        state.form = null;
        break;
      case "ack-alert": {
        const a = await post(`/api/v1/staff/alerts/${id}/acknowledge`, {});
        state.alerts.set(a.id, a);
        break;
      }
      case "issue-from-hit":
        openIssue({ hit: state.hits.get(id) });
        break;
      case "open-assist":
        await assist.show(id);
        break;
      case "open-booth":
        await openBooth(id);
        break;
      default:
        return;
    }
  } catch (e) {
    showError(e);
  }
  mark("alerts");
}

async function submitInline(act, id, value) {
  const text = value.trim();
  try {
    if (act === "reject-hit") {
      await post(`/api/v1/staff/watch-list-hits/${id}/reject`, { note: text });
      state.hits.delete(id);
    } else if (act === "assign-alert") {
      const a = await post(`/api/v1/staff/alerts/${id}/assign`, { owner: text });
      state.alerts.set(a.id, a);
    } else if (act === "close-alert") {
      const a = await post(`/api/v1/staff/alerts/${id}/close`, { note: text });
      state.alerts.set(a.id, a);
      if (a.booth) refreshHelp(a.booth);
    }
    state.form = null;
  } catch (e) {
    showError(e);
  }
  mark("alerts");
}

// --- issuing instructions -----------------------------------------------------------------

function openIssue({ hit = null, booth = null } = {}) {
  state.issueFromHit = hit;
  const form = $("#issue-form");
  form.reset();
  $("#issue-error").hidden = true;
  $("#issue-kind").disabled = !!hit;
  if (hit) {
    $("#issue-title").textContent = "按已确认的比中下发拦截指令";
    $("#issue-about").textContent = `布控车辆 ${hit.plate}（${hit.entry.reason_kind_zh}），${timeText(hit.seen_at)} 经过 ${hit.booth}；不填内容则按比中自动生成。`;
    $("#issue-kind").value = "intercept";
    $("#issue-target-kind").value = "booth";
    $("#issue-target").value = hit.booth;
    $("#issue-plate").value = hit.plate;
    $("#issue-plate").disabled = true;
  } else {
    $("#issue-title").textContent = "下发指令";
    $("#issue-about").textContent = "发给一个中队的民警，或某岗亭所属中队的民警；对方签收并反馈。";
    $("#issue-plate").disabled = false;
    if (booth) {
      $("#issue-kind").value = "check_booth";
      $("#issue-target").value = booth;
    }
  }
  $("#issue-dialog").hidden = false;
  $("#issue-title").focus();
}

async function submitIssue() {
  const hit = state.issueFromHit;
  const targetKind = $("#issue-target-kind").value;
  const target = $("#issue-target").value.trim();
  const targets = target ? { [targetKind]: target } : {};
  const windows = {
    acknowledge_within_s: Math.round(Number($("#issue-ack").value) * 60),
    report_within_s: Math.round(Number($("#issue-report").value) * 60),
  };
  const text = $("#issue-text").value.trim();
  const location = $("#issue-location").value.trim() || null;
  try {
    let created;
    if (hit) {
      created = await post(`/api/v1/staff/instructions/from-hit/${hit.id}`, {
        text: text || null, location, targets: target ? targets : null, ...windows,
      });
      state.hits.set(hit.id, { ...hit, instruction: { id: created.id, no: created.no, state: created.state } });
    } else {
      const kind = $("#issue-kind").value;
      const plate = $("#issue-plate").value.trim() || null;
      created = await post("/api/v1/staff/instructions", {
        kind, text, targets, plate, location, booth: targetKind === "booth" && target ? target : null, ...windows,
      });
    }
    state.instructions.set(created.id, created);
    $("#issue-dialog").hidden = true;
    toast(`指令 ${created.no} 已下发`, true);
    mark("board", "alerts");
  } catch (e) {
    const box = $("#issue-error");
    box.textContent = e.message;
    box.hidden = false;
  }
}

// --- booth detail ---------------------------------------------------------------------------

const KIND_ZH = {
  temperature_c: "机柜温度", queue_length: "排队人数", heartbeat: "运行时长", paper: "打印纸",
  door: "机柜门", power: "电源", card_reader: "身份证阅读器", camera: "摄像头",
  outbox_refused: "被拒收上报（24小时）",
};
// A booth names each of its cameras: camera_<name> (payloads.TELEMETRY_KINDS).
function kindName(kind) {
  if (KIND_ZH[kind]) return KIND_ZH[kind];
  if (kind.startsWith("camera_")) return `摄像头 ${kind.slice(7)}`;
  return kind;
}

/** Seconds as 3小时12分 (天 from a day on; 秒 under a minute). */
function duration(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  if (s < 60) return `${s}秒`;
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${d ? d + "天" : ""}${d || h ? h + "小时" : ""}${m}分`;
}

function valueText(kind, value) {
  if (kind === "heartbeat") return duration(value);
  if (kind === "temperature_c") return `${value} ℃`;
  if (kind === "queue_length") return `${value} 人`;
  if (kind === "outbox_refused") return `${value} 条`;
  return VALUE_ZH[value] || String(value);
}

// The booth's message channel (MQTT) as it is: heard through the broker (availability), and
// whether it holds a broker password of its own (a demo booth on the embedded broker has none).
function channelText(b) {
  const heard = b.availability === "online" || b.availability === "offline";
  if (heard) return `MQTT 已接入（${b.availability === "online" ? "在线" : "离线"}）${b.broker_account ? "" : " · 未签发独立口令"}`;
  return b.broker_account ? "MQTT 已开通，尚未连接" : "未接入 MQTT（仅HTTP上报）";
}
const VALUE_ZH = {
  ok: "正常", low: "偏少", out: "缺纸", open: "开启", closed: "关闭", mains: "市电", battery: "电池供电",
  off: "断电", fault: "故障", offline: "离线",
};
const COMMANDS = {
  announcement: { zh: "岗亭喇叭播报", param: "text", label: "播报内容", value: "请注意交通安全，文明出行" },
  lock_kiosk: { zh: "锁定自助终端", param: "notice", label: "终端提示", value: "设备维护，暂停服务" },
  unlock_kiosk: { zh: "解锁自助终端" },
  restart_adapter: { zh: "重启设备适配器", param: "adapter", label: "设备", options: ["printer", "id_reader", "face_camera", "payment_terminal", "plate_camera", "speaker", "sensors", "help_button"] },
  refresh_watch_list: { zh: "更新布控名单" },
};
const CMD_STATE_ZH = { queued: "排队中", sent: "已发送", acknowledged: "已接收", succeeded: "已执行", failed: "执行失败", expired: "已过期" };

async function openBooth(code) {
  try {
    state.booth = await get(`/api/v1/centre/booths/${encodeURIComponent(code)}`);
  } catch (e) {
    showError(e);
    return;
  }
  map.select(code);
  $("#booth-drawer").hidden = false;
  renderBooth();
  $("#booth-title").focus();
}

async function refreshBooth() {
  if (!state.booth) return;
  try {
    const keepKind = $("#chart-kind") ? $("#chart-kind").value : null;
    const draft = commandDraft();
    state.booth = await get(`/api/v1/centre/booths/${encodeURIComponent(state.booth.booth.code)}`);
    renderBooth(keepKind);
    restoreCommandDraft(draft);
  } catch (e) {
    showError(e);
  }
}

function statusOf(b) {
  return b.help ? "help" : b.status;
}

function valueRows(b) {
  return Object.entries(b.values || {}).map(([k, v]) => [
    el("dt", { text: kindName(k), "data-kind": k }),
    el("dd", { text: `${valueText(k, v.value)}（${timeText(v.at)}）` }),
  ]);
}

function renderBooth(chartKind = null) {
  const d = state.booth;
  const b = d.booth;
  const colour = statusOf(b);
  $("#booth-title").replaceChildren(`${b.name}（${b.code}）`, " ", el("span", { class: `tag status-tag ${colour}`, id: "booth-status", "data-status": colour, text: STATUS_ZH[colour] }));
  const kinds = d.telemetry_kinds.length ? d.telemetry_kinds : ["temperature_c"];
  const preferred = chartKind && kinds.includes(chartKind) ? chartKind : kinds.includes("temperature_c") ? "temperature_c" : kinds[0];
  const cmdKind = el("select", { id: "cmd-kind", "aria-label": "指令类型" }, ...Object.entries(COMMANDS).map(([k, c]) => el("option", { value: k, text: c.zh })));
  const body = $("#booth-body");
  body.replaceChildren(
    el(
      "section",
      { class: "box" },
      el("h3", { text: "登记信息 Registry" }),
      el(
        "dl",
        { class: "kv" },
        el("dt", { text: "地址" }), el("dd", { text: b.address }),
        el("dt", { text: "辖区" }), el("dd", { text: `${b.district || b.district_code} · ${b.unit.name}` }),
        el("dt", { text: "坐标" }), el("dd", { text: `${b.lon.toFixed(5)}, ${b.lat.toFixed(5)}` }),
        el("dt", { text: "启用" }), el("dd", { text: b.enabled ? "是" : `否（${b.disabled_reason || ""}）` }),
        el("dt", { text: "消息通道" }), el("dd", { id: "booth-channel", text: channelText(b) }),
      ),
    ),
    el(
      "section",
      { class: "box", id: "booth-state" },
      el("h3", { text: "当前状态 Current state" }),
      el(
        "dl",
        { class: "kv" },
        el("dt", { text: "状态" }), el("dd", { id: "booth-status-text", text: STATUS_ZH[colour] }),
        el("dt", { text: "在线" }), el("dd", { text: { online: "在线", offline: "离线", unknown: "未知（HTTP上报）" }[b.availability] || b.availability }),
        el("dt", { text: "最近上报" }), el("dd", { text: b.last_reported_at ? `${timeText(b.last_reported_at)}（${ago(b.last_reported_at, nowMs())}）` : "—" }),
        el("dt", { text: "终端" }), el("dd", { text: { in_service: "服务中", locked: "已锁定", maintenance: "维护中" }[b.kiosk] || "—" }),
        ...valueRows(b).flat(),
      ),
      el("ul", { class: "faults" }, ...(b.faults.length ? b.faults.map((f) => el("li", { class: `kind-booth_fault`, text: `⚠ ${f.title}` })) : [el("li", { class: "muted", text: "无故障" })])),
    ),
    el(
      "section",
      { class: "box wide" },
      el(
        "div",
        { class: "row" },
        el("h3", { text: "运行曲线（24小时） Telemetry" }),
        el("label", { for: "chart-kind", class: "sr-only", text: "数据类别" }),
        el("select", { id: "chart-kind" }, ...kinds.map((k) => el("option", { value: k, text: kindName(k) }))),
      ),
      document.createElementNS("http://www.w3.org/2000/svg", "svg"),
    ),
    el(
      "section",
      { class: "box" },
      el("h3", { text: "远程指令 Remote commands" }),
      state.me.may_command
        ? el(
            "form",
            { class: "command-form", id: "cmd-form" },
            el("label", { for: "cmd-kind", text: "指令" }), cmdKind,
            el("label", { for: "cmd-param", id: "cmd-param-label", text: "参数" }), el("span", { id: "cmd-param-box" }),
            el("label", { for: "cmd-expiry", text: "有效期（秒）" }), el("input", { id: "cmd-expiry", type: "number", min: 10, max: 3600, value: 300 }),
            el("span"), el("button", { type: "submit", class: "btn primary small", id: "cmd-send", text: "下发到岗亭" }),
          )
        : el("p", { class: "muted", text: "下发远程指令需督察及以上权限" }),
      el("ol", { class: "cmd-list", id: "cmd-list" }),
    ),
    el(
      "section",
      { class: "box" },
      el("h3", { text: "最新过车 Plate reads" }),
      el(
        "div",
        { class: "crops" },
        ...(d.plate_reads.length
          ? d.plate_reads.map((r) =>
              el(
                "figure",
                { "data-booth-read": r.id },
                el("img", { alt: `证据小图：${r.plate_no}`, src: r.evidence_jpeg_b64 ? `data:image/jpeg;base64,${r.evidence_jpeg_b64}` : null }),
                el("figcaption", {}, plateTag(r.plate_no, true), ` ${timeText(r.first_seen_at)}`),
              ),
            )
          : [el("p", { class: "muted", text: "暂无过车记录" })]),
      ),
    ),
    el(
      "section",
      { class: "box" },
      el("h3", { text: "未关闭告警 Alerts" }),
      el("ul", {}, ...(d.alerts.length ? d.alerts.map((a) => el("li", { class: `kind-${a.kind}`, text: `${a.kind_zh}：${a.title}（${a.state_zh}）` })) : [el("li", { class: "muted", text: "无" })])),
      state.me.may_command ? el("button", { type: "button", class: "btn secondary small", id: "booth-issue", text: "向该岗亭中队下发指令" }) : null,
      d.assist ? el("button", { type: "button", class: "btn danger small", id: "booth-assist", "data-id": d.assist.id, text: "远程协助" }) : null,
    ),
  );
  const svg = $("#booth-body svg");
  svg.id = "booth-chart";
  svg.setAttribute("class", "chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "运行数据曲线");
  $("#chart-kind").value = preferred;
  $("#chart-kind").addEventListener("change", () => loadChart());
  loadChart();
  if ($("#cmd-form")) {
    cmdKind.addEventListener("change", renderCommandParam);
    renderCommandParam();
    $("#cmd-form").addEventListener("submit", (e) => {
      e.preventDefault();
      sendCommand();
    });
  }
  if ($("#booth-issue")) $("#booth-issue").addEventListener("click", () => openIssue({ booth: b.code }));
  if ($("#booth-assist")) $("#booth-assist").addEventListener("click", (e) => assist.show(e.target.dataset.id));
  renderCommands();
}

function updateBoothState(view) {
  const b = { ...state.booth.booth, ...view, help: helpFlag(view.code) };
  state.booth.booth = b;
  const keep = $("#chart-kind") ? $("#chart-kind").value : null;
  renderBooth(keep);
}

async function loadChart() {
  if (!state.booth) return;
  const kind = $("#chart-kind").value;
  try {
    const history = await get(`/api/v1/centre/booths/${encodeURIComponent(state.booth.booth.code)}/telemetry`, { kind, hours: 24 });
    const svg = $("#booth-chart");
    if (svg) {
      drawChart(svg, history);
      svg.dataset.points = String(history.points.length);
      svg.dataset.kind = kind;
    }
  } catch (e) {
    showError(e);
  }
}

// A live refresh redraws the drawer: keep what the operator was typing into the command form.
function commandDraft() {
  const kind = $("#cmd-kind");
  const param = $("#cmd-param");
  return kind ? { kind: kind.value, param: param && "value" in param ? param.value : null } : null;
}

function restoreCommandDraft(draft) {
  if (!draft || !$("#cmd-kind")) return;
  $("#cmd-kind").value = draft.kind;
  renderCommandParam();
  const param = $("#cmd-param");
  if (draft.param !== null && param && "value" in param) param.value = draft.param;
}

function renderCommandParam() {
  const spec = COMMANDS[$("#cmd-kind").value];
  const box = $("#cmd-param-box");
  $("#cmd-param-label").textContent = spec.label || "参数";
  if (!spec.param) box.replaceChildren(el("span", { class: "muted", id: "cmd-param", text: "无" }));
  else if (spec.options) box.replaceChildren(el("select", { id: "cmd-param" }, ...spec.options.map((o) => el("option", { value: o, text: o }))));
  else box.replaceChildren(el("input", { id: "cmd-param", maxlength: 200, value: spec.value }));
}

async function sendCommand() {
  const kind = $("#cmd-kind").value;
  const spec = COMMANDS[kind];
  const params = spec.param ? { [spec.param]: $("#cmd-param").value } : {};
  try {
    const c = await post(`/api/v1/staff/booths/${encodeURIComponent(state.booth.booth.code)}/commands`, {
      kind, params, expires_in_s: Number($("#cmd-expiry").value) || 300, reason: "指挥中心下发",
    });
    if (c.maker) {
      // Two keys (a kiosk lock): the answer is the pending approval, not a command yet.
      toast(`已提交审批：${c.kind_zh}，待另一名督察批准后下发`, true);
      return;
    }
    state.booth.commands = [c, ...state.booth.commands.filter((x) => x.id !== c.id)];
    renderCommands();
    toast(`已下发：${c.kind_zh}`, true);
  } catch (e) {
    showError(e);
  }
}

function renderCommands() {
  const list = $("#cmd-list");
  if (!list || !state.booth) return;
  const cmds = state.booth.commands.slice(0, 8);
  list.replaceChildren(
    ...(cmds.length
      ? cmds.map((c) =>
          el(
            "li",
            { "data-command": c.id, "data-state": c.state },
            el("span", { text: timeText(c.issued_at) }),
            el("span", { text: c.kind_zh }),
            c.outcome && c.outcome.error ? el("span", { class: "muted", text: c.outcome.detail || c.outcome.error }) : null,
            el("span", { class: `cmd-state ${c.state} tag`, text: CMD_STATE_ZH[c.state] || c.state }),
          ),
        )
      : [el("li", { class: "muted", text: "暂无远程指令" })]),
  );
}

// --- start-up, login ------------------------------------------------------------------------

async function start() {
  login.hide();
  try {
    const geo = await fetch("/centre/map.json", { cache: "force-cache" }).then((r) => r.json());
    map.setDistricts(geo);
    $("#zoom-district").replaceChildren(
      el("option", { value: "", text: "按区县…" }),
      ...geo.districts.map((d) => el("option", { value: d.code, text: d.name })),
    );
    await loadSnapshot();
    startLive();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return login.signOut(SESSION_ENDED);
    showError(e);
  }
}

function wire() {
  map = new CityMap($("#map"), $("#map-tip"), (code) => openBooth(code));
  assist = new AssistPanel({
    onError: showError,
    nowMs,
    onChange: (s) => {
      if (s.state === "closed") {
        closedAssist.add(s.id);
        state.assist.delete(s.id);
      } else state.assist.set(s.id, s);
      refreshHelp(s.booth);
      mark("alerts");
    },
  });
  for (const list of [$("#alert-list"), $("#assist-list")]) {
    list.addEventListener("click", (e) => {
      const b = e.target.closest("[data-act]");
      if (b && !b.disabled) feedAction(b.dataset.act, b.dataset.id);
    });
  }
  $("#alert-list").addEventListener("submit", (e) => {
    e.preventDefault();
    const form = e.target.closest("[data-form]");
    if (form) submitInline(form.dataset.form, form.dataset.id, $("input", form).value);
  });
  for (const chip of $$("#feed [data-filter]")) {
    chip.addEventListener("click", () => {
      state.filter = chip.dataset.filter;
      for (const c of $$("#feed [data-filter]")) c.setAttribute("aria-pressed", String(c === chip));
      mark("alerts");
    });
  }
  map.onView = (view) => {
    $("#zoom-urban").setAttribute("aria-pressed", String(view === "urban"));
    $("#zoom-city").setAttribute("aria-pressed", String(view === "city"));
    $("#zoom-district").value = view.startsWith("district:") ? view.slice(9) : "";
  };
  for (const [id, view] of [["#zoom-urban", "urban"], ["#zoom-city", "city"]]) {
    $(id).addEventListener("click", () => map.setView(view));
  }
  $("#zoom-district").addEventListener("change", (e) => map.setView(e.target.value ? `district:${e.target.value}` : "urban"));
  $("#read-list").addEventListener("click", (e) => {
    const li = e.target.closest("[data-read]");
    const read = li && state.reads.find((r) => r.id === li.dataset.read);
    if (read) openBooth(read.booth);
  });
  for (const b of $$("[data-close]")) {
    b.addEventListener("click", () => {
      const target = b.dataset.close;
      $(`#${target}`).hidden = true;
      if (target === "booth-drawer") {
        state.booth = null;
        map.select(null);
      }
      if (target === "assist-drawer") assist.hide();
    });
  }
  $("#btn-issue").addEventListener("click", () => openIssue());
  $("#issue-form").addEventListener("submit", (e) => {
    e.preventDefault();
    submitIssue();
  });
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    for (const id of ["issue-dialog", "assist-drawer", "booth-drawer"]) {
      if (!$(`#${id}`).hidden) {
        $(`#${id} [data-close]`).click();
        break;
      }
    }
  });
  setInterval(() => {
    const now = nowMs();
    $("#clock").textContent = clockText(now);
    tickDeadlines($("#instruction-list"), now);
  }, 1000);
  setInterval(() => mark("alerts"), 15000); // "x 分钟前"
  setInterval(() => token() && live && loadSnapshot().catch(() => {}), 120000); // safety net
  window.__centreReady = true;
}

const login = staffLogin({
  start,
  forget: () => {
    if (live) live.stop();
    live = null;
  },
});
wire();
login.begin();
