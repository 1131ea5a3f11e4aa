// Click-to-decode for the latent map. A click anywhere on the Plotly map, gaps included, is
// turned into the exact coordinate under the cursor (Plotly's own click events fire only over
// data points). The browser decodes it at once with the decoder that the page-level weights
// mount parsed into window.__vaeDecoders, then sends the point to Python, which decodes the
// same z with PyTorch, the source of truth, in a fragment that does not resend the map.
// No imports and no network: it works offline (el, findGraph, mountPolling and drawPixels are dom.js's,
// prepended by Python).

const CLICK_SLOP_PX = 4;  // a press that moves further than this is a pan, not a click
const CLICK_MAX_MS = 600;
const POLL_MS = 250;
const instances = new WeakMap();
const mounted = new Set();  // the live instances, for a click one of them hears for another

function build(parent) {
  const root = el("div", { class: "mapclick" });
  const canvas = el("canvas", { class: "image", "data-testid": "map-click-image", title: "browser decode" });
  const caption = el("div", { class: "caption", "data-testid": "map-click-caption" },
    "Click anywhere on the map to decode that z.");
  root.append(canvas, caption);
  parent.append(root);
  return { canvas, caption, seq: 0, graph: null };
}

function plotArea(graph) {
  const drag = graph.querySelector(".nsewdrag");
  return drag ? drag.getBoundingClientRect() : null;
}

function attach(inst) {
  const graph = findGraph(inst.data.meta);
  if (!graph || graph === inst.graph) return;
  // Only this view's map: a listener left from the previous model would decode with the old basis.
  const shown = graph.layout && graph.layout.datarevision;
  if (inst.data.view_key && shown && shown !== inst.data.view_key) return;
  inst.graph = graph;
  if (graph.on) graph.on("plotly_relayout", () => placeMarker(inst));  // pan and zoom move it
  placeMarker(inst);
  // Said on the graph, for a test or bench that clicks: which view's listener holds it (a rerun may keep the
  // same graph element and change only its figure, so a bare "true" would outlive the old view).
  graph.dataset.clickReady = viewOf(graph) || "true";
  adoptPending(inst);
}

function viewOf(graph) { return (graph.layout && graph.layout.datarevision) || null; }

// A click on a graph whose view this instance does not serve (right after a change of model, the old
// listener is still mounted and the new one not yet) is left for the new view's listener, which takes it
// when it mounts, if it comes within PENDING_MS.
const PENDING_MS = 10000;
function adoptPending(inst) {
  const p = window.__vaePendingMapClick;
  if (!p || p.view !== inst.data.view_key || performance.now() - p.t > PENDING_MS) return;
  window.__vaePendingMapClick = null;
  clicked(inst, p.x, p.y, p.t);
}

// The press and release are heard on the document, and the chart is looked up at the press: a rerun that
// replaces the chart (tau moved) cannot leave a window, until the next poll finds the new chart, in which a
// click reaches no listener and is lost. Capture phase: Plotly's drag handling cannot hide the press from us.
function listen(inst) {
  inst.onMouseDown = (e) => {
    inst.down = null;
    const graph = findGraph(inst.data.meta), r = graph && plotArea(graph);
    if (!r || e.button !== 0 || !graph.contains(e.target)) return;
    if (e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom) {
      inst.down = { x: e.clientX, y: e.clientY, t: performance.now(), graph };
    }
  };
  inst.onMouseUp = (e) => {
    const d = inst.down;
    inst.down = null;
    if (!d || !d.graph.isConnected) return;
    const moved = Math.hypot(e.clientX - d.x, e.clientY - d.y);
    if (moved > CLICK_SLOP_PX || performance.now() - d.t > CLICK_MAX_MS) return;
    const fl = d.graph._fullLayout, r = plotArea(d.graph);
    if (!fl || !r) return;
    const x = fl.xaxis.p2l(d.x - r.left), y = fl.yaxis.p2l(d.y - r.top), view = viewOf(d.graph);
    if (inst.data.view_key && view && view !== inst.data.view_key) {
      // Another view's click: its own listener hears it if it is mounted, else it is kept for it.
      if (![...mounted].some((o) => o.data.view_key === view)) window.__vaePendingMapClick = { view, x, y, t: d.t };
      return;
    }
    attach(inst);  // a chart the poll has not seen yet: adopt it now, for the marker
    clicked(inst, x, y, d.t);
  };
  document.addEventListener("mousedown", inst.onMouseDown, true);
  document.addEventListener("mouseup", inst.onMouseUp, true);
}

