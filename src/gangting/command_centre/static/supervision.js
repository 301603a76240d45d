// The supervisors' desk (/centre/supervision.html, issue 11 §4): the review queue of detection
// cases with each case's evidence trail and the verdict; the pending two-keys approvals to
// approve or reject; the audit search of the caller's unit; the ledger's last checkpoint and
// last verification. Every list is what the API answers for the caller's unit, and every
// refusal shows the server's own zh-CN message. Plain DOM, no framework.

import { get, post, staffLogin } from "./api.js";
import { el, onActivate, toast } from "./panels.js";

const $ = (s, root = document) => root.querySelector(s);
const $$ = (s, root = document) => [...root.querySelectorAll(s)];
const CITY = "Asia/Shanghai";
const when = new Intl.DateTimeFormat("zh-CN", {
  timeZone: CITY, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false,
});
const at = (iso) => (iso ? when.format(Date.parse(iso)) : "—");
const VIEWS = ["queue", "approvals", "audit", "ledger"];
const STATE_ZH = { open: "待核查", confirmed: "属实", false_alarm: "误报" };
const SUBJECT_ZH = { citizen: "公民", block: "团伙", phone: "手机号", booth: "岗亭", staff: "人员" };
const RECORD_ZH = { booth: "岗亭", penalty_decision: "处罚决定", plate: "号牌", vehicle_plate: "号牌", watch_list_entry: "布控", citizen: "公民", staff: "民警账号" };
const REQUEST_ZH = {
  reason: "事由", notice: "终端提示", plate: "号牌", plate_text: "号牌", owner: "责任民警",
  case_no: "案号", kind: "类别", expires_at: "有效期至", days: "天数", note: "说明",
};

let me = null;
const queue = { cases: [], selected: null };
// Exposed for tests: counts of what was drawn, no personal data.
window.__supervision = { trails: 0, approvals: 0, searches: 0, ledger: 0 };

function showError(node, e) {
  node.textContent = e ? e.message : "";
  node.hidden = !e;
}

function table(node, headings, rows, empty = "没有符合条件的记录") {
  node.replaceChildren(
    el("thead", {}, el("tr", {}, ...headings.map((h) => el("th", { scope: "col", text: h })))),
    el(
      "tbody",
      {},
      ...(rows.length ? rows : [el("tr", {}, el("td", { colspan: headings.length, class: "empty", text: empty }))]),
    ),
  );
}

const td = (text, attrs = {}) => el("td", { ...attrs, text: text ?? "—" });
const stateTag = (state) => el("span", { class: `tag case-state ${state}`, text: STATE_ZH[state] || state });
const yesNo = (v, yes, no) => (v === null || v === undefined ? "—" : v ? yes : no);

// --- (a) the review queue -------------------------------------------------------------------

async function loadCases() {
  const params = {};
  if ($("#cf-state").value) params.state = $("#cf-state").value;
  if ($("#cf-pattern").value) params.pattern = $("#cf-pattern").value;
  showError($("#case-error"), null);
  let data;
  try {
    data = await get("/api/v1/staff/cases", params);
  } catch (e) {
    showError($("#case-error"), e);
    return;
  }
  queue.cases = data.cases;
  $("#case-summary").textContent = `共 ${data.cases.length} 条`;
  const list = $("#case-list");
  list.replaceChildren(
    ...(data.cases.length
      ? data.cases.map(caseCard)
      : [el("li", { class: "empty", text: "没有符合条件的线索" })]),
  );
  const keep = data.cases.find((c) => c.id === queue.selected);
  if (keep) selectCase(keep.id);
  else if (data.cases.length) selectCase(data.cases[0].id);
  else $("#case-detail").replaceChildren(el("p", { class: "empty", text: "没有符合条件的线索" }));
  countOpen();
}

async function countOpen() {
  try {
    const open = await get("/api/v1/staff/cases", { state: "open", limit: 500 });
    $("#count-open").textContent = open.cases.length ? String(open.cases.length) : "";
  } catch (e) {
    $("#count-open").textContent = "";
  }
}

