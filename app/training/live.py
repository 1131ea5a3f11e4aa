"""The live part of the page: status, controls, progress with ETA, curves, KL per dimension, the 2-D map.

What changes while a run trains (the status line, the numbers, the charts, the image rows) is drawn by a
fragment that polls; what changes only when the run changes state (the buttons) is drawn by the page's full
run. A poll then re-renders a handful of elements, not the whole view; the charts and the image rows are
components that stay mounted and redraw in place.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import numpy as np
import streamlit as st

from app.common.live_images import ImageRow, grid_payload, live_image_rows
from app.common.live_plots import live_plots, load_uplot

from . import figures
from .map_hover import train_map_hover
from .run import Run
from .worker import TrainingManager

STATE_TEXT = {"queued": "waiting in the queue", "running": "training", "paused": "paused", "done": "finished",
              "stopped": "stopped", "failed": "failed", "interrupted": "interrupted"}


def controls(mgr: TrainingManager, owner: str, run: Run, resume: Callable[[Run], None]) -> None:
    state = run.state
    if run.elsewhere:
        st.info(f"This run is trained by another server of this class ({run.elsewhere}), which holds its controls: "
                "this one shows its record and its checkpoints. Reopen this page when that server is back.")
        return
    c1, c2, c3, c4 = st.columns(4)
    if state == "interrupted":
        label = f"Resume from epoch {run.checkpoint_epoch}" if run.checkpoint_epoch else "Start it again"
        if c1.button(label, key="tr_resume_run", type="primary", width="stretch",
                     help="Same settings; training goes on from the last saved state, the epochs counting on."):
            resume(run)
        return
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
    name = run.model_name[5:] if run.model_name else ""
    if state == "queued":
        st.info(f"Run {run.number} ({run.label}) is waiting: number {mgr.position(run)} in the queue. "
                f"This server trains {mgr.max_running} model(s) at a time.")
        return
    frac, eta = run.progress()
    epochs = len(run.history)
    eta_text = f", about {eta:.0f} s left" if eta is not None else ""
    doing = "starting its training process" if state == "running" and run.batch[0] == 0 else STATE_TEXT[state]
    st.progress(frac, text=f"Run {run.number} ({run.label}): {doing}, epoch {epochs} of {run.cfg.epochs}{eta_text}")
    if state == "interrupted":
        kept = (f"its last checkpoint, epoch {run.checkpoint_epoch}, is kept as ★ {name} (pick it on any page)"
                if run.checkpoint_epoch and run.has_model else "no checkpoint had been saved yet")
        st.warning(f"This run was {run.message}; {kept}.")
    elif state == "failed":
        st.error(run.message)
    elif run.message:
        st.info(run.message)
    if run.saved:
        st.success(f"Saved as ★ {name}: pick it in the Model menu of any page.")
        st.markdown(compare_link(run, mgr.runs_of(run.owner)))
    elif run.active and run.checkpoint_epoch and run.has_model:
        st.caption(f"Checkpoint so far: epoch {run.checkpoint_epoch}, as ★ {name}.")


def compare_partner(run: Run, runs: list[Run]) -> str:
    """What a finished run is best compared with: the visitor's previous saved run (a preset pair is run one
    after the other), else the shipped model of its latent size."""
    earlier = [r for r in runs if r.saved and r.model_name and r.number < run.number]
    if earlier:
        return earlier[-1].model_name
    return "mnist-16d" if run.cfg.latent_dim > 2 else "mnist-2d"


def compare_link(run: Run, runs: list[Run]) -> str:
    partner = compare_partner(run, runs)
    shown = f"★ {partner[5:]}" if partner.startswith("user:") else partner
    query = quote(f"{run.model_name},{partner}", safe=",:")
    return (f":material/compare: [Compare this model with {shown}](compare?models={query}) "
            "side by side: maps, the same images, and their figures with standard errors.")


def numbers(run: Run) -> None:
    if not run.history:
        st.caption("The charts fill in when the first epoch ends.")
        return
    last = run.history[-1]
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Validation ELBO", f"{last['val_elbo']:.2f} nats")
    m2.metric("Reconstruction", f"{last['val_reconstruction']:.2f}")
    m3.metric("KL", f"{last['val_kl']:.2f}")
    m4.metric("Active units", f"{last['val_active_units']} of {len(last['val_kl_per_dim'])}",
              help="Latent dimensions whose average KL over the validation images exceeds 0.01 nats.")


def charts(run: Run) -> None:
    """The curves, the KL per dimension and, for d = 2, the map, updated in place in the browser (uPlot on
    canvases, app/common/live_plots), empty until the first epoch ends. Built once per epoch shown; every
    poll hands them over again, and the browser redraws only when the epoch changed."""
    specs, columns = _this_epoch(run, "charts", lambda: figures.rows(run.history, run.views, run.cfg.latent_dim))
    revision = run.history[-1]["epoch"] if run.history else 0
    live_plots(specs, view=f"run {run.id}", revision=revision, key="tr_charts", columns=columns)
    if run.cfg.latent_dim != 2:
        st.caption("The latent map is drawn for a 2-D latent (d = 2).")


def _this_epoch(run: Run, name: str, build):
    """`build()` once per epoch shown: the page polls twice a second, and with epochs longer than that most
    polls see the same epoch."""
    key = (run.id, len(run.history))
    memo = st.session_state.setdefault("tr_epoch_memo", {})
    if name not in memo or memo[name][0] != key:
        memo[name] = (key, build())
    return memo[name][1]


def _image_grids(views: dict) -> list[dict]:
    labels = f"; labels {', '.join(views['sample_labels'])}" if views.get("sample_labels") else ""
    rows = [ImageRow(np.concatenate([views["originals"], views["reconstructions"]]),
                     "Validation images (top) and their reconstructions μ_D(μ(x)) (bottom)"),
            ImageRow(views["samples"], "Prior samples μ_D(z), z ~ N(0, I), fixed draws" + labels)]
    return [grid_payload(r) for r in rows]


def images(run: Run) -> None:
    if run.views:
        live_image_rows(_this_epoch(run, "images", lambda: _image_grids(run.views)),
                        revision=f"run {run.id}, epoch {run.history[-1]['epoch']}", key="tr_images")


def settings_line(run: Run) -> None:
    c = run.cfg
    st.caption(f"Settings of run {run.number}: {run.label}; hidden {', '.join(map(str, c.hidden))}; "
               f"{c.epochs} epochs, batch {c.batch_size}, learning rate {c.lr:g}, M = {c.samples}, "
               f"KL warm-up {c.kl_warmup_epochs}, seed {c.seed}.")


def live_view(mgr: TrainingManager, owner: str, current: Run, resume: Callable[[Run], None]) -> None:
    """The run the page shows. The full run draws the buttons; a fragment fills the places (containers)
    left for the status and the numbers, then draws the charts and, below them, the image rows, and does
    it again twice a second while the run is active."""
    status_box = st.container()
    settings_line(current)
    controls(mgr, owner, current, resume)
    numbers_box = st.container()
    load_uplot()
    train_map_hover(current)  # before the charts: it listens for the map they draw
    drawn = (current.id, current.state)

    def live() -> None:
        found = mgr.get(owner, current.id)
        run = found.snapshot() if found else None  # the bar, the numbers and the charts show one epoch
        if run is None or (run.id, run.state) != drawn:
            st.rerun()  # paused, resumed, finished: redraw the buttons and unlock the settings form
        with status_box:
            status_line(mgr, run)
        with numbers_box:
            numbers(run)
        charts(run)
        images(run)

    # Polls twice a second only while the run is queued, running or paused (an epoch's points reach the
    # chart within a second of its end); a finished run's page costs the server nothing.
    st.fragment(live, run_every=0.5 if current.active and not current.elsewhere else None)()
