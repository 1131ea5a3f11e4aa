"""Training: change a knob, train in the browser, watch the latent space form."""

import streamlit as st

from app.common.cache import get_dataset
from app.common.class_settings import current_settings
from app.common.identity import current_visitor
from app.common.ownership import get_store, usage_bytes
from app.common.replay_player import show_replay
from app.common.ui import user_errors
from app.common.what_to_try import what_to_try
from app.training.access import access_gate, teacher_panel
from app.training.archives import archives_panel
from app.training.live import live_view
from app.training.my_models import my_models_panel
from app.training.selection import form_follows, run_picker, selected_run, show_run
from app.training.session import get_manager
from app.training.settings import build_config, formulas, settings_form

st.title("Train a VAE")
st.markdown("Change a knob, train, and watch the ELBO's two terms trade off and the latent space form, epoch by "
            "epoch. Finished or stopped runs are saved as your models and appear, starred, in the Model menu of "
            "every page; a run survives a restart of the server and can be resumed.")
formulas()
what_to_try("training")

settings = current_settings()
visitor = current_visitor(settings)
mgr = get_manager()
runs = mgr.runs_of(visitor.key)
current = selected_run(runs)
form_follows(current)
access_gate(visitor, settings)


def resume(run) -> None:
    with user_errors():
        mgr.resume_run(visitor.key, run.id, get_dataset(run.cfg.data), settings)
        st.rerun()


with st.expander("Settings", expanded=current is None or not current.active):
    values = settings_form(disabled=not visitor.may_train, budget=settings.run_image_epochs)
    if st.button("Start training", type="primary", disabled=not visitor.may_train, key="tr_start"):
        with user_errors():
            cfg = build_config(values)
            data = get_dataset(cfg.data)
            current = mgr.submit(visitor.key, cfg, data, address=visitor.address, settings=settings,
                                 owner_usage=usage_bytes(visitor.key, get_store().models()))
            show_run(current)
            st.rerun()  # redraw with the new run shown and the live view polling

if current is None:
    st.caption("No run yet: pick a preset or set the knobs, then Start training.")
else:
    show_run(current)
    run_picker(runs, current)
    live_view(mgr, visitor.key, current, resume)
    if not current.active and current.has_model:
        st.subheader("Replay this training", help="Drag the slider or press Play: the map, the curves and the "
                     "images as they were at each epoch, drawn in your browser.")
        show_replay(current.model_name, key="tr_replay")

st.divider()
my_models_panel(visitor, settings, mgr)
archives_panel(visitor, settings, mgr)
teacher_panel(visitor, settings, mgr)
