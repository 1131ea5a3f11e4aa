"""How the upload page draws one batch: the latent map and each image's panel."""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app.common.glossary import explain
from app.common.palette import class_colour
from app.common.presenter import presenting
from app.upload.cache import Reference, Result
from vae_core.images.report import IW_SAMPLES, OOD_PERCENTILE, error_map_rgb
from vae_core.latent.placement import ellipse
from vae_core.latent.traversal import png_bytes
from vae_core.vae.iw_stats import LOW_ESS
from vae_core.vae.pixels import FigureNames

TRAVERSAL_PAGE = "app/pages/traversal.py"
LATENT_MAP_PAGE = "app/pages/latent_map.py"
DETAILED = 8  # full panels shown at once (each holds 18 images); the summary table lists every upload

FORMULAS = [
    (r"\mathrm{ELBO}(x) = \mathbb{E}_{q(z\mid x)}[\log p(x\mid z)] - \mathrm{KL}\big(q(z\mid x)\,\|\,p(z)\big)",
     "the ELBO, split into its reconstruction term and its KL term"),
    (r"\mathrm{KL}\big(q(z\mid x)\,\|\,p(z)\big) = \tfrac12 \textstyle\sum_j \big(\mu_j^2 + \sigma_j^2 - "
     r"\log \sigma_j^2 - 1\big)", "the KL term, in closed form"),
    (r"\log p(x) \approx \log \frac{1}{K} \sum_{k=1}^{K} \frac{p(x, z_k)}{q(z_k\mid x)}, \quad z_k \sim q(z\mid x)",
     "the importance-weighted estimate of log p(x): a lower bound on average, low by an amount no standard error "
     "measures when the effective sample size (ESS) of the weights is small"),
    (r"\log p(x) = \mathrm{ELBO}(x) + \mathrm{KL}\big(q(z\mid x)\,\|\,p(z\mid x)\big)",
     "so IW − ELBO is a lower bound on the gap log p(x) − ELBO, how far q(z|x) is from the true posterior"),
    (r"\mathrm{Var}_{z\sim q(z\mid x)}\big[\log p(z) + \log p(x\mid z) - \log q(z\mid x)\big]",
     "self-consistency: zero exactly when q(z|x) = p(z|x)"),
    (r"\text{percentile}(x) = \frac{100}{n}\,\#\{i : \log \hat p(x_i) \le \log \hat p(x)\},\qquad "
     r"\text{out of distribution if } \log \hat p(x) < P_{1}",
     "the same K-sample estimate on n training images x_i; P_1 is its 1st percentile"),
]


def term_help(term: str, names: FigureNames) -> str:
    """The glossary's line for `term` in this model's words: for a grey-value score log p(x) is not a likelihood."""
    text = explain(term)
    return text if names.true_likelihood else text.replace("log p(x)", names.log_px)


def formulas(names: FigureNames) -> list[tuple[str, str]]:
    """FORMULAS with their words in this model's terms: a grey-value Bernoulli model's log p(x) is a score."""
    if names.true_likelihood:
        return FORMULAS
    return [(tex, words.replace("log p(x)", names.log_px)) for tex, words in FORMULAS]


# Streamlit's file box shows 2.25 rows of file chips and scrolls the rest out of sight: the fifth file was hidden
# behind a scroll bar few visitors see. Eight whole rows (16 files) before it scrolls; the caption below the box
# counts them all.
FILE_BOX_CSS = """<style>
.st-key-uploads [data-testid="stFileChips"] { max-height: 27rem; }
</style>"""


def chosen_files_caption(names: list[str]) -> str:
    """One line under the file box naming how many files are chosen (the box scrolls beyond 16)."""
    shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
    return f"{len(names)} file{'s' if len(names) != 1 else ''} chosen: {shown}."


UPLOAD_MAP_META = "vae-upload-map"  # layout.meta: app.common.chart_view finds the chart by it


