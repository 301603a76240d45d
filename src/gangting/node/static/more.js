// Issue 14's booth businesses on the kiosk (docs/decisions/0030): deferral or instalments of a
// fine and paying an instalment, objections to a camera record and the progress of one's
// objections and referrals (with materials supplied when asked), full-score clearance, the
// driver review with the 70+ ability test (三力测试), the inspection-mark reissue.
// Plugged into kiosk.js through its `hooks` (services, review and confirm steps, guides, actions,
// receipt rows); the screens, the payment terminal flow, the guide and refusal pointers are
// kiosk.js's own. Personal data stays in kiosk.js's session (memory) and the current screen.

import { $, $$, el } from "./dom.js";
import { hooks } from "./kiosk.js";

const { api, busy, clearNotice, showError, say, basisList, reasonBlock, row, radio, yuan, dateZh } = hooks;
const session = () => hooks.session();

const LAW = {
  penalty66: "《中华人民共和国行政处罚法》 第66条第2款",
  objection: "《道路交通安全违法行为处理程序规定》 第5条第3款",
  scoring23: "《道路交通安全违法行为记分管理办法》(公安部令第163号) 第23条",
  review72: "《机动车驾驶证申领和使用规定》(公安部令第162号) 第72条",
  review73: "《机动车驾驶证申领和使用规定》(公安部令第162号) 第73条",
  mark57: "《机动车登记规定》(公安部令第164号) 第57条",
};
const HARDSHIP_CHIPS = ["家庭成员患病，医疗支出大", "失业或收入明显减少", "遭受自然灾害等意外", "低保或特困家庭"];
const OBJECTION_CHIPS = ["当时车辆不在该地点", "号牌被他人套用", "车辆已转让或被盗", "交通信号或标志不清"];
const INSTALMENT_COUNTS = [2, 3, 4, 6];

// ---------- services, guides, field names ----------

const MINE = [
  { id: "deferral", name: "暂缓或分期缴纳罚款", note: "确有经济困难的，申请暂缓或分期", guide: "apply_fine_deferral" },
  { id: "instalments", name: "分期进度与缴款", note: "查询暂缓、分期申请，缴纳各期款项", guide: "pay_fines" },
  { id: "objection", name: "交通违法异议", note: "对电子警察记录有异议", guide: "file_objection" },
  { id: "referral", name: "异议、转办进度", note: "查询办理进度，按要求补充材料", guide: "supply_referral" },
  { id: "full_score", name: "满分清除", note: "满分学习考试合格后清除记分、发还驾驶证", guide: "full_score_clearance" },
  { id: "review", name: "驾驶人审验", note: "记分周期结束后审验；70周岁以上含三力测试", guide: "driver_review" },
  { id: "mark_reissue", name: "补领检验标志", note: "检验合格标志丢失或损毁", guide: "inspection_mark_reissue" },
];
const at = hooks.SERVICES.findIndex((s) => s.id === "query");
hooks.SERVICES.splice(at < 0 ? hooks.SERVICES.length : at, 0, ...MINE.map(({ id, name, note }) => ({ id, name, note })));
for (const s of MINE) hooks.GUIDE_OF[s.id] = s.guide;
Object.assign(hooks.FIELD_ZH, {
  decision_no: "处罚决定书",
  instalment_count: "分期期数",
  defer_until: "暂缓缴纳至",
  violation_ref: "违法记录",
  statement: "异议的事实和理由",
  test_ref: "三力测试记录编号",
  note: "补充说明",
});

// ---------- small parts ----------

function why(text, basis) {
  return el("div", { class: "why" }, el("p", { text }), basisList(basis));
}

function field(id, label, input) {
  return el("div", { class: "field" }, el("label", { for: id, text: label }), input);
}

function textArea(id, name, label, chips) {
  return [
    field(id, label, el("textarea", { id, name, rows: 3, maxlength: 500 })),
    el("div", { class: "chips", role: "group", "aria-label": "常用说法" }, chips.map((t) => el("button", { type: "button", class: "btn ghost small", "data-action": "more-chip", "data-target": id, text: t }))),
  ];
}

