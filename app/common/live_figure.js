// Updates a Plotly chart in place while a run trains: Plotly.react on the graph that is already on the
// page, instead of a new graph for every update.
//
// Why this exists: st.plotly_chart derives a chart's element id from its figure, so a figure whose data
// changes is mounted as a brand-new Plotly graph. On the training page that happened twice a second for
// three charts; headless Chromium then spent about 70% of its main thread rebuilding graphs (long tasks
// of 3.6 s in every 5 s, measured), the epoch-to-chart lag grew past a second and clicks on other tabs
// slowed. Python draws each chart once as a skeleton whose figure does not change during a run (its
// element id stays), and hands the current figure to this component, which finds the graph by
// layout.meta and updates it with Plotly.react, keeping Streamlit's theme and the user's zoom.

const POLL_MS = 100;
const instances = new WeakMap();

function findGraph(meta) {
  return [...document.querySelectorAll(".js-plotly-plot")].find((g) => g.layout && g.layout.meta === meta) || null;
}

// Streamlit themed the skeleton's layout (template, fonts, colours); the update keeps that and takes the
// rest (titles, axis types, annotations, shapes) from the new figure. Within one view (a run) the user's
// pan or zoom stays; a new view starts from autoscaled axes.
function mergedLayout(gd, layout, sameView) {
  const merged = { ...gd.layout };
  for (const [k, v] of Object.entries(layout)) {
    if (k === "template") continue;
    const base = merged[k];
    merged[k] = base && typeof base === "object" && !Array.isArray(base) && v && typeof v === "object" && !Array.isArray(v)
      ? { ...base, ...v } : v;
  }
  if (!sameView) {
    for (const k of Object.keys(merged)) {
      if (/^[xy]axis\d*$/.test(k) && merged[k] && typeof merged[k] === "object") {
        const { range, ...axis } = merged[k];
        merged[k] = { ...axis, autorange: true };
      }
    }
  }
  merged.uirevision = layout.meta;
  return merged;
}

// A graph scrolled out of sight, or in a hidden tab, waits: the timer applies the latest figure within
// POLL_MS of its coming back into view. A student reading the images below the charts, or another tab,
// costs the browser nothing while the run trains.
function inView(gd) {
  if (document.hidden) return false;
  if (!gd.__liveObserver) {
    gd.__liveInView = true;
    gd.__liveObserver = new IntersectionObserver((entries) => {
      gd.__liveInView = entries[entries.length - 1].isIntersecting;
    });
    gd.__liveObserver.observe(gd);
  }
  return gd.__liveInView;
}

function apply(inst) {
  const P = window.Plotly;
  if (!P) return;
  for (const chart of inst.data.charts || []) {
    const gd = findGraph(chart.meta);
    if (!gd || !gd._fullLayout) continue;  // not mounted yet: the next tick tries again
    // Already showing this update? Every poll hands over the figure again, most often the same epoch's.
    // A rerun that redrew the skeleton replaced gd.data, so the second test puts the figure back then.
    const sameView = gd.__liveView === chart.view;
    if (sameView && gd.__liveRevision === chart.revision && gd.data === gd.__liveApplied) continue;
    if (!inView(gd)) continue;
    // Classes the user hid in the legend stay hidden within a view (Plotly's uirevision did not carry
    // them over here).
    const hidden = new Set(sameView ? (gd.data || []).filter((t) => t.visible === "legendonly").map((t) => t.name) : []);
    const data = chart.figure.data.map((t) => (hidden.has(t.name) ? { ...t, visible: "legendonly" } : t));
    P.react(gd, data, mergedLayout(gd, chart.figure.layout, sameView));
    gd.__liveApplied = data;
    gd.__liveView = chart.view;
    gd.__liveRevision = chart.revision;
    gd.dataset.liveRevision = String(chart.revision);  // for tests: which update the graph shows
  }
}

export default function (component) {
  mountPolling(component, instances, POLL_MS, apply);
}
