// The 1-D page's EM buttons. Each click gets a number and joins a log of the recent clicks, which is sent to
// Python as this component's state; Python applies, in order, the clicks it has not applied yet
// (app/one_d/state.py says why: a Streamlit button pressed during a rerun is merged with the next press).
//
// The log lives on window, by component key, so it survives the component being re-created by a rerun; a new
// session (data.epoch changes) starts it again from the number the server has applied.

const MAX_CLICKS = 32;  // as app/one_d/state.py MAX_CLICKS

function logs() { return (window.__vaeEmClicks = window.__vaeEmClicks || {}); }

function logFor(data) {
  let log = logs()[data.key];
  if (!log || log.epoch !== data.epoch) {
    log = logs()[data.key] = { epoch: data.epoch, number: data.applied, clicks: [] };
  }
  log.number = Math.max(log.number, data.applied);
  return log;
}

function showPending(root, data) {
  const log = logFor(data);
  const waiting = log.number - data.applied;
  const status = root.querySelector(".status");
  status.textContent = waiting > 0 ? `${waiting} click${waiting > 1 ? "s" : ""} waiting for the server…` : "";
  root.dataset.applied = String(data.applied);
}

export default function ({ parentElement, data, setStateValue }) {
  const root = parentElement.querySelector(".em-buttons");
  root.latest = data;  // the click handlers read the newest data, not the first mount's
  for (const button of root.querySelectorAll("button[data-action]")) {
    button.onclick = () => {
      const d = root.latest, log = logFor(d);
      log.number += 1;
      log.clicks.push([log.number, button.dataset.action]);
      log.clicks = log.clicks.slice(-MAX_CLICKS);
      showPending(root, d);
      setStateValue("log", { epoch: log.epoch, clicks: log.clicks });
    };
  }
  showPending(root, data);
}