function caseCard(c) {
  const li = el(
    "li",
    { class: `card case-card${c.id === queue.selected ? " selected" : ""}`, "data-case": c.id, tabindex: "0", role: "button", "aria-label": `${c.pattern_zh} ${c.subject_label}` },
    el("div", { class: "card-top" }, stateTag(c.state), el("span", { text: SUBJECT_ZH[c.subject_kind] || c.subject_kind }), el("span", { class: "when", text: `最近 ${at(c.last_seen_at)}` })),
    el("div", { class: "card-title", text: c.pattern_zh }),
    el("div", { class: "card-meta" }, el("span", { class: "subject", text: c.subject_label }), el("span", { class: "case-score", text: `强度 ${c.score.toFixed(2)}` })),
  );
  onActivate(li, () => selectCase(c.id));
  return li;
}

async function selectCase(id) {
  queue.selected = id;
  for (const li of $$("#case-list [data-case]")) li.classList.toggle("selected", li.dataset.case === id);
  let trail;
  try {
    trail = await get(`/api/v1/staff/cases/${id}/trail`);
  } catch (e) {
    $("#case-detail").replaceChildren(el("p", { class: "error", role: "alert", text: e.message }));
    return;
  }
  if (queue.selected !== id) return;
  renderTrail(trail);
  window.__supervision.trails += 1;
}

function renderTrail(trail) {
  const c = trail.case;
  const detail = $("#case-detail");
  const reasons = el(
    "ol",
    { class: "reasons" },
    ...c.reasons.map((r) =>
      el(
        "li",
        {},
        el("p", { class: "reason-text", text: r.message }),
        r.legal_basis.length ? el("p", { class: "legal" }, "依据：", ...r.legal_basis.map((b) => el("span", { class: "tag legal-tag", text: b }))) : null,
      ),
    ),
  );
  const parts = [
    el(
      "header",
      { class: "case-head" },
      el("h3", {}, c.pattern_zh, " ", stateTag(c.state)),
      el(
        "dl",
        { class: "kv case-kv" },
        el("dt", { text: "对象" }), el("dd", { text: `${SUBJECT_ZH[c.subject_kind] || c.subject_kind} · ${c.subject_label}` }),
        el("dt", { text: "强度" }), el("dd", { text: c.score.toFixed(2) }),
        el("dt", { text: "负责单位" }), el("dd", { text: c.unit_path }),
        el("dt", { text: "首次发现" }), el("dd", { text: at(c.first_seen_at) }),
        el("dt", { text: "最近发现" }), el("dd", { text: at(c.last_seen_at) }),
      ),
    ),
    el("section", { class: "box wide" }, el("h4", { text: "理由" }), reasons),
    verdictBox(c),
    trailSection("处罚决定与记分", "decisions", trail.decisions, ["决定时间", "决定书", "号牌", "记分", "记分周期", "罚款", "岗亭", "驾驶人", "车主"], (d) => [
      td(at(d.at)),
      td(d.decision_no, { class: "mono" }),
      el("td", {}, el("span", { class: "plate small", text: d.plate })),
      td(d.point_entry ? `${d.points} 分` : `${d.points} 分（未入账）`),
      td(d.point_cycle_start ? `自 ${d.point_cycle_start}` : "—"),
      td(d.fine_display),
      td(d.booth_code ? `${d.booth_code} ${d.booth_name}` : "—"),
      td(d.driver),
      el("td", {}, d.owner || "—", d.driver_is_owner ? null : el("span", { class: "tag other-owner", text: "非本人车辆" })),
    ]),
    trailSection("人证核验", "identity", trail.identity_checks, ["时间", "岗亭", "核验对象", "结果", "人脸距离 / 阈值", "活体检测", "转头角度", "证件读取"], (k) => [
      td(at(k.at)),
      td(k.booth_code ? `${k.booth_code} ${k.booth_name}` : "—"),
      td(k.citizen),
      el(
        "td",
        {},
        el("span", { class: `tag ${k.passed ? "passed" : "refused"}`, text: k.passed ? "通过" : "未通过" }),
        k.refusals.length ? el("span", { class: "muted small", text: ` ${k.refusals.map((r) => r.message).join("、")}` }) : null,
        k.named ? el("span", { class: "tag named", text: "线索所列" }) : null,
      ),
      td(k.face_distance === null ? (k.face_score === null ? "—" : `比对分 ${k.face_score}`) : `${k.face_distance.toFixed(3)} / ${k.face_threshold ?? "—"}`),
      td(yesNo(k.liveness_passed, "通过", "未通过")),
      td(k.max_abs_yaw === null ? "—" : `${k.max_abs_yaw}°（要求 ${k.turn_deg ?? "—"}°）`),
      td(k.card_source === "ocr" ? "证件正面识别" : k.card_source === "chip" ? "芯片" : k.card_source),
    ]),
    trailSection("办件", "applications", trail.applications, ["受理时间", "受理编号", "岗亭", "经办", "业务", "结果", "办理人"], (a) => [
      td(at(a.at)),
      el("td", { class: "mono" }, a.receipt_no, a.named ? el("span", { class: "tag named", text: "线索所列" }) : null),
      td(a.booth_code ? `${a.booth_code} ${a.booth_name}` : "—"),
      td(a.operator),
      td(a.service_zh),
      el("td", {}, el("span", { class: `tag app-${a.state}`, text: a.state_zh })),
      td(a.citizen),
    ]),
    trailSection("审计记录", "audit", trail.audit_entries, ["时间", "操作者", "岗亭", "操作", "对象", "事由"], (e) => [
      td(at(e.at)),
      td(e.actor),
      td(e.booth_code || "—"),
      td(e.action, { class: "mono" }),
      td(`${e.subject_kind} ${e.subject_id}`),
      td(e.reason),
    ]),
    Object.keys(trail.missing).length
      ? el("p", { class: "error", role: "alert", text: `以下记录已查不到：${Object.entries(trail.missing).map(([k, v]) => `${k} ${v.join("、")}`).join("；")}` })
      : null,
  ];
  detail.replaceChildren(...parts.filter(Boolean));
}