function lookup(id, label, action, hint) {
  return el(
    "div",
    { class: "lookup" },
    field(id, label, el("input", { id, autocomplete: "off", inputmode: "text", autocapitalize: "characters" })),
    el("p", { class: "hint", text: hint }),
    el("button", { type: "button", class: "btn secondary", "data-action": action, text: "查询" }),
  );
}

// evidence the booth photographs (拍摄区): each shot is a reference the unit reads at the centre
function evidenceBox() {
  return el(
    "div",
    { class: "evidence" },
    el("h2", { text: "证据照片（可选）" }),
    el("p", { class: "hint", text: "将证明材料放在拍摄区，点击“拍摄证据”。可拍摄多张。" }),
    el("ul", { id: "evidence-list", class: "evidence-list", "aria-live": "polite" }),
    el("button", { type: "button", class: "btn secondary", "data-action": "more-photo", text: "拍摄证据" }),
  );
}

function evidenceRefs() {
  return $$("#evidence-list li").map((li) => li.dataset.ref);
}

function takePhoto() {
  const list = $("#evidence-list");
  const n = list.children.length + 1;
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const ref = `ZP${stamp}${String(n).padStart(2, "0")}`;
  list.append(el("li", { "data-ref": ref, text: `照片${n}：${ref}` }));
  say(`已拍摄第${n}张证据照片`);
}

function required(problems) {
  hooks.markFields(problems);
  if (problems.length) throw new hooks.KioskError(422, { error: "kiosk.form_incomplete", message: "填写的内容不完整，请按提示补全后再提交" });
}

function setConfirm(text) {
  const btn = $("#btn-confirm");
  btn.hidden = !text;
  btn.textContent = text || "";
}

// ---------- 暂缓或分期缴纳：apply ----------

hooks.REVIEW.deferral = async () => {
  const unpaid = session().overview.unpaid;
  if (!unpaid.length) return { parts: [el("p", { class: "lead", text: "您没有待缴罚款，无需申请暂缓或分期缴纳。" })], confirm: null };
  return {
    parts: [
      el("fieldset", {}, el("legend", { text: "请选择处罚决定" }), unpaid.map((d, i) => radio("deferral-decision", d.decision_no, `决定书 ${d.decision_no}：罚款${yuan(d.fine_fen)}元，缴款期限${dateZh(d.due_on)}`, i === 0))),
      el("fieldset", {}, el("legend", { text: "申请方式" }), radio("deferral-kind", "instalments", "分期缴纳", true), radio("deferral-kind", "deferral", "暂缓缴纳", false)),
      el("fieldset", { id: "deferral-count" }, el("legend", { text: "分几期缴纳" }), el("div", { class: "choice-row" }, INSTALMENT_COUNTS.map((n) => radio("deferral-count", String(n), `${n} 期`, n === 3)))),
      el("div", { id: "deferral-until", hidden: true }, field("defer-until", "暂缓缴纳至", el("input", { id: "defer-until", type: "date" }))),
      ...textArea("deferral-reason", "reason", "经济困难的情况（必填，4至500字）", HARDSHIP_CHIPS),
      why("当事人确有经济困难，需要延期或者分期缴纳罚款的，可以提出申请，经公安机关交通管理部门批准后方可暂缓或分期缴纳；未获批准的，仍须在原缴款期限内缴纳。", [LAW.penalty66]),
    ],
    confirm: "提交申请",
  };
};

hooks.CONFIRM.deferral = async () => {
  const kind = $('input[name="deferral-kind"]:checked').value;
  const body = { decision_no: $('input[name="deferral-decision"]:checked').value, kind, reason: $("#deferral-reason").value.trim() };
  const problems = [];
  if (body.reason.length < 4) problems.push(["#deferral-reason", "请说明经济困难的情况（至少4个字），或点击下方常用说法"]);
  if (kind === "deferral") {
    body.defer_until = $("#defer-until").value;
    if (!body.defer_until) problems.push(["#defer-until", "请选择暂缓缴纳至哪一天"]);
  } else {
    body.instalment_count = Number($('input[name="deferral-count"]:checked').value);
  }
  required(problems);
  session().result = await api("POST", "/fine-deferrals", body);
  return "receipt";
};

