// Live latent decoder: sliders + number boxes that re-run the VAE's MLP decoder in the
// browser on every input event, so the image follows the mouse during a drag (st.slider
// only reruns on release). On release z (and the browser's pixels) go back to Python,
// whose model.decode is the source of truth and is compared against these pixels.
// No imports and no network: it works offline (el() is dom.js's, prepended by Python).

// Parse the blob of vae_core.browser_decoder.decoder_blob (a Uint8Array) into a decoder description.
export function parseBlob(bytes) {
  const buf = bytes.slice().buffer;  // a copy: the view Streamlit hands over need not be 4-byte aligned
  const magic = String.fromCharCode(...new Uint8Array(buf, 0, 4));
  if (magic !== "VAED") throw new Error("not a decoder blob");
  const n = new DataView(buf).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 8, n)));
  let at = 8 + n;
  header.layers = header.layers.map((l) => {
    const wt = new Float32Array(buf, at, l.rows * l.cols); at += 4 * l.rows * l.cols;
    const b = new Float32Array(buf, at, l.rows); at += 4 * l.rows;
    return { rows: l.rows, cols: l.cols, wt, b };
  });
  return header;
}

// Build decode(z, label) from parseBlob's result. Each layer is y = b + sum_c x_c W[:, c] over the
// non-zero inputs (after a ReLU about half are zero), accumulated in float64.
export function createDecoder(spec) {
  const layers = spec.layers;
  const widest = Math.max(...layers.map((l) => Math.max(l.rows, l.cols)));
  const bufs = [new Float64Array(widest), new Float64Array(widest)];
  const inDim = spec.latent_dim + spec.num_classes;
  const out = layers[layers.length - 1].rows;
  return function decode(z, label) {
    // Input = [z, one-hot(label)], as model.decoder_output concatenates for a conditional model.
    let x = bufs[0];
    x.fill(0, 0, inDim);
    for (let i = 0; i < spec.latent_dim; i++) x[i] = z[i];
    if (spec.num_classes > 0) x[spec.latent_dim + (label || 0)] = 1;
    for (let k = 0; k < layers.length; k++) {
      const { rows, cols, wt, b } = layers[k];
      const y = bufs[(k + 1) % 2];
      for (let r = 0; r < rows; r++) y[r] = b[r];
      for (let c = 0; c < cols; c++) {
        const xc = x[c];
        if (xc === 0) continue;
        const off = c * rows;
        for (let r = 0; r < rows; r++) y[r] += xc * wt[off + r];
      }
      if (k < layers.length - 1) {
        for (let r = 0; r < rows; r++) if (y[r] < 0) y[r] = 0;  // ReLU between layers
      } else {
        for (let r = 0; r < rows; r++) y[r] = 1 / (1 + Math.exp(-y[r]));  // sigmoid of the logits
      }
      x = y;
    }
    return Float64Array.from(x.subarray(0, out));
  };
}

const instances = new WeakMap();

function build(parent) {
  const root = el("div", { class: "live" });
  const left = el("div", { class: "controls" });
  const right = el("div", { class: "views" });
  const image = el("canvas", { class: "image", "data-testid": "live-image", title: "browser decode, live" });
  const server = el("canvas", { class: "image server", "data-testid": "server-image", title: "server decode (PyTorch)" });
  const serverNote = el("div", { class: "fps", "data-testid": "server-note" });
  const map = el("canvas", { class: "map", "data-testid": "live-map" });
  const note = el("div", { class: "note", role: "status", "data-testid": "live-note" });
  const fps = el("div", { class: "fps", "data-testid": "live-fps" });
  const pair = el("div", { class: "pair" });
  const col = (c, t) => { const d = el("div", { class: "cell" }); d.append(c, el("div", { class: "fps" }, t)); return d; };
  pair.append(col(image, "browser, live"), col(server, "server, PyTorch"));
  right.append(pair, serverNote, map, fps);
  root.append(left, right);
  parent.append(note, root);
  return { root, left, image, server, serverNote, map, note, fps, rows: [], frames: 0, seq: 0 };
}