def latent_map(ref: Reference, results: list[Result], selected: int | None = None) -> go.Figure:
    fig = go.Figure()
    for c, cname in enumerate(ref.class_names):
        index = np.flatnonzero(ref.labels == c)  # each point's data-set index: its hover image (hover_images)
        pts = ref.points[index]
        fig.add_trace(go.Scattergl(x=pts[:, 0], y=pts[:, 1], mode="markers", name=str(cname), customdata=index,
                                   marker=dict(size=3, opacity=0.5, color=class_colour(c)),
                                   hovertemplate=f"class {cname}<br>index %{{customdata}}<extra></extra>"))
    shown = []
    for i, r in enumerate(results):
        centre = ref.projection.points(r.mu[None])[0]
        ring = ellipse(centre, ref.projection.covariance(r.sigma))
        width = 3 if i == selected else 1.5
        fig.add_trace(go.Scatter(x=ring[:, 0], y=ring[:, 1], mode="lines", line=dict(color="black", width=width),
                                 showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=[centre[0]], y=[centre[1]], mode="markers", name=r.name, showlegend=False,
                                 marker=dict(symbol="star", size=24 if i == selected else 20, color="black",
                                             line=dict(color="white", width=1.5)),
                                 hovertemplate=f"{r.name}<br>guess {r.guess}<extra></extra>"))
        # An annotation, not trace text: it sits on a white box above the points, where text was hidden under them.
        fig.add_annotation(x=centre[0], y=centre[1], text=_short(r.name), showarrow=False, yshift=18,
                           bgcolor="rgba(255,255,255,0.85)", bordercolor="black", borderwidth=1, font=dict(size=12))
        shown.append(centre)
    if ref.projection.identity:
        xt, yt = "z₁", "z₂"
    else:
        ev = ref.projection.explained
        xt, yt = f"PC 1 ({ev[0]:.0%} of variance)", f"PC 2 ({ev[1]:.0%})"
    fig.update_layout(height=760 if presenting() else 520, margin=dict(l=10, r=10, t=10, b=10),
                      xaxis_title=xt, yaxis_title=yt,
                      legend=dict(itemsizing="constant", title=dict(text="class", side="left"), x=0.5,
                                  xanchor="center", y=-0.12, yanchor="top", orientation="h"), meta=UPLOAD_MAP_META)
    # Equal scales on a wide page: shrink the plot to the frame ("domain") rather than widen the x range,
    # which left most of a -8..8 axis empty at 1440 px.
    fig.update_xaxes(constrain="domain")
    fig.update_yaxes(constrain="domain")
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    # Frame the codes (0.5-99.5 percentiles) and every upload, not the few far outliers (-12..12 before).
    both = np.vstack([np.percentile(ref.points, [0.5, 99.5], axis=0)] + ([np.asarray(shown)] if shown else []))
    lo, hi = both.min(axis=0), both.max(axis=0)
    pad = 0.08 * (hi - lo) + 0.2
    fig.update_xaxes(range=[lo[0] - pad[0], hi[0] + pad[0]])
    fig.update_yaxes(range=[lo[1] - pad[1], hi[1] + pad[1]])
    return fig


def summary_table(results: list[Result], names: FigureNames) -> None:
    """Every upload on one line: a large batch stays readable, and its thumbnails are inline
    data URLs, so the browser fetches nothing per row."""
    frame = pd.DataFrame({
        "input": [_data_url(r.pixels) for r in results],
        "reconstruction": [_data_url(r.reconstruction) for r in results],
        "file": [r.name for r in results],
        "kNN guess": [r.guess for r in results],
        "vote share": [r.share for r in results],
        "ELBO": [r.elbo for r in results],
        names.log_px: [r.iw_log_px for r in results],
        "ESS": [r.ess for r in results],
        "percentile": [r.percentile for r in results],
        "out of distribution": [r.ood for r in results],
    })
    st.dataframe(frame, hide_index=True, width="stretch", key="upload_table", column_config={
        "input": st.column_config.ImageColumn("input x", width="small"),
        "reconstruction": st.column_config.ImageColumn("μ_D(μ(x))", width="small"),
        "vote share": st.column_config.NumberColumn(format="percent"),
        "ELBO": st.column_config.NumberColumn(format="%.1f", help="nats"),
        names.log_px: st.column_config.NumberColumn(format="%.1f", help="importance-weighted, nats: a lower bound"),
        "ESS": st.column_config.NumberColumn(format="%.0f", help=f"effective sample size of the {IW_SAMPLES} weights"),
        "percentile": st.column_config.NumberColumn(format="%.1f", help=f"of the training images' {names.log_px}"),
    })


def _data_url(image: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(image, scale=2)).decode()


def _short(name: str) -> str:
    return name if len(name) <= 14 else name[:12] + "…"