function trailSection(title, key, rows, headings, cells) {
  const t = el("table", { class: "records-table trail-table" });
  table(t, headings, rows.map((r) => el("tr", {}, ...cells(r))), "无");
  return el("section", { class: "box wide trail", "data-trail": key }, el("h4", {}, title, el("span", { class: "muted small", text: ` ${rows.length} 条` })), el("div", { class: "trail-wrap" }, t));
}

function verdictBox(c) {
  if (c.state !== "open") {
    return el(
      "section",
      { class: "box wide verdict done" },
      el("h4", { text: "核查结论" }),
      el("p", {}, stateTag(c.state), ` ${at(c.verdict_at)}`, c.verdict_note ? ` · ${c.verdict_note}` : ""),
    );
  }
  const note = el("textarea", { id: "verdict-note", rows: "2", maxlength: "500", placeholder: "核查说明（认定误报时必填：为何不属实）" });
  const error = el("p", { class: "error", id: "verdict-error", role: "alert", hidden: true });
  const confirm = el("button", { type: "button", class: "btn danger", id: "btn-confirm", text: "确认属实" });
  const falseAlarm = el("button", { type: "button", class: "btn secondary", id: "btn-false-alarm", text: "误报" });
  const send = async (verdict) => {
    showError(error, null);
    confirm.disabled = falseAlarm.disabled = true;
    try {
      await post(`/api/v1/staff/cases/${c.id}/verdict`, { verdict, note: note.value.trim() || null });
      toast(`已记录核查结论：${STATE_ZH[verdict]}`, true);
      await loadCases();
    } catch (e) {
      showError(error, e);
    } finally {
      confirm.disabled = falseAlarm.disabled = false;
    }
  };
  confirm.addEventListener("click", () => send("confirmed"));
  falseAlarm.addEventListener("click", () => send("false_alarm"));
  return el(
    "section",
    { class: "box wide verdict" },
    el("h4", {}, el("label", { for: "verdict-note", text: "核查结论" })),
    note,
    el("div", { class: "card-actions" }, confirm, falseAlarm, el("span", { class: "muted small", text: "结论记入审计账本；出现新证据时线索会重新打开。" })),
    error,
  );
}