// ---------- 分期进度与缴款 ----------

hooks.REVIEW.instalments = async () => ({
  parts: [
    lookup("deferral-no", "暂缓、分期申请编号（HQ开头，见申请回执）", "deferral-query", "输入编号后点击“查询”，显示审批结果和各期款项。"),
    el("div", { id: "deferral-view", "aria-live": "polite" }),
  ],
  confirm: null,
});

function instalmentRow(i) {
  const paid = i.state === "paid";
  const late = !paid && i.days_late > 0 ? `，逾期${i.days_late}天加处罚款${yuan(i.late_fee_fen)}元` : "";
  const state = paid ? `已缴纳（${dateZh(i.paid_on)}）` : `未缴纳${late}`;
  return el("tr", { "data-state": i.state }, el("th", { scope: "row", text: `第${i.seq}期` }), el("td", { text: `${yuan(i.amount_fen)}元` }), el("td", { text: dateZh(i.falls_due_on) }), el("td", { text: state }));
}

function deferralCard(d) {
  const plan = d.instalments.length
    ? el("table", { class: "instalments" }, el("caption", { text: "各期款项" }), el("thead", {}, el("tr", {}, ["期数", "金额", "缴款期限", "状态"].map((h) => el("th", { scope: "col", text: h })))), el("tbody", {}, d.instalments.map(instalmentRow)))
    : null;
  return el(
    "div",
    { class: "card" },
    el("h2", { text: `${d.kind_text}：${d.state_text}` }),
    el("dl", {}, row("申请编号", d.deferral_no), row("处罚决定书", d.decision_no), row("罚款", `${yuan(d.fine_fen)}元`), row("原缴款期限", dateZh(d.due_on)), row("暂缓缴纳至", dateZh(d.defer_until)), row("申请日期", dateZh(d.applied_on))),
    plan,
    ...reasonBlock(d.reasons),
  );
}

async function queryDeferral(button) {
  const no = $("#deferral-no").value.trim().toUpperCase();
  required(no ? [] : [["#deferral-no", "请输入申请编号"]]);
  await busy(button, async () => {
    clearNotice();
    try {
      const d = await api("GET", `/fine-deferrals/${encodeURIComponent(no)}`);
      $("#deferral-view").replaceChildren(deferralCard(d));
      const next = d.instalments.find((i) => i.state !== "paid");
      session().instalment = next ? { ...next, deferral_no: d.deferral_no } : null;
      setConfirm(next ? `缴纳第${next.seq}期 ${yuan(next.total_fen)}元` : null);
      say(next ? `${d.state_text}。下一期：第${next.seq}期，${yuan(next.total_fen)}元，缴款期限${dateZh(next.falls_due_on)}。` : `${d.kind_text}，${d.state_text}。`);
    } catch (err) {
      $("#deferral-view").replaceChildren();
      setConfirm(null);
      showError(err);
    }
  });
}

hooks.CONFIRM.instalments = async () => {
  const i = session().instalment;
  const late = i.late_fee_fen > 0 ? `，加处罚款${yuan(i.late_fee_fen)}元` : "";
  session().needsPayment = true;
  session().payment = {
    path: "/payments/instalments",
    body: { instalment_nos: [i.instalment_no] },
    total_fen: i.total_fen,
    lines: [el("p", { text: `分期款项 ${i.instalment_no}（第${i.seq}期）：${yuan(i.amount_fen)}元${late}，缴款期限${dateZh(i.falls_due_on)}` })],
  };
  return "pay";
};

// ---------- 交通违法异议 ----------

