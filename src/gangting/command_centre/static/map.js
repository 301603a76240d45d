// Baotou's districts drawn as SVG from the packaged GeoJSON (/centre/map.json), offline, and
// the booths at their coordinates, coloured by state (a letter too: colour is not alone).

const SVG = "http://www.w3.org/2000/svg";
const SCALE = 1000;
export const STATUS_ZH = { ok: "正常", fault: "故障", offline: "离线", unknown: "无数据", help: "求助中" };
const GLYPH = { ok: "", fault: "!", offline: "×", unknown: "?", help: "救" };

function node(tag, attrs = {}, parent = null) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (parent) parent.append(el);
  return el;
}

export function colourOf(booth) {
  return booth.help ? "help" : booth.status;
}

export class CityMap {
  constructor(svg, tip, onSelect) {
    this.svg = svg;
    this.tip = tip;
    this.onSelect = onSelect;
    this.booths = new Map();
    this.view = "urban";
    this.selected = null;
    this.lat0 = 40.65;
    this.bounds = null;
    this.gDistricts = node("g", { class: "districts" }, svg);
    this.gNames = node("g", { class: "names" }, svg);
    this.gBooths = node("g", { class: "booths" }, svg);
  }

  project([lon, lat]) {
    return [lon * Math.cos((this.lat0 * Math.PI) / 180) * SCALE, -lat * SCALE];
  }

  setDistricts(geo) {
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    this.gDistricts.replaceChildren();
    this.gNames.replaceChildren();
    for (const d of geo.districts) {
      for (const ring of d.polygons) {
        const pts = ring.map((p) => this.project(p));
        for (const [x, y] of pts) {
          minX = Math.min(minX, x); maxX = Math.max(maxX, x);
          minY = Math.min(minY, y); maxY = Math.max(maxY, y);
        }
        const path = node("path", {
          class: "district",
          d: "M" + pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join("L") + "Z",
        }, this.gDistricts);
        node("title", {}, path).textContent = d.name;
      }
      const [cx, cy] = this.project(d.centroid);
      const label = node("text", { class: "district-name", x: cx.toFixed(1), y: cy.toFixed(1) }, this.gNames);
      label.textContent = d.name;
    }
    this.bounds = { minX, minY, maxX, maxY };
    this.fit();
  }

  setBooths(list) {
    this.booths.clear();
    this.gBooths.replaceChildren();
    for (const b of list) this.update(b);
    this.fit();
  }

  update(booth) {
    const old = this.booths.get(booth.code);
    const merged = old ? { ...old.data, ...booth } : booth;
    let g = old && old.g;
    if (!g) {
      g = node("g", { class: "booth", tabindex: "0", role: "button", "data-code": booth.code }, this.gBooths);
      node("circle", { class: "halo", r: 1 }, g);
      node("circle", { class: "core", r: 1 }, g);
      node("text", { class: "glyph" }, g);
      node("text", { class: "label" }, g);
      node("title", {}, g);
      g.addEventListener("click", () => this.onSelect(g.dataset.code));
      g.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          this.onSelect(g.dataset.code);
        }
      });
      g.addEventListener("pointerenter", () => this.showTip(g.dataset.code));
      g.addEventListener("pointerleave", () => (this.tip.hidden = true));
    }
    const [x, y] = this.project([merged.lon, merged.lat]);
    const colour = colourOf(merged);
    g.setAttribute("class", `booth ${colour}${this.selected === merged.code ? " selected" : ""}`);
    g.dataset.status = colour;
    g.setAttribute("transform", `translate(${x.toFixed(1)},${y.toFixed(1)})`);
    const label = `${merged.code} ${merged.name}：${STATUS_ZH[colour] || colour}`;
    g.setAttribute("aria-label", label);
    g.querySelector("title").textContent = label;
    g.querySelector(".glyph").textContent = GLYPH[colour] || "";
    g.querySelector(".label").textContent = merged.code.replace(/^BT-/, "");
    this.booths.set(merged.code, { data: merged, g });
    this.sizeBooth(g);
    return merged;
  }

  get(code) {
    const b = this.booths.get(code);
    return b ? b.data : null;
  }

  all() {
    return [...this.booths.values()].map((b) => b.data);
  }

  select(code) {
    this.selected = code;
    for (const { data, g } of this.booths.values()) g.classList.toggle("selected", data.code === code);
  }

  setView(view) {
    this.view = view;
    this.fit();
  }

  fit() {
    if (!this.bounds) return;
    let { minX, minY, maxX, maxY } = this.bounds;
    if (this.view === "urban" && this.booths.size) {
      const pts = this.all().map((b) => this.project([b.lon, b.lat]));
      const xs = pts.map((p) => p[0]);
      const ys = pts.map((p) => p[1]);
      const cx = (Math.min(...xs) + Math.max(...xs)) / 2;
      const cy = (Math.min(...ys) + Math.max(...ys)) / 2;
      const w = Math.max(Math.max(...xs) - Math.min(...xs), 220) * 1.35;
      const h = Math.max(Math.max(...ys) - Math.min(...ys), 140) * 1.35;
      minX = cx - w / 2; maxX = cx + w / 2; minY = cy - h / 2; maxY = cy + h / 2;
    }
    const pad = (maxX - minX) * 0.03;
    this.vb = { x: minX - pad, y: minY - pad, w: maxX - minX + 2 * pad, h: maxY - minY + 2 * pad };
    this.svg.setAttribute("viewBox", `${this.vb.x} ${this.vb.y} ${this.vb.w} ${this.vb.h}`);
    for (const t of this.gNames.children) t.style.fontSize = `${this.vb.w / 70}px`;
    for (const { g } of this.booths.values()) this.sizeBooth(g);
  }

  sizeBooth(g) {
    if (!this.vb) return;
    const r = Math.max(this.vb.w, this.vb.h * 1.6) / 110;
    g.querySelector(".core").setAttribute("r", r.toFixed(2));
    g.querySelector(".halo").setAttribute("r", (r * 1.5).toFixed(2));
    const glyph = g.querySelector(".glyph");
    glyph.style.fontSize = `${r * 1.3}px`;
    const label = g.querySelector(".label");
    label.setAttribute("x", (r * 1.4).toFixed(2));
    label.setAttribute("y", (r * 0.45).toFixed(2));
    label.style.fontSize = `${r * 1.35}px`;
  }

  showTip(code) {
    const b = this.get(code);
    if (!b) return;
    const faults = (b.faults || []).map((f) => f.title).join("、");
    this.tip.textContent = `${b.code} ${b.name} · ${STATUS_ZH[colourOf(b)]}${faults ? " · " + faults : ""}`;
    this.tip.hidden = false;
    this.tip.style.left = "12px";
    this.tip.style.top = "12px";
  }
}
