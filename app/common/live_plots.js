// The training page's live charts, drawn with uPlot on canvases that stay on the page for the whole run.
// Each update is a setData on the charts already there: a millisecond or two, where Plotly redrew every
// SVG graph in full (axes, ticks, every trace), about 110 ms of the browser's main thread per update.
// uPlot (vendor/uPlot.iife.min.js) is put on `window` by an element of its own (live_plots.py); an update
// that arrives before it waits for it.
//
// Python sends rows of chart specs (app/training/figures.py): "lines" (curves over epochs), "bars" (one bar
// per category, per-bar colours, a threshold line, a log axis when asked) and "scatter" (groups of points,
// equal units on both axes). A chart keeps the user's zoom and hidden series while the same `view` (a run)
// updates it; a new view starts afresh. A chart out of sight, or in a hidden tab, waits and catches up as
// soon as it is seen again.

const instances = new WeakMap();
const GRID = "rgba(128, 128, 128, 0.22)";

function theme(el) {
  const css = getComputedStyle(el);
  const font = (css.getPropertyValue("--st-font") || "").trim() || "sans-serif";
  const text = (css.getPropertyValue("--st-text-color") || "").trim() || "#31333f";
  return { font, text };
}

function axis(th, label, extra = {}) {
  return { label, stroke: th.text, font: `12px ${th.font}`, labelFont: `13px ${th.font}`, labelSize: 22,
           grid: { stroke: GRID, width: 1 }, ticks: { stroke: GRID, width: 1 }, ...extra };
}

// Equal units per pixel on both axes around the data (or the user's zoom), as Plotly's scaleanchor did.
function equalRanges(u, want) {
  const w = u.bbox.width || 1, h = u.bbox.height || 1;
  let [x0, x1] = want.x, [y0, y1] = want.y;
  const perPx = Math.max((x1 - x0) / w, (y1 - y0) / h) || 1;
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  return { x: [cx - perPx * w / 2, cx + perPx * w / 2], y: [cy - perPx * h / 2, cy + perPx * h / 2] };
}

function extent(groups, circles = []) {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  // The prior's circles are always in view: early on they frame the codes, later they give the spread its scale.
  for (const r of circles) { x0 = Math.min(x0, -r); x1 = Math.max(x1, r); y0 = Math.min(y0, -r); y1 = Math.max(y1, r); }
  for (const g of groups) {
    for (const v of g.x) { if (v < x0) x0 = v; if (v > x1) x1 = v; }
    for (const v of g.y) { if (v < y0) y0 = v; if (v > y1) y1 = v; }
  }
  if (!isFinite(x0)) return { x: [-1, 1], y: [-1, 1] };
  const px = 0.05 * (x1 - x0 || 1), py = 0.05 * (y1 - y0 || 1);
  return { x: [x0 - px, x1 + px], y: [y0 - py, y1 + py] };
}

// The smallest KL a log axis can show; a dimension below it is drawn at the floor.
const LOG_FLOOR = 1e-4;

function dataOf(spec) {
  if (spec.kind === "lines") return [spec.x, ...spec.series.map((s) => s.y)];
  if (spec.kind === "bars") {
    const y = spec.log ? spec.y.map((v) => Math.max(v, LOG_FLOOR)) : spec.y;
    return [spec.categories.map((_, i) => i), y];
  }
  return [null, ...spec.groups.map((g) => [g.x, g.y])];
}

// What must match for a chart to be updated in place rather than built again.
function shapeOf(spec) {
  if (spec.kind === "lines") return `lines|${spec.points}|${spec.series.map((s) => s.label).join(",")}`;
  if (spec.kind === "bars") return `bars|${spec.log}|${spec.categories.length}`;
  return `scatter|${spec.groups.map((g) => g.label).join(",")}`;
}

