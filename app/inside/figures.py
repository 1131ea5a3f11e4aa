"""Plotly figures for the "Inside a VAE" page; they only draw arrays computed in vae_core."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from app.common.presenter import presenting
from vae_core.vae.gradient_estimators import ESTIMATORS, LABELS

COLOURS = {"reparameterisation": "#1f77b4", "score_function": "#d62728", "score_function_baseline": "#ff7f0e"}
NODE_HEIGHT = 190
CONFIG = {"displayModeBar": False}


def scaled(height: int) -> int:
    """A measured section's chart height: taller in the presenter view, for a projector."""
    return int(height * 1.4) if presenting() else height


def _small(fig: go.Figure, height: int = NODE_HEIGHT, **layout) -> go.Figure:
    fig.update_layout(**{"height": height, "margin": dict(l=8, r=8, t=8, b=8), "showlegend": False, **layout})
    return fig


def _dims(d: int) -> list[str]:
    return [f"z{j + 1}" for j in range(d)]


def bars(values: np.ndarray, colour: str, fmt: str = ".2f", zero_line: bool = True) -> go.Figure:
    """One bar per latent dimension, with its value printed when there are few dimensions."""
    values = np.asarray(values, dtype=float)
    show_text = values.size <= 4
    fig = go.Figure(go.Bar(x=_dims(values.size), y=values, marker_color=colour,
                           text=[format(v, fmt) for v in values] if show_text else None, textposition="auto",
                           hovertemplate="%{x}: %{y:" + fmt + "}<extra></extra>"))
    if zero_line:
        fig.add_hline(y=0, line_width=1, line_color="gray")
    return _small(fig)


def paired_bars(first: np.ndarray, second: np.ndarray, names: tuple[str, str], colours: tuple[str, str]) -> go.Figure:
    dims = _dims(len(first))
    fig = go.Figure([go.Bar(x=dims, y=first, name=names[0], marker_color=colours[0],
                            hovertemplate=names[0] + " %{x}: %{y:.3f}<extra></extra>"),
                     go.Bar(x=dims, y=second, name=names[1], marker_color=colours[1],
                            hovertemplate=names[1] + " %{x}: %{y:.3f}<extra></extra>")])
    fig.update_layout(barmode="group")
    return _small(fig, showlegend=True, legend=dict(orientation="h", y=1.18, x=0, font=dict(size=11)),
                  margin=dict(l=8, r=8, t=28, b=8))


def pixel_map(values: np.ndarray, shape: tuple, title: str, colourscale: str = "Reds",
              zmin: float | None = 0.0, zmax: float | None = None) -> go.Figure:
    """An image as a heatmap (row 0 at the top) whose hover shows each pixel's value."""
    fig = go.Figure(go.Heatmap(z=np.asarray(values).reshape(shape), colorscale=colourscale, zmin=zmin, zmax=zmax,
                               colorbar=dict(thickness=8, len=0.9, title=dict(text=title, side="right")),
                               hovertemplate="row %{y}, col %{x}: %{z:.3f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", scaleanchor="x", visible=False)
    fig.update_xaxes(visible=False)
    return _small(fig, height=NODE_HEIGHT + 10)


def monte_carlo_figure(running_mean: np.ndarray, se: np.ndarray, exact: float, exact_label: str) -> go.Figure:
    m = np.arange(1, running_mean.size + 1)
    lo, hi = running_mean - 2 * se, running_mean + 2 * se
    ok = np.isfinite(se)
    fig = go.Figure([
        go.Scatter(x=np.r_[m[ok], m[ok][::-1]], y=np.r_[hi[ok], lo[ok][::-1]], fill="toself", line=dict(width=0),
                   fillcolor="rgba(31,119,180,0.2)", name="± 2 standard errors", hoverinfo="skip"),
        go.Scatter(x=m, y=running_mean, name="running estimate (1/M) Σ log p(x|z_m)", line=dict(color="#1f77b4")),
        go.Scatter(x=[1, max(m[-1], 2)], y=[exact, exact], name=exact_label, mode="lines",
                   line=dict(color="black", dash="dash")),
    ])
    fig.update_layout(height=scaled(330), margin=dict(l=50, r=10, t=10, b=40), xaxis_title="M (draws of z from q(z|x))",
                      yaxis_title="nats", legend=dict(orientation="h", y=-0.25), xaxis_type="log",
                      xaxis_range=[0, 3.02])  # log10 of 1..1000: the slider extends the line across a fixed axis
    return fig


def spread_figure(estimates: dict, component: int, label: str) -> go.Figure:
    """Each estimator's repeated estimates of one gradient component, as points over a box."""
    fig = go.Figure([go.Box(y=estimates[name][:, component], name=LABELS[name], boxpoints="all", jitter=0.4,
                            pointpos=0, marker=dict(color=COLOURS[name], size=5), line=dict(color=COLOURS[name]))
                     for name in ESTIMATORS])
    fig.update_layout(height=scaled(340), margin=dict(l=50, r=10, t=10, b=40), yaxis_title=label, showlegend=False)
    return fig


def variance_figure(ms: np.ndarray, variances: dict) -> go.Figure:
    fig = go.Figure([go.Scatter(x=ms, y=variances[name], name=LABELS[name], mode="lines+markers",
                                line=dict(color=COLOURS[name])) for name in ESTIMATORS])
    ref = variances["reparameterisation"][0] / ms
    fig.add_trace(go.Scatter(x=ms, y=ref, name="slope −1 (variance ∝ 1/M)", mode="lines",
                             line=dict(color="gray", dash="dot")))
    fig.update_layout(height=scaled(340), margin=dict(l=60, r=10, t=10, b=40), xaxis_type="log", yaxis_type="log",
                      xaxis_title="M (draws per estimate)", yaxis_title="total variance (sum over components)",
                      legend=dict(orientation="h", y=-0.3))
    return fig


def ratio_figure(ms: np.ndarray, ratios: dict) -> go.Figure:
    fig = go.Figure([go.Scatter(x=ms, y=r, name=name, mode="lines+markers", line=dict(color=COLOURS[key]))
                     for key, (name, r) in ratios.items()])
    fig.add_hline(y=1, line_color="gray", line_dash="dot")
    fig.update_layout(height=scaled(340), margin=dict(l=60, r=10, t=10, b=40), xaxis_type="log", yaxis_type="log",
                      xaxis_title="M", yaxis_title="variance ÷ reparameterised variance",
                      legend=dict(orientation="h", y=-0.3))
    return fig
