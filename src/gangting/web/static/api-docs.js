// The API documentation pages (/docs, /redoc): fetch the OpenAPI document, with a staff
// member's bearer token where the server asks for one (GANGTING_API_DOCS=staff), then start
// Swagger UI or ReDoc from the local copy. The token is the command centre's or the officer
// page's of this tab, or one from the login form here (kept in this tab's session storage).
const TOKEN_KEYS = ["gangting.docs.token", "gangting.centre.token", "gangting.officer.token"];
const root = document.getElementById("docs");
const form = document.getElementById("docs-login");

function storedToken() {
  for (const key of TOKEN_KEYS) {
    const value = sessionStorage.getItem(key);
    if (value) return value;
  }
  return null;
}

async function fetchDocument(token) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const r = await fetch(root.dataset.openapi, { headers });
  if (r.status === 401 || r.status === 403) return { refused: await r.json() };
  if (!r.ok) throw new Error(`${r.status}`);
  return { spec: await r.json() };
}

function show(spec, token) {
  form.hidden = true;
  if (root.dataset.viewer === "redoc") {
    // eslint-disable-next-line no-undef
    Redoc.init(spec, { hideDownloadButton: false }, root);
    return;
  }
  // eslint-disable-next-line no-undef
  SwaggerUIBundle({
    spec,
    domNode: root,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
    requestInterceptor: (request) => {
      if (token && !request.headers.Authorization) {
        request.headers.Authorization = `Bearer ${token}`;
      }
      return request;
    },
  });
}

function askLogin(refusal) {
  form.hidden = false;
  if (refusal && refusal.error === "docs.staff_only") {
    document.getElementById("docs-login-why").textContent = refusal.message;
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const r = await fetch("/api/v1/auth/staff", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: data.get("username"), password: data.get("password") }),
  });
  const answer = await r.json();
  if (!r.ok) {
    document.getElementById("docs-login-error").textContent = answer.message || "登录失败";
    return;
  }
  sessionStorage.setItem(TOKEN_KEYS[0], answer.access_token);
  start();
});

async function start() {
  const token = storedToken();
  try {
    const { spec, refused } = await fetchDocument(token);
    if (spec) show(spec, token);
    else askLogin(refused);
  } catch (error) {
    root.textContent = `接口文档加载失败（${error.message}）`;
  }
}

start();
