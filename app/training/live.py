"""The live part of the page: status, controls, progress with ETA, curves, KL per dimension, the 2-D map."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.common.live_figure import live_chart, live_updates
from app.common.ui import image_grid

from .figures import curves, kl_bars, latent_map
from .views import map_labels
from .worker import Run, TrainingManager

STATE_TEXT = {"queued": "waiting in the queue", "running": "training", "paused": "paused", "done": "finished",
              "stopped": "stopped", "failed": "failed"}


def controls(mgr: TrainingManager, owner: str, run: Run) -> None:
    state = run.state
    c1, c2, c3, c4 = st.columns(4)
    if state == "running":
        c1.button("Pause", key="tr_pause", on_click=mgr.pause, args=(owner, run.id), width="stretch")
    elif state == "paused":
        c1.button("Resume", key="tr_resume", on_click=mgr.resume, args=(owner, run.id), width="stretch")
    c2.button("One epoch", key="tr_step", on_click=mgr.step_epoch, args=(owner, run.id), width="stretch",
              disabled=state != "paused", help="Pause first; then train exactly one more epoch.")
    c3.button("Stop and save", key="tr_stop", on_click=mgr.stop, args=(owner, run.id), width="stretch",
              disabled=not run.active, help="Ends after the current batch; keeps the best complete epoch.")


def status_line(mgr: TrainingManager, run: Run) -> None:
    state = run.state
    if state == "queued":
        st.info(f"Run {run.id} ({run.label}) is waiting: number {mgr.position(run)} in the queue. "
                f"This server trains {mgr.max_running} model(s) at a time.")
        return
    frac, eta = run.progress()
    epochs = len(run.history)
    eta_text = f", about {eta:.0f} s left" if eta is not None else ""
    doing = "starting its training process" if state == "running" and run.batch[0] == 0 else STATE_TEXT[state]
    st.progress(frac, text=f"Run {run.id} ({run.label}): {doing}, epoch {epochs} of {run.cfg.epochs}{eta_text}")
    if state == "failed":
        st.error(run.message)
    elif run.message:
        st.info(run.message)
    if run.model_name:
        st.success(f"Saved as ★ {run.model_name[5:]}: pick it in the Model menu of any page.")


def _metrics(last: dict) -> None:
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Validation ELBO", f"{last['val_elbo']:.2f} nats")
    m2.metric("Reconstruction", f"{last['val_reconstruction']:.2f}")
    m3.metric("KL", f"{last['val_kl']:.2f}")
    m4.metric("Active units", f"{last['val_active_units']} of {len(last['val_kl_per_dim'])}",
              help="Latent dimensions whose average KL over the validation images exceeds 0.01 nats.")


def _figures(run: Run) -> dict:
    """This epoch's figures, built once: the page polls twice a second and most polls see the same epoch."""
    history, views = run.history, run.views
    key = (run.id, len(history))
    memo = st.session_state.get("tr_figures")
    if memo is None or memo[0] != key:
        figures = {"curves": curves(history), "kl": kl_bars(history[-1]["val_kl_per_dim"])}
        if "map_mu" in views:
            figures["map"] = latent_map(views["map_mu"], views["map_labels"], history[-1]["epoch"])
        memo = st.session_state["tr_figures"] = (key, figures)
    return memo[1]


def live_views(run: Run) -> None:
    history, views = run.history, run.views
    # The same elements in the same places before and after the first epoch, so that the browser mounts
    # each chart once and only updates it after that (see app/common/live_figure.py): a new Plotly graph
    # twice a second kept it too busy to show the epochs on time. Empty frames before the first epoch also
    # get Plotly loaded and drawn while the training process starts, not as the first points arrive.
    if history:
        _metrics(history[-1])
        figures = _figures(run)
    else:
        st.caption("The charts fill in when the first epoch ends.")
        figures = {"curves": curves([]), "kl": kl_bars([0.0] * run.cfg.latent_dim)}
        if run.cfg.latent_dim == 2:
            labels = map_labels(run.data, run.cfg)
            figures["map"] = latent_map(np.zeros((len(labels), 2)), labels, 0)
    live_chart(figures["curves"], key="tr_curves")
    left, right = st.columns(2)
    with left:
        live_chart(figures["kl"], key="tr_kl")
    with right:
        if "map" in figures:
            live_chart(figures["map"], key="tr_map")
        else:
            st.caption("The latent map is drawn for a 2-D latent (d = 2).")
    if not history:
        return
    live_updates(list(figures.values()), view=f"run {run.id}", revision=history[-1]["epoch"], key="tr_live")
    if views:
        image_grid(np.concatenate([views["originals"], views["reconstructions"]]), cols=8, scale=3,
                   caption="Validation images (top) and their reconstructions μ_D(μ(x)) (bottom)")
        image_grid(views["samples"], cols=8, scale=3, caption="Prior samples μ_D(z), z ~ N(0, I), fixed draws"
                   + (f"; labels {', '.join(views['sample_labels'])}" if views.get("sample_labels") else ""))
