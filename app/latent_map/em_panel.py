"""EM stepped by hand on a 2-D latent map, as on the 1-D page: E-step / M-step / reset buttons move a
full-covariance Gaussian mixture's ellipses over samples of q(z), the codes coloured by the component with the
largest responsibility, and the mean log-likelihood drawn per M-step (vae_core.latent.em_stepper does the maths).

The stepper lives in this session's st.session_state (a visitor's clicks never move another's mixture); the
codes it steps on are shared by every session (st.cache_data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.latent_map import cache as lmc
from app.latent_map.chart import PALETTE, unvalidated
from vae_core.latent.em_stepper import MAX_K, MAX_M_STEPS, MixtureEMStepper

STATE_KEY = "map_em_stepper"
CODE_COUNTS = (500, 1000, 2000)  # the visitor picks among these: bounded work per click
BURST = 10  # EM iterations per "10 EM steps" press

E_STEP = (r"\text{E-step: } r_{ik} = \frac{\pi_k\,\mathcal N(z_i;\mu_k,\Sigma_k)}"
          r"{\sum_j \pi_j\,\mathcal N(z_i;\mu_j,\Sigma_j)}")
M_STEP = (r"\text{M-step: } N_k=\sum_i r_{ik},\quad \pi_k=\frac{N_k}{n},\quad "
          r"\mu_k=\frac{1}{N_k}\sum_i r_{ik}z_i,\quad \Sigma_k=\frac{1}{N_k}\sum_i r_{ik}"
          r"(z_i-\mu_k)(z_i-\mu_k)^\top")
MEAN_LOG_LIK = (r"\bar\ell = \frac1n\sum_{i=1}^n \log \sum_{k=1}^K \pi_k\,\mathcal N(z_i;\mu_k,\Sigma_k),"
                r"\qquad z_i \sim q(z\mid x_i)")


@st.cache_data(show_spinner=False, max_entries=16)
def em_codes(model_name: str, data_name: str, n: int) -> np.ndarray:
    """One sample z_i ~ q(z|x_i) for each of n images spread over the data set: samples of the aggregate
    posterior q(z), the same kind of codes fit_latent_prior fits."""
    mu, logvar = lmc.encodings(model_name, data_name)
    rng = np.random.default_rng(0)
    pick = np.sort(rng.choice(len(mu), size=min(n, len(mu)), replace=False))
    return mu[pick] + np.exp(0.5 * logvar[pick]) * rng.standard_normal(mu[pick].shape)


def session_stepper(state, key: tuple, codes: np.ndarray, k: int, reset: bool) -> MixtureEMStepper:
    """This session's stepper, started afresh when the model, data, K or number of codes changed, or on reset."""
    held = state.get(STATE_KEY)
    if held is None or held[0] != key or reset:
        held = (key, MixtureEMStepper.start(codes, k, seed=0))
        state[STATE_KEY] = held
    return held[1]