// The prior N(0, I)'s circles of radius r (its r-sigma contours), dotted, above the points.
function circlesHook(chart) {
  return (u) => {
    const radii = chart.spec.circles;
    if (!radii || !radii.length) return;
    const { left, top, width, height } = u.bbox, ctx = u.ctx, ratio = devicePixelRatio || 1;
    const cx = u.valToPos(0, "x", true), cy = u.valToPos(0, "y", true);
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    ctx.strokeStyle = chart.th.text;
    ctx.setLineDash([2 * ratio, 3 * ratio]);
    ctx.fillStyle = chart.th.text;
    ctx.font = `${11 * ratio}px ${chart.th.font}`;
    ctx.textBaseline = "bottom";
    for (const r of radii) {
      const rx = Math.abs(u.valToPos(r, "x", true) - cx), ry = Math.abs(u.valToPos(r, "y", true) - cy);
      ctx.lineWidth = (r === radii[radii.length - 1] ? 1.5 : 1) * ratio;
      ctx.beginPath();
      ctx.ellipse(cx, cy, rx, ry, 0, 0, 2 * Math.PI);
      ctx.stroke();
    }
    const outer = radii[radii.length - 1];
    ctx.fillText(`prior ${outer}σ`, cx + 0.71 * Math.abs(u.valToPos(outer, "x", true) - cx) + 3 * ratio,
                 cy - 0.71 * Math.abs(u.valToPos(outer, "y", true) - cy));
    ctx.restore();
  };
}

function thresholdHook(chart) {
  return (u) => {
    const t = chart.spec.threshold;
    if (!t) return;
    const y = Math.round(u.valToPos(chart.spec.log ? Math.max(t.y, LOG_FLOOR) : t.y, "y", true));
    const { left, width } = u.bbox, ctx = u.ctx, ratio = devicePixelRatio || 1;
    ctx.save();
    ctx.strokeStyle = chart.th.text;
    ctx.setLineDash([3 * ratio, 3 * ratio]);
    ctx.lineWidth = ratio;
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + width, y);
    ctx.stroke();
    ctx.fillStyle = chart.th.text;
    ctx.globalAlpha = 0.75;
    ctx.font = `${11 * ratio}px ${chart.th.font}`;
    ctx.textAlign = "right";
    ctx.textBaseline = "bottom";
    ctx.fillText(t.label, left + width - 4 * ratio, y - 2 * ratio);
    ctx.restore();
  };
}

// uPlot's scatter mode (mode 2) leaves drawing the points to the caller: one filled path per group.
function dots(color) {
  return (u, si) => {
    const [xs, ys] = u.data[si];
    const { left, top, width, height } = u.bbox, ctx = u.ctx, r = 2.5 * (devicePixelRatio || 1);
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    ctx.fillStyle = color;
    ctx.beginPath();
    for (let i = 0; i < xs.length; i++) {
      const x = u.valToPos(xs[i], "x", true), y = u.valToPos(ys[i], "y", true);
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, 2 * Math.PI);
    }
    ctx.fill();
    ctx.restore();
    return null;
  };
}

function logRange(spec) {
  return (u, lo, hi) => {
    const top = Math.max(hi, spec.threshold ? spec.threshold.y : LOG_FLOOR, LOG_FLOOR);
    const bottom = Math.min(lo, spec.threshold ? spec.threshold.y : top, top) / 2;
    return [Math.max(bottom, LOG_FLOOR), top * 2];
  };
}

