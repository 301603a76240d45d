// 事故快处 on the kiosk (docs/decisions/0029): the two parties of a property-only accident
// answer the 第13–15条 questions, the second party identifies with ID card + face in the same
// session, they state the facts (the registries check licences, plates, insurance and
// inspection), take photos, choose the liability from the table or agree their own split, both
// confirm, and see the agreement (printed receipt) — or one disagrees and sees the referral
// number. kiosk.js opens this screen on the "accident" service (event kiosk:accident); the
// only data-action attributes here are kiosk.js's own (finish, back-services).

import { $, $$, el, newReasons, speakAloud } from "./dom.js";

const API = "/kiosk/api";
const UNAVAILABLE = "服务暂不可用，请稍后再试";
const WEATHER = { sunny: "晴", cloudy: "阴", rain: "雨", snow: "雪", fog: "雾", wind: "大风", dust: "沙尘" };
const FORMS = { rear_end: "追尾碰撞", side: "侧面碰撞", scrape: "刮擦", head_on: "正面碰撞", other: "其他碰撞" };
const PARTS = {
  front: "车头", rear: "车尾", left: "左侧", right: "右侧",
  front_left: "左前部", front_right: "右前部", rear_left: "左后部", rear_right: "右后部",
};
const LIABILITY = { full: "全部责任", main: "主要责任", equal: "同等责任", minor: "次要责任", none: "无责任" };

let acc = null; // the flow's state: { step, config, answers, parties, settlement, ... }

