// The remedy worklist (/centre/remedies.html, issue 13 §1): the bad-review remedies of the
// caller's unit and the units below it (what GET /api/v1/ratings/remedies answers), filtered
// open / overdue / escalated / closed; each with its rating, the step it waits for, that
// step's due date and the working days left or overdue; its history from the audit ledger;
// and the form of the next step (contact, fix, return visit, close with the citizen's
// answer). Every refusal shows the server's own zh-CN message. Plain DOM, no framework.

import { get, post, staffLogin } from "./api.js";
import { el, onActivate, toast } from "./panels.js";

const $ = (s, root = document) => root.querySelector(s);
const $$ = (s, root = document) => [...root.querySelectorAll(s)];
const CITY = "Asia/Shanghai";
const when = new Intl.DateTimeFormat("zh-CN", {
  timeZone: CITY, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false,
});
const at = (iso) => (iso ? when.format(Date.parse(iso)) : "—");
const FILTERS = ["open", "overdue", "escalated", "closed"];
const FILTER_ZH = { open: "未办结", overdue: "已逾期", escalated: "已升级督办", closed: "已办结" };
const CHANNEL_ZH = { kiosk: "岗亭屏幕", link: "回执链接" };
const ANSWER_ZH = { satisfied: "满意", not_satisfied: "不满意" };
// The steps in order: the state each one leads to, its time field and its API path.
const STEPS = [
  { key: "assigned", zh: "分派", time: "assigned_at" },
  { key: "contact", zh: "联系核实", time: "contacted_at", path: "contact" },
  { key: "fix", zh: "整改", time: "fixed_at", path: "fix" },
  { key: "return_visit", zh: "回访", time: "return_visited_at", path: "return-visit" },
  { key: "close", zh: "办结", time: "closed_at", path: "close" },
];
const NOTE_HINT = {
  contact: "联系评价人的情况：联系方式、时间、核实结果",
  fix: "整改措施：针对差评原因做了什么",
  return_visit: "回访情况：向评价人反馈整改结果",
  close: "办结意见：整改结论",
};

let me = null;
const list = { rows: [], selected: null, filter: "open" };
// Exposed for tests: counts of what was drawn, no personal data.
window.__remedies = { lists: 0, details: 0, steps: 0 };

function showError(node, e) {
  node.textContent = e ? e.message : "";
  node.hidden = !e;
}

// The due date and working days left of the step a remedy waits for, as words and a class.
function dueText(r) {
  const n = r.working_days_left;
  if (n === null || n === undefined) return { text: `已办结 ${at(r.closed_at)}`, cls: "ok" };
  if (n < 0) return { text: `逾期 ${-n} 个工作日`, cls: "over" };
  if (n === 0) return { text: "今日到期", cls: "soon" };
  return { text: `剩余 ${n} 个工作日`, cls: n <= 1 ? "soon" : "ok" };
}

const dueTag = (r) => {
  const d = dueText(r);
  return el("span", { class: `due ${d.cls}`, "data-due": d.cls, text: d.text });
};
const stateTag = (r) => el("span", { class: `tag remedy-state ${r.state}`, text: r.state_zh });
const levelTag = (r) => el("span", { class: "tag level", text: `${r.level}分 ${r.level_zh}` });
const escalatedTag = (r) => (r.escalated ? el("span", { class: "tag escalated", text: "已升级督办" }) : null);
const complexTag = (r) => (r.complex_matter ? el("span", { class: "tag complex", text: "复杂事项" }) : null);
const boothText = (r) => [r.booth, r.booth_name].filter(Boolean).join(" ") || "—";

// --- the list ----------------------------------------------------------------------------------

async function loadList() {
  showError($("#list-error"), null);
  let data;
  try {
    data = await get("/api/v1/ratings/remedies", { status: list.filter });
  } catch (e) {
    showError($("#list-error"), e);
    $("#remedy-list").replaceChildren();
    $("#remedy-detail").replaceChildren(el("p", { class: "empty", text: "—" }));
    return;
  }
  list.rows = data.remedies;
  window.__remedies.lists += 1;
  $("#summary").textContent = `${FILTER_ZH[list.filter]} 共 ${data.remedies.length} 条`;
  $("#remedy-list").replaceChildren(
    ...(data.remedies.length
      ? data.remedies.map(card)
      : [el("li", { class: "empty", text: "没有符合条件的整改记录" })]),
  );
  const keep = data.remedies.find((r) => r.remedy_id === list.selected);
  if (keep) select(keep.remedy_id);
  else if (data.remedies.length) select(data.remedies[0].remedy_id);
  else {
    list.selected = null;
    $("#remedy-detail").replaceChildren(el("p", { class: "empty", text: "没有符合条件的整改记录" }));
  }
  counts();
}