def ellipse(mean: np.ndarray, cov: np.ndarray, scale: float = 2.0, n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    vals, vecs = np.linalg.eigh(cov)
    t = np.linspace(0, 2 * np.pi, n)
    ring = mean[:, None] + scale * (vecs * np.sqrt(np.maximum(vals, 0))) @ np.vstack([np.cos(t), np.sin(t)])
    return ring[0], ring[1]


def steps_figure(stepper: MixtureEMStepper):
    z, p, owner = stepper.z, stepper.params, stepper.hard_assignments()
    traces = []
    for k in range(p.k):
        colour = PALETTE[k % len(PALETTE)]
        mine = owner == k
        traces.append({"type": "scattergl", "mode": "markers", "x": z[mine, 0], "y": z[mine, 1],
                       "name": f"codes with largest r_ik: k = {k + 1}", "legendgroup": str(k), "showlegend": False,
                       "marker": {"size": 4, "opacity": 0.55, "color": colour}, "hoverinfo": "skip"})
        xs, ys = ellipse(p.means[k], p.covariances[k])
        traces.append({"type": "scatter", "mode": "lines", "x": xs, "y": ys, "name": f"component {k + 1}",
                       "legendgroup": str(k), "line": {"color": colour, "width": 1.5 + 6 * float(p.weights[k])},
                       "hovertemplate": f"π = {p.weights[k]:.3f}<extra>component {k + 1}, 2σ</extra>"})
    traces.append({"type": "scatter", "mode": "markers", "x": p.means[:, 0], "y": p.means[:, 1], "name": "μ_k",
                   "marker": {"symbol": "x", "size": 10, "color": "black"},
                   "hovertemplate": "μ = (%{x:.2f}, %{y:.2f})<extra></extra>"})
    return unvalidated({"data": traces, "layout": {
        "height": 500, "margin": {"l": 40, "r": 10, "t": 40, "b": 90},
        "title": {"text": f"After {stepper.n_m_steps} M-steps (colours: the component with the largest r_ik)",
                  "font": {"size": 13}},
        "xaxis": {"title": {"text": "z₁"}}, "yaxis": {"title": {"text": "z₂"}, "scaleanchor": "x"},
        "legend": {"orientation": "h", "y": -0.16, "yanchor": "top"}, "uirevision": "em"}})


def log_likelihood_figure(lls: list[float]):
    return unvalidated({"data": [{"type": "scatter", "mode": "lines+markers", "x": list(range(len(lls))),
                                  "y": lls, "name": "ℓ̄", "hovertemplate": "M-step %{x}: ℓ̄ = %{y:.5f}<extra></extra>"}],
                        "layout": {"height": 300, "margin": {"l": 50, "r": 10, "t": 40, "b": 40},
                                   "title": {"text": "Mean log-likelihood per M-step", "font": {"size": 13}},
                                   "xaxis": {"title": {"text": "M-steps"}, "rangemode": "tozero"},
                                   "yaxis": {"title": {"text": "ℓ̄ (nats per code)"}}}})


def parameter_table(stepper: MixtureEMStepper) -> pd.DataFrame:
    p = stepper.params
    return pd.DataFrame({"π_k": p.weights, "μ_k,1": p.means[:, 0], "μ_k,2": p.means[:, 1],
                         "Σ_k,11": p.covariances[:, 0, 0], "Σ_k,12": p.covariances[:, 0, 1],
                         "Σ_k,22": p.covariances[:, 1, 1], "codes with largest r_ik":
                         np.bincount(stepper.hard_assignments(), minlength=p.k)},
                        index=[f"k={k + 1}" for k in range(p.k)])


@st.fragment
def em_steps_fragment(model_name: str, data_name: str) -> None:
    """Call only for a 2-D latent. Reruns alone on a button press."""
    st.markdown("**Step through EM on the map.** The mixture above was fitted by scikit-learn's EM in one go; "
                "here the same algorithm runs one half-step per press, on samples of $q(z)$, as on the 1-D page.")
    st.latex(E_STEP)
    st.latex(M_STEP)
    controls = st.columns([1, 1, 1, 1, 1, 1])
    k = int(controls[0].number_input("K", 1, MAX_K, 6, key="map_em_k", help=f"1 to {MAX_K} components"))
    n = int(controls[1].selectbox("codes", CODE_COUNTS, index=1, key="map_em_n",
                                  format_func=lambda c: f"{c:,} codes"))
    e_pressed = controls[2].button("E-step", key="map_em_e")
    m_pressed = controls[3].button("M-step", key="map_em_m")
    burst = controls[4].button(f"{BURST} EM steps", key="map_em_burst")
    reset = controls[5].button("Reset", key="map_em_reset")
    codes = em_codes(model_name, data_name, n)
    stepper = session_stepper(st.session_state, (model_name, data_name, k, len(codes)), codes, k, reset)
    if e_pressed:
        stepper.e_step()
    if m_pressed:
        stepper.m_step()
    if burst:
        stepper.steps(BURST)
    lls = stepper.log_likelihoods
    gain = stepper.last_gain
    st.caption(stepper.last_action + f". At most {MAX_M_STEPS} M-steps per run; {len(codes):,} codes "
               "z_i ~ q(z|x_i), one per image, from images spread over the data set.")
    metric, formula = st.columns([1, 3])
    metric.metric("Mean log-likelihood ℓ̄", f"{lls[-1]:.5f}", delta=None if gain is None else f"{gain:+.2e}",
                  help="Nats per code, of the current π_k, μ_k, Σ_k. Change from the previous M-step: EM never "
                       "makes it negative.")
    formula.latex(MEAN_LOG_LIK)
    left, right = st.columns([3, 2])
    left.plotly_chart(steps_figure(stepper), key="map_em_chart", config={"displayModeBar": False})
    right.plotly_chart(log_likelihood_figure(lls), key="map_em_ll", config={"displayModeBar": False})
    st.dataframe(parameter_table(stepper), key="map_em_params",
                    column_config={c: st.column_config.NumberColumn(format="%.3f")
                                   for c in ("π_k", "μ_k,1", "μ_k,2", "Σ_k,11", "Σ_k,12", "Σ_k,22")})
    st.caption("Ellipses: each component's 2σ contour, line width ∝ π_k; × marks μ_k. An E-step only recolours "
               "the codes (r_ik changes, ℓ̄ does not); an M-step moves the ellipses and raises ℓ̄.")
