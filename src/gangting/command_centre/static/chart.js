// Telemetry charts in SVG: a line for numbers (temperature, queue length), a band of states
// for the rest (paper ok/low/out, door open/closed, power mains/battery/off).

const SVG = "http://www.w3.org/2000/svg";
const H = 190;
const M = { l: 44, r: 10, t: 10, b: 22 };
const GOOD = new Set(["ok", "closed", "mains", true, "true"]);
const STATE_ZH = {
  ok: "正常", low: "偏少", out: "缺纸", open: "开启", closed: "关闭",
  mains: "市电", battery: "电池", off: "断电", fault: "故障", offline: "离线",
};

function node(tag, attrs = {}, parent = null, text = null) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== null) el.textContent = text;
  if (parent) parent.append(el);
  return el;
}

const hhmm = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", hour12: false });

export function drawChart(svg, history) {
  svg.replaceChildren();
  svg.setAttribute("class", "chart");
  // as wide as it is drawn, so lines and labels keep their proportions
  const W = Math.max(320, Math.round(svg.getBoundingClientRect().width) || 600);
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const pts = history.points.map((p) => ({ t: Date.parse(p.at), v: p.value }));
  const t0 = Date.parse(history.from);
  const t1 = Math.max(Date.parse(history.now), ...pts.map((p) => p.t));
  const x = (t) => M.l + ((t - t0) / Math.max(1, t1 - t0)) * (W - M.l - M.r);
  node("line", { class: "axis", x1: M.l, y1: H - M.b, x2: W - M.r, y2: H - M.b }, svg);
  for (let i = 0; i <= 4; i++) {
    const t = t0 + ((t1 - t0) * i) / 4;
    const anchor = i === 0 ? "start" : i === 4 ? "end" : "middle";
    node("text", { x: x(t), y: H - 6, "text-anchor": anchor }, svg, hhmm.format(t));
  }
  if (!pts.length) {
    node("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, svg, "该时段没有数据");
    return;
  }
  if (history.numeric) {
    const vs = pts.map((p) => Number(p.v));
    let lo = Math.min(...vs);
    let hi = Math.max(...vs);
    if (hi - lo < 1) { lo -= 1; hi += 1; }
    const y = (v) => H - M.b - ((v - lo) / (hi - lo)) * (H - M.t - M.b);
    for (let i = 0; i <= 3; i++) {
      const v = lo + ((hi - lo) * i) / 3;
      node("line", { class: "grid-line", x1: M.l, x2: W - M.r, y1: y(v), y2: y(v) }, svg);
      node("text", { x: M.l - 6, y: y(v) + 4, "text-anchor": "end" }, svg, Number.isInteger(v) ? v : v.toFixed(1));
    }
    node("polyline", { class: "line", points: pts.map((p) => `${x(p.t).toFixed(1)},${y(Number(p.v)).toFixed(1)}`).join(" ") }, svg);
    for (const p of pts.slice(-60)) node("circle", { class: "pt", cx: x(p.t).toFixed(1), cy: y(Number(p.v)).toFixed(1), r: 2.5 }, svg);
    return;
  }
  const top = M.t + 40;
  const h = 50;
  pts.forEach((p, i) => {
    const start = x(p.t);
    const end = i + 1 < pts.length ? x(pts[i + 1].t) : W - M.r;
    const good = GOOD.has(p.v);
    node("rect", { class: good ? "band-ok" : "band-bad", x: start.toFixed(1), y: top, width: Math.max(1, end - start).toFixed(1), height: h }, svg);
    if (end - start > 34) node("text", { class: "band-text", x: (start + 4).toFixed(1), y: top + h / 2 + 4 }, svg, STATE_ZH[p.v] || String(p.v));
  });
  node("text", { x: M.l, y: top - 8 }, svg, "绿色：正常；橙色：需处理");
}