// --- (b) two keys ------------------------------------------------------------------------------

function requestText(request) {
  const parts = [];
  const walk = (obj) => {
    for (const [k, v] of Object.entries(obj || {})) {
      if (v === null || v === undefined || v === "") continue;
      if (typeof v === "object" && !Array.isArray(v)) walk(v);
      else if (REQUEST_ZH[k]) parts.push(`${REQUEST_ZH[k]}：${k === "expires_at" ? at(v) : v}`);
    }
  };
  walk(request);
  return parts.join("；") || JSON.stringify(request);
}

function left(iso) {
  const ms = Date.parse(iso) - Date.now();
  if (ms <= 0) return "已到期";
  const h = Math.floor(ms / 3600000);
  const m = Math.floor((ms % 3600000) / 60000);
  return h ? `剩余 ${h} 小时 ${m} 分` : `剩余 ${m} 分`;
}

async function loadApprovals() {
  const params = {};
  if ($("#af-state").value) params.state = $("#af-state").value;
  showError($("#approval-error"), null);
  let data;
  try {
    data = await get("/api/v1/staff/approvals", params);
  } catch (e) {
    showError($("#approval-error"), e);
    return;
  }
  table(
    $("#approval-table"),
    ["类型", "所涉记录", "申请内容", "申请人", "申请时间", "到期", "状态", "审批"],
    data.approvals.map(approvalRow),
    "没有待审批的申请",
  );
  window.__supervision.approvals += 1;
  countPending();
}

async function countPending() {
  try {
    const pending = await get("/api/v1/staff/approvals", { state: "pending" });
    $("#count-pending").textContent = pending.approvals.length ? String(pending.approvals.length) : "";
  } catch (e) {
    $("#count-pending").textContent = "";
  }
}

function approvalRow(a) {
  const mine = me && a.maker === me.username;
  const actions = el("td", { class: "approval-actions" });
  if (a.state === "pending") {
    const note = el("input", { maxlength: "500", placeholder: "审批意见（驳回必填）", "aria-label": "审批意见" });
    const error = el("p", { class: "error row-error", role: "alert", hidden: true });
    const approve = el("button", { type: "button", class: "btn ok small", "data-act": "approve", text: "同意" });
    const reject = el("button", { type: "button", class: "btn danger small", "data-act": "reject", text: "驳回" });
    const decide = async (verb) => {
      showError(error, null);
      approve.disabled = reject.disabled = true;
      try {
        const done = await post(`/api/v1/staff/approvals/${a.id}/${verb}`, { note: note.value.trim() || null });
        toast(`${a.kind_zh}：${done.state_zh}`, true);
        await loadApprovals();
      } catch (e) {
        showError(error, e);
        approve.disabled = reject.disabled = false;
      }
    };
    approve.addEventListener("click", () => decide("approve"));
    reject.addEventListener("click", () => decide("reject"));
    actions.append(el("div", { class: "row" }, note, approve, reject), error);
  } else {
    actions.append(el("span", { class: "muted", text: a.checker ? `${a.checker} ${at(a.decided_at)}${a.note ? " · " + a.note : ""}` : "—" }));
  }
  return el(
    "tr",
    { "data-approval": a.id, "data-maker": a.maker },
    td(a.kind_zh),
    td(`${RECORD_ZH[a.subject_kind] || a.subject_kind} ${a.subject_id}`),
    td(requestText(a.request), { class: "reason" }),
    el("td", {}, a.maker, mine ? el("span", { class: "tag mine", text: "本人申请" }) : null),
    td(at(a.created_at)),
    td(a.state === "pending" ? `${at(a.expires_at)}（${left(a.expires_at)}）` : at(a.expires_at)),
    el("td", {}, el("span", { class: `tag approval-${a.state}`, text: a.state_zh })),
    actions,
  );
}

