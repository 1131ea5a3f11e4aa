"""Training: change a knob, train in the browser, watch the latent space form."""

import streamlit as st

from app.common.cache import get_dataset
from app.common.ui import user_errors
from app.common.what_to_try import what_to_try
from app.training.archives import archives_panel
from app.training.live import controls, live_views, status_line
from app.training.session import get_manager, visitor_id
from app.training.settings import build_config, formulas, settings_form

st.title("Train a VAE")
st.markdown("Change a knob, train, and watch the ELBO's two terms trade off and the latent space form, epoch by "
            "epoch. Finished or stopped runs are saved to your models folder and appear, starred, in the Model "
            "menu of every page.")
formulas()
what_to_try("training")

mgr, owner = get_manager(), visitor_id()
runs = mgr.runs_of(owner)
current = runs[-1] if runs else None
busy = current is not None and current.active

with st.expander("Settings", expanded=not busy):
    values = settings_form(disabled=busy)
    if st.button("Start training", type="primary", disabled=busy, key="tr_start"):
        with user_errors():
            cfg = build_config(values)
            data = get_dataset(cfg.data)
            current = mgr.submit(owner, cfg, data, label=f"{cfg.data}-{cfg.latent_dim}d")
            st.rerun()  # redraw with the form locked and the live view polling


def live() -> None:
    runs = mgr.runs_of(owner)
    if not runs:
        st.caption("No run yet: pick a preset or set the knobs, then Start training.")
        return
    run = runs[-1].snapshot()  # the bar, the numbers and the charts all show the same epoch
    status_line(mgr, run)
    controls(mgr, owner, run)
    live_views(run)
    if not run.active and st.session_state.get("tr_seen_done") != run.id:
        st.session_state.tr_seen_done = run.id
        st.rerun()  # re-enable the settings form once the run is over


# Polls twice a second only while this visitor has a run queued or running (an epoch's points reach the chart
# within a second of its end); an idle page costs the server nothing.
st.fragment(live, run_every=0.5 if busy else None)()

st.divider()
archives_panel()
