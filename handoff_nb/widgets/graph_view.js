// handoff_nb GraphView: the SVG arrives once; a highlight change only toggles classes.
function apply(el, hl) {
  const svg = el.querySelector("svg");
  if (!svg) return;
  svg.querySelectorAll(".hnb-active,.hnb-visited,.hnb-taken").forEach((n) =>
    n.classList.remove("hnb-active", "hnb-visited", "hnb-taken"));
  svg.querySelectorAll("text[data-hnb-label]").forEach((t) => {
    t.textContent = t.getAttribute("data-hnb-label");
    t.removeAttribute("data-hnb-label");
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
    const text = g.querySelector("text");
    if (text) {  // "route_to_billing" -> "step 1 · route_to_billing" (restored on the next change)
      text.setAttribute("data-hnb-label", text.textContent);
      text.textContent = "step " + steps.join(", ") + " · " + text.textContent;
    }
  }
}

function render({ model, el }) {
  el.classList.add("hnb-graphview");
  const draw = () => { el.innerHTML = model.get("svg"); apply(el, model.get("highlight")); };
  draw();
  model.on("change:svg", draw);
  model.on("change:highlight", () => apply(el, model.get("highlight")));
}

export default { render };
