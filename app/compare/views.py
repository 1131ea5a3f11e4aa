"""The Compare page's parts: the models picked (kept in the address), a column per model, and the table."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.common.cache import get_model
from app.common.chart_view import KeptView, keep_chart_views
from app.common.link_state import LinkValueError, prepare, publish
from app.common.palette import LOG_RATIO_RANGE
from app.common.replay_player import show_replay
from app.common.ui import image_grid, picker_models
from app.compare.cache import SUMMARY_IMAGES, prior_samples, reconstructions, summary
from app.compare.maps import map_for
from app.compare.table import card_rows, frame, measured_rows, setting_rows
from app.latent_map.hover import map_hover

MAX_MODELS = 3
DEFAULT = ("mnist-2d", "mnist-16d")
PRIOR_DRAWS = 10
HOW_COMPARED = (
    "Every figure measured here carries one standard error over the images, and a model after the first is set "
    "against the first by the mean of its per-image differences, whose standard error is smaller than either "
    "model's own (the same images, so most of the image-to-image spread cancels). The ELBO and the reconstruction "
    "term are log-probabilities for a Bernoulli decoder (of images binarised with seed 0) but log-densities for a "
    "Gaussian one, so they are set against each other only between models of one decoder; the squared error, the "
    "KL, I(x; z), the prior-hole mass and the active units compare across all. The prior-hole mass and I(x; z) "
    "are Monte Carlo figures over 10,000 draws.")


def model_choice(names: list[str], label) -> list[str]:
    """Two or three models, from the address (?models=a,b) or the page's default pair."""
    def parse(raw: str) -> list[str]:
        picked = [p for p in raw.split(",") if p]
        if not 2 <= len(picked) <= MAX_MODELS or len(set(picked)) < len(picked) or \
                any(p not in names for p in picked):
            raise LinkValueError(f"is not 2 to {MAX_MODELS} different models on this server")
        return picked
    default = [m for m in DEFAULT if m in names] or names[:2]
    prepare("compare_models", "models", parse, default)
    kept = [m for m in st.session_state.compare_models if m in names]  # a model deleted since is dropped
    if kept != st.session_state.compare_models:
        st.session_state.compare_models = kept
    picked = st.multiselect(f"Models to compare (2 or {MAX_MODELS})", names, key="compare_models",
                            default=st.session_state.compare_models,
                            max_selections=MAX_MODELS, format_func=label,
                            help="Shipped models, your own (★) and, where the server shares them, the class's.")
    publish("models", picked, default, ",".join, key="compare_models")
    return picked


def choose_models() -> list[str] | None:
    names, label = picker_models()
    picked = model_choice(names, label)
    if len(picked) < 2:
        st.info("Pick at least two models to compare.", icon=":material/compare:")
        return None
    return picked


def columns(models: list[str], data_name: str, tau: float, label) -> None:
    with st.sidebar:  # moving tau redraws every map: each keeps its pan/zoom
        keep_chart_views([KeptView(f"compare-{name}", zoom=f"compare:{name}") for name in models],
                         key="compare_view_kept")
    for col, name in zip(st.columns(len(models)), models):
        model = get_model(name)
        shape = model.config.image_shape
        with col:
            st.subheader(label(name))
            st.caption(_describe(model))
            st.plotly_chart(map_for(name, data_name, tau, f"compare-{name}"), key=f"compare_map_{name}",
                            config={"displayModeBar": False})
            map_hover(name, data_name, f"compare_hover_{name}", meta=f"compare-{name}")
            originals, recon = reconstructions(name, data_name)
            image_grid(np.concatenate([originals, recon]).reshape(-1, *shape), cols=len(originals), scale=2,
                       caption="top: the same 8 images in every column; bottom: this model's μ_D(μ(x))")
            image_grid(prior_samples(name, PRIOR_DRAWS, 0).reshape(-1, *shape), cols=5, scale=2,
                       caption="prior draws μ_D(z), z ~ N(0, I)" + _same_z(name, models))
    low, top = LOG_RATIO_RANGE
    st.caption(f"Each map: the encoder means of {data_name}'s images by class, over log q(z) − log p(z) in blue on "
               f"one scale for every map: white at {low:g} nats or below, darkest at {top:+g}; shaded: gaps, below "
               "−τ; dotted: the prior's 1, 2, 3 σ circles. A 2-D latent is drawn as it is; a larger one on the plane "
               "of its own first two principal components (the density is still the full-space one at that plane's "
               "z). Each map's axes fit its own codes: the circles give the scale.")


def _same_z(name: str, models: list[str]) -> str:
    """Which columns decode the same z: those of the same latent size (the same seed draws the same z)."""
    dim = get_model(name).config["latent_dim"]
    alike = [m for m in models if m != name and get_model(m).config["latent_dim"] == dim]
    if len(alike) == len(models) - 1:
        return ": the same z in every column"
    if alike:
        return f": the same z as every other {dim}-D model here"
    return f" (seed 0; no other model here has {dim} latent dimensions, so no other column decodes these z)"


def _describe(model) -> str:
    cfg = model.config
    decoder = f"Gaussian decoder, β² = {float(cfg['beta']) ** 2:.3g}" if cfg["likelihood"] == "gaussian" \
        else "Bernoulli decoder"
    return f"{cfg['latent_dim']}-D latent, {decoder}" + (", conditional on the label" if cfg["conditional"] else "")


def table(models: list[str], data_name: str, tau: float, label) -> None:
    headers = [label(m) for m in models]
    summaries = [summary(m, data_name, tau) for m in models]
    st.subheader("The figures side by side")
    st.markdown(f"**Measured here** on the first {SUMMARY_IMAGES:,} images of {data_name}: training-set "
                "figures (the shipped models were trained on these images), not held-out ones. The same images and "
                "the same draws for every model, so each model after the first is set against it by paired "
                "differences, image by image. A difference within two standard errors is not a difference these "
                "images can show.")
    st.table(frame(measured_rows(summaries), headers))
    st.markdown("**From each model's card**: its held-out figures, as its card states them. They are set against "
                "each other only where they are the same quantity on the same images; their standard errors are "
                "Monte Carlo errors of independent runs, combined as such.")
    st.table(frame(card_rows(models), headers))
    st.markdown("**How each was trained**")
    st.table(frame(setting_rows(models), headers))


def replays(models: list[str], label) -> None:
    """Each model's training replayed, one under another (each its own slider): how the runs formed."""
    for name in models:
        st.markdown(f"**{label(name)}**")
        show_replay(name, key=f"compare_replay_{name}")
