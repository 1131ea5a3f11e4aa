// The training page's live map: hovering a point shows that validation image beside the cursor, from a sprite
// sheet sent once per browser session, with no call to the server. The map is a uPlot chart drawn by
// live_plots.js, in its component's shadow root: it announces each chart it draws ("live-plots:shown", with
// its cell), and the listener attaches there. (el is dom.js's, prepended by Python.)

const SCALE = 3, NEAR_PX = 8;

function state() { return (window.__vaeTrainHover = window.__vaeTrainHover || { sheets: {}, runs: {} }); }

function card() {
  let c = document.querySelector(".vae-train-hover-card");
  if (c) return c;
  c = floatingCard("vae-train-hover-card", "train-hover-card", "max-width:180px");  // dom.js's
  const canvas = el("canvas", { "data-testid": "train-hover-image" });
  canvas.style.cssText = "display:block;margin:0 auto;image-rendering:pixelated;background:#000";
  c.append(canvas, el("div", { class: "vae-train-hover-caption" }));
  return c;
}

function hide() { const c = document.querySelector(".vae-train-hover-card"); if (c) c.style.display = "none"; }

function nearest(u, ev) {
  const box = u.over.getBoundingClientRect(), cx = ev.clientX - box.left, cy = ev.clientY - box.top;
  let best = null, bestD = NEAR_PX * NEAR_PX;
  for (let si = 1; si < u.series.length; si++) {
    if (!u.series[si].show || !u.data[si]) continue;
    const [xs, ys] = u.data[si];
    for (let k = 0; k < xs.length; k++) {
      const dx = u.valToPos(xs[k], "x") - cx, dy = u.valToPos(ys[k], "y") - cy, d = dx * dx + dy * dy;
      if (d < bestD) { bestD = d; best = { group: si - 1, k, label: u.series[si].label }; }
    }
  }
  return best;
}

function show(cell, ev) {
  const s = state(), run = s.runs[cell.dataset.view];
  const sheet = run && s.sheets[run.sprite_id];
  const u = cell.__uplot;
  const hit = u && run && nearest(u, ev);
  if (!hit || !sheet || !sheet.complete) { hide(); return; }
  const slot = run.groups[hit.group] && run.groups[hit.group][hit.k];
  if (slot === undefined) { hide(); return; }
  const c = card(), canvas = c.querySelector("canvas"), { width: w, height: h, cols } = run;
  canvas.width = w * SCALE; canvas.height = h * SCALE;
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(sheet, (slot % cols) * w, Math.floor(slot / cols) * h, w, h, 0, 0, w * SCALE, h * SCALE);
  c.querySelector(".vae-train-hover-caption").textContent =
    `class ${hit.label}, validation image ${run.indices[slot]}; its reconstruction: on the Latent map once saved`;
  c.style.display = "block";
  c.style.left = `${ev.clientX + 16}px`; c.style.top = `${ev.clientY + 16}px`;
  window.__trainHover = { slot, index: run.indices[slot], group: hit.group, shownAt: performance.now() };  // tests
}

function attach(cell) {
  const u = cell.__uplot;
  if (!u || u.over.__vaeTrainHover) return;
  u.over.__vaeTrainHover = true;
  u.over.addEventListener("mousemove", (ev) => show(cell, ev));
  u.over.addEventListener("mouseleave", hide);
  cell.dataset.hoverReady = "true";
}

export default function (component) {
  const { data } = component, s = state();
  if (data.sprite && !s.sheets[data.sprite_id]) {
    const img = new Image();
    img.src = `data:image/png;base64,${data.sprite}`;
    s.sheets[data.sprite_id] = img;
  }
  if (!s.sheets[data.sprite_id]) component.setStateValue("need", data.sprite_id);
  s.runs[data.view] = data;
  if (!s.listening) {
    s.listening = true;
    document.addEventListener("live-plots:shown", (e) => { if (e.detail.chart === "map") attach(e.detail.cell); });
  }
  const drawn = (window.__vaeLiveCells || {}).map;  // a map drawn before this element mounted
  if (drawn && drawn.isConnected) attach(drawn);
}
