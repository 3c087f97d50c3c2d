// handoff_nb GraphView: the SVG arrives once; a highlight change only toggles classes.
// Edge labels carry a reserved line of figure spaces (laid out by dot) that receives "step N".
const SLOT = /^\u2007+$/;
const MIN_SCALE = 0.85;   // 10pt edge labels stay >= 11 px; wider graphs scroll instead of shrinking
const MAX_SCALE = 1.3;

function apply(el, hl) {
  const svg = el.querySelector("svg");
  if (!svg) return;
  svg.querySelectorAll(".hnb-active,.hnb-visited,.hnb-taken").forEach((n) =>
    n.classList.remove("hnb-active", "hnb-visited", "hnb-taken"));
  svg.querySelectorAll("text[data-hnb-slot]").forEach((t) => {
    t.textContent = t.getAttribute("data-hnb-slot");
  });
  hl = hl || {};
  for (const id of hl.visited || []) {
    const g = svg.querySelector(`#node_${id}`);
    if (g) g.classList.add("hnb-visited");
  }
  if (hl.active) {
    const g = svg.querySelector(`#node_${hl.active}`);
    if (g) g.classList.add("hnb-active");
  }
  for (const [edge, steps] of Object.entries(hl.taken || {})) {
    const g = svg.querySelector(`#edge_${edge}`);
    if (!g) continue;
    g.classList.add("hnb-taken");
    const slot = Array.from(g.querySelectorAll("text")).find(
      (t) => t.hasAttribute("data-hnb-slot") || SLOT.test(t.textContent));
    if (slot) {
      if (!slot.hasAttribute("data-hnb-slot")) slot.setAttribute("data-hnb-slot", slot.textContent);
      slot.textContent = "step " + steps.join(", ");
    }
  }
}

function naturalWidth(svg) {
  const w = svg.getAttribute("width") || "";
  const n = parseFloat(w);
  if (!n) return svg.viewBox && svg.viewBox.baseVal ? svg.viewBox.baseVal.width : 0;
  return w.endsWith("pt") ? n * 96 / 72 : n;
}

function fit(el, state) {
  const svg = el.querySelector(".hnb-canvas svg");
  if (!svg) return;
  const natural = naturalWidth(svg);
  const room = el.clientWidth - 4;
  if (!natural || room <= 0) return;
  const auto = Math.min(MAX_SCALE, Math.max(MIN_SCALE, room / natural));
  const scale = state.zoom ? Math.max(0.2, state.zoom) : auto;
  svg.style.width = `${Math.round(natural * scale)}px`;
  svg.style.height = "auto";
  svg.style.maxWidth = "none";
  el.dataset.scale = scale.toFixed(3);
}

// With a height limit (compact Stepper), keep the active path (visited agents, handoffs taken,
// the active agent) in view: scroll only when part of it is hidden; center it when it fits, else
// center the active agent.
function follow(canvas) {
  const parts = canvas.querySelectorAll(".node.hnb-active, .node.hnb-visited, .edge.hnb-taken");
  if (!parts.length || canvas.scrollHeight <= canvas.clientHeight && canvas.scrollWidth <= canvas.clientWidth) return;
  const c = canvas.getBoundingClientRect();
  const box = { l: Infinity, t: Infinity, r: -Infinity, b: -Infinity };
  for (const p of parts) {
    const q = p.getBoundingClientRect();
    box.l = Math.min(box.l, q.left); box.t = Math.min(box.t, q.top);
    box.r = Math.max(box.r, q.right); box.b = Math.max(box.b, q.bottom);
  }
  const inView = box.l >= c.left && box.r <= c.left + canvas.clientWidth
    && box.t >= c.top && box.b <= c.top + canvas.clientHeight;
  if (inView) return;
  const active = canvas.querySelector(".node.hnb-active");
  const a = active ? active.getBoundingClientRect() : { left: box.l, right: box.r, top: box.t, bottom: box.b };
  const fitsX = box.r - box.l <= canvas.clientWidth, fitsY = box.b - box.t <= canvas.clientHeight;
  const cx = fitsX ? (box.l + box.r) / 2 : (a.left + a.right) / 2;
  const cy = fitsY ? (box.t + box.b) / 2 : (a.top + a.bottom) / 2;
  canvas.scrollLeft += cx - (c.left + canvas.clientWidth / 2);
  canvas.scrollTop += cy - (c.top + canvas.clientHeight / 2);
}

