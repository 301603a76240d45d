// Rendering of the screen's lists: the alert feed (with hits to confirm or reject), the
// remote-assist requests, the instruction board with its countdowns, the latest reads.
// Plain DOM; every action button carries data-act and the item's id (one delegated handler).

export function el(tag, attrs = {}, ...children) {
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

let toastTimer = null;
/** The page's notice (#toast) for 5 s: an error, or with ``info`` a confirmation. */
// A list card that opens with a click, Enter or Space (keyboard users reach it by Tab).
export function onActivate(node, open) {
  node.addEventListener("click", open);
  node.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      open();
    }
  });
}

export function toast(text, info = false) {
  const t = document.getElementById("toast");
  t.textContent = text;
  t.classList.toggle("info", info);
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.hidden = true), 5000);
}

const CITY = "Asia/Shanghai";
const hms = new Intl.DateTimeFormat("zh-CN", { timeZone: CITY, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
const hm = new Intl.DateTimeFormat("zh-CN", { timeZone: CITY, hour: "2-digit", minute: "2-digit", hour12: false });

export const clockText = (ms) => hms.format(ms);
export const timeText = (iso) => (iso ? hm.format(Date.parse(iso)) : "—");

export function ago(iso, nowMs) {
  if (!iso) return "";
  const s = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}秒前`;
  if (s < 3600) return `${Math.floor(s / 60)}分钟前`;
  if (s < 86400) return `${Math.floor(s / 3600)}小时前`;
  return timeText(iso);
}

export function countdown(ms) {
  const s = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mmss = `${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}`;
  return h ? `${h}:${mmss}` : mmss;
}

/** 蒙B12345 -> 蒙B·12345 (as the plate is written), a shown plate as it is. */
export function shownPlate(text) {
  if (!text) return "—";
  return text.includes("·") || text.length < 7 ? text : `${text.slice(0, 2)}·${text.slice(2)}`;
}

export function plateTag(text, small = false) {
  return el("span", { class: small ? "plate small" : "plate", text: shownPlate(text) });
}

const SEV_RANK = { high: 0, medium: 1, low: 2 };
const STATE_RANK = { open: 0, acknowledged: 1, closed: 2 };

function actions(...buttons) {
  return el("div", { class: "card-actions" }, ...buttons);
}

function btn(label, act, id, cls = "secondary", extra = {}) {
  return el("button", { type: "button", class: `btn small ${cls}`, "data-act": act, "data-id": id, ...extra }, label);
}

// --- the alert feed ---------------------------------------------------------------------

export function renderAlerts(list, { alerts, hits, assistByBooth, filter, me, nowMs, evidence, openForm }) {
  const items = [...alerts.values()]
    .filter((a) => a.state !== "closed")
    .filter((a) => filter === "all" || a.kind === filter)
    // a help call being answered by remote assist is one item: its assist card above
    .filter((a) => !(a.kind === "help_call" && a.booth && assistByBooth.get(a.booth)))
    .sort(
      (a, b) =>
        STATE_RANK[a.state] - STATE_RANK[b.state] ||
        SEV_RANK[a.severity] - SEV_RANK[b.severity] ||
        Date.parse(b.raised_at) - Date.parse(a.raised_at),
    );
  const cards = items.map((a) => alertCard(a, { hits, assistByBooth, me, nowMs, evidence, openForm }));
  list.replaceChildren(...(cards.length ? cards : [el("li", { class: "empty", text: "暂无未处理的告警" })]));
}

function alertCard(a, { hits, assistByBooth, me, nowMs, evidence, openForm }) {
  const hit = a.subject && a.subject.kind === "watch_list_hit" ? hits.get(a.subject.id) : null;
  const li = el(
    "li",
    { class: `card sev-${a.severity}`, "data-alert": a.id, "data-kind": a.kind, "data-state": a.state },
    el(
      "div",
      { class: "card-top" },
      el("span", { class: `tag kind-${a.kind}`, text: a.kind_zh }),
      el("span", { class: `tag`, text: a.severity_zh }),
      el("span", { class: `state-${a.state}`, text: a.state_zh }),
      a.occurrences > 1 ? el("span", { text: `第${a.occurrences}次` }) : null,
      a.cleared_at ? el("span", { class: "state-acknowledged", text: "已恢复" }) : null,
      el("span", { class: "when", text: ago(a.raised_at, nowMs) }),
    ),
    el("p", { class: "card-title", text: a.title }),
  );
  if (hit) li.append(hitBlock(hit, evidence));
  li.append(
    el(
      "p",
      { class: "card-meta" },
      a.booth ? el("span", { text: `岗亭 ${a.booth}` }) : null,
      el("span", { text: `单位 ${a.org_unit}` }),
      a.owner ? el("span", { text: `责任人 ${a.owner}` }) : el("span", { text: "未指派" }),
    ),
  );
  const buttons = [];
  if (hit && hit.state === "pending") {
    buttons.push(btn("确认比中", "confirm-hit", hit.id, "ok"));
    buttons.push(btn("否定", "reject-hit", hit.id, "ghost"));
  } else if (hit && hit.state === "confirmed") {
    if (hit.instruction) buttons.push(el("span", { class: "tag state-acknowledged", text: `已下发指令 ${hit.instruction.no}` }));
    else if (me.may_command) buttons.push(btn("下发指令", "issue-from-hit", hit.id, "primary"));
  }
  if (!hit || hit.state !== "pending") {
    if (a.state === "open") buttons.push(btn("签收", "ack-alert", a.id, "primary"));
    if (me.may_command) buttons.push(btn("指派", "assign-alert", a.id));
    buttons.push(btn("关闭", "close-alert", a.id, "ghost"));
  }
  if (a.booth && assistByBooth.get(a.booth)) buttons.push(btn("远程协助", "open-assist", assistByBooth.get(a.booth).id, "danger"));
  if (a.booth) buttons.push(btn("岗亭详情", "open-booth", a.booth, "ghost"));
  li.append(actions(...buttons));
  const form = openForm && openForm.id === (hit && openForm.act === "reject-hit" ? hit.id : a.id) ? openForm : null;
  if (form) li.append(inlineForm(form));
  return li;
}

function hitBlock(hit, evidence) {
  const img = el("img", { class: "crop", alt: `证据小图：${hit.read_plate}` });
  const src = hit.plate_read_id ? evidence(hit.plate_read_id) : null;
  if (src) img.src = src;
  return el(
    "div",
    { class: "hit", "data-hit": hit.id, "data-hit-state": hit.state },
    img,
    el(
      "div",
      {},
      plateTag(hit.plate),
      el("p", { class: "score", text: `识别 ${hit.read_plate} · 相似度 ${(hit.score * 100).toFixed(0)}% · ${hit.entry.reason_kind_zh}` }),
      el("p", { class: "score", text: hit.entry.reason }),
      el("p", { class: "score", text: `${hit.state_zh}${hit.decided_by ? " · " + hit.decided_by : ""}` }),
    ),
  );
}

const FORMS = {
  "assign-alert": { label: "责任民警用户名", button: "指派", placeholder: "如 off-kdl-1" },
  "close-alert": { label: "处理情况（必填）", button: "确认关闭", placeholder: "如 已现场处置" },
  "reject-hit": { label: "否定原因（必填）", button: "确认否定", placeholder: "如 号牌实为蒙B·8Z345" },
};

function inlineForm(form) {
  const spec = FORMS[form.act];
  const input = el("input", { "aria-label": spec.label, placeholder: spec.placeholder, maxlength: 200, "data-form-input": form.act });
  return el(
    "form",
    { class: "card-actions", "data-form": form.act, "data-id": form.id },
    input,
    el("button", { type: "submit", class: "btn small primary", text: spec.button }),
    el("button", { type: "button", class: "btn small ghost", "data-act": "cancel-form", text: "取消" }),
  );
}

export function renderAssist(list, sessions, nowMs, alerts = new Map()) {
  const open = [...sessions.values()].filter((s) => s.state !== "closed");
  const helpAlert = (booth) =>
    [...alerts.values()].find((a) => a.kind === "help_call" && a.booth === booth && a.state !== "closed");
  list.replaceChildren(
    ...open.map((s) => {
      const alert = helpAlert(s.booth);
      return el(
        "li",
        { class: "card assist-card sev-high", "data-assist": s.id, "data-state": s.state },
        el(
          "div",
          { class: "card-top" },
          el("span", { class: "tag kind-help_call", text: "一键求助 · 远程协助" }),
          el("span", { class: `state-${s.state === "waiting" ? "open" : "acknowledged"}`, text: s.state_zh }),
          el("span", { class: "when", text: ago(s.opened_at, nowMs) }),
        ),
        el("p", { class: "card-title", text: `${s.booth_name}（${s.booth}）` }),
        el(
          "p",
          { class: "card-meta" },
          el("span", { text: s.screen && s.screen.screen_zh ? `终端界面：${s.screen.screen_zh}` : "终端界面：—" }),
          s.operator ? el("span", { text: `接入：${s.operator}` }) : null,
          alert ? el("span", { "data-help-alert": alert.id, text: `求助告警：${alert.state_zh}` }) : null,
        ),
        actions(btn(s.state === "waiting" ? "接入远程协助" : "打开远程协助", "open-assist", s.id, "danger")),
      );
    }),
  );
}

// --- the instruction board --------------------------------------------------------------

export function renderInstructions(list, instructions, nowMs) {
  const items = [...instructions.values()]
    .filter((i) => i.active)
    .sort((a, b) => Date.parse(b.issued_at) - Date.parse(a.issued_at));
  list.replaceChildren(
    ...(items.length ? items.map((i) => instructionCard(i, nowMs)) : [el("li", { class: "empty", text: "暂无进行中的指令" })]),
  );
}

function deadline(label, dueIso, doneText, nowMs) {
  if (doneText) return el("div", { class: "deadline done" }, label, el("strong", { text: doneText }));
  const left = Date.parse(dueIso) - nowMs;
  return el(
    "div",
    { class: `deadline${left < 0 ? " over" : ""}`, "data-due": dueIso },
    `${label}${left < 0 ? "（已超时）" : "（剩余）"}`,
    el("strong", { text: countdown(left) }),
  );
}

function instructionCard(i, nowMs) {
  const c = i.counts;
  const acked = i.state !== "open";
  const reported = c.reported > 0 && i.state === "completed";
  const late = (!acked && Date.parse(i.acknowledge_due_at) < nowMs) || (!reported && Date.parse(i.report_due_at) < nowMs);
  return el(
    "li",
    { class: `card instr${late ? " late" : ""}`, "data-instruction": i.id, "data-state": i.state },
    el(
      "div",
      { class: "card-top" },
      el("span", { class: "tag", text: i.kind_zh }),
      el("span", { class: `state-${i.state === "open" ? "open" : "acknowledged"}`, text: i.state_zh }),
      el("span", { text: i.no }),
      el("span", { class: "when", text: `${timeText(i.issued_at)} 下发` }),
    ),
    i.subject && i.subject.plate ? el("div", {}, plateTag(i.subject.plate, true), i.subject.location ? ` ${i.subject.location}` : "") : null,
    el("p", { class: "instr-text", text: i.text }),
    el(
      "p",
      { class: "progress" },
      el("span", { text: `接收 ${c.targets} 人` }),
      el("span", { "data-acks": c.acknowledged, text: `签收 ${c.acknowledged}/${c.targets}` }),
      el("span", { "data-reports": c.reported, text: `反馈 ${c.reported}/${c.targets}` }),
      c.missed ? el("span", { class: "state-open", text: `超时 ${c.missed}` }) : null,
    ),
    el(
      "div",
      { class: "deadlines" },
      deadline("签收", i.acknowledge_due_at, acked ? "已签收" : null, nowMs),
      deadline("反馈", i.report_due_at, reported ? "已反馈" : null, nowMs),
    ),
    el(
      "p",
      { class: "targets" },
      `${i.unit.name} · 下发人 `,
      el("span", { class: "issuer", text: i.issued_by_name || i.issued_by }),
      i.issued_by && i.issued_by !== "system" && i.issued_by !== i.issued_by_name ? el("small", { class: "username", text: ` ${i.issued_by}` }) : null,
      i.subject && i.subject.booth ? ` · 岗亭 ${i.subject.booth}` : "",
    ),
  );
}

/** Tick the countdowns without re-rendering the board. */
export function tickDeadlines(list, nowMs) {
  for (const d of list.querySelectorAll(".deadline[data-due]")) {
    const left = Date.parse(d.dataset.due) - nowMs;
    d.classList.toggle("over", left < 0);
    d.firstChild.textContent = d.firstChild.textContent.replace(/（.*）/, left < 0 ? "（已超时）" : "（剩余）");
    d.querySelector("strong").textContent = countdown(left);
  }
}

// --- latest plate reads -----------------------------------------------------------------

export function renderReads(list, reads, hitReads, evidence) {
  list.replaceChildren(
    ...reads.slice(0, 10).map((r) => {
      // a read the booth sent without a crop gets a plain placeholder, not a broken image
      const img = r.has_evidence
        ? el("img", { class: "crop", alt: `证据小图：${r.plate || r.plate_no}` })
        : el("div", { class: "crop no-crop", text: "无证据小图" });
      const src = r.has_evidence ? evidence(r.id) : null;
      if (src) img.src = src;
      return el(
        "li",
        { class: `read${hitReads.has(r.id) ? " hit-read" : ""}`, "data-read": r.id },
        img,
        plateTag(r.plate || r.plate_no, true),
        el("p", {}, el("span", { text: r.booth }), el("span", { text: timeText(r.first_seen_at) })),
        el("p", {}, el("span", { text: r.camera }), el("span", { text: `置信 ${(r.confidence * 100).toFixed(0)}%` })),
      );
    }),
  );
}
