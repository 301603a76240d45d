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

export async function login(username, password) {
  const r = await call("POST", "/api/v1/auth/staff", { username, password }, { auth: false });
  setToken(r.access_token);
}
