"""EM's lower bound F(q, theta) beside the E-step / M-step buttons: the chart of F and L at every
half-step, the inequality chain with the last step's numbers, and the formulas (folded by the page). The
numbers come from vae_core.oned.em_stepper's half-step record (F from vae_core.oned.free_energy)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from vae_core.oned.em_stepper import EMStepper, HalfStep

F_FORMULA = (r"\mathcal F(q,\theta) = \frac1n\sum_{i=1}^n\Big[\underbrace{\sum_{k=1}^K q_{ik}\log\big(\pi_k\,"
             r"\mathcal N(x_i;\mu_k,\sigma_k^2)\big)}_{\mathbb E_{q}[\log p(x_i, z_i\mid\theta)]}"
             r"\;\underbrace{-\sum_{k=1}^K q_{ik}\log q_{ik}}_{H(q_i)}\Big]")
F_GAP = (r"\mathcal F(q,\theta) = \mathcal L(\theta) - \frac1n\sum_{i=1}^n "
         r"\mathrm{KL}\big(q_i\,\|\,p(z_i\mid x_i,\theta)\big) \le \mathcal L(\theta),\qquad "
         r"\mathcal L(\theta) = \frac1n\sum_{i=1}^n \log p(x_i\mid\theta)")
CHAIN = (r"\begin{aligned}\mathcal L(\theta_k) &= \mathcal F(q_{k+1},\theta_k)\\"
         r"&\le \mathcal F(q_{k+1},\theta_{k+1}) \le \mathcal L(\theta_{k+1})\end{aligned}")


BOUND_TITLE = "EM's lower bound at every half-step (training set, per point)"


def bound_axis_range(values: list[float]) -> list[float]:
    """A y range that shows every finite value with a margin: Plotly's autorange on one point, or on points
    a few 1e-9 apart, draws a frame without ticks with the point on its edge (what an uploaded CSV showed)."""
    finite = [v for v in values if np.isfinite(v)]
    if not finite:
        return [-1.0, 1.0]
    low, high = min(finite), max(finite)
    pad = max(0.08 * (high - low), 0.02 * max(1.0, abs(high)))  # one point: a frame 4 % of its value tall
    return [low - pad, high + pad]


def bound_figure(steps: list[HalfStep], height: int = 300) -> go.Figure:
    """F and L at every half-step. No Plotly title: the page writes it above the chart, where the toolbar
    cannot cover it."""
    x = [s.index for s in steps]
    labels = [f"{s.kind}-step ({s.m_steps} M-steps)" for s in steps]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=[s.log_likelihood for s in steps], mode="lines+markers", name="L(θ)",
                             text=labels, line=dict(color="#1f77b4", width=3), marker=dict(size=7)))
    fig.add_trace(go.Scatter(x=x, y=[s.bound for s in steps], mode="lines+markers", name="F(q, θ)",
                             text=labels, line=dict(color="#d62728", dash="dot", width=2),
                             marker=dict(size=7, symbol=["circle" if s.kind == "E" else "diamond" for s in steps])))
    y_range = bound_axis_range([v for s in steps for v in (s.log_likelihood, s.bound)])
    x_range = [min(x, default=0) - 0.5, max(x, default=0) + 0.5]
    fig.update_layout(xaxis_title="half-steps (circles: after an E-step, diamonds: after an M-step)",
                      yaxis_title="nats per point", height=height, margin=dict(l=60, r=10, t=20, b=40),
                      legend=dict(orientation="h", y=-0.35), hovermode="x unified",
                      xaxis=dict(range=x_range), yaxis=dict(range=y_range, nticks=6, tickformat=".4~f"))
    return fig


def chain_latex(e: HalfStep, m: HalfStep) -> str:
    """The chain with numbers, one inequality per line so it fits beside the chart."""
    k = e.m_steps
    return (rf"\begin{{aligned}}\mathcal L(\theta_{{{k}}}) &= {e.log_likelihood:.6f}\\"
            rf"= \mathcal F(q_{{{k + 1}}},\theta_{{{k}}}) &= {e.bound:.6f}\\"
            rf"\le \mathcal F(q_{{{k + 1}}},\theta_{{{k + 1}}}) &= {m.bound:.6f}\\"
            rf"\le \mathcal L(\theta_{{{k + 1}}}) &= {m.log_likelihood:.6f}\end{{aligned}}")


def chain_figures(stepper: EMStepper) -> None:
    """Beside the chart: the last E-step then M-step as the chain, with its numbers."""
    last = stepper.last_chain()
    if last is None:
        st.caption("Press M-step to see the chain L(θ_k) = F(q_{k+1}, θ_k) ≤ F(q_{k+1}, θ_{k+1}) ≤ "
                   "L(θ_{k+1}) with numbers.")
        return
    e, m = last
    st.latex(chain_latex(e, m))
    st.caption(f"The last E-step then M-step (M-step {m.m_steps}): F rose by {m.bound - e.bound:.3e}, "
               f"L by {m.log_likelihood - e.log_likelihood:.3e} nats per point; after the M-step "
               f"L − F = {m.log_likelihood - m.bound:.3e} is the mean KL from q to the new posterior.")


def bound_formulas() -> None:
    """EM's lower bound and the chain, in words and formulas (the page folds them)."""
    st.markdown("**EM's lower bound.** The E-step sets $q_{ik} = r_{ik}$, the posterior, which lifts "
                r"$\mathcal F$ up to $\mathcal L$; the M-step raises $\mathcal F$ by moving $\theta$ with $q$ "
                r"fixed, and $\mathcal L$ rises at least as much, because the gap $\mathcal L - \mathcal F$ is a KL "
                "divergence, never negative.")
    st.latex(F_FORMULA)
    st.latex(F_GAP)
    st.latex(CHAIN)
