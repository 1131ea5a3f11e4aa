"""The 1-D page's main section: EM a half-step at a time. The buttons, then the main picture (the mixture
coloured by responsibilities), then the log-likelihood and EM's lower bound, the parameters, and the formulas
folded. It is a fragment: a click reruns this section only, never the VAE below it."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import streamlit as st

from app.common.glossary import explain
from app.common.layout import folded
from app.common.lesson_events import record
from app.common.shared_figure import content_key, shared_figure
from app.one_d import charts
from app.one_d import state as one_d_state
from app.one_d.bound import BOUND_TITLE, bound_figure, bound_formulas, chain_figures
from app.one_d.em_buttons import em_buttons
from vae_core.oned import gmm1d

PARAM_SYMBOLS = {"weights": "π", "means": "μ", "variances": "σ²"}
MEAN_LOG_LIK = (r"\bar\ell = \frac1n\sum_{i=1}^n \log \sum_{k=1}^K \pi_k\,"
                r"\mathcal N(x_i;\mu_k,\sigma_k^2)")
E_STEP = (r"\text{E-step: } r_{ik} = \frac{\pi_k\,\mathcal N(x_i;\mu_k,\sigma_k^2)}"
          r"{\sum_j \pi_j\,\mathcal N(x_i;\mu_j,\sigma_j^2)}")
M_STEP = (r"\text{M-step: } N_k=\sum_i r_{ik},\quad \pi_k=\frac{N_k}{n},\quad "
          r"\mu_k=\frac{1}{N_k}\sum_i r_{ik}x_i,\quad \sigma_k^2=\max\Big(\frac{1}{N_k}\sum_i r_{ik}"
          r"(x_i-\mu_k)^2,\ \sigma^2_{\text{floor}}\Big)")
SECONDS_KEY = "em_step_server_seconds"  # the last run of this section, for bench/bench_oned_step.py


def apply_clicks(stepper, clicks: list[str], train: np.ndarray, opts: dict, seed: int):
    """Each click in order; Restart starts a new stepper, which the later clicks then step."""
    for action in clicks:
        if action == "R":
            stepper = one_d_state.em_stepper(st.session_state, train, opts, seed, restart=True)
        elif action == "E":
            stepper.e_step(train)
        elif action == "M":
            stepper.m_step(train)
        else:
            run = stepper.run_to_convergence(train, opts["tol"], opts["max_iter"])
            record("em_run", converged=run.converged, n_iter=run.n_iter)  # the lesson's check
    return stepper


@st.fragment
def em_stepper(train, grid, truth, opts, chart_height: int):
    started = time.perf_counter()
    seed = st.session_state.get("seed", 0)
    st.subheader("Step through EM")
    clicks = em_buttons(st.session_state)
    stepper = one_d_state.em_stepper(st.session_state, train, opts, seed)
    stepper = apply_clicks(stepper, clicks, train, opts, seed)
    lls = stepper.log_likelihoods
    st.caption(stepper.last_action)
    # One order everywhere (chart, legend, table, the cross-check): components numbered by increasing mu_k.
    order = np.argsort(stepper.params.means, kind="stable")
    components = gmm1d.weighted_component_densities(grid, stepper.params)[order]
    title = f"After {stepper.n_m_steps} M-steps"
    drawn = train.size + grid.size  # a big data set's figures are not kept (shared_figure's memory bound)
    # Keyed by what they draw: every new visitor starts at the same step, so this is built once for a class.
    left, right = st.columns([3, 2])
    left.plotly_chart(shared_figure("em_gmm", content_key(train, grid, truth, components, title, chart_height),
                                    lambda: charts.gmm_figure(train, grid, truth, components, title, chart_height),
                                    values=drawn), key="em_gmm_chart")
    left.caption("Colours: each component's share of the height at x is its responsibility r_k(x).",
                 help=explain("responsibility"))
    gain = stepper.last_gain
    right.metric("Mean log-likelihood", f"{lls[-1]:.6f}", delta=None if gain is None else f"{gain:+.2e}",
                 help="Change from the previous M-step; EM never makes it negative. " + explain("EM"))
    right.plotly_chart(shared_figure("em_loglik", content_key(np.asarray(lls), chart_height),
                                     lambda: charts.log_likelihood_figure(lls, height=chart_height - 60)),
                       key="em_loglik_chart")
    chart, chain = st.columns([3, 2])
    chart.markdown(f"**{BOUND_TITLE}**")
    chart.plotly_chart(bound_figure(stepper.half_steps, chart_height - 40), key="em_bound_chart")
    with chain:
        chain_figures(stepper)
    params = {f"{PARAM_SYMBOLS[name]}_k ({name[:-1]})": np.asarray(values)[order]
              for name, values in stepper.params.to_dict().items()}
    st.dataframe(pd.DataFrame(params, index=[f"k={k + 1}" for k in range(opts["k"])]), key="em_params")
    st.caption("Components are numbered by increasing μ_k here, in the chart and in the cross-check below.")
    with folded("The mathematics: the E-step, the M-step and EM's lower bound F(q, θ)"):
        st.latex(E_STEP)
        st.latex(M_STEP)
        st.latex(MEAN_LOG_LIK + r"\quad\text{(training set, current } \pi_k,\mu_k,\sigma_k^2)")
        bound_formulas()
    st.session_state[SECONDS_KEY] = time.perf_counter() - started
