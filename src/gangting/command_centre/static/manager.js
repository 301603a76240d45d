// The manager page (/centre/manager.html, issue 13 §5): the service KPIs and their monthly
// trend, the booths ranked, the refusals, the 好差评 board, the latest reform-effect
// estimates with their event-study plots, and the two reports to download (HTML, PDF).
// Supervisors and administrators; every figure is what the API answers. Plain DOM.

import { ApiError, get, staffLogin, token } from "./api.js";
import { el, toast } from "./panels.js";

const $ = (s, root = document) => root.querySelector(s);
const $$ = (s, root = document) => [...root.querySelectorAll(s)];
const SVGNS = "http://www.w3.org/2000/svg";
const VIEWS = ["kpis", "ratings", "reform", "reports"];
let me = null;
const loaded = {};
// Exposed for tests: what was drawn, no personal data.
window.__manager = { overview: 0, reform: 0, downloads: [] };

const pct = (x) => (x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)}%`);
const num = (x, d = 0) => (x === null || x === undefined ? "—" : Number(x).toLocaleString("zh-CN", { minimumFractionDigits: d, maximumFractionDigits: d }));
const minutes = (s) => (s === null || s === undefined ? "—" : (s / 60).toFixed(1));

function period() {
  return { from: $("#p-from").value, to: $("#p-to").value };
}

function showError(e) {
  $("#page-error").textContent = e ? e.message : "";
  $("#page-error").hidden = !e;
}

function table(node, headings, rows, empty = "该期间没有记录") {
  node.replaceChildren(
    el("thead", {}, el("tr", {}, ...headings.map(([h, cls]) => el("th", { scope: "col", class: cls || null, text: h })))),
    el("tbody", {}, ...(rows.length ? rows : [el("tr", {}, el("td", { colspan: headings.length, class: "empty", text: empty }))])),
  );
}
const td = (text, cls = null) => el("td", { class: cls, text: text ?? "—" });

// --- service KPIs -------------------------------------------------------------------------

function tiles(t) {
  const items = t
    ? [
        [num(t.visits), "办理人次"], [num(t.completed), "办结事项"], [pct(t.one_visit_rate), "一次办结率"],
        [`${minutes(t.wait_s_avg)} 分`, "平均等候"], [`${minutes(t.handle_s_avg)} 分`, "平均办理"],
        [num(t.applications_per_booth_hour, 2), "每岗亭小时办件"], [num(t.trips_saved), "减少往返大厅（趟）"],
        [`${num(t.km_saved)} km`, "减少出行里程"], [`${num(t.officer_hours_saved)} 时`, "节省窗口警力"],
      ]
    : [["—", "该期间没有岗亭办理记录"]];
  $("#kpi-tiles").replaceChildren(...items.map(([v, k]) => el("div", { class: "kpi-tile" }, el("span", { class: "v", text: v }), el("span", { class: "k", text: k }))));
}

function svgNode(tag, attrs, parent, text) {
  const n = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = text;
  parent.append(n);
  return n;
}

function trend(months) {
  const svg = $("#trend");
  svg.replaceChildren();
  const W = Math.max(400, Math.round(svg.getBoundingClientRect().width) || 800);
  const H = 240;
  const m = { l: 56, r: 56, t: 12, b: 28 };
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  if (!months.length) {
    svgNode("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, svg, "该期间没有记录");
    return;
  }
  const maxV = Math.max(1, ...months.map((r) => r.visits));
  const x = (i) => m.l + (months.length === 1 ? (W - m.l - m.r) / 2 : (i * (W - m.l - m.r)) / (months.length - 1));
  const yV = (v) => H - m.b - (v / maxV) * (H - m.t - m.b);
  const yR = (r) => H - m.b - r * (H - m.t - m.b);
  svgNode("line", { x1: m.l, y1: H - m.b, x2: W - m.r, y2: H - m.b, class: "axis" }, svg);
  for (const f of [0, 0.5, 1]) {
    svgNode("text", { x: m.l - 6, y: yV(maxV * f) + 4, "text-anchor": "end" }, svg, num(maxV * f));
    svgNode("text", { x: W - m.r + 6, y: yR(f) + 4 }, svg, `${f * 100}%`);
  }
  const step = Math.max(1, Math.ceil(months.length / 12));
  months.forEach((r, i) => {
    if (i % step === 0) svgNode("text", { x: x(i), y: H - 8, "text-anchor": "middle" }, svg, r.month);
  });
  const path = (pts) => pts.map(([px, py], i) => `${i ? "L" : "M"}${px.toFixed(1)},${py.toFixed(1)}`).join(" ");
  svgNode("path", { d: path(months.map((r, i) => [x(i), yV(r.visits)])), class: "visits" }, svg);
  const rated = months.map((r, i) => [i, r.one_visit_rate]).filter(([, v]) => v !== null);
  if (rated.length) svgNode("path", { d: path(rated.map(([i, v]) => [x(i), yR(v)])), class: "rate" }, svg);
}

async function loadOverview() {
  showError(null);
  let data;
  try {
    data = await get("/api/v1/staff/reports/overview", period());
  } catch (e) {
    showError(e);
    return;
  }
  tiles(data.total);
  trend(data.months);
  table(
    $("#booth-table"),
    [["名次"], ["岗亭"], ["所在区"], ["人次", "num"], ["办结", "num"], ["一次办结率", "num"], ["平均等候(分)", "num"], ["平均办理(分)", "num"], ["每岗亭小时办件", "num"], ["减少里程(km)", "num"], ["节省警力(时)", "num"]],
    data.booths.map((r, i) =>
      el("tr", { "data-booth": r.booth_code },
        td(String(i + 1)), td(`${r.booth_code} ${r.booth_name || ""}`), td(r.district_name || r.district_code),
        td(num(r.visits), "num"), td(num(r.completed), "num"), td(pct(r.one_visit_rate), "num"),
        td(minutes(r.wait_s_avg), "num"), td(minutes(r.handle_s_avg), "num"),
        td(num(r.applications_per_booth_hour, 2), "num"), td(num(r.km_saved), "num"), td(num(r.officer_hours_saved, 1), "num"))),
  );
  const refused = data.refusals.reduce((a, r) => a + r.refusals, 0);
  table(
    $("#refusal-table"),
    [["拒办原因"], ["次数", "num"], ["占拒办", "num"]],
    data.refusals.map((r) => el("tr", {}, td(r.reason_zh || r.refusal_code), td(num(r.refusals), "num"), td(pct(refused ? r.refusals / refused : null), "num"))),
  );
  table(
    $("#rating-table"),
    [["岗亭"], ["办件", "num"], ["评价数", "num"], ["评价率", "num"], ["好评率", "num"], ["好评", "num"], ["差评", "num"], ["差评整改率", "num"], ["按期整改率", "num"]],
    data.ratings.map((r) => el("tr", {}, td(`${r.key} ${r.label}`), td(num(r.applications), "num"), td(num(r.ratings), "num"), td(pct(r.rating_rate), "num"), td(pct(r.good_rate), "num"), td(num(r.good), "num"), td(num(r.bad), "num"), td(pct(r.fix_rate), "num"), td(pct(r.on_time_rate), "num"))),
  );
  loaded.overview = JSON.stringify(period());
  window.__manager.overview += 1;
}

// --- the reform's effect ------------------------------------------------------------------

// The plot as an image of its own (a data: URL): matplotlib's SVG styles itself inline,
// which the page's policy (style-src 'self') refuses in the page but not inside an image.
function svgImage(text, alt) {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return el("img", { src: `data:image/svg+xml;base64,${btoa(bin)}`, alt });
}

function effectCard(e) {
  const card = el("article", { class: "box effect", "data-outcome": e.outcome }, el("h3", { text: `${e.name_zh}（${e.unit_zh}）` }));
  if (!e.result) {
    card.append(el("p", { class: "error", text: `无法估计：${e.error}` }));
    return card;
  }
  const o = e.result.overall;
  const scale = e.unit_zh === "比例" ? 100 : 1;
  const unit = e.unit_zh === "比例" ? " 个百分点" : ` ${e.unit_zh}`;
  const fmt = (v) => (v === null ? "—" : (v * scale).toFixed(2));
  const sig = o.ci_low !== null && (o.ci_low > 0 || o.ci_high < 0);
  const good = sig && (o.att < 0) === (e.better === "lower");
  const p = e.result.pretrend.p_value;
  card.append(
    el("p", { class: "att", text: `ATT ${fmt(o.att)}${unit}` }),
    el("p", { class: "muted", text: `95% 置信区间 [${fmt(o.ci_low)}, ${fmt(o.ci_high)}] · 平行趋势检验 p = ${p === null ? "无法计算" : p.toFixed(3)} · ${e.result.n_units} 个区` }),
    ...(p === null ? [el("p", { class: "muted", text: `区数少于实施前的 ${e.result.pretrend.df} 个格子，无法联合检验；请看图中实施前各期的置信区间是否含零。` })] : []),
    el("p", { class: `verdict ${sig ? (good ? "good" : "bad") : "none"}`, text: e.sentence || "" }),
  );
  if (e.svg) card.append(el("div", { class: "plot" }, svgImage(e.svg, `${e.name_zh}的事件研究图`)));
  return card;
}

async function loadReform() {
  const key = JSON.stringify(period());
  if (loaded.reform === key) return;
  $("#reform-status").textContent = "正在估计……";
  $("#reform-body").replaceChildren();
  let data;
  try {
    data = await get("/api/v1/staff/reports/reform", period());
  } catch (e) {
    $("#reform-status").textContent = "";
    showError(e);
    return;
  }
  const treated = data.rollout.filter((r) => r.first_treated);
  $("#reform-status").textContent = `${data.months[0]} 至 ${data.months[data.months.length - 1]}，${data.rollout.length} 个区，其中 ${treated.length} 个区已设岗亭（${treated.map((r) => `${r.district_name} ${r.first_treated}`).join("、")}）；对照组：${data.control === "never" ? "从未设岗亭的区" : "尚未设岗亭的区"}。`;
  $("#reform-body").replaceChildren(...data.effects.map(effectCard));
  loaded.reform = key;
  window.__manager.reform += 1;
}

// --- downloads ----------------------------------------------------------------------------

async function download(kind, fmt) {
  const q = new URLSearchParams(period());
  $("#download-status").textContent = "正在生成报告……";
  let resp;
  try {
    resp = await fetch(`/api/v1/staff/reports/${kind}.${fmt}?${q}`, { headers: { Authorization: `Bearer ${token()}` }, cache: "no-store" });
  } catch (e) {
    $("#download-status").textContent = "无法连接指挥中心服务";
    return;
  }
  if (!resp.ok) {
    let body = null;
    try { body = await resp.json(); } catch (e) { body = null; }
    const err = new ApiError(resp.status, body);
    $("#download-status").textContent = err.message;
    if (resp.status === 401) document.dispatchEvent(new CustomEvent("centre:unauthorised"));
    return;
  }
  const blob = await resp.blob();
  const name = (resp.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/)?.[1] || `${kind}.${fmt}`;
  const a = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  window.__manager.downloads.push({ name, bytes: blob.size, type: blob.type });
  $("#download-status").textContent = `已生成 ${name}（${Math.round(blob.size / 1024)} KB）`;
}

// --- tabs, login, start -------------------------------------------------------------------

function show() {
  const view = (location.hash || "#kpis").slice(1);
  const known = VIEWS.includes(view) ? view : "kpis";
  for (const s of $$("[data-view]")) s.hidden = s.dataset.view !== known;
  for (const t of $$("[data-tab]")) t.setAttribute("aria-current", t.dataset.tab === known ? "page" : "false");
  if ((known === "kpis" || known === "ratings") && loaded.overview !== JSON.stringify(period())) loadOverview();
  else if (known === "reform") loadReform();
}

function defaultPeriod() {
  // the last 12 whole months before this one, in the city's calendar
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date());
  const [y, mo] = today.split("-").map(Number);
  const last = new Date(Date.UTC(y, mo - 1, 0));
  const first = new Date(Date.UTC(y - 1, mo - 1, 1));
  $("#p-from").value = first.toISOString().slice(0, 10);
  $("#p-to").value = last.toISOString().slice(0, 10);
}

function forget() {
  me = null;
  loaded.overview = loaded.reform = null; // the next person sees their own answers
  for (const id of ["#kpi-tiles", "#booth-table", "#refusal-table", "#rating-table", "#reform-body", "#trend"]) $(id).replaceChildren();
  $("#reform-status").textContent = "";
  $("#download-status").textContent = "";
  $("#me").textContent = "";
}

async function start() {
  me = await login.whoAmI((e) => toast(e.message));
  if (!me) return;
  show();
  window.__managerReady = true;
}

function wire() {
  const params = new URLSearchParams(location.search);
  defaultPeriod();
  if (params.get("from")) $("#p-from").value = params.get("from");
  if (params.get("to")) $("#p-to").value = params.get("to");
  $("#period").addEventListener("submit", (e) => {
    e.preventDefault();
    loaded.overview = loaded.reform = null;
    if (me) show();
  });
  for (const b of $$("[data-kind]")) b.addEventListener("click", () => download(b.dataset.kind, b.dataset.fmt));
  window.addEventListener("hashchange", () => me && show());
}

const login = staffLogin({ start, forget });
wire();
login.begin();
