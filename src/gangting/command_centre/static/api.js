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

// The login box's submit: user name, password and (once asked) the code.
export async function loginFromForm(form) {
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