// --- (c) audit search --------------------------------------------------------------------------

const TIME = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2}))?$/;
const pad = (n) => String(n).padStart(2, "0");

/** "2026-11-26 08:00" (the city's time; the hour may be left out) as ISO 8601 with +08:00. */
function cityTime(text, label) {
  const value = text.trim();
  if (!value) return null;
  const m = TIME.exec(value);
  if (!m) throw new Error(`${label}格式应为 年-月-日 时:分，如 2026-11-26 08:00`);
  return `${m[1]}-${pad(m[2])}-${pad(m[3])}T${pad(m[4] || 0)}:${m[5] || "00"}:00+08:00`;
}

async function searchAudit() {
  const params = { limit: $("#au-limit").value };
  const action = $("#au-action").value.trim();
  const who = $("#au-who").value.trim();
  let since;
  let until;
  try {
    since = cityTime($("#au-since").value, "起始时间");
    until = cityTime($("#au-until").value, "结束时间");
  } catch (e) {
    showError($("#audit-error"), e);
    return;
  }
  if (action) params.action = action;
  if (who) params.who = who;
  if (since) params.since = since;
  if (until) params.until = until;
  showError($("#audit-error"), null);
  let data;
  try {
    data = await get("/api/v1/staff/audit/search", params);
  } catch (e) {
    showError($("#audit-error"), e);
    return;
  }
  $("#audit-summary").textContent = `共 ${data.entries.length} 条${data.entries.length >= Number(params.limit) ? "（已达上限，请缩小范围）" : ""}`;
  table(
    $("#audit-table"),
    ["时间", "操作者", "岗亭", "操作", "对象", "事由", "账本条目"],
    data.entries.map((e) =>
      el(
        "tr",
        { "data-entry": e.id },
        td(at(e.at)),
        td(e.actor),
        td(e.booth_code || "—"),
        td(e.action, { class: "mono" }),
        td(`${e.subject_kind} ${e.subject_id}`, { class: "subject-cell" }),
        td(e.reason),
        el("td", { class: "mono", title: e.id, text: e.id.slice(0, 13) + "…" }),
      ),
    ),
  );
  window.__supervision.searches += 1;
}

// --- (d) the ledger ---------------------------------------------------------------------------

