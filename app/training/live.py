"""The live part of the page: status, controls, progress with ETA, curves, KL per dimension, the 2-D map."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from app.common.ui import image_grid

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


def curves(history: list[dict]) -> go.Figure:
    ep = [r["epoch"] for r in history]
    fig = make_subplots(rows=1, cols=3, subplot_titles=("ELBO (nats/image)", "Reconstruction E_q[log p(x|z)]",
                                                        "KL(q(z|x) ‖ p(z))"))
    for col, term in enumerate(("elbo", "reconstruction", "kl"), start=1):
        for split, dash in (("train", "solid"), ("val", "dot")):
            fig.add_trace(go.Scatter(x=ep, y=[r[f"{split}_{term}"] for r in history], mode="lines+markers",
                                     name=f"{'training' if split == 'train' else 'validation'}",
                                     line={"dash": dash, "color": "#1f77b4" if split == "train" else "#d62728"},
                                     showlegend=col == 1, legendgroup=split), row=1, col=col)
    fig.update_xaxes(title_text="epoch")
    fig.update_layout(height=300, margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h", "y": -0.3})
    return fig


def kl_bars(record: dict) -> go.Figure:
    kl = record["val_kl_per_dim"]
    fig = go.Figure(go.Bar(x=[f"z{i + 1}" for i in range(len(kl))], y=kl,
                           marker_color=["#1f77b4" if v > 0.01 else "#bbbbbb" for v in kl]))
    fig.add_hline(y=0.01, line_dash="dot", annotation_text="0.01 nats: active")
    fig.update_layout(height=260, margin={"l": 10, "r": 10, "t": 30, "b": 10}, yaxis_title="average KL (nats)",
                      yaxis_type="log" if max(kl, default=0) > 0 else "linear",
                      title="Validation KL per latent dimension")
    return fig


def latent_map(views: dict, epoch: int) -> go.Figure:
    mu, labels = views["map_mu"], np.asarray(views["map_labels"])
    fig = go.Figure()
    for label in sorted(set(labels.tolist()), key=str):
        pts = mu[labels == label]
        fig.add_trace(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name=str(label), marker={"size": 5}))
    fig.update_layout(height=380, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      title=f"μ(x) of {len(mu)} fixed validation images, epoch {epoch}",
                      xaxis_title="z1", yaxis_title="z2", yaxis_scaleanchor="x")
    return fig


def _figures(run: Run) -> dict:
    """This epoch's figures, built once: the page polls twice a second and most polls see the same epoch."""
    history, views = run.history, run.views
    key = (run.id, len(history))
    memo = st.session_state.get("tr_figures")
    if memo is None or memo[0] != key:
        figures = {"curves": curves(history), "kl": kl_bars(history[-1])}
        if "map_mu" in views:
            figures["map"] = latent_map(views, history[-1]["epoch"])
        memo = st.session_state["tr_figures"] = (key, figures)
    return memo[1]


def live_views(run: Run) -> None:
    history, views = run.history, run.views
    if not history:
        st.caption("The charts appear when the first epoch ends.")
        return
    last = history[-1]
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Validation ELBO", f"{last['val_elbo']:.2f} nats")
    m2.metric("Reconstruction", f"{last['val_reconstruction']:.2f}")
    m3.metric("KL", f"{last['val_kl']:.2f}")
    m4.metric("Active units", f"{last['val_active_units']} of {len(last['val_kl_per_dim'])}",
              help="Latent dimensions whose average KL over the validation images exceeds 0.01 nats.")
    figures = _figures(run)
    st.plotly_chart(figures["curves"], key="tr_curves")
    left, right = st.columns(2)
    with left:
        st.plotly_chart(figures["kl"], key="tr_kl")
    with right:
        if "map" in figures:
            st.plotly_chart(figures["map"], key="tr_map")
        else:
            st.caption("The latent map is drawn for a 2-D latent (d = 2).")
    if views:
        image_grid(np.concatenate([views["originals"], views["reconstructions"]]), cols=8, scale=3,
                   caption="Validation images (top) and their reconstructions μ_D(μ(x)) (bottom)")
        image_grid(views["samples"], cols=8, scale=3, caption="Prior samples μ_D(z), z ~ N(0, I), fixed draws"
                   + (f"; labels {', '.join(views['sample_labels'])}" if views.get("sample_labels") else ""))
