// The rating link's page: show the reason box for a bad level, post the rating to the
// public API with an Idempotency-Key (the same key again only after a network failure, so a
// retry never rates twice), and show the answer in Chinese.
const form = document.getElementById("rate");

function randomKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function show(el, text) {
  el.textContent = text;
  el.hidden = false;
}

if (form) {
  const token = form.dataset.token;
  const reasonBox = document.getElementById("reason-box");
  const reason = document.getElementById("reason");
  const error = document.getElementById("error");
  const submit = document.getElementById("submit");
  let pendingKey = null;

  form.addEventListener("change", () => {
    const chosen = form.querySelector("input[name=level]:checked");
    reasonBox.hidden = !(chosen && chosen.dataset.bad === "true");
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const chosen = form.querySelector("input[name=level]:checked");
    if (!chosen) {
      show(error, "请选择满意程度");
      return;
    }
    const body = { level: Number(chosen.value) };
    const text = reason.value.trim();
    if (text) body.reason = text;
    pendingKey = pendingKey || randomKey();
    submit.disabled = true;
    let answer;
    try {
      answer = await fetch(`/api/v1/public/ratings/${encodeURIComponent(token)}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": pendingKey },
        body: JSON.stringify(body),
      });
    } catch {
      submit.disabled = false;
      show(error, "网络异常，请稍后重试");
      return;
    }
    pendingKey = null;
    const data = await answer.json().catch(() => ({}));
    if (answer.ok) {
      form.hidden = true;
      const done = document.getElementById("done");
      const remedy = data.remedy
        ? `我们将于 ${data.remedy.contact_due_on} 前与您联系核实，${data.remedy.due_on} 前整改并回访。`
        : "";
      show(document.getElementById("done-text"), `您的评价：${data.level_zh}。${remedy}`);
      done.hidden = false;
      done.dataset.level = String(data.level);
      return;
    }
    submit.disabled = false;
    error.dataset.code = data.error || "";
    show(error, data.message || "提交失败，请稍后重试");
    if (data.error === "ratings.link_used" || data.error === "ratings.already_rated") {
      submit.disabled = true;
    }
  });
}
