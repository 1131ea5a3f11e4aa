// Keeps the user's view of a Plotly chart when a rerun redraws it: the classes hidden by clicking
// their legend entries and the pan/zoom.
//
// Why this exists: st.plotly_chart derives the chart's element id from the figure itself, so any
// change to the figure (tau moves, a checkbox toggles) mounts a brand-new Plotly graph. Plotly's
// layout.uirevision only carries UI state across Plotly.react calls on the same graph, so it has
// nothing to carry over here. This component remembers what the user did, by the chart's
// layout.meta, and puts it back on the new graph.
//
// The legend and the zoom are remembered under separate keys chosen by Python: hidden classes stay
// hidden across every redraw of the same data; the zoom stays only while the chart's frame is the same
// (a zoom key that changes, e.g. with the model or the view, starts from the new default frame).

const POLL_MS = 120;
const HANDS_OFF_MS = 800;  // after a scroll or a drag ends, its plotly_relayout has updated the memory
const instances = new WeakMap();
const tracked = new WeakMap();  // graph div -> { spec }

function memory() {
  const m = (window.__vaeChartViews = window.__vaeChartViews || { legend: {}, zoom: {} });
  return m;
}

function hiddenNames(gd) {
  return [...new Set((gd.data || []).filter((t) => t.visible === "legendonly").map((t) => t.name))];
}

function ranges(gd) {
  const fl = gd._fullLayout;
  return fl && fl.xaxis && fl.yaxis ? { x: fl.xaxis.range.slice(), y: fl.yaxis.range.slice() } : null;
}

function near(a, b) {
  return a.every((v, i) => Math.abs(v - b[i]) <= 1e-9 * Math.max(1, Math.abs(v)));
}

// What the user did to this graph, stored under the chart's keys.
function listen(gd) {
  gd.on("plotly_restyle", (ev) => {
    const t = tracked.get(gd);
    const update = ev && ev[0];
    if (!t || !t.spec.legend || !update || !("visible" in update)) return;
    // Names this chart does not draw keep their remembered state (another chart under the same key may).
    const here = new Set((gd.data || []).map((tr) => tr.name));
    const before = memory().legend[t.spec.legend] || [];
    memory().legend[t.spec.legend] = [...before.filter((n) => !here.has(n)), ...hiddenNames(gd)];
  });
  gd.on("plotly_relayout", (ev) => {
    const t = tracked.get(gd);
    if (!t || !t.spec.zoom || !ev) return;
    const keys = Object.keys(ev);
    if (keys.some((k) => /^[xy]axis\.autorange$/.test(k))) {
      delete memory().zoom[t.spec.zoom];  // autoscale: back to the chart's own frame
    } else if (keys.some((k) => /^[xy]axis\.range/.test(k))) {
      memory().zoom[t.spec.zoom] = ranges(gd);
    }
  });
  // Never fight a drag or a scroll in progress: the zoom is put back only a while after the user's hand left.
  gd.addEventListener("mousedown", () => { hand.dragging = true; hand.at = performance.now(); }, true);
  gd.addEventListener("wheel", () => { hand.at = performance.now(); }, { capture: true, passive: true });
}

// One listener for the page (one per graph would keep every replaced graph alive): a drag ends anywhere.
const hand = { dragging: false, at: -Infinity };
window.addEventListener("mouseup", () => { if (hand.dragging) { hand.dragging = false; hand.at = performance.now(); } });

// The classes the user hid, hidden again on a graph that shows them. Safe at any time, not only while a new
// graph settles: a legend click updates the memory in the same event (plotly_restyle), so this never undoes
// one; and a redraw that comes late (a slow server, a second rerun) is caught too.
function restoreLegend(gd, spec) {
  const P = window.Plotly;
  const hidden = spec.legend ? memory().legend[spec.legend] : null;
  if (!P || !gd._fullLayout || !hidden || !hidden.length) return;
  const idx = gd.data.map((t, i) => (hidden.includes(t.name) && t.visible !== "legendonly" ? i : -1)).filter((i) => i >= 0);
  if (idx.length) P.restyle(gd, { visible: "legendonly" }, idx);
}

// The remembered pan/zoom, put back when a redraw reset it (a new graph, or Streamlit redrawing this one with
// the figure's own ranges after a later rerun). The memory follows every pan, zoom and autoscale of the user
// (plotly_relayout), so this only undoes a reset the user did not ask for.
function restoreZoom(gd, spec) {
  const P = window.Plotly;
  if (!P || !gd._fullLayout) return;
  const mem = memory();
  const zoom = spec.zoom ? mem.zoom[spec.zoom] : null;
  const now = ranges(gd);
  if (zoom && now && !(near(zoom.x, now.x) && near(zoom.y, now.y))) {
    P.relayout(gd, { "xaxis.range": zoom.x.slice(), "yaxis.range": zoom.y.slice() });
  }
}

function tick(inst) {
  for (const spec of inst.data.charts || []) {
    const gd = findGraph(spec.meta);
    if (!gd) continue;
    let t = tracked.get(gd);
    if (!t) {
      t = { spec };
      tracked.set(gd, t);
      listen(gd);
    }
    t.spec = spec;  // the keys may change while the graph stays
    gd.dataset.viewKept = "1";  // for tests: the keeper has seen this graph
    restoreLegend(gd, spec);
    if (!hand.dragging && performance.now() - hand.at > HANDS_OFF_MS) restoreZoom(gd, spec);
  }
}

export default function (component) {
  tick(mountPolling(component, instances, POLL_MS, tick));
}