hooks.REVIEW.objection = async () => {
  const open = session().overview.violations.filter((v) => v.state === "unprocessed");
  if (!open.length) return { parts: [el("p", { class: "lead", text: "您名下没有待处理的电子监控违法记录，无需提出异议。" })], confirm: null };
  return {
    parts: [
      el("fieldset", {}, el("legend", { text: "对哪一条违法记录有异议" }), open.map((v, i) => radio("objection-ref", v.ref, `${dateZh(v.occurred_at)} ${v.place || ""} ${v.plate || ""}：${v.description}`, i === open.length - 1))),
      ...textArea("objection-statement", "statement", "异议的事实和理由（必填）", OBJECTION_CHIPS),
      evidenceBox(),
      why("违法行为发生地公安机关交通管理部门应当在五个工作日内审查完毕，审查结果以短信告知；审查期间该违法记录暂不处理、不缴款。", [LAW.objection]),
    ],
    confirm: "提交异议",
  };
};

hooks.CONFIRM.objection = async () => {
  const body = { violation_ref: $('input[name="objection-ref"]:checked').value, statement: $("#objection-statement").value.trim(), evidence_refs: evidenceRefs() };
  required(body.statement.length < 2 ? [["#objection-statement", "请说明异议的事实和理由，或点击下方常用说法"]] : []);
  session().result = await api("POST", "/objections", body);
  return "receipt";
};

// ---------- 异议、转办进度，补充材料 ----------

hooks.REVIEW.referral = async () => ({
  parts: [
    lookup("referral-no", "异议或转办编号（YY或ZB开头，见回执或短信）", "referral-query", "输入编号后点击“查询”，显示办理进度；承办单位要求补充材料的，可在此补充。"),
    el("div", { id: "referral-view", "aria-live": "polite" }),
  ],
  confirm: null,
});

function referralCard(r) {
  const steps = el("ol", { class: "timeline", "aria-label": "办理过程" }, r.steps.map((st) => el("li", {}, el("strong", { text: st.step_text }), ` ${dateZh(st.at)}`, st.note ? el("p", { text: st.note }) : null)));
  return el(
    "div",
    { class: "card" },
    el("h2", { text: `${r.kind_text}：${r.state_text}` }),
    el(
      "dl",
      {},
      row("编号", r.referral_no),
      row("事项", r.service_text),
      row("违法记录", r.violation_ref),
      row("承办单位", r.unit_name),
      row("办理期限", `${dateZh(r.due_on)}${r.kind === "objection" ? "（五个工作日）" : ""}${r.overdue ? "，已超期" : ""}`),
      row("审查结论", r.outcome_text),
    ),
    r.kind === "objection" && !r.outcome ? el("p", { class: "blocked", text: "审查期间该违法记录暂不处理、不缴款。" }) : null,
    steps,
    basisList(r.legal_basis),
  );
}

async function queryReferral(button) {
  const no = $("#referral-no").value.trim().toUpperCase();
  required(no ? [] : [["#referral-no", "请输入编号"]]);
  await busy(button, async () => {
    clearNotice();
    try {
      const r = await api("GET", `/referrals/${encodeURIComponent(no)}`);
      const more = r.state === "more_requested";
      session().referral = r;
      $("#referral-view").replaceChildren(
        referralCard(r),
        more ? el("div", { class: "card asked" }, el("h2", { text: "承办单位要求补充材料" }), el("p", { text: r.note || "" }), ...textArea("supply-note", "note", "补充说明", ["已补充相关照片", "已补充书面说明"]), evidenceBox()) : null,
      );
      setConfirm(more ? "提交补充材料" : null);
      say(`${r.kind_text}，${r.state_text}。${more ? `承办单位要求补充材料：${r.note || ""}` : ""}`);
    } catch (err) {
      $("#referral-view").replaceChildren();
      setConfirm(null);
      showError(err);
    }
  });
}

hooks.CONFIRM.referral = async () => {
  const r = session().referral;
  const body = { note: $("#supply-note").value.trim() || null, evidence_refs: evidenceRefs() };
  required(!body.note && !body.evidence_refs.length ? [["#supply-note", "请填写补充说明或拍摄证据照片"]] : []);
  session().result = { referral: await api("POST", `/referrals/${encodeURIComponent(r.referral_no)}/supplements`, body), supplied: true };
  return "receipt";
};