function options(chart, width) {
  const { spec, th } = chart;
  const base = { width, height: spec.height, title: spec.title, legend: { show: spec.legend !== false, live: false },
                 cursor: { drag: { x: true, y: spec.kind === "scatter", setScale: spec.kind !== "scatter" } },
                 hooks: { setSelect: [(u) => onSelect(chart, u)], draw: [thresholdHook(chart), circlesHook(chart)] } };
  if (spec.kind === "lines") {
    return { ...base, scales: { x: { time: false } },
             axes: [axis(th, spec.xlabel), axis(th, spec.ylabel || "", { size: 52 })],
             series: [{ label: spec.xlabel },
                      ...spec.series.map((s) => ({ label: s.label, stroke: s.color, width: 2,
                                                   dash: s.dash ? [4, 4] : undefined,
                                                   points: { show: spec.points, size: 5, fill: s.color } }))] };
  }
  if (spec.kind === "bars") {
    const cats = spec.categories;
    return { ...base, cursor: { ...base.cursor, drag: { x: false, y: false } },
             scales: { x: { time: false, range: (u, lo, hi) => [lo - 0.5, hi + 0.5] },
                       y: spec.log ? { distr: 3, log: 10, range: logRange(spec) }
                                   : { range: (u, lo, hi) => [0, Math.max(hi, 0.02) * 1.05] } },
             axes: [axis(th, "", { values: (u, splits) => splits.map((i) => cats[i] ?? ""),
                                   splits: () => cats.map((_, i) => i), grid: { show: false } }),
                    axis(th, spec.ylabel, { size: 52 })],
             series: [{ label: "dimension", value: (u, i) => (i == null ? "" : cats[i] ?? "") },
                      { label: spec.ylabel, paths: window.uPlot.paths.bars({ size: [0.6, 80],
                          disp: { fill: { unit: 3, values: () => chart.spec.colors } } }),
                        fill: spec.colors[0], stroke: "transparent", points: { show: false },
                        fillTo: (u) => (spec.log ? u.scales.y.min : 0),
                        value: (u, v, si, i) => (i == null ? "" : chart.spec.y[i].toPrecision(3)) }] };
  }
  // Hiding a class in the legend makes uPlot reset the scales it does not range itself: set them again.
  base.hooks.setSeries = [() => chart.u && fitScatter(chart)];
  return { ...base, mode: 2,
           scales: { x: { time: false, auto: false }, y: { auto: false } },
           axes: [axis(th, spec.xlabel), axis(th, spec.ylabel, { size: 44 })],
           series: [{}, ...spec.groups.map((g) => ({ label: g.label, stroke: g.color, fill: g.color,
                                                     paths: dots(g.color), points: { show: false } }))] };
}

// A drag on the map zooms both axes (equal units kept); on the curves uPlot zooms x itself.
function onSelect(chart, u) {
  const s = u.select;
  if (s.width < 3) return;
  if (chart.spec.kind === "scatter") {
    chart.zoom = { x: [u.posToVal(s.left, "x"), u.posToVal(s.left + s.width, "x")],
                   y: [u.posToVal(s.top + s.height, "y"), u.posToVal(s.top, "y")] };
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    fitScatter(chart);
  }
  chart.zoomed = true;
}

function fitScatter(chart) {
  const r = equalRanges(chart.u, chart.zoom || extent(chart.spec.groups, chart.spec.circles));
  chart.u.batch(() => {
    chart.u.setScale("x", { min: r.x[0], max: r.x[1] });
    chart.u.setScale("y", { min: r.y[0], max: r.y[1] });
  });
}

function build(chart, width) {
  chart.u?.destroy();
  chart.zoom = null;
  chart.zoomed = false;
  chart.u = new window.uPlot(options(chart, width), dataOf(chart.spec), chart.cell);
  chart.cell.__uplot = chart.u;  // for tests: the chart's scales and series
  chart.u.over.addEventListener("dblclick", () => {  // uPlot's own double-click resets the curves' zoom
    chart.zoomed = false;
    chart.zoom = null;
    if (chart.spec.kind === "scatter") fitScatter(chart);
  });
  if (chart.spec.kind === "scatter") fitScatter(chart);
}

function draw(chart) {
  const { u, spec } = chart;
  if (spec.kind === "scatter") {
    u.setData(dataOf(spec), false);
    fitScatter(chart);
  } else {
    u.setData(dataOf(spec), !chart.zoomed);
  }
  if (u.root.querySelector(".u-title").textContent !== spec.title) u.root.querySelector(".u-title").textContent = spec.title;
}

function seen(chart) {
  return chart.inView && !document.hidden;
}

