// Mounting for the invisible components that watch Plotly graphs on the page (chart_view.js). Python
// prepends this file to each of them: an inline components-v2 script cannot import a module of its own.
//
// One instance per mount point keeps the latest data and calls tick(inst) now and every pollMs, because
// the graphs it looks for can appear, or be redrawn, after the component ran; the timer stops once the
// component leaves the page.
function mountPolling(component, instances, pollMs, tick) {
  const { data, parentElement } = component;
  let inst = instances.get(parentElement);
  if (!inst) {
    inst = { data };
    instances.set(parentElement, inst);
    inst.timer = setInterval(() => {
      if (!parentElement.isConnected) { clearInterval(inst.timer); return; }
      tick(inst);
    }, pollMs);
  }
  inst.data = data;
  tick(inst);
}