// ---------- 满分清除 ----------

hooks.REVIEW.full_score = async () => {
  const ov = session().overview;
  const lic = ov.licence || {};
  return {
    parts: [
      el("div", { class: "card" }, el("h2", { text: "您的驾驶证与记分" }), el("p", { text: `驾驶证状态：${lic.effective_status_text || ""}` }), ov.points ? el("p", { text: `本周期累计记分：${ov.points.total} 分` }) : null),
      why("记满12分的，参加满分学习、考试合格，且处罚决定中的罚款已缴纳的，清除记分，发还驾驶证。学习天数和考试结果以学习平台的记录为准。", [LAW.scoring23]),
    ],
    confirm: "申请清除记分",
  };
};

hooks.CONFIRM.full_score = async () => {
  session().result = await api("POST", "/points/full-score/clearance", {});
  return "receipt";
};

// ---------- 驾驶人审验（70周岁以上含三力测试） ----------

hooks.REVIEW.review = async () => ({
  parts: [
    why("持大中型客货车驾驶证、本记分周期有记分的，应在记分周期结束后三十日内审验，并参加不少于三小时的学习和事故案例警示教育；审验前应处理完毕交通违法和事故。", [LAW.review72, LAW.review73]),
    el(
      "div",
      { class: "card cognitive" },
      el("h2", { text: "年满70周岁：三力测试" }),
      el("p", { text: "年满70周岁的驾驶人审验时，须提交记忆力、判断力、反应力能力测试（三力测试）合格的结果。请先在测试设备上完成测试，再登记测试记录编号。" }),
      field("cognitive-ref", "三力测试记录编号（70周岁以上填写）", el("input", { id: "cognitive-ref", autocomplete: "off", autocapitalize: "characters" })),
      el("button", { type: "button", class: "btn secondary", "data-action": "cognitive-record", text: "登记三力测试结果" }),
      el("div", { id: "cognitive-view", "aria-live": "polite" }),
      basisList([`${LAW.review73}第3款`]),
    ),
  ],
  confirm: "申请审验",
});

function cognitiveCard(t) {
  const part = (ok) => (ok ? "通过" : "未通过");
  const reason = (t.reasons || []).find((x) => x.code === "licences.cognitive_test_recorded");
  const parts = (reason && reason.data) || {};
  return el(
    "div",
    { class: t.passed ? "card ok" : "card bad" },
    el("h3", { text: `三力测试：${t.passed ? "合格" : "不合格"}` }),
    el("dl", {}, row("测试记录", t.test_ref), row("测试日期", dateZh(t.taken_on)), row("记忆力", part(parts.memory_passed)), row("判断力", part(parts.judgement_passed)), row("反应力", part(parts.reaction_passed))),
    t.passed ? null : el("p", { text: "三项均通过方为合格；不合格的，审验不予通过。" }),
  );
}

async function recordCognitive(button) {
  const ref = $("#cognitive-ref").value.trim().toUpperCase();
  required(ref.length >= 4 ? [] : [["#cognitive-ref", "请输入测试设备给出的测试记录编号"]]);
  await busy(button, async () => {
    clearNotice();
    try {
      const t = await api("POST", "/licences/cognitive-test", { test_ref: ref });
      $("#cognitive-view").replaceChildren(cognitiveCard(t));
      say(`三力测试${t.passed ? "合格" : "不合格"}，已登记。`);
    } catch (err) {
      showError(err);
    }
  });
}

hooks.CONFIRM.review = async () => {
  session().result = await api("POST", "/licences/review", {});
  return "receipt";
};

// ---------- 补领检验标志 ----------