// Applies the chart's latest spec if it is in sight and not shown yet.
function apply(inst, chart) {
  if (!chart.pending || !seen(chart)) return;
  if (!window.uPlot) { setTimeout(() => apply(inst, chart), 50); return; }
  const { spec, view, revision } = chart.pending;
  chart.pending = null;
  const width = Math.max(200, Math.floor(chart.cell.clientWidth));
  chart.spec = spec;
  try {
    if (!chart.u || chart.view !== view || chart.shape !== shapeOf(spec)) {
      build(chart, width);
      chart.view = view;
      chart.shape = shapeOf(spec);
      chart.cell.style.minHeight = "";
    } else {
      draw(chart);
    }
  } catch (err) {  // one chart that cannot draw leaves the others (and the page) alone
    console.error(`live chart ${spec.id}:`, err);
    chart.u = null;
    return;
  }
  chart.cell.dataset.view = view;  // for tests and the bench: which run and which update it shows
  chart.cell.dataset.liveRevision = String(revision);
  if (spec.circles) chart.cell.dataset.circles = spec.circles.join(",");  // for tests: the prior circles drawn
  // The same, as an event on the document: a listener there outlives the element's host, which Streamlit
  // may replace between reruns (bench/bench_train.py times each epoch's arrival with it).
  // The cell goes with it, and stays findable: the training map's hover (app/training/map_hover.js) attaches
  // to its chart, in this component's shadow root, whether it mounted before or after the chart was drawn.
  (window.__vaeLiveCells = window.__vaeLiveCells || {})[spec.id] = chart.cell;
  document.dispatchEvent(new CustomEvent("live-plots:shown", { detail: { chart: spec.id, view, revision,
                                                                         cell: chart.cell } }));
}

function chartFor(inst, spec, row) {
  let chart = inst.charts.get(spec.id);
  if (!chart) {
    const cell = document.createElement("div");
    cell.className = "live-plot";
    cell.dataset.chart = spec.id;
    cell.style.minHeight = `${spec.height + 60}px`;  // its place kept until it is drawn (out of sight, it waits)
    chart = { cell, th: inst.th, inView: true, pending: null, u: null };
    new IntersectionObserver((entries) => {
      chart.inView = entries[entries.length - 1].isIntersecting;
      apply(inst, chart);
    }).observe(cell);
    inst.charts.set(spec.id, chart);
  }
  if (chart.cell.parentElement !== row) row.appendChild(chart.cell);
  return chart;
}

function mount(parentElement) {
  const root = document.createElement("div");
  root.className = "live-plots";
  parentElement.appendChild(root);
  const inst = { root, rows: [], charts: new Map(), th: theme(root) };
  new ResizeObserver(() => {
    for (const chart of inst.charts.values()) {
      const width = Math.max(200, Math.floor(chart.cell.clientWidth));
      if (chart.u && chart.u.width !== width) {
        chart.u.setSize({ width, height: chart.spec.height });
        if (chart.spec.kind === "scatter") fitScatter(chart);
      }
    }
  }).observe(root);
  document.addEventListener("visibilitychange", () => inst.charts.forEach((c) => apply(inst, c)));
  return inst;
}

export default function (component) {
  const { data, parentElement } = component;
  let inst = instances.get(parentElement);
  if (!inst) { inst = mount(parentElement); instances.set(parentElement, inst); }
  const wanted = new Set();
  data.rows.forEach((specs, r) => {
    if (!inst.rows[r]) {
      inst.rows[r] = document.createElement("div");
      inst.rows[r].className = "live-row";
      inst.root.appendChild(inst.rows[r]);
    }
    inst.rows[r].style.setProperty("--columns", String(data.columns?.[r] ?? specs.length));
    for (const spec of specs) {
      wanted.add(spec.id);
      const chart = chartFor(inst, spec, inst.rows[r]);
      const received = `${data.view}|${data.revision}`;
      if (chart.received === received) continue;  // every poll hands the figures over, most often the same
      chart.received = received;
      chart.pending = { spec, view: data.view, revision: data.revision };
      apply(inst, chart);
    }
  });
  for (const [id, chart] of inst.charts) {
    if (!wanted.has(id)) { chart.u?.destroy(); chart.cell.remove(); inst.charts.delete(id); }
  }
  inst.rows.splice(data.rows.length).forEach((row) => row.remove());
}