async function counts() {
  for (const f of ["open", "overdue", "escalated"]) {
    try {
      const data = await get("/api/v1/ratings/remedies", { status: f });
      $(`#count-${f}`).textContent = data.remedies.length ? String(data.remedies.length) : "";
    } catch (e) {
      $(`#count-${f}`).textContent = "";
    }
  }
}

function card(r) {
  const d = dueText(r);
  const cls = r.state === "closed" ? "closed" : r.overdue ? "overdue" : d.cls === "soon" ? "due-soon" : "";
  const li = el(
    "li",
    {
      class: `card case-card remedy-card ${cls}${r.remedy_id === list.selected ? " selected" : ""}`,
      "data-remedy": r.remedy_id,
      tabindex: "0",
      role: "button",
      "aria-label": `${boothText(r)} ${r.level_zh} ${d.text}`,
    },
    el("div", { class: "card-top" }, stateTag(r), levelTag(r), escalatedTag(r), el("span", { class: "when", text: `评价 ${at(r.rated_at)}` })),
    el("div", { class: "card-title", text: `${r.booth_name || r.booth || "—"} · ${r.service_zh || "未关联办件"}` }),
    el("div", { class: "remedy-reason", text: r.reason || "（未填写原因）" }),
    el(
      "div",
      { class: "card-meta" },
      el("span", { text: r.next_step_zh ? `待${r.next_step_zh}，期限 ${r.next_due_on}` : `评价人意见：${ANSWER_ZH[r.citizen_answer] || "—"}` }),
      dueTag(r),
    ),
  );
  onActivate(li, () => select(r.remedy_id));
  return li;
}

// --- one remedy ----------------------------------------------------------------------------------

async function select(id) {
  list.selected = id;
  for (const li of $$("#remedy-list [data-remedy]")) li.classList.toggle("selected", li.dataset.remedy === id);
  let r;
  try {
    r = await get(`/api/v1/ratings/remedies/${id}`);
  } catch (e) {
    $("#remedy-detail").replaceChildren(el("p", { class: "error", role: "alert", text: e.message }));
    return;
  }
  if (list.selected !== id) return;
  render(r);
  window.__remedies.details += 1;
}

