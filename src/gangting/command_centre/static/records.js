// The duty officer's records (/centre/records.html): the watch list (add and withdraw manual
// entries through the watch-list API), search of plate reads, hits, alerts and instructions
// by plate / booth / time, the history of closed items, a page at a time, and the CSV export
// of a search. Every list is the caller's org scope, as the API answers it. Plain DOM.

import { ApiError, call, get, post, token } from "./api.js";
import { el, toast } from "./panels.js";

const $ = (s, root = document) => root.querySelector(s);
const $$ = (s, root = document) => [...root.querySelectorAll(s)];
const PAGE = 20;
const CITY = "Asia/Shanghai";
const when = new Intl.DateTimeFormat("zh-CN", {
  timeZone: CITY, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false,
});
const at = (iso) => (iso ? when.format(Date.parse(iso)) : "—");

let me = null;
// Exposed for tests and the page's own health check: no personal data.
window.__records = { loads: 0 };


function table(node, headings, rows) {
  node.replaceChildren(
    el("thead", {}, el("tr", {}, ...headings.map((h) => el("th", { scope: "col", text: h })))),
    el(
      "tbody",
      {},
      ...(rows.length ? rows : [el("tr", {}, el("td", { colspan: headings.length, class: "empty", text: "没有符合条件的记录" }))]),
    ),
  );
}

/** 第 2 / 5 页 · 共 93 条, with previous / next buttons that call go(page). */
function pager(node, { page, pages, total }, go) {
  const prev = el("button", { type: "button", class: "btn small ghost", "data-page": "prev", disabled: page <= 1, text: "上一页" });
  const next = el("button", { type: "button", class: "btn small ghost", "data-page": "next", disabled: page >= pages, text: "下一页" });
  prev.addEventListener("click", () => go(page - 1));
  next.addEventListener("click", () => go(page + 1));
  node.replaceChildren(prev, el("span", { class: "page-no", text: `第 ${page} / ${pages} 页 · 共 ${total} 条` }), next);
}

// --- the watch list --------------------------------------------------------------------------

const watch = { page: 1, withdrawing: null };

async function loadWatch(page = watch.page) {
  const plate = $("#wf-plate").value.trim();
  const kind = $("#wf-kind").value;
  const params = { state: $("#wf-state").value, limit: PAGE, offset: (page - 1) * PAGE };
  if (plate) params.plate = plate;
  if (kind) params.kind = kind;
  const error = $("#watch-error");
  error.hidden = true;
  let data;
  try {
    data = await get("/api/v1/staff/watch-list", params);
  } catch (e) {
    error.textContent = e.message;
    error.hidden = false;
    return;
  }
  const pages = Math.max(1, Math.ceil(data.total / PAGE));
  if (page > pages && data.total) return loadWatch(pages);
  watch.page = page;
  window.__records.loads += 1;
  table(
    $("#watch-table"),
    ["号牌", "类别", "布控事由", "来源", "责任人", "布控时间", "到期", "状态", ""],
    data.entries.map(watchRow),
  );
  pager($("#watch-pager"), { page, pages, total: data.total }, loadWatch);
}

function watchRow(e) {
  const manual = e.reason_kind === "manual";
  const cells = [
    el("td", {}, el("span", { class: "plate small", text: e.plate })),
    el("td", { text: e.reason_kind_zh }),
    el("td", { class: "reason", text: e.state === "withdrawn" && e.withdrawn_reason ? `${e.reason}（撤控：${e.withdrawn_reason}）` : e.reason }),
    el("td", { "data-source": manual ? "manual" : "derived", text: manual ? `人工 · ${e.created_by}` : "自动（业务记录）" }),
    el("td", { text: e.owner || "—" }),
    el("td", { text: at(e.created_at) }),
    el("td", { text: e.expires_at ? at(e.expires_at) : "—" }),
    el("td", { text: e.state === "active" ? "布控中" : "已撤控" }),
    el("td", {}, manual && e.state === "active" && me && me.may_command
      ? el("button", { type: "button", class: "btn small ghost", "data-withdraw": e.id, text: "撤控" })
      : ""),
  ];
  const row = el("tr", { "data-entry": e.id, "data-plate": e.plate }, ...cells);
  if (watch.withdrawing !== e.id) return row;
  const form = el(
    "form",
    { class: "row", "data-withdraw-form": e.id },
    el("input", { "aria-label": "撤控事由", maxlength: 200, placeholder: "撤控事由（必填）", required: true }),
    el("button", { type: "submit", class: "btn small danger", text: "确认撤控" }),
    el("button", { type: "button", class: "btn small ghost", "data-cancel": "1", text: "取消" }),
  );
  return [row, el("tr", { class: "form-row" }, el("td", { colspan: 9 }, form))];
}

