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
    this.districts = new Map(); // code -> {name, box}
    this.onView = () => {};
    this.gDistricts = node("g", { class: "districts" }, svg);
    this.gNames = node("g", { class: "names" }, svg);
    this.gBooths = node("g", { class: "booths" }, svg);
    // the wheel zooms in and out around the pointer (labels come back as room appears)
    svg.addEventListener("wheel", (e) => {
      e.preventDefault();
      this.zoomAt(e.clientX, e.clientY, e.deltaY < 0 ? 0.8 : 1.25);
    }, { passive: false });
  }

  zoomAt(clientX, clientY, factor) {
    if (!this.vb) return;
    const rect = this.svg.getBoundingClientRect();
    const px = this.vb.x + ((clientX - rect.left) / rect.width) * this.vb.w;
    const py = this.vb.y + ((clientY - rect.top) / rect.height) * this.vb.h;
    const k = Math.max(factor, 4 / this.vb.w); // no closer than ~500 m across
    this.vb = { x: px - (px - this.vb.x) * k, y: py - (py - this.vb.y) * k, w: this.vb.w * k, h: this.vb.h * k };
    this.svg.setAttribute("viewBox", `${this.vb.x} ${this.vb.y} ${this.vb.w} ${this.vb.h}`);
    this.view = "custom";
    this.svg.dataset.view = "custom";
    for (const t of this.gNames.children) t.style.fontSize = `${this.vb.w / 70}px`;
    for (const { g } of this.booths.values()) this.sizeBooth(g, false);
    this.declutter();
    this.onView("custom");
  }

  project([lon, lat]) {
    return [lon * Math.cos((this.lat0 * Math.PI) / 180) * SCALE, -lat * SCALE];
  }

  setDistricts(geo) {
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    this.gDistricts.replaceChildren();
    this.gNames.replaceChildren();
    this.districts.clear();
    for (const d of geo.districts) {
      const box = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
      for (const ring of d.polygons) {
        const pts = ring.map((p) => this.project(p));
        for (const [x, y] of pts) {
          box.minX = Math.min(box.minX, x); box.maxX = Math.max(box.maxX, x);
          box.minY = Math.min(box.minY, y); box.maxY = Math.max(box.maxY, y);
        }
        const path = node("path", {
          class: "district",
          "data-district": d.code,
          d: "M" + pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join("L") + "Z",
        }, this.gDistricts);
        node("title", {}, path).textContent = `${d.name}（点击放大）`;
        path.addEventListener("click", () => this.setView(`district:${d.code}`));
      }
      this.districts.set(d.code, { name: d.name, box });
      minX = Math.min(minX, box.minX); maxX = Math.max(maxX, box.maxX);
      minY = Math.min(minY, box.minY); maxY = Math.max(maxY, box.maxY);
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
    this.scheduleDeclutter();
  }

  /** "urban" (the booths, close), "city" (every district) or "district:<code>"; the wheel
   * makes a "custom" view. */
  setView(view) {
    this.view = view;
    this.fit();
    this.onView(view);
  }

  // What a view shows, in map units, before padding.
  viewBox() {
    if (this.view.startsWith("district:")) {
      const d = this.districts.get(this.view.slice(9));
      if (d) return { ...d.box, pad: 0.04 };
    }
    if (this.view === "urban" && this.booths.size) {
      const pts = this.all().map((b) => this.project([b.lon, b.lat]));
      const xs = pts.map((p) => p[0]);
      const ys = pts.map((p) => p[1]);
      // at least ~5 km across, so one booth alone is not a street map
      const cx = (Math.min(...xs) + Math.max(...xs)) / 2;
      const cy = (Math.min(...ys) + Math.max(...ys)) / 2;
      const w = Math.max(Math.max(...xs) - Math.min(...xs), 40);
      const h = Math.max(Math.max(...ys) - Math.min(...ys), 25);
      return { minX: cx - w / 2, maxX: cx + w / 2, minY: cy - h / 2, maxY: cy + h / 2, pad: 0.12 };
    }
    return { ...this.bounds, pad: 0.03 };
  }

  fit() {
    if (!this.bounds) return;
    const { minX, minY, maxX, maxY, pad } = this.viewBox();
    let w = (maxX - minX) * (1 + 2 * pad);
    let h = (maxY - minY) * (1 + 2 * pad);
    // widen the box to the map's own shape: the view fills the map, and sizes below are
    // in what the map shows
    const ratio = this.svg.clientWidth && this.svg.clientHeight ? this.svg.clientWidth / this.svg.clientHeight : 1.6;
    if (w / h < ratio) w = h * ratio;
    else h = w / ratio;
    const cx = (minX + maxX) / 2;
    const cy = (minY + maxY) / 2;
    this.vb = { x: cx - w / 2, y: cy - h / 2, w, h };
    this.svg.setAttribute("viewBox", `${this.vb.x} ${this.vb.y} ${this.vb.w} ${this.vb.h}`);
    this.svg.dataset.view = this.view;
    for (const t of this.gNames.children) t.style.fontSize = `${this.vb.w / 70}px`;
    for (const { g } of this.booths.values()) this.sizeBooth(g, false);
    this.declutter();
  }

  // Booth labels that would cover another booth or another label are hidden (shown on
  // hover, on focus and for the selected booth; zoom in to see them all). The booths that
  // need attention are labelled first; a label tries the right of its dot, then the left.
  declutter() {
    if (!this.vb) return;
    const RANK = { help: 0, fault: 1, offline: 2, unknown: 3, ok: 4 };
    const items = [...this.booths.values()].sort(
      (a, b) => (a.data.code === this.selected ? -1 : 0) - (b.data.code === this.selected ? -1 : 0)
        || (RANK[colourOf(a.data)] ?? 5) - (RANK[colourOf(b.data)] ?? 5)
        || a.data.code.localeCompare(b.data.code),
    );
    const taken = [];
    const at = (g) => {
      const m = /translate\(([-\d.]+),([-\d.]+)\)/.exec(g.getAttribute("transform"));
      return m ? [Number(m[1]), Number(m[2])] : [0, 0];
    };
    // a label may touch its own dot, nothing else
    const overlaps = (a, own) => taken.some(
      (b) => b.g !== own && a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h,
    );
    for (const { g } of items) {
      const [x, y] = at(g);
      const r = Number(g.querySelector(".core").getAttribute("r")) * 1.5;
      taken.push({ g, x: x - r, y: y - r, w: 2 * r, h: 2 * r });
    }
    for (const { g } of items) {
      const [x, y] = at(g);
      const label = g.querySelector(".label");
      const r = Number(g.querySelector(".core").getAttribute("r"));
      label.classList.remove("crowded");
      let placed = null;
      for (const side of [1, -1]) {
        label.setAttribute("x", (side * r * 1.4).toFixed(2));
        label.setAttribute("text-anchor", side > 0 ? "start" : "end");
        const b = label.getBBox();
        const box = { x: x + b.x, y: y + b.y, w: b.width, h: b.height };
        if (!overlaps(box, g)) {
          placed = box;
          break;
        }
      }
      if (placed) taken.push({ ...placed, g: null });
      else {
        label.setAttribute("x", (r * 1.4).toFixed(2));
        label.setAttribute("text-anchor", "start");
        label.classList.add("crowded");
      }
      g.dataset.label = placed ? "shown" : "crowded";
    }
  }

  sizeBooth(g, declutter = true) {
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
    if (declutter) this.scheduleDeclutter();
  }

  // Live updates move colours (and so the order of labelling) many times a second: tidy
  // the labels once per frame, not once per booth.
  scheduleDeclutter() {
    if (this.tidying) return;
    this.tidying = true;
    requestAnimationFrame(() => {
      this.tidying = false;
      this.declutter();
    });
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
