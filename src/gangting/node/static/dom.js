// Helpers shared by the kiosk's scripts (kiosk.js, assist.js, mode.js, documents.js): DOM
// building and the node's speech output.

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

// An element: `attrs` skips null, undefined and false; "class" and "text" set className and
// textContent, true gives an empty attribute. Children may be nested arrays; null, undefined
// and false are skipped, anything not a Node becomes a text node.
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

// The reasons of a refusal that its headline does not already say (punctuation aside): a
// message is never repeated after itself in brackets or as a bullet under it.
export function newReasons(message, reasons) {
  const plain = (t) => String(t || "").replace(/[\s。；，、：:;,.（）()]/g, "");
  const said = plain(message);
  return reasons.filter((m) => m && !said.includes(plain(m)));
}

// Read `text` aloud through the node's speaker (elder mode); a failure is not the citizen's problem.
export function speakAloud(text) {
  fetch("/kiosk/api/speak", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ text }),
  }).catch(() => {});
}
