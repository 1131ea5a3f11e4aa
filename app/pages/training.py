"""Training: change a knob, train in the browser, watch the latent space form."""

import streamlit as st

from app.common.cache import get_dataset
from app.common.ui import user_errors
from app.common.what_to_try import what_to_try
from app.training.archives import archives_panel
from app.training.live import live_view
from app.training.session import get_manager, remember_visitor, visitor_id
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


if current is None:
    st.caption("No run yet: pick a preset or set the knobs, then Start training.")
else:
    remember_visitor()
    live_view(mgr, owner, current)

st.divider()
archives_panel()