function sliderRow(inst, d, kl, range) {
  const row = el("div", { class: "row", "data-dim": String(d) });
  const klLabel = kl === null ? "n/a" : kl.toFixed(2);  // null: the checkpoint names no data set
  const label = el("label", { class: "name", title: `average KL ${klLabel} nats` }, `z${d + 1}`);
  const slider = el("input", { type: "range", min: -range, max: range, step: "0.01", "aria-label": `z${d + 1}`,
    "data-testid": `slider-${d}` });
  const box = el("input", { type: "number", min: -range, max: range, step: "0.01", "aria-label": `z${d + 1} value`,
    "data-testid": `box-${d}` });
  const klText = el("span", { class: "kl" }, klLabel);
  slider.addEventListener("input", () => { inst.z[d] = Number(slider.value); box.value = slider.value; render(inst); });
  slider.addEventListener("change", () => release(inst));
  box.addEventListener("change", () => {
    const v = Number(box.value);
    if (box.value.trim() === "" || !Number.isFinite(v)) {
      // A number box reports letters as an empty value, so name what is wanted rather than echo "".
      inst.note.textContent = `z${d + 1}: type a number such as 0.5 or -1.2; kept ${inst.z[d]}.`;
      box.value = inst.z[d];
      return;
    }
    const c = Math.min(range, Math.max(-range, v));
    inst.note.textContent = c !== v ? `z${d + 1} = ${v} is outside the slider range [-${range}, ${range}]; clamped to ${c}.` : "";
    inst.z[d] = c; box.value = c; slider.value = c;
    render(inst); release(inst);
  });
  row.append(label, slider, box, klText);
  inst.rows[d] = { slider, box };
  return row;
}

function layout(inst, data) {
  inst.left.replaceChildren();
  inst.rows = [];
  const range = data.range;
  const head = el("div", { class: "row head" });
  head.append(el("span", { class: "name" }, "dim"), el("span", {}, `value in [-${range}, ${range}]`),
    el("span", {}, ""), el("span", { class: "kl" }, "KL"));
  inst.left.append(head);
  data.active.forEach(([d, kl]) => inst.left.append(sliderRow(inst, d, kl, range)));
  if (data.inactive.length) {
    const group = el("details", { class: "inactive", "data-testid": "inactive-group" });
    group.append(el("summary", {}, `${data.inactive.length} inactive dimension(s): average KL < ${data.threshold} nats`));
    data.inactive.forEach(([d, kl]) => group.append(sliderRow(inst, d, kl, range)));
    inst.left.append(group);
  }
  syncControls(inst);
}

function syncControls(inst) {
  // Boxes show 4 decimals; z keeps full precision (e.g. an encoder mean) until the user edits it.
  inst.rows.forEach((r, d) => { if (r) { r.slider.value = inst.z[d]; r.box.value = +inst.z[d].toFixed(4); } });
}

function drawMap(inst, data) {
  const m = data.map, canvas = inst.map;
  canvas.style.display = m ? "block" : "none";
  inst.mapBg = null;
  if (!m) return;
  const size = 200;
  canvas.width = size; canvas.height = size;
  const bg = document.createElement("canvas");
  bg.width = size; bg.height = size;
  const g = bg.getContext("2d");
  g.fillStyle = "#fff"; g.fillRect(0, 0, size, size);
  g.strokeStyle = "#ddd"; g.beginPath();
  g.moveTo(size / 2, 0); g.lineTo(size / 2, size); g.moveTo(0, size / 2); g.lineTo(size, size / 2); g.stroke();
  m.x.forEach((x, i) => {
    g.fillStyle = m.colors[m.c[i]];
    g.fillRect(toPx(x, data.range, size) - 1, toPx(-m.y[i], data.range, size) - 1, 2, 2);
  });
  inst.mapBg = bg;
}

function toPx(v, range, size) { return ((v + range) / (2 * range)) * size; }

function render(inst) {
  const t0 = performance.now();
  const d = inst.data;
  const pixels = inst.decode(inst.z, d.label);
  inst.pixels = pixels;
  const h = d.height, w = d.width;
  const small = inst.small || (inst.small = new ImageData(w, h));
  for (let i = 0; i < h * w; i++) {
    const v = Math.round(Math.min(1, Math.max(0, pixels[i])) * 255);
    small.data[4 * i] = v; small.data[4 * i + 1] = v; small.data[4 * i + 2] = v; small.data[4 * i + 3] = 255;
  }
  const off = inst.offscreen || (inst.offscreen = document.createElement("canvas"));
  off.width = w; off.height = h;
  off.getContext("2d").putImageData(small, 0, 0);
  const c = inst.image, ctx = c.getContext("2d");
  ctx.imageSmoothingEnabled = false;  // keep pixels crisp, as the server image is
  ctx.drawImage(off, 0, 0, c.width, c.height);
  if (inst.mapBg) {
    const m = inst.map.getContext("2d"), s = inst.map.width;
    m.drawImage(inst.mapBg, 0, 0);
    m.strokeStyle = "#000"; m.lineWidth = 2; m.fillStyle = "#ff2b2b";
    m.beginPath();
    m.arc(toPx(inst.z[0], d.range, s), toPx(-inst.z[1], d.range, s), 5, 0, 2 * Math.PI);
    m.fill(); m.stroke();
  }
  inst.frames += 1;
  inst.busy = (inst.busy || 0) + performance.now() - t0;
  const now = performance.now();
  inst.stamps = (inst.stamps || []).filter((t) => now - t < 1000);
  inst.stamps.push(now);
  const n = inst.stamps.length;
  inst.fps.textContent = `browser decode: ${n} frame${n === 1 ? "" : "s"} in the last second`;
  window.__liveDecoder = { frames: inst.frames, busyMs: inst.busy, z: Array.from(inst.z), pixels: Array.from(pixels), seq: inst.seq,
    decode: (z, label) => Array.from(inst.decode(z, label)) };
}