async function addEntry(event) {
  event.preventDefault();
  const days = Number($("#wa-days").value);
  const body = {
    plate: $("#wa-plate").value.trim(),
    reason: $("#wa-reason").value.trim(),
    owner: $("#wa-owner").value.trim(),
    expires_at: new Date(Date.now() + days * 86400000).toISOString(),
  };
  const error = $("#watch-error");
  error.hidden = true;
  try {
    const answer = await post("/api/v1/staff/watch-list", body);
    $("#watch-add").reset();
    // Two keys: the answer is the pending approval; another supervisor makes the entry.
    if (answer.maker) toast(`已提交布控申请 ${body.plate}，待另一名督察审批后生效`, true);
    else toast(`已布控 ${answer.plate}`, true);
    await loadWatch(1);
  } catch (e) {
    error.textContent = e.message;
    error.hidden = false;
  }
}

function wireWatch() {
  $("#watch-filter").addEventListener("submit", (e) => {
    e.preventDefault();
    loadWatch(1);
  });
  $("#watch-add").addEventListener("submit", addEntry);
  $("#watch-table").addEventListener("click", (e) => {
    const withdraw = e.target.closest("[data-withdraw]");
    if (withdraw) {
      watch.withdrawing = withdraw.dataset.withdraw;
      loadWatch().then(() => $(`[data-withdraw-form] input`)?.focus());
    } else if (e.target.closest("[data-cancel]")) {
      watch.withdrawing = null;
      loadWatch();
    }
  });
  $("#watch-table").addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = e.target.closest("[data-withdraw-form]");
    if (!form) return;
    try {
      await post(`/api/v1/staff/watch-list/${form.dataset.withdrawForm}/withdraw`, { reason: $("input", form).value.trim() });
      watch.withdrawing = null;
      toast("已撤控", true);
      await loadWatch();
    } catch (err) {
      toast(err instanceof ApiError ? err.message : String(err));
    }
  });
}

// --- search and history ----------------------------------------------------------------------

const KINDS = {
  plate_reads: "过车记录",
  hits: "布控比中",
  alerts: "告警",
  instructions: "指令",
};

function filterForm(form) {
  const closed = form.dataset.closed === "true";
  const id = (name) => `${closed ? "h" : "s"}-${name}`;
  const kinds = Object.entries(KINDS).filter(([k]) => !closed || k !== "plate_reads");
  form.append(
    el("label", { for: id("kind"), text: "类别" }),
    el("select", { id: id("kind"), name: "kind" }, ...kinds.map(([k, zh]) => el("option", { value: k, text: zh }))),
    el("label", { for: id("plate"), text: "号牌" }),
    el("input", { id: id("plate"), name: "plate", maxlength: 12, placeholder: "全部或部分，如 12345" }),
    el("label", { for: id("booth"), text: "岗亭" }),
    el("input", { id: id("booth"), name: "booth", maxlength: 32, placeholder: "如 BT-KDL-001" }),
    el("label", { for: id("since"), text: "从" }),
    el("input", { id: id("since"), name: "since", type: "datetime-local" }),
    el("label", { for: id("until"), text: "至" }),
    el("input", { id: id("until"), name: "until", type: "datetime-local" }),
    el("button", { type: "submit", class: "btn primary small", text: "查询" }),
    el("button", { type: "button", class: "btn secondary small", "data-export": "1", text: "导出 CSV" }),
  );
}

