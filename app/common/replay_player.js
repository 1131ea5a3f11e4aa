// A training replayed in the browser: a slider and a play button over the recorded epochs redraw the map of
// the fixed validation images' means, the ELBO curves up to that epoch and the image rows, from data sent
// once per browser session (window.__vaeReplays), with no call to the server. (el and drawPixels are
// dom.js's, prepended by Python.)

const instances = new WeakMap();
const PLAY_MS = 120;  // between epochs while playing: a 100-epoch run plays in 12 s
const MIN_IMAGE_PX = 48;  // each image at least this wide, as in the live rows (8 x 8 digits at 6x)
const TEXT = "#31333f", GRID = "rgba(128, 128, 128, 0.25)";

function store() { return (window.__vaeReplays = window.__vaeReplays || {}); }

function bytes(text) {
  const raw = atob(text), out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

function unpack(d) {
  const points = bytes(d.points);
  return { ...d, points: new Float32Array(points.buffer, 0, points.length / 4), originals: bytes(d.originals),
           reconstructions: bytes(d.reconstructions), samples: bytes(d.samples) };
}

// Fixed axes over every epoch (and the prior's circles), so the codes are seen to move and spread.
function extent(r) {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const c of r.circles) { x0 = Math.min(x0, -c); x1 = Math.max(x1, c); y0 = Math.min(y0, -c); y1 = Math.max(y1, c); }
  for (let i = 0; i < r.points.length; i += 2) {
    const x = r.points[i], y = r.points[i + 1];
    if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
  }
  const px = 0.05 * (x1 - x0 || 1), py = 0.05 * (y1 - y0 || 1);
  return { x0: x0 - px, x1: x1 + px, y0: y0 - py, y1: y1 + py };
}

function canvasOf(w, h, testid) {
  const c = el("canvas", { "data-testid": testid });
  const ratio = window.devicePixelRatio || 1;
  c.width = Math.round(w * ratio); c.height = Math.round(h * ratio);
  c.style.width = `${w}px`; c.style.height = `${h}px`;
  c.getContext("2d").scale(ratio, ratio);
  return c;
}

function build(parent, r) {
  const root = el("div", { class: "replay", "data-testid": "replay" });
  const bar = el("div", { class: "replay-bar" });
  const play = el("button", { type: "button", class: "replay-play", "data-testid": "replay-play" }, "▶ Play");
  const slider = el("input", { type: "range", min: "0", max: String(r.epochs.length - 1), step: "1",
                               value: String(r.epochs.length - 1), "aria-label": "Epoch of the replay",
                               "data-testid": "replay-slider" });
  const label = el("span", { class: "replay-label", "data-testid": "replay-label" });
  bar.append(play, slider, label);
  const width = Math.max(320, Math.min(1100, (parent.host || parent).getBoundingClientRect().width || 700));
  const side = Math.floor((width - 24) / 2);
  const scale = Math.max(3, Math.ceil(MIN_IMAGE_PX / r.width));
  const charts = el("div", { class: "replay-charts" });
  const map = canvasOf(side, Math.min(420, side), "replay-map");
  const curves = canvasOf(side, Math.min(420, side), "replay-curves");
  charts.append(map, curves);
  const rows = el("div", { class: "replay-rows" });
  const grids = {};
  for (const [name, caption] of r.row_captions) {
    const count = name === "samples" ? r.sample_count : r.row_count;
    const canvas = el("canvas", { "data-testid": `replay-${name}` });
    canvas.width = count * r.width * scale; canvas.height = r.height * scale;
    const figure = el("figure");
    figure.append(canvas, el("figcaption", {}, caption));
    rows.append(figure);
    grids[name] = canvas;
  }
  root.append(bar, charts, rows, el("p", { class: "replay-note" }, r.note));
  parent.append(root);
  const inst = { root, play, slider, label, map, curves, grids, timer: null, box: extent(r) };
  slider.addEventListener("input", () => draw(inst, Number(slider.value)));
  play.addEventListener("click", () => (inst.timer ? stop(inst) : start(inst)));
  return inst;
}

function stop(inst) {
  clearInterval(inst.timer);
  inst.timer = null;
  inst.play.textContent = "▶ Play";
}

function start(inst) {
  if (Number(inst.slider.value) >= inst.r.epochs.length - 1) inst.slider.value = "0";
  inst.play.textContent = "❚❚ Pause";
  draw(inst, Number(inst.slider.value));
  inst.timer = setInterval(() => {
    const next = Number(inst.slider.value) + 1;
    if (next >= inst.r.epochs.length || !inst.root.isConnected) return stop(inst);
    inst.slider.value = String(next);
    draw(inst, next);
  }, PLAY_MS);
}