// Graphviz compiled to WebAssembly (@viz-js/viz, vendored in the Python package): loaded once
// per page from the widget's own data (no CDN), only when the kernel has no dot binary.
async function layoutInBrowser(dot, b64) {
  if (!globalThis.__hnbViz) {
    globalThis.__hnbViz = (async () => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const url = URL.createObjectURL(new Blob([bytes], { type: "text/javascript" }));
      const mod = await import(url);
      return mod.instance();
    })();
  }
  const viz = await globalThis.__hnbViz;
  const svg = viz.renderString(dot, { format: "svg" });
  const start = svg.indexOf("<svg");
  return start >= 0 ? svg.slice(start) : svg;
}

function render({ model, el }) {
  el.classList.add("hnb-graphview");
  const state = { zoom: 0 };
  const bar = document.createElement("div");
  bar.className = "hnb-zoom";
  const canvas = document.createElement("div");
  canvas.className = "hnb-canvas";
  const button = (label, title, fn) => {
    const b = document.createElement("button");
    b.textContent = label; b.title = title; b.type = "button";
    b.addEventListener("click", () => { fn(); fit(el, state); });
    bar.appendChild(b);
  };
  const current = () => parseFloat(el.dataset.scale || "1");
  button("\u2212", "zoom out", () => { state.zoom = current() / 1.25; });
  button("fit", "fit to width (labels stay readable)", () => { state.zoom = 0; });
  button("+", "zoom in", () => { state.zoom = current() * 1.25; });
  const whole = document.createElement("button");
  whole.type = "button";
  whole.className = "hnb-whole";
  bar.appendChild(whole);
  const limit = () => {
    const h = model.get("max_height") || "";
    canvas.style.maxHeight = state.whole ? "none" : h;
    whole.style.display = h ? "" : "none";
    whole.textContent = state.whole ? "fit height" : "whole graph";
    whole.title = state.whole ? "back to the compact height (the active path stays in view)"
      : "show the whole graph (the page scrolls)";
  };
  whole.addEventListener("click", () => { state.whole = !state.whole; limit(); follow(canvas); });
  limit();
  model.on("change:max_height", limit);
  el.replaceChildren(bar, canvas);
  const draw = async () => {
    let svg = model.get("svg");
    if (!svg && model.get("dot") && model.get("viz_js")) {  // no dot in the kernel: lay out here
      canvas.textContent = "laying out the graph in the browser…";
      try {
        svg = await layoutInBrowser(model.get("dot"), model.get("viz_js"));
      } catch (e) {
        canvas.textContent = "could not lay out the graph in the browser: " + e;
        return;
      }
    }
    canvas.innerHTML = svg;
    apply(canvas, model.get("highlight"));
    fit(el, state);
    follow(canvas);
  };
  draw();
  model.on("change:svg", draw);
  model.on("change:highlight", () => { apply(canvas, model.get("highlight")); follow(canvas); });
  canvas.addEventListener("wheel", (e) => {
    if (!e.ctrlKey) return;
    e.preventDefault();
    state.zoom = current() * (e.deltaY < 0 ? 1.1 : 1 / 1.1);
    fit(el, state);
  }, { passive: false });
  if (typeof ResizeObserver !== "undefined") {
    // the first real layout (the output attached, a tab shown) comes as a resize: follow then too
    const ro = new ResizeObserver(() => { fit(el, state); follow(canvas); });
    ro.observe(el);
    return () => ro.disconnect();
  }
}

export default { render };