def _scaled(img: np.ndarray, px: int = 112) -> np.ndarray:
    k = max(1, px // img.shape[0])
    return np.round(np.kron(np.clip(img, 0, 1), np.ones((k, k))) * 255).astype(np.uint8)


def result_panel(i: int, r: Result, ref: Reference, model_name: str, names: FigureNames) -> None:
    st.image([s.preview for s in r.steps], caption=[f"{s.name}: {s.note}" for s in r.steps], width=112)
    binary = r.binarized is not None
    cols = st.columns([1, 1, 1, 1, 2] if binary else [1, 1, 1, 2])
    cols[0].image(_scaled(r.pixels), caption="model input x", width=112)
    if binary:
        cols[1].image(_scaled(r.binarized), caption="x_b ~ Bernoulli(x), seed 0: the figures are of it", width=112)
    cols[-3].image(_scaled(r.reconstruction), caption="reconstruction μ_D(μ(x))", width=112)
    cols[-2].image(error_map_rgb(r.error, max(1, 112 // r.error.shape[0])),
                   caption="error x̂ − x (red: too much ink, blue: too little)", width=112)
    fmt = lambda v: ", ".join(f"{a:+.2f}" for a in v)  # noqa: E731
    cols[-1].markdown(f"**q(z|x)**: μ = ({fmt(r.mu)})  \nσ = ({fmt(r.sigma)})")
    # The figures in two rows of their own, the panel's width: three to a row beside the images cut every label
    # ("log p(x), IW K=256" to 75 px) at 1280 px.
    m = st.columns(3) + st.columns(3)
    m[0].metric(f"{names.log_px}, IW K={r.k}", f"{r.iw_log_px:.1f}", delta=f"ESS {r.ess:.0f} of {r.k}",
                delta_color="off", delta_arrow="off",
                help="importance-weighted: a lower bound on average. " + term_help("IW bound", names)
                     + "  \n" + term_help("ESS", names))
    m[1].metric("ELBO", f"{r.elbo:.1f}", help=term_help("ELBO", names))
    m[2].metric("E_q[log p(x|z)]", f"{r.rec_term:.1f}", help=term_help("reconstruction term", names))
    m[3].metric("KL(q(z|x)‖p(z))", f"{r.kl:.2f}", help=term_help("KL term", names))
    m[4].metric("IW − ELBO", f"{r.gap:.2f}", help="a lower bound on the gap KL(q(z|x) ‖ p(z|x)). "
                + term_help("gap log p(x) − ELBO", names))
    m[5].metric("self-consistency", f"{r.self_consistency:.2f}", help=term_help("self-consistency Var[log w]", names))
    st.caption(f"The IW figure is a lower bound whose error no standard error captures: with ESS {r.ess:.0f} of "
               f"{r.k}, {'few' if r.ess < LOW_ESS else 'many'} draws carry it. {names.note[0].upper()}"
               f"{names.note[1:]}.")
    pct = f"{names.log_px} = {r.iw_log_px:.1f} nats is at the {r.percentile:.1f}th percentile of " \
          f"{len(ref.log_px)} training images' values, computed the same way (the {OOD_PERCENTILE:g}st " \
          f"percentile is {ref.threshold:.1f})"
    if r.ood:
        st.warning(f"Out of distribution: {pct}. The model finds this image unlike its training data.")
    else:
        st.caption(f"In distribution: {pct}.")
    st.markdown(f"**{len(r.neighbours)} nearest training images** in latent space — kNN guess "
                f"**{r.guess}** with {r.share:.0%} of the votes")
    st.image([_scaled(ref.images[j], 56) for j in r.neighbours],
             caption=[f"{ref.class_names[ref.labels[j]]} · d={d:.2f}" for j, d in zip(r.neighbours, r.distances)],
             width=56)
    if st.button("Open in traversal", key=f"traverse_{i}", help="Start the traversal sliders at this image's mu."):
        st.session_state["traversal_start"] = {"model": model_name, "z": [float(v) for v in r.mu],
                                               "source": f"upload: {r.name}"}
        st.switch_page(TRAVERSAL_PAGE)


def interpolate_action(results: list[Result], model_name: str) -> None:
    names = [r.name for r in results]
    c = st.columns([2, 2, 2])
    a = c[0].selectbox("From", range(len(names)), format_func=names.__getitem__, key="upload_interp_a")
    b = c[1].selectbox("To", range(len(names)), index=1, format_func=names.__getitem__, key="upload_interp_b")
    c[2].write("")
    if c[2].button("Interpolate between these two uploads", disabled=a == b,
                   help="Pick two different uploads." if a == b else None):
        st.session_state["interpolate_endpoints"] = {
            "model": model_name, "a": [float(v) for v in results[a].mu], "b": [float(v) for v in results[b].mu],
            "labels": [names[a], names[b]]}
        st.switch_page(TRAVERSAL_PAGE)