// The server's decode of the last released z arrives with the next rerun's data, as 8-bit pixels.
function drawServer(inst, data) {
  const sv = data.server;
  if (!sv) return;
  const h = data.height, w = data.width, bytes = atob(sv.u8);
  const img = new ImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    const v = bytes.charCodeAt(i);
    img.data[4 * i] = v; img.data[4 * i + 1] = v; img.data[4 * i + 2] = v; img.data[4 * i + 3] = 255;
  }
  const off = document.createElement("canvas");
  off.width = w; off.height = h;
  off.getContext("2d").putImageData(img, 0, 0);
  const c = inst.server;
  c.width = inst.image.width; c.height = inst.image.height;
  const ctx = c.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, 0, 0, c.width, c.height);
  // gap is sent only when both decodes are of this same z.
  const gap = sv.gap === null || sv.gap === undefined ? "" : `; max |browser - server| for this z: ${sv.gap.toExponential(1)} per pixel`;
  inst.serverNote.textContent = `server decode of release #${sv.seq}${gap}`;
  if (sv.seq === inst.seq) window.__liveConfirm = { seq: sv.seq, at: performance.now() };
}

function release(inst) {
  inst.seq += 1;
  inst.setStateValue("z", { z: Array.from(inst.z), seq: inst.seq, pixels: Array.from(inst.pixels),
    nonce: inst.data.start.nonce });
  if (window.__liveDecoder) window.__liveDecoder.seq = inst.seq;
}

// The page mounts this component twice: once at page level with the weights blob as its
// data, which it parses into a window-wide registry, and once inside the sliders' fragment
// with the slider data (JSON). A release reruns only that fragment, so it resends a few kB of
// slider data, never the megabytes of weights.
function registry() { return (window.__vaeDecoders = window.__vaeDecoders || {}); }

export default function (component) {
  const { data } = component;
  if (data === null || data === undefined) return;  // a weights mount whose weights this page already has
  if (data instanceof Uint8Array) {  // the weights mount: binary data, parsed once per model
    const spec = parseBlob(data);
    if (!registry()[spec.id]) registry()[spec.id] = createDecoder(spec);
    return;
  }
  sliders(component);
}

function sliders(component) {
  const { data, parentElement, setStateValue } = component;
  let inst = instances.get(parentElement);
  if (!inst) { inst = build(parentElement); instances.set(parentElement, inst); }
  const decode = registry()[data.weights_id];
  if (!decode) {  // the weights mount has not run yet: try again shortly
    clearTimeout(inst.retry);
    inst.retry = setTimeout(() => sliders(component), 20);
    return;
  }
  inst.setStateValue = setStateValue;
  const prev = inst.data;
  inst.data = data;
  if (!prev || prev.weights_id !== data.weights_id) {
    inst.decode = decode;
    inst.small = null;
    const scale = Math.max(1, Math.floor(196 / data.height));
    inst.image.width = data.width * scale; inst.image.height = data.height * scale;
  }
  const layoutKey = JSON.stringify([data.weights_id, data.active, data.inactive, data.range]);
  if (!prev || prev.start.nonce !== data.start.nonce || inst.layoutKey !== layoutKey) {
    inst.z = Float64Array.from(data.start.z);
    inst.note.textContent = data.start.note || "";
    if (inst.layoutKey !== layoutKey) { layout(inst, data); inst.layoutKey = layoutKey; } else syncControls(inst);
  }
  if (!prev || prev.weights_id !== data.weights_id || JSON.stringify(prev.map) !== JSON.stringify(data.map)) {
    drawMap(inst, data);
  }
  render(inst);
  if (!prev || JSON.stringify(prev.server) !== JSON.stringify(data.server)) drawServer(inst, data);
}
