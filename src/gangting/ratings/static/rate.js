// The rating link's page: show the reason box for a bad level, post the rating to the
// public API with an Idempotency-Key (the same key again only after a network failure, so a
// retry never rates twice), and show the answer in Chinese. After the rating, offer the
// short survey (optional item by item; "跳过" ends without it), posted the same way.
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
      offerSurvey();
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

// ---------- the optional survey, after the rating ----------

const surveyBox = document.getElementById("survey");

function finish(text) {
  surveyBox.hidden = true;
  show(document.getElementById("finished-text"), text);
  document.getElementById("finished").hidden = false;
}

async function offerSurvey() {
  if (!surveyBox) return;
  let answer;
  try {
    answer = await fetch(`/api/v1/public/surveys/${encodeURIComponent(surveyBox.dataset.token)}`);
  } catch {
    return; // the survey is optional: without it the rating stands as done
  }
  const data = await answer.json().catch(() => ({}));
  if (!answer.ok || data.state !== "open") return;
  renderSurvey(data.survey);
  surveyBox.hidden = false;
}

function renderSurvey(survey) {
  document.getElementById("survey-title").textContent = `${survey.title}（可选）`;
  document.getElementById("survey-intro").textContent = survey.intro;
  let n = 0;
  const parts = [];
  for (const section of survey.sections) {
    const title = document.createElement("h3");
    title.textContent = section.title;
    parts.push(title);
    for (const item of section.items) {
      n += 1;
      const group = document.createElement("fieldset");
      group.className = "survey-item";
      group.dataset.item = item.code;
      const legend = document.createElement("legend");
      legend.textContent = `${n}. ${item.text}`;
      const levels = document.createElement("div");
      levels.className = "survey-levels";
      for (let value = item.min; value <= item.max; value += 1) {
        const label = document.createElement("label");
        const input = document.createElement("input");
        input.type = "radio";
        input.name = `item-${item.code}`;
        input.value = String(value);
        const text = document.createElement("span");
        const name = item.labels[String(value)];
        // A long label ("非常不同意") may wrap only after its degree word ("非常"), never
        // inside a word: the label's box has word-break: keep-all.
        if (name.length > 3) text.append(name.slice(0, 2), document.createElement("wbr"), name.slice(2));
        else text.textContent = name;
        label.append(input, text);
        levels.append(label);
      }
      group.append(legend, levels);
      parts.push(group);
    }
  }
  document.getElementById("survey-items").replaceChildren(...parts);
}

// A used link's page (no rating form) offers the survey at once, if it is still open.
if (surveyBox && !form) offerSurvey();

if (surveyBox) {
  const surveyForm = document.getElementById("survey-form");
  const surveyError = document.getElementById("survey-error");
  const surveySubmit = document.getElementById("survey-submit");
  let surveyKey = null;

  surveyForm.addEventListener("change", () => {
    if (!surveySubmit.disabled) surveyError.hidden = true;
  });

  document.getElementById("survey-skip").addEventListener("click", () => {
    finish("评价已完成，您可以关闭此页面。");
  });

  surveyForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    surveyError.hidden = true;
    const answers = {};
    for (const input of surveyForm.querySelectorAll("input[type=radio]:checked")) {
      answers[input.closest(".survey-item").dataset.item] = Number(input.value);
    }
    if (!Object.keys(answers).length) {
      show(surveyError, "请至少回答一道题目，或点击“跳过”");
      return;
    }
    surveyKey = surveyKey || randomKey();
    surveySubmit.disabled = true;
    let answer;
    try {
      answer = await fetch(`/api/v1/public/surveys/${encodeURIComponent(surveyBox.dataset.token)}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": surveyKey },
        body: JSON.stringify({ answers }),
      });
    } catch {
      surveySubmit.disabled = false;
      show(surveyError, "网络异常，请稍后重试");
      return;
    }
    surveyKey = null;
    const data = await answer.json().catch(() => ({}));
    if (answer.ok) {
      finish(`${data.message || "问卷已提交，感谢您的反馈"}（共回答 ${data.answered} 题）。您可以关闭此页面。`);
      return;
    }
    surveySubmit.disabled = false;
    surveyError.dataset.code = data.error || "";
    show(surveyError, data.message || "提交失败，请稍后重试");
    if (data.error === "surveys.already_answered") surveySubmit.disabled = true;
  });
}
