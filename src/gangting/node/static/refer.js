// 转办 on the kiosk (issue 14 §2; docs/decisions/0030): a business the booth refused, when the
// refusal points at the guide of a business that can be referred, is offered to the
// responsible unit (the booth's brigade) with the materials this session already holds: the
// form's document numbers, the photos taken, the refusal's codes. The receipt is more.js's
// referral receipt (编号 ZB…, 承办单位, 办理期限, 状态). kiosk.js announces a refusal with the
// "kiosk:refused" event and owns the screens; nothing here outlives the session.

import { $, $$, el } from "./dom.js";
import { hooks } from "./kiosk.js";

const { api, busy, clearNotice, showError, say, show, basisList, row, SERVICES } = hooks;
const session = () => hooks.session();

// The booth's businesses a refusal may be referred for: a subset of desks.referrals.REFERABLE
// (tests/node/test_kiosk_more.py checks it).
const REFERABLE = [
  "renewal",
  "replacement",
  "health_certificate",
  "inspection_mark",
  "inspection_mark_reissue",
  "study_deduction",
  "apply_fine_deferral",
  "full_score_clearance",
  "driver_review",
];
// The form fields that hold a document's number (体检证明, 学习记录, 三力测试记录).
const DOCUMENT_FIELDS = ["cert-no", "study-ref", "cognitive-ref"];
const REASON_MAX = 500;

hooks.GUIDE_OF.refer = "refer_application";
hooks.FIELD_ZH.service_item = "转办事项";

// What the review screen holds when the business was refused: the form as filled in (a radio
// by its name, once chosen), the documents' numbers and the photos taken.
function collected() {
  const form = {};
  for (const i of $$("#review-content input, #review-content select, #review-content textarea")) {
    if ((i.type === "radio" || i.type === "checkbox") && !i.checked) continue;
    const key = i.type === "radio" ? i.name : i.id || i.name;
    if (key && i.value.trim()) form[key] = i.value.trim();
  }
  const documents = DOCUMENT_FIELDS.map((id) => form[id]).filter(Boolean);
  const photos = $$("#review-content #evidence-list li").map((li) => li.dataset.ref);
  return { form, documents, photos };
}

document.addEventListener("kiosk:refused", (ev) => {
  const s = session();
  const d = ev.detail || {};
  if (!s || !REFERABLE.includes(d.business)) return;
  s.refusal = { ...d, service: s.service, ...collected() };
  $("#notice-refer").hidden = false;
});

function serviceName(id) {
  const svc = SERVICES.find((x) => x.id === id);
  return svc ? svc.name : "";
}

function referBody(f) {
  const why = f.reasons.length ? `（${f.reasons.join("；")}）` : "";
  return {
    service_item: f.business,
    reason: `岗亭不予办理${serviceName(f.service)}：${f.message}${why}`.slice(0, REASON_MAX),
    evidence_refs: f.photos,
    documents: f.documents,
    data: { refusal_codes: f.codes, form: f.form },
  };
}

function materialsText(f) {
  const parts = [...f.documents.map((d) => `材料编号 ${d}`), ...f.photos.map((p) => `照片 ${p}`)];
  const filled = Object.keys(f.form).length;
  if (filled) parts.push(`已填写的内容（${filled}项）`);
  parts.push(`岗亭不予办理的原因（${f.codes.length}项）`);
  return parts.join("；");
}

// The explanation: who handles it, in how many working days, the texts at each step.
async function offer(button) {
  const f = session() && session().refusal;
  if (!f) return;
  await busy(button, async () => {
    clearNotice();
    try {
      const g = await api("GET", "/guides/refer_application");
      const limit = g.time_limits.length ? g.time_limits[0].text : "";
      session().service = "refer";
      $("#h-review").textContent = "转办到承办单位";
      $("#review-content").replaceChildren(
        el(
          "div",
          { class: "card refer" },
          el("h2", { text: `${serviceName(f.service)}：岗亭无法当场办结` }),
          el("p", { text: f.message }),
          el("dl", {}, row("承办单位", "本岗亭所属交警大队"), row("办理期限", limit), row("进展告知", "承办单位受理、要求补充材料、办结时，均以短信告知您"), row("一并移交", materialsText(f))),
        ),
        el("div", { class: "why" }, el("p", { text: g.summary }), basisList(g.legal_basis)),
      );
      $("#btn-guide").hidden = false;
      $("#btn-confirm").hidden = false;
      $("#btn-confirm").textContent = "确认转办";
      show("review");
      say(`转办到承办单位。${g.summary}办理期限：${limit}`.slice(0, 300));
    } catch (err) {
      showError(err);
    }
  });
}

hooks.CONFIRM.refer = async () => {
  const f = session().refusal;
  session().result = await api("POST", "/referrals", referBody(f));
  session().refusal = null;
  return "receipt";
};

hooks.RECEIPT_ROWS.push((r) => {
  const f = r.referral;
  if (!f || f.kind !== "referral") return [];
  return [...row("转办事项", f.service_text), ...row("进展告知", "受理、要求补充材料、办结时以短信告知")];
});

// a refusal's offer ends with the session (kiosk.js wipes the session, not this button)
document.addEventListener("kiosk:screen", (ev) => {
  if (ev.detail && ev.detail.screen === "start") $("#notice-refer").hidden = true;
});

hooks.ACTIONS["refer-offer"] = (b) => offer(b).catch(showError);
