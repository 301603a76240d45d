// The centre's JSON API with the staff member's bearer token (kept in this tab's session
// storage only) and one Idempotency-Key per write.

const TOKEN_KEY = "gangting.centre.token";

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || (status === 0 ? "无法连接指挥中心服务" : `请求失败（${status}）`));
    this.status = status;
    this.code = (body && body.error) || "http";
    this.data = (body && body.data) || {};
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

export async function call(method, path, body, { auth = true } = {}) {
  const headers = {};
  if (auth && token()) headers.Authorization = `Bearer ${token()}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method === "POST") headers["Idempotency-Key"] = newKey();
  let resp;
  try {
    resp = await fetch(path, {
      method,
      headers,
      cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, null);
  }
  let data = null;
  try {
    data = await resp.json();
  } catch (e) {
    data = null;
  }
  if (!resp.ok) {
    const err = new ApiError(resp.status, data);
    if (resp.status === 401) document.dispatchEvent(new CustomEvent("centre:unauthorised"));
    throw err;
  }
  return data;
}

export const get = (path, params) => {
  const q = params ? `?${new URLSearchParams(params)}` : "";
  return call("GET", path + q);
};
export const post = (path, body = {}) => call("POST", path, body);

// Log-in: an administrator or supervisor enrolled in the second factor is asked for the
// authenticator's code (staff.totp_required); the form then grows a code field.
export async function login(username, password, totpCode) {
  const body = { username, password };
  if (totpCode) body.totp_code = totpCode;
  const r = await call("POST", "/api/v1/auth/staff", body, { auth: false });
  setToken(r.access_token);
  lastRenewal = Date.now();
  return r;
}

function totpField(form) {
  let input = form.querySelector("#login-totp");
  if (input) return input;
  const label = document.createElement("label");
  label.htmlFor = "login-totp";
  label.textContent = "动态验证码";
  input = document.createElement("input");
  input.id = "login-totp";
  input.inputMode = "numeric";
  input.autocomplete = "one-time-code";
  input.maxLength = 6;
  input.pattern = "[0-9]{6}";
  const error = form.querySelector("#login-error");
  form.insertBefore(label, error);
  form.insertBefore(input, error);
  return input;
}

// Administrators and supervisors must bind the second factor (docs/decisions/0019): a log-in
// of theirs before that answers an enrolment token, and the login box turns into the binding
// step: the QR code and the secret (shown this once), then the first code confirms it and
// answers the session's token.
class BindingNeeded extends Error {}

function bindingPanel(form, secret) {
  let panel = form.querySelector("#login-bind");
  if (!panel) {
    panel = document.createElement("div");
    panel.id = "login-bind";
    panel.className = "bind";
    form.insertBefore(panel, form.querySelector("#login-error"));
  }
  panel.replaceChildren();
  const title = document.createElement("h3");
  title.textContent = "首次登录：绑定动态验证码";
  const help = document.createElement("p");
  help.textContent =
    "管理员、督察须使用双因素登录。请用手机上的身份验证器应用扫描二维码（或手动输入密钥），再输入应用显示的6位数字。密钥只显示这一次。";
  const qr = document.createElement("img");
  qr.id = "login-bind-qr";
  qr.alt = "动态验证码密钥二维码";
  qr.src = secret.otpauth_qr;
  const key = document.createElement("p");
  key.id = "login-bind-secret";
  key.className = "secret";
  key.textContent = secret.secret.replace(/(.{4})/g, "$1 ").trim();
  panel.append(title, help, qr, key);
  for (const id of ["#login-user", "#login-pass"]) form.querySelector(id).disabled = true;
  const submit = form.querySelector("button[type=submit]");
  submit.dataset.label = submit.textContent;
  submit.textContent = "确认绑定并登录";
  const input = totpField(form);
  input.value = "";
  input.focus();
}

async function startBinding(form) {
  const secret = await call("POST", "/api/v1/staff/totp/enrol", {});
  form.dataset.stage = "bind";
  bindingPanel(form, secret);
  throw new BindingNeeded("请先绑定动态验证码：扫描二维码后输入6位验证码");
}

function endBinding(form) {
  delete form.dataset.stage;
  const panel = form.querySelector("#login-bind");
  if (panel) panel.remove();
  for (const id of ["#login-user", "#login-pass"]) form.querySelector(id).disabled = false;
  const submit = form.querySelector("button[type=submit]");
  if (submit.dataset.label) submit.textContent = submit.dataset.label;
  const code = form.querySelector("#login-totp");
  if (code) code.value = "";
}

async function confirmBinding(form) {
  const code = form.querySelector("#login-totp");
  const r = await call("POST", "/api/v1/staff/totp/confirm", { code: code.value.trim() });
  setToken(r.access_token);
  lastRenewal = Date.now();
  endBinding(form);
  return r;
}

// The enrolment token ran out (ten minutes) or was refused: back to the plain log-in.
document.addEventListener("centre:unauthorised", () => {
  for (const form of document.querySelectorAll("form[data-stage=bind]")) endBinding(form);
});

// The login box's submit: user name, password and (once asked) the code; or the binding
// step's first code.
export async function loginFromForm(form) {
  if (form.dataset.stage === "bind") return confirmBinding(form);
  const pass = form.querySelector("#login-pass");
  const code = form.querySelector("#login-totp");
  try {
    const r = await login(
      form.querySelector("#login-user").value.trim(),
      pass.value,
      code ? code.value.trim() : "",
    );
    pass.value = "";
    if (code) code.value = "";
    if (r.second_factor === "enrolment_required") await startBinding(form);
    return r;
  } catch (err) {
    if (err instanceof ApiError && err.code === "staff.totp_required") totpField(form).focus();
    throw err;
  }
}

// Log-out ends the token on the server at once (then the screen forgets it).
export async function logout() {
  const value = token();
  setToken(null);
  if (!value) return;
  try {
    await fetch("/api/v1/staff/logout", {
      method: "POST",
      headers: { Authorization: `Bearer ${value}` },
      cache: "no-store",
    });
  } catch (e) {
    // The server is away: the token still ends at its idle limit.
  }
}

// A staff session ends 30 minutes after log-in or its last renewal (never beyond 8 hours):
// while someone uses the screen, it is renewed every few minutes; an unattended screen is
// signed out at the idle limit.
const RENEW_EVERY_MS = 5 * 60 * 1000;
let lastActivity = 0;
let lastRenewal = Date.now();
for (const name of ["pointerdown", "keydown", "wheel", "touchstart"]) {
  addEventListener(name, () => (lastActivity = Date.now()), { capture: true, passive: true });
}
setInterval(async () => {
  if (!token() || lastActivity <= lastRenewal || Date.now() - lastRenewal < RENEW_EVERY_MS) return;
  lastRenewal = Date.now();
  try {
    await call("POST", "/api/v1/staff/token/renew", {});
  } catch (e) {
    // A refused renewal (session over) signs the screen out through centre:unauthorised.
  }
}, 30 * 1000);

// The staff screens' login box, one for all of them. A page holds the placeholder
//   <div id="login" class="overlay" role="dialog" aria-modal="true"
//        aria-labelledby="login-title" data-title="…登录" hidden></div>
// (its title names the screen); this builds the form into it, signs in through loginFromForm
// (the second factor and its binding step included), and brings the box back on the bar's
// sign-out button (#btn-logout) and when the session ends (centre:unauthorised).
// start: the screen's own start after a log-in (awaited; a failure shows in the box).
// forget: the screen drops what it showed for the one who signed out.
export const SESSION_ENDED = "登录已失效，请重新登录";

function node(tag, attrs = {}, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  n.append(...children);
  return n;
}

export function staffLogin({ start, forget = () => {} }) {
  const box = document.getElementById("login");
  const title = node("h2", { id: "login-title" }, `${box.dataset.title} `, node("span", { class: "en", lang: "en" }, "Sign in"));
  const user = node("input", { id: "login-user", autocomplete: "username", required: "", maxlength: "64" });
  const pass = node("input", {
    id: "login-pass",
    type: "password",
    autocomplete: "current-password",
    required: "",
    maxlength: "128",
  });
  const error = node("p", { id: "login-error", class: "error", role: "alert", hidden: "" });
  const form = node(
    "form",
    { class: "dialog login", id: "login-form" },
    title,
    node("label", { for: "login-user" }, "用户名"),
    user,
    node("label", { for: "login-pass" }, "密码"),
    pass,
    error,
    node("button", { type: "submit", class: "btn primary" }, "登录"),
  );
  box.replaceChildren(form);

  const say = (message) => {
    error.textContent = message || "";
    error.hidden = !message;
  };
  const signOut = (message) => {
    forget();
    setToken(null);
    box.hidden = false;
    say(message);
    user.focus();
  };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await loginFromForm(form);
      await start();
    } catch (err) {
      say(err.message);
    }
  });
  const logoutButton = document.getElementById("btn-logout");
  if (logoutButton) logoutButton.addEventListener("click", () => logout().then(() => signOut(null)));
  document.addEventListener("centre:unauthorised", () => signOut(SESSION_ENDED));

  return {
    signOut,
    hide: () => (box.hidden = true),
    // On the page's load: a token kept from earlier in this tab goes straight to the screen.
    begin: () => (token() ? start() : signOut(null)),
    // The signed-in staff member (GET /api/v1/centre/me), named in the bar's #me, the box
    // hidden; null when the session has ended (the box is back) or the server failed
    // (onError is told why).
    async whoAmI(onError) {
      let me;
      try {
        me = await call("GET", "/api/v1/centre/me");
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) signOut(SESSION_ENDED);
        else onError(e);
        return null;
      }
      box.hidden = true;
      document.getElementById("me").textContent = `${me.name}（${me.role_zh}${me.unit ? " · " + me.unit : ""}）`;
      return me;
    },
  };
}