async function call(method, path, body) {
  let resp;
  try {
    resp = await fetch(API + path, {
      method,
      cache: "no-store",
      credentials: "same-origin",
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw { message: UNAVAILABLE, data: {} };
  }
  let data = {};
  try {
    data = await resp.json();
  } catch (e) {
    data = {};
  }
  if (!resp.ok) throw { message: data.message || UNAVAILABLE, data: data.data || {}, code: data.error };
  return data;
}

const elder = () => document.body.classList.contains("elder");

function say(text) {
  const live = $("#live");
  if (live) live.textContent = text;
  if (elder()) speakAloud(text);
}

// ---------- the screen ----------

function section() {
  let s = $('section[data-screen="accident"]');
  if (s) return s;
  s = el(
    "section",
    { "data-screen": "accident", "aria-labelledby": "h-accident", hidden: true },
    el("h1", { id: "h-accident", text: "事故快处" }),
    el(
      "div",
      { class: "body" },
      el("ol", { class: "acc-steps", id: "acc-steps", "aria-label": "事故快处进度" }),
      el("div", { class: "acc-msg", id: "acc-msg", role: "alert", hidden: true }),
      el("div", { id: "acc-body" }),
    ),
    el("div", { class: "actions", id: "acc-actions" }),
  );
  $("#main").append(s);
  return s;
}

const STEPS = ["确认情形", "对方核验", "事故信息", "拍照取证", "责任确认", "协议书"];
const STEP_OF = { questions: 0, police: 0, second: 1, facts: 2, photos: 3, liability: 4, document: 5, referred: 5 };

function showStep(step, title) {
  acc.step = step;
  const s = section();
  for (const x of $$("section[data-screen]")) x.hidden = x !== s;
  const steps = $("#steps");
  if (steps) steps.hidden = true;
  $("#h-accident").textContent = title;
  $("#acc-steps").replaceChildren(
    ...STEPS.map((name, i) => {
      const li = el("li", { text: name });
      if (i === STEP_OF[step]) li.setAttribute("aria-current", "step");
      else if (i < STEP_OF[step]) li.className = "done";
      return li;
    }),
  );
  hideMessage();
  document.dispatchEvent(new CustomEvent("kiosk:screen", { detail: { screen: "accident", service: "accident", elder: elder() } }));
  const h = $("#h-accident");
  h.setAttribute("tabindex", "-1");
  h.focus({ preventScroll: true });
  window.scrollTo(0, 0);
  if (window.__kiosk) window.__kiosk.screens.push(`accident:${step}`);
}

function hideMessage() {
  $("#acc-msg").hidden = true;
}

function message(title, lines = [], ok = false) {
  const box = $("#acc-msg");
  box.dataset.ok = ok ? "true" : "false";
  box.replaceChildren(el("p", { class: "acc-msg-title", text: title }), lines.length ? el("ul", {}, lines.map((t) => el("li", { text: t }))) : null);
  box.hidden = false;
  say([title, ...lines].join("。"));
}

function refusal(err) {
  const reasons = ((err.data && err.data.reasons) || []).map((r) => r.message);
  message(err.message || UNAVAILABLE, newReasons(err.message, reasons));
}

function button(text, onClick, cls = "btn secondary", attrs = {}) {
  const b = el("button", { type: "button", class: cls, ...attrs }, text);
  b.addEventListener("click", async () => {
    if (b.disabled) return;
    b.disabled = true;
    b.setAttribute("aria-busy", "true");
    try {
      await onClick(b);
    } catch (err) {
      refusal(err);
    } finally {
      b.disabled = false;
      b.removeAttribute("aria-busy");
    }
  });
  return b;
}

function actions(...buttons) {
  $("#acc-actions").replaceChildren(...buttons);
}

const exitButton = () => el("button", { type: "button", class: "btn ghost", "data-action": "back-services" }, "返回选择业务");

function field(label, input) {
  return el("label", { class: "acc-field" }, el("span", { text: label }), input);
}

function select(id, options, value) {
  const s = el("select", { id });
  for (const [k, v] of Object.entries(options)) {
    const o = el("option", { value: k, text: v });
    if (k === value) o.selected = true;
    s.append(o);
  }
  return s;
}

// ---------- 1. the questions (第13–15条) ----------

async function start() {
  section();
  acc = { step: "questions", answers: {}, photos: [] };
  try {
    acc.config = await call("GET", "/accident/cases");
  } catch (err) {
    showStep("questions", "事故快处");
    refusal(err);
    actions(exitButton());
    return;
  }
  renderQuestions();
}

function renderQuestions() {
  showStep("questions", "事故快处：确认是否须报警");
  const list = el("ol", { class: "acc-questions" });
  for (const q of acc.config.questions) {
    const row = el("li", { class: "acc-q", "data-acc-question": q.code }, el("p", { text: q.question }));
    const group = el("div", { class: "acc-yesno", role: "group", "aria-label": q.question });
    for (const [value, text] of [[true, "是"], [false, "否"]]) {
      const b = el("button", { type: "button", class: "btn toggle small", "aria-pressed": String(acc.answers[q.code] === value), "data-acc-answer": String(value) }, text);
      b.addEventListener("click", () => {
        acc.answers[q.code] = value;
        for (const x of $$("button", group)) x.setAttribute("aria-pressed", String(x === b));
        next.disabled = Object.keys(acc.answers).length < acc.config.questions.length;
      });
      group.append(b);
    }
    row.append(group);
    list.append(row);
  }
  $("#acc-body").replaceChildren(
    el("p", { class: "lead", text: "仅造成车辆财产损失、双方均在场的两车事故，可在岗亭自行协商处理。请双方逐项确认：" }),
    list,
  );
  const next = button("下一步：对方当事人核验", () => afterQuestions(), "btn primary huge", { id: "acc-next" });
  next.disabled = Object.keys(acc.answers).length < acc.config.questions.length;
  actions(next, exitButton());
  say("请双方逐项确认是否存在须报警处理的情形");
}

function afterQuestions() {
  const yes = acc.config.questions.filter((q) => acc.answers[q.code]);
  if (!yes.length) return renderSecond();
  showStep("police", "请报警处理");
  $("#acc-body").replaceChildren(
    el("div", { class: "acc-police" }, el("p", { class: "acc-big", text: "请拨打 122 报警" }), el("ul", {}, yes.map((q) => el("li", {}, q.message, el("small", { text: ` （${q.basis}）` }))))),
  );
  actions(el("button", { type: "button", class: "btn primary", "data-action": "finish" }, "结束办理"), exitButton());
  say(`不能自行协商处理。${yes.map((q) => q.message).join("。")}`);
}

// ---------- 2. the second party's identity check ----------

function renderSecond() {
  showStep("second", "对方当事人身份核验");
  $("#acc-body").replaceChildren(
    el("div", { class: "acc-card" },
      el("p", { class: "acc-big", text: "请另一方当事人核验身份" }),
      el("ol", {}, el("li", { text: "将本人身份证放在读卡区" }), el("li", { text: "正对摄像头，按提示缓慢转头" })),
      el("p", { class: "acc-note", text: "双方须分别持本人身份证完成人证核验，核验信息仅用于本次事故快处。" }),
    ),
    el("p", { id: "acc-second-state", class: "acc-state", "aria-live": "polite" }),
  );
  actions(button("开始核验", (b) => identifySecond(b), "btn primary huge", { id: "acc-identify" }), exitButton());
  say("请另一方当事人将身份证放在读卡区，正对摄像头");
}

async function identifySecond() {
  const state = $("#acc-second-state");
  state.textContent = "正在核验，请正对摄像头…";
  await call("POST", "/accident/second/begin");
  try {
    await call("POST", "/identify");
  } catch (err) {
    state.textContent = "";
    throw err;
  }
  const done = await call("POST", "/accident/second/done");
  acc.parties = done.parties;
  renderFacts();
}

// ---------- 3. the facts and both vehicles ----------

function localNow() {
  const d = new Date(Date.now() - 10 * 60 * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function partyFields(p) {
  const plates = p.plates.map((x) => (typeof x === "string" ? x : x.plate_no)).filter(Boolean);
  const plate = plates.length
    ? select(`acc-plate-${p.seq}`, Object.fromEntries(plates.map((x) => [x, x])), plates[0])
    : el("input", { id: `acc-plate-${p.seq}`, type: "text", maxlength: 16, placeholder: "如 蒙B12345" });
  const name = (p.citizen && p.citizen.name) || "";
  return el("fieldset", { class: "acc-party" },
    el("legend", { text: `第${p.seq}方当事人 ${name ? name[0] + "*".repeat(Math.max(name.length - 1, 1)) : ""}` }),
    field("号牌号码", plate),
    field("保险公司", el("input", { id: `acc-insurer-${p.seq}`, type: "text", maxlength: 64, placeholder: "见保险标志" })),
    field("保险凭证号", el("input", { id: `acc-policy-${p.seq}`, type: "text", maxlength: 64, placeholder: "见保险单" })),
    field("碰撞部位", select(`acc-part-${p.seq}`, PARTS, p.seq === 1 ? "rear" : "front")),
  );
}

function renderFacts() {
  showStep("facts", "事故信息");
  $("#acc-body").replaceChildren(
    el("div", { class: "acc-grid" },
      field("事故时间", el("input", { id: "acc-time", type: "datetime-local", value: localNow() })),
      field("事故地点", el("input", { id: "acc-place", type: "text", maxlength: 120, placeholder: "如 昆都仑区钢铁大街与友谊大街交叉口" })),
      field("天气", select("acc-weather", WEATHER, "sunny")),
      field("事故形态", select("acc-form", FORMS, "rear_end")),
    ),
    el("div", { class: "acc-parties" }, acc.parties.map(partyFields)),
  );
  actions(button("下一步：核对车辆并拍照", () => openSettlement(), "btn primary huge", { id: "acc-open" }), exitButton());
  say("请填写事故时间、地点和双方车辆的保险信息");
}

function offset(local) {
  return `${local}:00+08:00`; // the city's zone (Asia/Shanghai, no daylight saving)
}

async function openSettlement() {
  const body = {
    occurred_at: offset($("#acc-time").value),
    place: $("#acc-place").value.trim(),
    weather: $("#acc-weather").value,
    form: $("#acc-form").value,
    answers: acc.answers,
    parties: acc.parties.map((p) => ({
      plate_no: $(`#acc-plate-${p.seq}`).value.trim(),
      insurer: $(`#acc-insurer-${p.seq}`).value.trim(),
      policy_no: $(`#acc-policy-${p.seq}`).value.trim(),
      collision_part: $(`#acc-part-${p.seq}`).value,
    })),
  };
  acc.settlement = await call("POST", "/accident", body);
  renderPhotos();
}

// ---------- 4. vehicles, insurance and photos ----------

function vehicleRows() {
  const s = acc.settlement;
  return el("table", { class: "acc-table" },
    el("thead", {}, el("tr", {}, ["当事人", "号牌", "车辆", "交强险有效期至", "检验有效期至"].map((t) => el("th", { text: t })))),
    el("tbody", {}, s.parties.map((p) => {
      const v = (s.vehicles || []).find((x) => x.seq === p.seq) || {};
      return el("tr", {}, [p.name, p.plate_no, p.vehicle_kind_text, v.insurance_until || "—", v.inspection_valid_until || "—"].map((t) => el("td", { text: t })));
    })),
  );
}

function renderPhotos() {
  showStep("photos", "核对车辆，拍照取证");
  const list = el("ul", { class: "acc-photos", id: "acc-photo-list" }, acc.settlement.photos.map((p, i) => el("li", { text: `照片${i + 1}（${p.source === "upload" ? "上传" : "岗亭拍摄"}） SHA-256 ${p.sha256.slice(0, 12)}…` })));
  const upload = el("input", { type: "file", accept: "image/*", id: "acc-upload", class: "acc-file" });
  upload.addEventListener("change", async () => {
    const file = upload.files && upload.files[0];
    if (!file) return;
    const data = await new Promise((resolve) => {
      const r = new FileReader();
      r.onload = () => resolve(String(r.result).split(",")[1] || "");
      r.readAsDataURL(file);
    });
    try {
      await addPhoto({ source: "upload", data_base64: data });
    } catch (err) {
      refusal(err);
    }
  });
  $("#acc-body").replaceChildren(
    el("p", { class: "acc-ok", text: "双方驾驶证、号牌、交强险和检验均已核验，可以自行协商处理。" }),
    vehicleRows(),
    el("h2", { text: "现场照片" }),
    el("p", { class: "acc-note", text: "请拍摄事故现场全景和双方车辆碰撞部位（至少1张），照片以SHA-256校验值登记为证据。" }),
    list,
    field("或上传手机中的照片", upload),
  );
  const next = button("下一步：确认责任", () => renderLiability(), "btn primary huge", { id: "acc-to-liability" });
  next.disabled = acc.settlement.photos.length < 1;
  actions(button("岗亭拍照", () => addPhoto({ source: "booth_camera" }), "btn secondary", { id: "acc-shoot" }), next, exitButton());
  say("请拍摄事故现场和碰撞部位照片");
}

async function addPhoto(body) {
  acc.settlement = { ...acc.settlement, ...(await call("POST", `/accident/${acc.settlement.settlement_no}/photos`, body)) };
  renderPhotos();
}

// ---------- 5. liability: a case of the table or the parties' own split ----------

function renderLiability() {
  showStep("liability", "确认事故责任");
  acc.choice = acc.choice || { case: null, actor: null, split: ["equal", "equal"], confirmed: [false, false] };
  const plates = acc.settlement.parties.map((p) => p.plate_no);
  const cases = el("div", { class: "acc-cases", role: "radiogroup", "aria-label": "常见情形" },
    acc.config.cases.map((c) => {
      const b = el("button", { type: "button", class: "acc-case", role: "radio", "aria-checked": String(acc.choice.case === c.code), "data-acc-case": c.code },
        el("strong", { text: c.title }), el("small", { text: c.description }));
      b.addEventListener("click", () => {
        acc.choice.case = c.code;
        renderLiability();
      });
      return b;
    }),
    (() => {
      const b = el("button", { type: "button", class: "acc-case", role: "radio", "aria-checked": String(acc.choice.case === ""), "data-acc-case": "" }, el("strong", { text: "双方协商确定" }), el("small", { text: "以上情形都不符合时" }));
      b.addEventListener("click", () => {
        acc.choice.case = "";
        renderLiability();
      });
      return b;
    })(),
  );
  const detail = el("div", { class: "acc-detail" });
  const chosen = acc.config.cases.find((c) => c.code === acc.choice.case);
  if (chosen) {
    detail.append(el("p", { text: `哪一方是“${chosen.actor}”？（${chosen.rule}）` }));
    const group = el("div", { class: "acc-yesno", role: "group" });
    for (const seq of [1, 2]) {
      const b = el("button", { type: "button", class: "btn toggle", "aria-pressed": String(acc.choice.actor === seq), "data-acc-actor": String(seq) }, `第${seq}方 ${plates[seq - 1]}`);
      b.addEventListener("click", () => {
        acc.choice.actor = seq;
        renderLiability();
      });
      group.append(b);
    }
    detail.append(group);
    if (acc.choice.actor) {
      const mine = acc.choice.actor === 1 ? [chosen.actor_liability, chosen.other_liability] : [chosen.other_liability, chosen.actor_liability];
      detail.append(el("p", { class: "acc-result", text: `第1方：${LIABILITY[mine[0]]}；第2方：${LIABILITY[mine[1]]}` }));
    }
  } else if (acc.choice.case === "") {
    for (const seq of [1, 2]) {
      const s = select(`acc-split-${seq}`, LIABILITY, acc.choice.split[seq - 1]);
      s.addEventListener("change", () => {
        acc.choice.split[seq - 1] = s.value;
      });
      detail.append(field(`第${seq}方 ${plates[seq - 1]} 的责任`, s));
    }
  }
  const confirms = el("div", { class: "acc-confirms" }, [1, 2].map((seq) => {
    const box = el("input", { type: "checkbox", id: `acc-confirm-${seq}` });
    box.checked = acc.choice.confirmed[seq - 1];
    box.addEventListener("change", () => {
      acc.choice.confirmed[seq - 1] = box.checked;
      agree.disabled = !ready();
    });
    return el("label", { class: "acc-check" }, box, el("span", { text: `第${seq}方当事人确认上述事实和责任` }));
  }));
  $("#acc-body").replaceChildren(
    el("p", { class: "acc-note", text: `责任依据：${(acc.config.legal_basis || []).join("；")}。${acc.config.example ? "对照表为示例，以支队公布为准。" : ""}` }),
    cases,
    detail,
    confirms,
  );
  const ready = () => (acc.choice.case === "" || (acc.choice.case && acc.choice.actor)) && acc.choice.confirmed.every(Boolean);
  const agree = button("双方确认，签署协议书", () => sign(), "btn primary huge", { id: "acc-agree" });
  agree.disabled = !ready();
  actions(agree, button("有争议，转交警处理", () => renderDispute(), "btn secondary", { id: "acc-dispute" }), exitButton());
}

async function sign() {
  const c = acc.choice;
  const body = c.case ? { case: c.case, actor_seq: c.actor } : { split: c.split };
  acc.result = await call("POST", `/accident/${acc.settlement.settlement_no}/agreement`, body);
  renderDocument();
}

function renderDispute() {
  showStep("liability", "有争议：转交警处理");
  const reason = el("textarea", { id: "acc-reason", rows: 3, maxlength: 500, placeholder: "请说明对事实或责任的争议（2至500字）" });
  $("#acc-body").replaceChildren(
    el("p", { class: "acc-note", text: "双方对事实或者责任有争议的，可申请交警部门确定责任（事故程序规定第20条）。已采集的照片和信息一并转交。" }),
    field("争议内容", reason),
  );
  actions(
    button("提交，转交警处理", async () => {
      acc.result = await call("POST", `/accident/${acc.settlement.settlement_no}/dispute`, { reason: reason.value.trim() });
      renderReferred();
    }, "btn primary huge", { id: "acc-refer" }),
    button("返回确认责任", () => renderLiability(), "btn ghost"),
  );
}

// ---------- 6. the agreement, or the referral ----------

async function printReceipt(state) {
  state.textContent = "正在打印…";
  const r = await call("POST", "/print");
  state.textContent = `已打印回执 ${r.receipt_no}`;
}

function doneActions() {
  const state = el("p", { id: "acc-print-state", "aria-live": "polite" });
  $("#acc-body").append(state);
  actions(
    button("打印回执", () => printReceipt(state), "btn primary", { id: "acc-print" }),
    el("button", { type: "button", class: "btn secondary", "data-action": "finish" }, "结束办理"),
  );
}

function renderDocument() {
  showStep("document", "自行协商协议书已签发");
  const s = acc.result.settlement;
  const a = s.agreement;
  $("#acc-body").replaceChildren(
    el("div", { class: "acc-doc", id: "acc-document" },
      el("p", { class: "acc-doc-title", text: "道路交通事故自行协商协议书" }),
      el("p", { text: `协议书编号 ${a.agreement_no}` }),
      el("p", { text: `${s.occurred_at_text}　${s.place}　${s.weather_text}　${s.form_text}` }),
      vehicleTable(s),
      el("p", { class: "acc-note", text: `协议书送达：${a.deliveries.map((d) => (d.channel === "sms" ? `短信 ${d.address}` : d.address)).join("、")}` }),
      el("p", { class: "acc-note", text: "可凭本人身份证在任一岗亭查看、打印协议书；请持协议书到投保的保险公司办理理赔（第22条）。" }),
    ),
  );
  doneActions();
  say(`协议书已签发，编号${a.agreement_no}，已送达双方和保险公司`);
}

function vehicleTable(s) {
  return el("table", { class: "acc-table" },
    el("thead", {}, el("tr", {}, ["当事人", "号牌", "保险公司", "碰撞部位", "责任"].map((t) => el("th", { text: t })))),
    el("tbody", {}, s.parties.map((p) => el("tr", {}, [p.name, p.plate_no, p.insurer, p.collision_part_text, p.liability_text || "—"].map((t) => el("td", { text: t }))))),
  );
}

function renderReferred() {
  showStep("referred", "已转交警处理");
  const r = acc.result.referral;
  $("#acc-body").replaceChildren(
    el("div", { class: "acc-doc", id: "acc-referral" },
      el("p", { class: "acc-doc-title", text: "转办编号" }),
      el("p", { class: "acc-big", id: "acc-referral-no", text: r.referral_no }),
      el("p", { text: `已转${r.unit_name}处理，办理期限至${r.due_on}。处理进展将以短信告知双方。` }),
    ),
  );
  doneActions();
  say(`已转交警处理，转办编号${r.referral_no}`);
}

document.addEventListener("kiosk:accident", () => {
  start();
});
