// DOM helpers shared by the components' scripts (chart_view.js, live_decoder.js, latent_map/click.js).
// Python prepends this file to each script (app/common/component_js.py): an inline components-v2 script is
// loaded from a blob URL, so it cannot import a module of its own.

// An element with its attributes and, optionally, its text.
function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

// The Plotly chart whose layout.meta names it: st.plotly_chart gives no id of our choosing, and the page
// may hold other charts.
function findGraph(meta) {
  return [...document.querySelectorAll(".js-plotly-plot")].find((g) => g.layout && g.layout.meta === meta) || null;
}

// For the components that watch Plotly graphs drawn by sibling elements: the graphs can appear, or be
// re-created by a rerun, after the component ran, so they are looked for again every pollMs.
//
// One instance per mount point (create(parentElement) builds it, {} by default) keeps the latest data and
// is passed to tick(inst) every pollMs; once the component leaves the page the timer stops and
// unmount(inst), if given, undoes what tick set up outside it. Returns the instance, for the caller to
// update and tick at once.
function mountPolling(component, instances, pollMs, tick, { create = () => ({}), unmount } = {}) {
  const { data, parentElement } = component;
  let inst = instances.get(parentElement);
  if (!inst) {
    inst = create(parentElement);
    instances.set(parentElement, inst);
    inst.timer = setInterval(() => {
      if (!parentElement.isConnected) {  // isConnected also works inside a shadow root
        clearInterval(inst.timer);
        if (unmount) unmount(inst);
        return;
      }
      tick(inst);
    }, pollMs);
  }
  inst.data = data;
  return inst;
}

// Greyscale pixels in [0, 1] (w x h, row-major) drawn to fill `canvas`, crisp (nearest neighbour, like the
// server's PNGs).
function drawPixels(canvas, pixels, w, h) {
  const img = new ImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    const v = Math.round(Math.min(1, Math.max(0, pixels[i])) * 255);
    img.data[4 * i] = v; img.data[4 * i + 1] = v; img.data[4 * i + 2] = v; img.data[4 * i + 3] = 255;
  }
  const off = document.createElement("canvas");
  off.width = w; off.height = h;
  off.getContext("2d").putImageData(img, 0, 0);
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
}

// A hover card: a fixed box on the page body, above everything and never in the way of the mouse, hidden until
// shown. The map hovers (hover_images.js, app/training/map_hover.js) fill it.
function floatingCard(className, testid, extraCss = "") {
  const c = el("div", { class: className, "data-testid": testid });
  c.style.cssText = "position:fixed;display:none;pointer-events:none;z-index:100000;background:#fff;" +
    "border:1px solid #bbb;border-radius:6px;padding:6px;box-shadow:0 2px 8px rgba(0,0,0,.25);" +
    "font:12px sans-serif;color:#333;text-align:center;" + extraCss;
  document.body.append(c);
  return c;
}