async function loadLedger() {
  showError($("#ledger-error"), null);
  let s;
  try {
    s = await get("/api/v1/staff/ledger");
  } catch (e) {
    showError($("#ledger-error"), e);
    return;
  }
  const cp = s.last_checkpoint;
  const run = s.last_verification;
  const kv = (pairs) => el("dl", { class: "kv" }, ...pairs.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", {}, v)]));
  const checkpointBox = el(
    "section",
    { class: "box ledger-box", id: "ledger-checkpoint" },
    el("h3", { text: "最近的签名检查点" }),
    cp
      ? kv([
          ["覆盖条目", `${cp.tree_size.toLocaleString("zh-CN")} 条`],
          ["默克尔根", el("code", { class: "mono", title: cp.root, text: `${cp.root_prefix}…` })],
          ["签名时间", at(cp.signed_at)],
          ["签名密钥", el("code", { class: "mono", text: cp.key_id })],
          ["其后新增", `${cp.behind.toLocaleString("zh-CN")} 条（下一个检查点签入）`],
        ])
      : el("p", { class: "muted", text: "尚无检查点（每小时签署一次，或运行 gangting audit checkpoint）" }),
  );
  let verdict;
  if (!run) verdict = el("p", { class: "muted", text: "尚未校验（每日校验一次，或运行 gangting audit verify）" });
  else {
    const p = run.first_problem;
    verdict = el(
      "div",
      {},
      el("p", { class: `ledger-verdict ${run.ok ? "ok" : "bad"}`, id: "ledger-verdict" }, run.ok ? "✓ 账本完整：没有条目或受保护的业务数据被改动" : `✗ 发现 ${run.problems} 处问题`),
      kv([
        ["校验时间", at(run.started_at)],
        ["执行方", run.by === "worker" ? "每日任务（worker）" : "命令行（gangting audit verify）"],
        ["校验条目", `${run.entries.toLocaleString("zh-CN")} 条`],
        ["对照检查点", `${run.checkpoints} 个`],
        ["受保护数据", `${run.bound_rows.toLocaleString("zh-CN")} 行`],
        ["用时", `${run.seconds.toFixed(2)} 秒`],
        ["链头", el("code", { class: "mono", title: run.head_hash, text: `${run.head_hash.slice(0, 16)}…` })],
        ...(p ? [["第一处问题", `${p.kind}${p.seq !== null ? ` · 第 ${p.seq} 条` : ""}${p.entry_id ? ` · ${p.entry_id}` : ""}：${p.message}`]] : []),
      ]),
      Object.keys(run.unbound_rows).length
        ? el("p", { class: "muted small", text: `未登记的业务数据（账本启用前写入）：${Object.entries(run.unbound_rows).map(([t, n]) => `${t} ${n}`).join("，")}` })
        : null,
    );
  }
  $("#ledger-body").replaceChildren(
    el("section", { class: "box ledger-box ledger-size" }, el("h3", { text: "账本" }), el("p", { class: "big", text: `${s.size.toLocaleString("zh-CN")}` }), el("p", { class: "muted", text: "条审计记录已上链" })),
    checkpointBox,
    el("section", { class: `box ledger-box ${run && !run.ok ? "bad" : ""}`, id: "ledger-verification" }, el("h3", { text: "最近一次校验" }), verdict),
    runsBox(s.recent_verifications),
  );
  window.__supervision.ledger += 1;
}

function runsBox(runs) {
  const t = el("table", { class: "records-table", id: "ledger-runs" });
  table(
    t,
    ["校验时间", "执行方", "结果", "校验条目", "对照检查点", "用时", "第一处问题"],
    runs.map((r) =>
      el(
        "tr",
        {},
        td(at(r.started_at)),
        td(r.by === "worker" ? "每日任务" : "命令行"),
        el("td", {}, el("span", { class: `tag ${r.ok ? "passed" : "refused"}`, text: r.ok ? "完整" : "有问题" })),
        td(`${r.entries.toLocaleString("zh-CN")} 条`),
        td(`${r.checkpoints} 个`),
        td(`${r.seconds.toFixed(2)} 秒`),
        td(r.first_problem ? `${r.first_problem.kind}：${r.first_problem.message}` : "—"),
      ),
    ),
    "尚无校验记录",
  );
  return el("section", { class: "box ledger-box ledger-runs" }, el("h3", { text: "校验记录" }), t);
}

// --- tabs, login, start --------------------------------------------------------------------------

function show() {
  const view = (location.hash || "#queue").slice(1);
  const known = VIEWS.includes(view) ? view : "queue";
  $("#toast").hidden = true; // a notice belongs to the view it came from
  for (const s of $$("[data-view]")) s.hidden = s.dataset.view !== known;
  for (const t of $$("[data-tab]")) t.setAttribute("aria-current", t.dataset.tab === known ? "page" : "false");
  if (known === "queue") loadCases();
  else if (known === "approvals") loadApprovals();
  else if (known === "audit") searchAudit();
  else loadLedger();
}

function forget() {
  me = null;
  $("#me").textContent = "";
}

async function start() {
  me = await login.whoAmI((e) => toast(e.message));
  if (!me) return;
  show();
  countOpen();
  countPending();
  window.__supervisionReady = true;
}

function wire() {
  $("#case-filter").addEventListener("submit", (e) => {
    e.preventDefault();
    queue.selected = null;
    loadCases();
  });
  $("#approval-filter").addEventListener("submit", (e) => {
    e.preventDefault();
    loadApprovals();
  });
  $("#audit-filter").addEventListener("submit", (e) => {
    e.preventDefault();
    searchAudit();
  });
  $("#ledger-refresh").addEventListener("click", () => loadLedger());
  window.addEventListener("hashchange", () => me && show());
}

const login = staffLogin({ start, forget });
wire();
login.begin();