const kv = (pairs) => el("dl", { class: "kv remedy-kv" }, ...pairs.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", {}, v ?? "—")]));

function stepsBar(r) {
  const current = r.next_step;
  return el(
    "ol",
    { class: "steps", "aria-label": "整改步骤" },
    ...STEPS.map((s) => {
      const done = Boolean(r[s.time]);
      const isCurrent = s.key === current;
      const cls = done ? "done" : isCurrent ? `current${r.overdue ? " over" : ""}` : "";
      const sub = done ? at(r[s.time]) : isCurrent ? `期限 ${r.next_due_on}` : s.key === "contact" ? `期限 ${r.contact_due_on}` : s.key === "assigned" ? "待分派" : `期限 ${r.due_on}`;
      return el("li", { class: cls, "data-step": s.key }, el("strong", { text: s.zh }), sub);
    }),
  );
}

function render(r) {
  const d = dueText(r);
  $("#remedy-detail").replaceChildren(
    el(
      "header",
      { class: "case-head" },
      el("h3", {}, stateTag(r), levelTag(r), escalatedTag(r), complexTag(r), `${boothText(r)} · ${r.service_zh || "未关联办件"}`),
      el("p", { class: "remedy-reason" }, "差评原因：", r.reason || "（未填写）"),
    ),
    kv([
      ["责任单位", r.org_unit_name || r.org_unit],
      ["岗亭", boothText(r)],
      ["业务", r.service_zh],
      ["受理编号", r.receipt_no],
      ["评价时间", at(r.rated_at)],
      ["评价渠道", CHANNEL_ZH[r.channel] || r.channel],
      ["联系核实期限", r.contact_due_on],
      ["整改办结期限", r.due_on],
      ["待办步骤", r.next_step_zh ? el("span", {}, `${r.next_step_zh}（期限 ${r.next_due_on}） `, el("span", { class: `due ${d.cls}`, id: "detail-due", text: d.text })) : "—"],
    ]),
    stepsBar(r),
    r.state === "closed" ? closedBox(r) : stepForm(r),
    historyBox(r.history),
  );
}

// The city's calendar day of an instant, as YYYY-MM-DD (to compare with a due date).
const cityDay = new Intl.DateTimeFormat("en-CA", { timeZone: CITY, year: "numeric", month: "2-digit", day: "2-digit" });

function closedBox(r) {
  const onTime = r.closed_at && cityDay.format(Date.parse(r.closed_at)) <= r.due_on;
  return el(
    "section",
    { class: "box wide verdict done" },
    el("h4", {}, "办结 ", el("span", { class: `due ${onTime ? "ok" : "over"}`, text: onTime ? "按期办结" : "逾期办结" })),
    el("p", {}, `评价人意见：${ANSWER_ZH[r.citizen_answer] || "—"} · ${at(r.closed_at)}`, r.result ? ` · ${r.result}` : ""),
  );
}

function stepForm(r) {
  const step = STEPS.find((s) => s.key === r.next_step);
  if (!step) {
    return el("section", { class: "box wide" }, el("p", { class: "muted", text: "尚未分派责任单位，暂无可办理的步骤。" }));
  }
  const note = el("textarea", { id: "step-note", rows: "3", maxlength: "500", placeholder: NOTE_HINT[step.key] });
  const error = el("p", { class: "error", id: "step-error", role: "alert", hidden: true });
  const button = el("button", { type: "submit", class: "btn primary", id: "btn-step", text: `确认${step.zh}` });
  const extra = [];
  if (step.key === "contact") {
    extra.push(
      el(
        "div",
        { class: "choices" },
        el("label", {}, el("input", { type: "checkbox", id: "step-complex" }), " 复杂事项（整改办结期限改为15个工作日）"),
      ),
    );
  } else if (step.key === "close") {
    extra.push(
      el(
        "fieldset",
        { class: "choices", id: "step-answer" },
        el("legend", { class: "muted small", text: "评价人对整改结果的意见" }),
        el("label", {}, el("input", { type: "radio", name: "citizen-answer", value: "satisfied", id: "answer-satisfied" }), " 满意"),
        el("label", {}, el("input", { type: "radio", name: "citizen-answer", value: "not_satisfied", id: "answer-not-satisfied" }), " 不满意"),
      ),
    );
  }
  const form = el(
    "form",
    { class: "box wide step-form", id: "step-form", "data-step": step.key },
    el("h4", {}, el("label", { for: "step-note", text: `下一步：${step.zh}（情况说明）` })),
    note,
    ...extra,
    el("div", { class: "card-actions" }, button, el("span", { class: "muted small", text: "每一步记入审计账本，不能撤回。" })),
    error,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    showError(error, null);
    const body = { note: note.value };
    if (step.key === "contact") body.complex_matter = $("#step-complex", form).checked;
    if (step.key === "close") {
      const picked = $("input[name=citizen-answer]:checked", form);
      if (picked) body.citizen_answer = picked.value;
    }
    button.disabled = true;
    try {
      const answer = await post(`/api/v1/ratings/remedies/${r.remedy_id}/${step.path}`, body);
      window.__remedies.steps += 1;
      toast(`已${step.zh}：${answer.state_zh}`, true);
      await loadList();
    } catch (err) {
      showError(error, err);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function historyBox(history) {
  const t = el("table", { class: "records-table trail-table history-table", id: "history-table" });
  t.replaceChildren(
    el("thead", {}, el("tr", {}, ...["时间", "步骤", "办理人", "情况说明", "补充"].map((h) => el("th", { scope: "col", text: h })))),
    el(
      "tbody",
      {},
      ...history.map((h) =>
        el(
          "tr",
          { "data-action": h.action },
          el("td", { text: at(h.at) }),
          el("td", { text: h.action_zh }),
          el("td", { text: h.by }),
          el("td", { class: "note", text: h.note || "—" }),
          el("td", { class: "note", text: h.detail || "—" }),
        ),
      ),
    ),
  );
  return el("section", { class: "box wide trail" }, el("h4", {}, "办理经过", el("span", { class: "muted small", text: ` ${history.length} 条` })), el("div", { class: "trail-wrap" }, t));
}

// --- page ----------------------------------------------------------------------------------------

function show() {
  const view = (location.hash || "#open").slice(1);
  list.filter = FILTERS.includes(view) ? view : "open";
  $("#toast").hidden = true;
  for (const t of $$("[data-tab]")) t.setAttribute("aria-current", t.dataset.tab === list.filter ? "page" : "false");
  loadList();
}

function forget() {
  me = null;
  $("#me").textContent = "";
  $("#remedy-list").replaceChildren();
  $("#remedy-detail").replaceChildren();
}

async function start() {
  me = await login.whoAmI((e) => toast(e.message));
  if (!me) return;
  list.selected = null;
  show();
}

function wire() {
  window.addEventListener("hashchange", () => {
    if (!me) return;
    list.selected = null;
    show();
  });
}

const login = staffLogin({ start, forget });
wire();
login.begin();