hooks.REVIEW.mark_reissue = async () => {
  const vehicles = session().overview.vehicles;
  if (!vehicles.length) return { parts: [el("p", { class: "lead", text: "未查询到您名下的机动车。" })], confirm: null };
  return {
    parts: [
      el("fieldset", {}, el("legend", { text: "请选择车辆" }), vehicles.map((v, i) => radio("reissue-plate", v.plate, v.plate, i === 0))),
      el("fieldset", {}, el("legend", { text: "补领原因" }), radio("reissue-reason", "lost", "标志丢失、灭失（补领）", true), radio("reissue-reason", "damaged", "标志损毁（换领）", false)),
      why("检验合格标志灭失、丢失或者损毁，机动车所有人持身份证明申请补领、换领；交强险在有效期内的，当日补发电子检验合格标志，原标志作废。", [LAW.mark57]),
    ],
    confirm: "申请补领",
  };
};

hooks.CONFIRM.mark_reissue = async () => {
  const plate = $('input[name="reissue-plate"]:checked').value;
  const reason = $('input[name="reissue-reason"]:checked').value;
  session().result = await api("POST", "/vehicles/inspection-mark/reissue", { plate, reason });
  return "receipt";
};

// ---------- receipts ----------

hooks.RECEIPT_ROWS.push((r, p) => {
  const rows = [];
  const d = r.deferral;
  if (d) rows.push(...row("申请编号", d.deferral_no), ...row("申请事项", d.kind_text), ...row("处罚决定书", d.decision_no), ...row("分期期数", d.instalment_count ? `${d.instalment_count} 期` : ""), ...row("暂缓缴纳至", dateZh(d.defer_until)), ...row("审批状态", d.state_text));
  for (const it of (p && p.items) || []) {
    if (it.instalment_no) rows.push(...row("分期款项", `${it.instalment_no}（${yuan(it.fine_fen)}元）`));
  }
  const f = r.referral;
  if (f) {
    rows.push(...row(f.kind === "objection" ? "异议编号" : "转办编号", f.referral_no), ...row("承办单位", f.unit_name), ...row("办理期限", `${dateZh(f.due_on)}${f.kind === "objection" ? "前（五个工作日）" : ""}`), ...row("状态", f.state_text));
    if (f.kind === "objection" && !f.outcome) rows.push(...row("违法记录", `${f.violation_ref}：审查期间暂不处理、不缴款`));
    if (r.supplied) rows.push(...row("补充材料", "已提交，办理期限相应顺延"));
  }
  if (r.points_cleared !== undefined) rows.push(...row("清除记分", `${r.points_cleared} 分`), ...row("驾驶证", r.licence_returned ? "已发还" : "暂扣期满后发还"));
  if (r.service_item === "driver_review" && r.cycle) rows.push(...row("审验的记分周期", `${dateZh(r.cycle.start)}至${dateZh(r.cycle.end)}`), ...row("审验期限", dateZh(r.due_by)), ...row("学习教育时长", `${r.study_minutes} 分钟`), ...row("三力测试记录", r.cognitive_test_ref));
  if (r.mark && r.mark.reissue_reason) rows.push(...row("补领原因", r.mark.reissue_reason === "damaged" ? "标志损毁，换领" : "标志丢失，补领"), ...row("原标志", r.mark.replaces ? `${r.mark.replaces} 已作废` : "已作废"));
  return rows;
});

// ---------- actions ----------

Object.assign(hooks.ACTIONS, {
  "deferral-query": (b) => queryDeferral(b).catch(showError),
  "referral-query": (b) => queryReferral(b).catch(showError),
  "cognitive-record": (b) => recordCognitive(b).catch(showError),
  "more-photo": () => takePhoto(),
  "more-chip": (b) => {
    const t = $(`#${b.dataset.target}`);
    t.value = t.value ? `${t.value}；${b.textContent}` : b.textContent;
    t.dispatchEvent(new Event("input", { bubbles: true }));
  },
});

// 暂缓 or 分期: the form shows the part that applies
document.addEventListener("change", (ev) => {
  if (ev.target.name !== "deferral-kind") return;
  const deferral = ev.target.value === "deferral";
  $("#deferral-count").hidden = deferral;
  $("#deferral-until").hidden = !deferral;
});