// datetime-local is the browser's local time: the city's zone on a duty officer's desk.
function criteria(form) {
  const params = {};
  for (const name of ["plate", "booth"]) {
    const v = form.elements[name].value.trim();
    if (v) params[name] = v;
  }
  for (const name of ["since", "until"]) {
    const v = form.elements[name].value;
    if (v) params[name] = new Date(v).toISOString();
  }
  if (form.dataset.closed === "true") params.closed = "true";
  return params;
}

async function runSearch(section, page = 1) {
  const form = $("form.record-filter", section);
  const kind = form.elements.kind.value;
  const error = $(".error", section);
  error.hidden = true;
  let data;
  try {
    data = await get(`/api/v1/centre/records/${kind}`, { ...criteria(form), page, size: PAGE });
  } catch (e) {
    error.textContent = e.message;
    error.hidden = false;
    return;
  }
  window.__records.loads += 1;
  section.dataset.kind = kind;
  const keys = data.columns.map((c) => c.key);
  table(
    $("table", section),
    data.columns.map((c) => c.zh),
    data.rows.map((r) => el("tr", { "data-row": r.id }, ...keys.map((k) => el("td", { "data-col": k, text: r[k] || "" })))),
  );
  $(".summary", section).textContent = `${data.title} · 共 ${data.total} 条`;
  pager($(".pager", section), data, (p) => runSearch(section, p));
}

// The export carries the bearer token in a header, so it is fetched and saved from a blob.
async function exportCsv(section) {
  const form = $("form.record-filter", section);
  const kind = form.elements.kind.value;
  const query = new URLSearchParams(criteria(form));
  let resp;
  try {
    resp = await fetch(`/api/v1/centre/records/${kind}/export?${query}`, {
      headers: { Authorization: `Bearer ${token()}` }, cache: "no-store",
    });
  } catch (e) {
    toast("无法连接指挥中心服务");
    return;
  }
  if (!resp.ok) {
    const body = await resp.json().catch(() => null);
    toast(new ApiError(resp.status, body).message);
    return;
  }
  const blob = await resp.blob();
  const url = URL.createObjectURL(blob);
  const stamp = new Date().toISOString().slice(0, 10);
  const a = el("a", { href: url, download: `${KINDS[kind]}-${stamp}.csv` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function wireSearch() {
  for (const section of [$("#search"), $("#history")]) {
    const form = $("form.record-filter", section);
    filterForm(form);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      runSearch(section, 1);
    });
    $("[data-export]", form).addEventListener("click", () => exportCsv(section));
  }
}

// --- tabs, start -------------------------------------------------------------------------------

function show() {
  const view = (location.hash || "#watch-list").slice(1);
  const known = ["watch-list", "search", "history"].includes(view) ? view : "watch-list";
  for (const s of $$("[data-view]")) s.hidden = s.dataset.view !== known;
  for (const t of $$("[data-tab]")) t.setAttribute("aria-current", t.dataset.tab === known ? "page" : "false");
  if (known === "watch-list") loadWatch();
  else {
    const section = $(`#${known}`);
    if (!section.dataset.kind) runSearch(section, 1);
  }
}

async function start() {
  if (!token()) {
    location.href = "./";
    return;
  }
  document.addEventListener("centre:unauthorised", () => (location.href = "./"));
  try {
    me = await call("GET", "/api/v1/centre/me");
  } catch (e) {
    toast(e.message);
    return;
  }
  $("#me").textContent = `${me.name}（${me.role_zh}${me.unit ? " · " + me.unit : ""}）`;
  $("#watch-add").hidden = !me.may_command;
  wireWatch();
  wireSearch();
  window.addEventListener("hashchange", show);
  show();
  window.__recordsReady = true;
}

start();