function drawMap(inst, i) {
  const r = inst.r, c = inst.map, ctx = c.getContext("2d"), b = inst.box;
  const w = parseFloat(c.style.width), h = parseFloat(c.style.height), pad = 34;
  // Equal units on both axes, as on every latent map of the app.
  const per = Math.max((b.x1 - b.x0) / (w - pad - 8), (b.y1 - b.y0) / (h - pad - 8));
  const cx = (b.x0 + b.x1) / 2, cy = (b.y0 + b.y1) / 2;
  const X = (x) => pad + (w - pad - 8) / 2 + (x - cx) / per, Y = (y) => (h - pad) / 2 + 4 - (y - cy) / per;
  ctx.clearRect(0, 0, w, h);
  ctx.strokeStyle = GRID; ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(X(0), 4); ctx.lineTo(X(0), h - pad); ctx.moveTo(pad, Y(0)); ctx.lineTo(w - 4, Y(0));
  ctx.stroke();
  ctx.fillStyle = TEXT; ctx.font = "12px sans-serif"; ctx.textAlign = "center";
  ctx.fillText(r.axis_titles[0], pad + (w - pad) / 2, h - 6);
  ctx.save(); ctx.translate(12, (h - pad) / 2); ctx.rotate(-Math.PI / 2); ctx.fillText(r.axis_titles[1], 0, 0);
  ctx.restore();
  for (const v of [b.x0, 0, b.x1]) ctx.fillText(v.toFixed(1), Math.min(w - 16, Math.max(pad + 8, X(v))), h - 20);
  const n = r.labels.length, base = i * n * 2;
  for (let k = 0; k < n; k++) {
    ctx.fillStyle = r.colours[r.labels[k] % r.colours.length];
    ctx.fillRect(X(r.points[base + 2 * k]) - 2, Y(r.points[base + 2 * k + 1]) - 2, 4, 4);
  }
  ctx.setLineDash([3, 3]); ctx.strokeStyle = TEXT;
  for (const rad of r.circles) {
    ctx.beginPath(); ctx.arc(X(0), Y(0), rad / per, 0, 2 * Math.PI); ctx.stroke();
  }
  ctx.setLineDash([]);
}

function drawCurves(inst, i) {
  const r = inst.r, c = inst.curves, ctx = c.getContext("2d"), cv = r.curves;
  const w = parseFloat(c.style.width), h = parseFloat(c.style.height), left = 52, bottom = 34;
  ctx.clearRect(0, 0, w, h);
  if (!cv.epoch.length) return;
  const all = cv.series.flatMap((s) => s.y).filter(Number.isFinite);
  const lo = Math.min(...all), hi = Math.max(...all), e0 = cv.epoch[0], e1 = cv.epoch[cv.epoch.length - 1];
  const X = (e) => left + (w - left - 10) * (e1 > e0 ? (e - e0) / (e1 - e0) : 0.5);
  const Y = (v) => 8 + (h - bottom - 8) * (hi > lo ? (hi - v) / (hi - lo) : 0.5);
  ctx.fillStyle = TEXT; ctx.font = "12px sans-serif"; ctx.textAlign = "right";
  for (const v of [lo, (lo + hi) / 2, hi]) ctx.fillText(v.toFixed(1), left - 6, Y(v) + 4);
  ctx.textAlign = "center";
  ctx.fillText(`epoch (${r.curves.ylabel})`, left + (w - left) / 2, h - 6);
  for (const e of new Set([e0, e1])) ctx.fillText(String(e), X(e), h - bottom + 16);
  const now = r.epochs[i];
  for (const s of cv.series) {
    for (const [upto, alpha, width] of [[Infinity, 0.2, 1], [now, 1, 2]]) {
      ctx.globalAlpha = alpha; ctx.strokeStyle = s.color; ctx.lineWidth = width;
      ctx.setLineDash(s.dash ? [5, 3] : []);
      ctx.beginPath();
      cv.epoch.forEach((e, k) => { if (e <= upto) (k ? ctx.lineTo(X(e), Y(s.y[k])) : ctx.moveTo(X(e), Y(s.y[k]))); });
      ctx.stroke();
    }
  }
  ctx.globalAlpha = 1; ctx.setLineDash([]); ctx.strokeStyle = TEXT; ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(X(now), 8); ctx.lineTo(X(now), h - bottom); ctx.stroke();
  ctx.textAlign = "right";  // bottom right: an ELBO climbs from the bottom left
  cv.series.forEach((s, k) => {
    ctx.fillStyle = s.color;
    ctx.fillText(`${s.dash ? "- - -" : "——"} ${s.label}`, w - 12, h - bottom - 10 - 16 * k);
  });
}

function drawRow(canvas, pixels, offset, count, w, h) {
  const img = new ImageData(count * w, h);
  for (let k = 0; k < count; k++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = pixels[offset + (k * h + y) * w + x], at = 4 * (y * count * w + k * w + x);
        img.data[at] = img.data[at + 1] = img.data[at + 2] = v; img.data[at + 3] = 255;
      }
    }
  }
  const off = document.createElement("canvas");
  off.width = count * w; off.height = h;
  off.getContext("2d").putImageData(img, 0, 0);
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
}

function draw(inst, i) {
  const t0 = performance.now(), r = inst.r, px = r.width * r.height;
  drawMap(inst, i);
  drawCurves(inst, i);
  drawRow(inst.grids.originals, r.originals, 0, r.row_count, r.width, r.height);
  drawRow(inst.grids.reconstructions, r.reconstructions, i * r.row_count * px, r.row_count, r.width, r.height);
  drawRow(inst.grids.samples, r.samples, i * r.sample_count * px, r.sample_count, r.width, r.height);
  const epoch = r.epochs[i];
  inst.label.textContent = `epoch ${epoch} of ${r.epochs_run}` +
    (r.epochs.length < r.epochs_run ? ` (${r.epochs.length} epochs recorded)` : "");
  inst.root.dataset.epoch = String(epoch);  // for tests and the bench: what is drawn, and how long it took
  inst.root.dataset.drawMs = (performance.now() - t0).toFixed(2);
}

export default function (component) {
  const { data, parentElement } = component;
  if (data.replay) store()[data.id] = unpack(data.replay);
  const r = store()[data.id];
  if (!r) {  // this browser lost what the server thinks it sent (a page kept across a restart): ask again
    component.setStateValue("need", data.id);
    return;
  }
  let inst = instances.get(parentElement);
  if (inst && inst.id === data.id) return;  // a rerun of the page: the replay and its epoch stay as they are
  if (inst) { stop(inst); inst.root.remove(); }
  inst = build(parentElement, r);
  inst.r = r; inst.id = data.id;
  instances.set(parentElement, inst);
  draw(inst, r.epochs.length - 1);
}
