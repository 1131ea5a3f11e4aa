"""Plotly figures for the 1-D page. They draw arrays computed in vae_core."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from app.common.palette import class_colour

TRUTH_STYLE = dict(color="black", dash="dash", width=2)


# The title sits just above the axes, below the 26 px band at the top where Plotly's toolbar appears on hover:
# at the top of the figure a long title ran under the toolbar at 1280 px.
TITLE_BELOW_TOOLBAR = dict(y=1, yref="paper", yanchor="bottom", pad=dict(b=8))


def _base(title: str, x_title: str = "x", y_title: str = "density", height: int = 340) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title=dict(text=title, **TITLE_BELOW_TOOLBAR), xaxis_title=x_title, yaxis_title=y_title,
                      height=height, margin=dict(l=40, r=10, t=66, b=40), legend=dict(orientation="h", y=-0.25))
    return fig


def _add_data(fig: go.Figure, data: np.ndarray, grid: np.ndarray, truth: np.ndarray | None) -> None:
    fig.add_trace(go.Histogram(x=data, histnorm="probability density", nbinsx=80, name="training data",
                               marker_color="lightgray", opacity=0.7))
    if truth is not None:
        fig.add_trace(go.Scatter(x=grid, y=truth, name="true density", line=TRUTH_STYLE))


def data_figure(data, grid, truth) -> go.Figure:
    fig = _base("Data")
    _add_data(fig, data, grid, truth)
    return fig


def gmm_figure(data, grid, truth, components: np.ndarray, title: str, height: int = 340) -> go.Figure:
    """Weighted components stacked as coloured areas: their sum is p(x), and
    each colour's share of the height at x is the responsibility r_k(x). Component k has class colour k, as
    a class does on every page."""
    fig = _base(title, height=height)
    _add_data(fig, data, grid, truth)
    for k, comp in enumerate(components):
        fig.add_trace(go.Scatter(x=grid, y=comp, stackgroup="gmm", name=f"π_{k + 1} N(x; μ_{k + 1}, σ²_{k + 1})",
                                 line=dict(width=0.5, color=class_colour(k)), opacity=0.5))
    fig.update_layout(legend_traceorder="normal")  # stacked areas otherwise list pi_3, pi_2, pi_1
    return fig


def log_likelihood_figure(values: list[float], labels: list[str] | None = None, height: int = 280) -> go.Figure:
    fig = _base("Mean log-likelihood per EM iteration", "M-steps taken", "(1/n) Σ log p(x_i)", height=height)
    fig.add_trace(go.Scatter(x=list(range(len(values))), y=values, mode="lines+markers", name="log-likelihood",
                             text=labels))
    return fig


def vae_figure(data, grid, truth, density, components: np.ndarray | None, title: str) -> go.Figure:
    """components: p(z_j) N(x; f(z_j), sigma^2(z_j)) on the grid, shape (J, len(grid))."""
    fig = _base(title)
    _add_data(fig, data, grid, truth)
    for j, comp in enumerate(() if components is None else components):
        fig.add_trace(go.Scatter(x=grid, y=comp, line=dict(width=1, color=class_colour(j)), opacity=0.6,
                                 name="p(z_j) N(f(z_j), σ²(z_j))", legendgroup="components", showlegend=j == 0))
    fig.add_trace(go.Scatter(x=grid, y=density, name="VAE p(x)", line=dict(color="crimson", width=3)))
    return fig


def gap_figure(grid, log_p, elbo, gap, data=None) -> go.Figure:
    """Zoomed to where the data are (the grid runs far into the tails, where the gap hides the
    data's part); the gap's axis starts at 0 and has round ticks without its own grid lines."""
    fig = _base("log p(x), ELBO(x) and the gap KL(q(z|x) || p(z|x))", y_title="nats")
    fig.add_trace(go.Scatter(x=grid, y=log_p, name="log p(x)", line=dict(color="crimson")))
    fig.add_trace(go.Scatter(x=grid, y=elbo, name="ELBO(x)", line=dict(color="royalblue")))
    fig.add_trace(go.Scatter(x=grid, y=gap, name="gap = KL", yaxis="y2", line=dict(color="orange")))
    grid, log_p, elbo, gap = (np.asarray(a, dtype=float) for a in (grid, log_p, elbo, gap))
    inside = np.ones(grid.shape, bool)
    if data is not None and len(data):
        lo, hi = np.percentile(data, [0.5, 99.5])
        pad = 0.1 * (hi - lo) or 1.0
        inside = (grid >= lo - pad) & (grid <= hi + pad)
        fig.update_layout(xaxis=dict(range=[lo - pad, hi + pad]))
        low = float(np.min(elbo[inside]))
        top = float(np.max(log_p[inside]))
        fig.update_layout(yaxis=dict(range=[low - 0.05 * (top - low), top + 0.05 * (top - low)]))
    top_gap = float(np.max(gap[inside])) if inside.any() else float(np.max(gap))
    fig.update_layout(yaxis2=dict(title="gap (nats)", overlaying="y", side="right", showgrid=False,
                                  range=[0, 1.15 * top_gap if top_gap > 0 else 1.0], nticks=5, tickformat=".2~g"))
    return fig


def decoder_figure(z, mean, sigma) -> go.Figure:
    fig = _base("Decoder: f(z) ± σ(z)", "z", "x", height=300)
    fig.add_trace(go.Scatter(x=z, y=mean + sigma, line=dict(width=0), showlegend=False))
    fig.add_trace(go.Scatter(x=z, y=mean - sigma, fill="tonexty", line=dict(width=0), name="± σ(z)"))
    fig.add_trace(go.Scatter(x=z, y=mean, name="f(z)", line=dict(color="crimson")))
    return fig


def posterior_figure(post: dict, x0: float) -> go.Figure:
    if post["true"].ndim == 1:
        fig = _base(f"Posterior at x = {x0:g}", "z", "density", height=300)
        fig.add_trace(go.Scatter(x=post["z_axis"], y=post["true"], name="true p(z|x) (quadrature)"))
        fig.add_trace(go.Scatter(x=post["z_axis"], y=post["encoder"], name="encoder q(z|x)", line=dict(dash="dot")))
        return fig
    fig = _base(f"True posterior p(z|x = {x0:g}) with q(z|x) contours", "z₂", "z₁", height=360)
    fig.add_trace(go.Heatmap(x=post["z_axis"], y=post["z_axis"], z=post["true"], colorscale="Blues",
                             name="p(z|x)", showscale=False))
    fig.add_trace(go.Contour(x=post["z_axis"], y=post["z_axis"], z=post["encoder"], showscale=False,
                             contours_coloring="lines", colorscale="Reds", name="q(z|x)"))
    return fig


def training_figure(history: list[tuple[int, float]]) -> go.Figure:
    fig = _base("Training ELBO (mean per point)", "step", "ELBO", height=260)
    fig.add_trace(go.Scatter(x=[h[0] for h in history], y=[h[1] for h in history], mode="lines"))
    return fig
