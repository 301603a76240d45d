// Document camera on the kiosk (拍摄区): the ID-card front read by OCR when the chip cannot
// be read, and the health certificate read to pre-fill the form. The chip stays the primary
// source: the fallback is offered only after the card step failed. The node reads the card
// front and opens the face check with the printed portrait; this page then starts kiosk.js's
// usual check (look at the camera, turn the head, the centre). No data-action attributes
// here: kiosk.js owns those.

import { $, el, newReasons, speakAloud } from "./dom.js";

const API = "/kiosk/api";
const FALLBACK = "芯片读取失败？请将身份证正面放在拍摄区";

async function post(path) {
  let resp;
  try {
    resp = await fetch(API + path, { method: "POST", cache: "no-store", credentials: "same-origin" });
  } catch (e) {
    return { ok: false, data: { message: "服务暂不可用，请稍后再试" } };
  }
  let data = null;
  try {
    data = await resp.json();
  } catch (e) {
    data = null;
  }
  return { ok: resp.ok, data: data || {} };
}

const elder = () => document.body.classList.contains("elder");

function speak(text) {
  const live = $("#live");
  if (live) live.textContent = text;
  if (elder()) {
    speakAloud(text);
  }
}

// A refusal: its headline and each reason the node gave (zh-CN), in a box of our own.
function showResult(box, title, reasons, ok) {
  box.dataset.ok = ok ? "true" : "false";
  box.setAttribute("role", ok ? "status" : "alert");
  box.replaceChildren(el("p", { class: "doc-title", text: title }), el("ul", {}, reasons.map((m) => el("li", { text: m }))));
  box.hidden = false;
  speak(ok ? title : [title, ...reasons].join("。"));
}

// While the node reads the document (a few seconds): say so, with the seconds so far.
function working(box, text) {
  const started = Date.now();
  const line = el("p", { class: "doc-title", text: `${text}…` });
  box.dataset.ok = "busy";
  box.setAttribute("role", "status");
  box.replaceChildren(line);
  box.hidden = false;
  speak(text);
  const timer = setInterval(() => {
    line.textContent = `${text}…已用时 ${Math.round((Date.now() - started) / 1000)} 秒`;
  }, 1000);
  return () => clearInterval(timer);
}

function reasonsOf(data) {
  const d = (data && data.data) || {};
  return newReasons(data.message, (Array.isArray(d.reasons) ? d.reasons : []).map((r) => r.message));
}

// ---------- identify: the OCR fallback ----------

function buildFallback() {
  const actions = $('section[data-screen="identify"] .actions');
  const identifyBtn = $("#btn-identify");
  if (!actions || !identifyBtn || $("#btn-doc-card")) return;
  const button = el("button", { type: "button", class: "btn secondary doc-fallback", id: "btn-doc-card", hidden: true, text: FALLBACK });
  const box = el("div", { id: "doc-card-result", class: "doc-result", hidden: true });
  actions.before(box);
  identifyBtn.after(button);
  button.addEventListener("click", () => readCard(button, box));
  // offer the fallback once the card step failed; hide it while a check runs or passed
  const card = $("#chk-card");
  new MutationObserver(() => {
    const state = card.dataset.state;
    if (state === "failed") {
      // kiosk.js shows its notice right after marking the step: fold it into our box, so
      // that the message and the fallback button stand together and nothing covers it
      setTimeout(() => {
        if ($("#btn-identify").hidden) return; // attempts used up: a staffed window, not OCR
        button.hidden = false;
        const notice = $("#notice");
        const said = notice && !notice.hidden ? $("#notice-text").textContent : "";
        if (notice) notice.hidden = true;
        showResult(box, said || "未读取到身份证芯片", ["如芯片无法读取，请将身份证正面朝上平放在拍摄区，再点击下方按钮。"], false);
      }, 0);
    } else if (state === "done") {
      button.hidden = true;
    }
  }).observe(card, { attributes: true, attributeFilter: ["data-state"] });
  document.addEventListener("kiosk:screen", (ev) => {
    if (ev.detail && ev.detail.screen !== "identify") {
      button.hidden = true;
      box.hidden = true;
    }
  });
}

async function readCard(button, box) {
  button.disabled = true;
  document.body.setAttribute("aria-busy", "true");
  const done = working(box, "正在识别身份证，请勿移动证件");
  try {
    const r = await post("/identify/document");
    if (!r.ok) {
      showResult(box, r.data.message || "未能识别身份证", reasonsOf(r.data), false);
      return;
    }
    const c = r.data.card || {};
    showResult(box, "已识别身份证，请按提示进行人脸核验", [`姓名：${c.name || ""}`, `身份证号：${c.id_number_masked || ""}`], true);
    button.hidden = true;
    // the node holds the card read by OCR: kiosk.js's check now looks and turns as usual
    $("#btn-identify").click();
  } finally {
    done();
    button.disabled = false;
    document.body.removeAttribute("aria-busy");
  }
}

// ---------- the health certificate: read, pre-fill, the citizen confirms ----------

function setValue(sel, value) {
  const input = $(sel);
  if (input && value) {
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }
}

function offerCertificate() {
  const inst = $("#cert-inst");
  const confirm = $("#btn-confirm");
  if (confirm) confirm.disabled = false; // a new review screen: nothing refused yet
  if (!inst || $("#btn-doc-cert")) return;
  const box = el("div", { id: "doc-cert-result", class: "doc-result", hidden: true });
  const button = el("button", { type: "button", class: "btn secondary doc-cert", id: "btn-doc-cert", text: "拍摄体检证明" });
  const hint = el("p", { class: "hint", text: "将身体条件证明正面朝上平放在拍摄区，点击拍摄，系统自动填写，请核对后提交。" });
  ($("#cert-no") || inst).closest(".field").before(hint, button, box);
  button.addEventListener("click", async () => {
    button.disabled = true;
    document.body.setAttribute("aria-busy", "true");
    const done = working(box, "正在识别身体条件证明，请勿移动证件");
    try {
      const r = await post("/documents/health-certificate/read");
      if (!r.ok) {
        // not usable (不合格, out of date) or unreadable: nothing is filled, nothing is sent
        if (r.data.error === "kiosk.document_refused" && confirm) confirm.disabled = true;
        showResult(box, r.data.message || "未能识别身体条件证明", reasonsOf(r.data), false);
        return;
      }
      setValue("#cert-no", r.data.certificate_no);
      setValue("#cert-inst", r.data.institution);
      setValue("#cert-date", r.data.issued_on);
      if (confirm) confirm.disabled = false;
      showResult(box, "已识别，请核对以下内容，无误后点击提交", [`出具机构：${r.data.institution}`, `体检日期：${r.data.issued_on}`, `体检结论：${r.data.conclusion}`], true);
    } finally {
      done();
      button.disabled = false;
      document.body.removeAttribute("aria-busy");
    }
  });
}

document.addEventListener("kiosk:screen", (ev) => {
  if (ev.detail && ev.detail.screen === "review") offerCertificate();
  else if ($("#btn-confirm")) $("#btn-confirm").disabled = false;
});

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", buildFallback);
else buildFallback();