// A cross on the map at the clicked point, drawn over the chart (the chart itself is not resent).
function placeMarker(inst) {
  const graph = inst.graph, p = inst.point;
  if (!graph || !p || !graph._fullLayout) return;
  let m = graph.querySelector(".vae-click-marker");
  if (!m) {
    m = el("div", { class: "vae-click-marker", "data-testid": "map-click-marker" }, "×");
    m.style.cssText = "position:absolute;pointer-events:none;font:bold 22px sans-serif;color:#111;" +
      "text-shadow:0 0 3px #fff,0 0 3px #fff;transform:translate(-50%,-55%);z-index:10";
    graph.style.position = graph.style.position || "relative";
    graph.append(m);
  }
  const fl = graph._fullLayout, r = plotArea(graph), g = graph.getBoundingClientRect();
  const px = r.left - g.left + fl.xaxis.l2p(p[0]), py = r.top - g.top + fl.yaxis.l2p(p[1]);
  const inside = px >= r.left - g.left && px <= r.right - g.left && py >= r.top - g.top && py <= r.bottom - g.top;
  m.style.display = inside ? "block" : "none";
  m.style.left = `${px}px`; m.style.top = `${py}px`;
}

function clicked(inst, x, y, pressedAt) {
  inst.seq += 1;
  const p = [x, y];
  inst.point = p;
  placeMarker(inst);
  window.__mapClick = { seq: inst.seq, point: p, pressedAt, previewAt: null };
  const dec = inst.data.weights_id && registry()[inst.data.weights_id];
  if (inst.data.basis && dec) {
    // Linear views: z = point @ basis, the same map as vae_core.latent_view.LatentView.to_latent.
    const basis = inst.data.basis, z = basis[0].map((_, j) => x * basis[0][j] + y * basis[1][j]);
    draw(inst, dec(z, null));
    inst.caption.textContent = `browser decode of z = [${z.map((v) => v.toFixed(4)).join(", ")}]`;
    window.__mapClick.previewAt = performance.now();
    window.__mapClick.z = z;
  } else {
    inst.caption.textContent = `(${x.toFixed(2)}, ${y.toFixed(2)}): decoding on the server…`;
  }
  inst.setStateValue("point", { x, y, seq: inst.seq });
}

function draw(inst, pixels) {
  inst.canvas.style.display = "block";
  drawPixels(inst.canvas, pixels, inst.data.width, inst.data.height);  // dom.js's
}

function registry() { return (window.__vaeDecoders = window.__vaeDecoders || {}); }

// The listener on the document outlives the component unless it is taken off.
function detach(inst) {
  mounted.delete(inst);
  document.removeEventListener("mousedown", inst.onMouseDown, true);
  document.removeEventListener("mouseup", inst.onMouseUp, true);
}

export default function (component) {
  // The chart is drawn by a sibling element and may be re-created by a rerun; look for it until
  // this component is unmounted.
  const inst = mountPolling(component, instances, POLL_MS, attach, { create: build, unmount: detach });
  const data = inst.data;
  inst.setStateValue = component.setStateValue;
  if (!inst.onMouseUp) listen(inst);
  mounted.add(inst);
  const scale = Math.max(1, Math.floor(data.display_px / data.height));
  if (inst.canvas.width !== data.width * scale) {
    inst.canvas.width = data.width * scale; inst.canvas.height = data.height * scale;
    inst.canvas.style.display = "none";
  }
  // A view without a browser preview (t-SNE): once the rerun brings the server's decode of this
  // click, say so instead of leaving "decoding on the server…" up.
  const s = data.served;
  if (!data.basis && s && inst.point && Math.abs(s[0] - inst.point[0]) < 1e-9 && Math.abs(s[1] - inst.point[1]) < 1e-9) {
    inst.caption.textContent = `(${s[0].toFixed(2)}, ${s[1].toFixed(2)}): decoded on the server, shown beside`;
  }
  attach(inst);
}
