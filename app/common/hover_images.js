// Images on the map: hovering a data point shows its image (from a sprite sheet sent once per browser
// session) and its reconstruction mu_D(mu(x)) (decoded here, by the decoder the page mounted for
// click-to-decode) in a card beside the cursor. No call to the server on a hover. (el, findGraph,
// mountPolling and drawPixels are dom.js's, prepended by Python.)

const POLL_MS = 300;
const SCALE = 3;  // a 28 x 28 digit drawn at 84 px
const instances = new WeakMap();

function sheets() { return (window.__vaeHoverSheets = window.__vaeHoverSheets || {}); }
function means() { return (window.__vaeHoverMeans = window.__vaeHoverMeans || {}); }
function decoders() { return window.__vaeDecoders || {}; }

function fromBase64(text) {
  const raw = atob(text), out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

// The card: one per page, on the body, above everything, never in the way of the mouse.
function card() {
  let c = document.querySelector(".vae-hover-card");
  if (c) return c;
  c = floatingCard("vae-hover-card", "map-hover-card");  // dom.js's
  const row = el("div");
  row.style.cssText = "display:flex;gap:6px";
  for (const [name, label] of [["image", "x"], ["recon", "μ_D(μ(x))"]]) {
    const cell = el("div", { class: `vae-hover-${name}` });
    const canvas = el("canvas", { "data-testid": `map-hover-${name}` });
    canvas.style.cssText = "display:block;image-rendering:pixelated;background:#000";
    cell.append(canvas, el("div", {}, label));
    row.append(cell);
  }
  c.append(row, el("div", { class: "vae-hover-caption" }));
  return c;
}

function paint(canvas, pixels, w, h) {
  canvas.width = w * SCALE; canvas.height = h * SCALE;
  drawPixels(canvas, pixels, w, h);  // dom.js's
}

function show(inst, ev) {
  const p = ev.points && ev.points[0];
  if (!p || typeof p.customdata !== "number") return;  // the heat map, a circle, an ellipse: not a data point
  const t0 = performance.now();
  const d = inst.data, c = card(), sheet = sheets()[d.sprite_id];
  const index = d.positions ? d.positions[p.customdata] : p.customdata;  // a subsampled view's position
  const slot = inst.slots ? inst.slots.get(index) : index;
  const caption = c.querySelector(".vae-hover-caption");
  const image = c.querySelector('[data-testid="map-hover-image"]');
  const recon = c.querySelector('[data-testid="map-hover-recon"]');
  if (slot === undefined || slot >= inst.count || !sheet || !sheet.complete) {
    image.parentElement.style.display = "none"; recon.parentElement.style.display = "none";
    caption.textContent = slot === undefined ? `index ${index}: no thumbnail (an even subsample carries them)`
      : "loading the images…";
  } else {
    const { width: w, height: h, cols } = d;
    image.parentElement.style.display = "block";
    image.width = w * SCALE; image.height = h * SCALE;
    const ctx = image.getContext("2d");
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(sheet, (slot % cols) * w, Math.floor(slot / cols) * h, w, h, 0, 0, w * SCALE, h * SCALE);
    const mu = d.mu_id && means()[d.mu_id], dec = d.weights_id && decoders()[d.weights_id];
    if (mu && dec) {
      const k = d.latent_dim;
      const label = d.labels ? d.labels[slot] : null;  // a conditional decoder decodes p(x | z, y)
      paint(recon, dec(Array.from(mu.subarray(slot * k, (slot + 1) * k)), label), w, h);
      recon.parentElement.style.display = "block";
    } else {
      recon.parentElement.style.display = "none";
    }
    caption.textContent = `${p.data && p.data.name ? `class ${p.data.name}, ` : ""}index ${index}`;
  }
  const e = ev.event || {}, x = e.clientX || 0, y = e.clientY || 0;
  c.style.display = "block";
  const r = c.getBoundingClientRect();
  // Left of the cursor (Plotly's own label, the class and coordinates, opens to its right), flipped to the
  // right near the window's left edge.
  c.style.left = `${x - 16 - r.width < 0 ? x + 16 : x - 16 - r.width}px`;
  c.style.top = `${Math.max(4, Math.min(window.innerHeight - r.height - 4, y - r.height / 2))}px`;
  window.__mapHover = { index, slot, shownAt: performance.now(), tookMs: performance.now() - t0,
                        recon: recon.parentElement.style.display === "block" };
}

function hide() {
  const c = document.querySelector(".vae-hover-card");
  if (c) c.style.display = "none";
}

// The data point nearest the cursor, within NEAR_PX, found here on every mousemove: Plotly's own hover
// events come at most once per 50 ms (its HOVERMINTIME), which made the card wait 57 ms on average. Only
// the traces that carry a data-set index (customdata) and are shown count, as with Plotly's hover.
const NEAR_PX = 20;  // Plotly's default hoverdistance

function nearestPoint(graph, ev) {
  const fl = graph._fullLayout, box = graph.getBoundingClientRect();
  if (!fl || !graph._fullData) return null;
  const cx = ev.clientX - box.left, cy = ev.clientY - box.top;
  let best = null, bestD = NEAR_PX * NEAR_PX;
  for (const t of graph._fullData) {
    if (t.visible !== true || !t.customdata || !t.customdata.length || !t.x) continue;
    const xa = fl[`xaxis${(t.xaxis || "x").slice(1)}`], ya = fl[`yaxis${(t.yaxis || "y").slice(1)}`];
    if (!xa || !ya) continue;
    if (cx < xa._offset || cx > xa._offset + xa._length || cy < ya._offset || cy > ya._offset + ya._length) return null;
    for (let i = 0; i < t.x.length; i++) {
      const dx = xa._offset + xa.l2p(t.x[i]) - cx, dy = ya._offset + ya.l2p(t.y[i]) - cy, d = dx * dx + dy * dy;
      if (d < bestD) { bestD = d; best = { customdata: t.customdata[i], data: { name: t.name } }; }
    }
  }
  return best;
}

// One pair of handlers per chart element, reading the latest instance: a rerun that keeps the element must
// not stack a second pair.
function attach(inst) {
  const graph = findGraph(inst.data.meta);
  if (!graph || !graph.on) return;
  graph.__vaeHoverInst = inst;
  if (graph.__vaeHoverOn) return;
  graph.__vaeHoverOn = true;
  graph.addEventListener("mousemove", (ev) => {
    const point = nearestPoint(graph, ev);
    if (point) show(graph.__vaeHoverInst, { points: [point], event: ev });
    else hide();
  });
  graph.addEventListener("mouseleave", hide);
  graph.dataset.hoverReady = "true";
}

export default function (component) {
  const inst = mountPolling(component, instances, POLL_MS, attach, { unmount: hide });
  const d = inst.data;
  if (d.sprite && !sheets()[d.sprite_id]) {
    const img = new Image();
    img.src = `data:image/png;base64,${d.sprite}`;
    sheets()[d.sprite_id] = img;
  }
  if (d.mu && d.mu_id && !means()[d.mu_id]) {
    const bytes = fromBase64(d.mu);
    means()[d.mu_id] = new Float32Array(bytes.buffer, 0, bytes.length / 4);
  }
  // This browser lost what the server thinks it sent (a page kept open across a server restart): ask again.
  const lost = (!sheets()[d.sprite_id] && d.sprite_id) || (d.mu_id && !means()[d.mu_id] && d.mu_id);
  if (lost && inst.asked !== lost) {
    inst.asked = lost;
    component.setStateValue("need", lost);
  }
  inst.slots = d.indices ? new Map(d.indices.map((index, slot) => [index, slot])) : null;  // null: every point
  inst.count = d.count;
  attach(inst);
}
