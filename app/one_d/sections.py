"""The 1-D page's sections, top to bottom: the data and settings, the GMM fitted by EM (a stepper, then the
full fit checked against scikit-learn's), the VAE's density, and the two side by side."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from app.common.shared_figure import content_key, shared_figure
from app.one_d import charts as charts
from app.one_d import state as one_d_state
from app.one_d.bound import bound_section
from app.one_d.cache import fitted_gmm, shared_vae, truth_curve, truth_summary_of
from app.one_d.controls import data_controls, gmm_controls, vae_controls
from vae_core.errors import VAECoreError
from vae_core.oned import data1d, em_budget, gmm1d, vae1d

PARAM_SYMBOLS = {"weights": "π", "means": "μ", "variances": "σ²"}
MEAN_LOG_LIK = (r"\bar\ell = \frac1n\sum_{i=1}^n \log \sum_{k=1}^K \pi_k\,"
                r"\mathcal N(x_i;\mu_k,\sigma_k^2)")


@dataclass(frozen=True)
class Setup:
    """What the sidebar chose, and the data it gave: every section below draws from it."""

    train: np.ndarray
    test: np.ndarray
    spec: data1d.MixtureSpec | None  # the true mixture; None for an uploaded CSV
    opts: dict  # the GMM's settings, max_iter already capped
    config: vae1d.VAE1DConfig
    grid: np.ndarray  # the x values every density is drawn at
    truth: np.ndarray | None  # the true density on the grid
    warnings: list[str]  # about the data and the settings, already shown


@dataclass(frozen=True)
class GMMFit:
    model: gmm1d.GaussianMixture1D
    summary: dict


@dataclass(frozen=True)
class VAEFit:
    model: vae1d.VAE1D
    summary: dict
    density: np.ndarray  # on the grid
    fits: str  # content key of both fits, shared by the figures drawn from them


def show_errors_and_stop(exc: VAECoreError) -> None:
    st.error(str(exc))
    st.stop()


def settings() -> Setup:
    """The sidebar, then its warnings and the data's size; a setting that cannot work stops the page with
    a message."""
    try:
        train, test, spec, data_warnings = data_controls()
        opts = gmm_controls()
        config = vae_controls(st.session_state.get("seed", 0))
        data_warnings = data_warnings + data1d.check_fit_data(train, opts["k"])
        capped = em_budget.capped_max_iter(train.size, opts["k"], opts["max_iter"], opts["n_init"])
        if capped < opts["max_iter"]:  # a visitor's settings never buy hours of the server's CPU
            data_warnings.append(em_budget.cap_message(train.size, opts["k"], opts["max_iter"], opts["n_init"], capped))
            opts["max_iter"] = capped
    except VAECoreError as exc:
        show_errors_and_stop(exc)
    for warning in data_warnings:
        st.warning(warning)
    grid, truth = truth_curve(spec, train)
    st.caption(f"{train.size:,} training points, {test.size:,} test points")
    return Setup(train, test, spec, opts, config, grid, truth, data_warnings)




@st.fragment
def em_stepper(train, grid, truth, opts):
    st.subheader("Step through EM")
    st.latex(r"\text{E-step: } r_{ik} = \frac{\pi_k\,\mathcal N(x_i;\mu_k,\sigma_k^2)}"
             r"{\sum_j \pi_j\,\mathcal N(x_i;\mu_j,\sigma_j^2)}")
    st.latex(r"\text{M-step: } N_k=\sum_i r_{ik},\quad \pi_k=\frac{N_k}{n},\quad "
             r"\mu_k=\frac{1}{N_k}\sum_i r_{ik}x_i,\quad \sigma_k^2=\max\Big(\frac{1}{N_k}\sum_i r_{ik}"
             r"(x_i-\mu_k)^2,\ \sigma^2_{\text{floor}}\Big)")
    cols = st.columns(4)
    restart = cols[3].button("Restart", key="em_restart")
    stepper = one_d_state.em_stepper(st.session_state, train, opts, st.session_state.get("seed", 0), restart)
    if cols[0].button("E-step", key="em_e"):
        stepper.e_step(train)
    if cols[1].button("M-step", key="em_m"):
        stepper.m_step(train)
    if cols[2].button("Run to convergence", key="em_run"):
        stepper.run_to_convergence(train, opts["tol"], opts["max_iter"])
    lls = stepper.log_likelihoods
    st.caption(stepper.last_action)
    metric, formula = st.columns([1, 3])
    gain = stepper.last_gain
    metric.metric("Mean log-likelihood", f"{lls[-1]:.6f}", delta=None if gain is None else f"{gain:+.2e}",
                  help="Change from the previous M-step; EM never makes it negative.")
    formula.latex(MEAN_LOG_LIK + r"\quad\text{(training set, current } \pi_k,\mu_k,\sigma_k^2)")
    left, right = st.columns([3, 2])
    # One order everywhere (chart, legend, this table, the cross-check): components numbered by increasing mu_k.
    order = np.argsort(stepper.params.means, kind="stable")
    components = gmm1d.weighted_component_densities(grid, stepper.params)[order]
    title = f"After {stepper.n_m_steps} M-steps (colours: responsibilities)"
    drawn = train.size + grid.size  # a big data set's figures are not kept (shared_figure's memory bound)
    # Keyed by what they draw: every new visitor starts at the same step, so this is built once for a class.
    left.plotly_chart(shared_figure("em_gmm", content_key(train, grid, truth, components, title),
                                    lambda: charts.gmm_figure(train, grid, truth, components, title),
                                    values=drawn))
    right.plotly_chart(shared_figure("em_loglik", content_key(np.asarray(lls)),
                                     lambda: charts.log_likelihood_figure(lls)))
    bound_section(stepper)
    params = {f"{PARAM_SYMBOLS[name]}_k ({name[:-1]})": np.asarray(values)[order]
              for name, values in stepper.params.to_dict().items()}
    st.dataframe(pd.DataFrame(params, index=[f"k={k + 1}" for k in range(opts["k"])]), key="em_params")
    st.caption("Components are numbered by increasing μ_k here, in the chart and in the cross-check below.")


def gmm_section(setup: Setup) -> GMMFit:
    """EM a step at a time, then the full fit with every restart, checked against scikit-learn's."""
    s = setup
    try:
        em_stepper(s.train, s.grid, s.truth, s.opts)
        model, summary, check = fitted_gmm(s.train, s.test, s.spec, **s.opts, seed=st.session_state.get("seed", 0))
    except VAECoreError as exc:
        show_errors_and_stop(exc)
    for warning in model.warnings_:
        if warning not in s.warnings:
            st.warning(warning)
    cross_check(s, model, check)
    return GMMFit(model, summary)


def cross_check(setup: Setup, model: gmm1d.GaussianMixture1D, check: dict | None) -> None:
    """Our fit beside scikit-learn's (check None: too large to run here, so ours alone)."""
    st.subheader("Cross-check with scikit-learn's GaussianMixture")
    st.caption("Same K, tol, max_iter and n_init; sklearn starts from its own k-means and adds its reg_covar "
               "to the variances where we floor them, so expect agreement to about tol, not to the last digit.")
    if check is None:
        st.info(f"scikit-learn's fit is skipped on this server for settings this large (points x K x restarts "
                f"above {em_budget.MAX_CROSS_CHECK_SIZE:,}): its k-means start alone would take minutes. "
                "`python -m vae_core fit1d` runs it on your own machine.")
        order = np.argsort(model.means_, kind="stable")
        check = {"ours": {"log_likelihood": model.score(setup.train), "n_iter": model.n_iter_,
                          "weights": model.weights_[order], "means": model.means_[order],
                          "variances": model.variances_[order]}}
    rows = {name: {"mean log-lik (train)": fit["log_likelihood"], "EM iterations": fit["n_iter"],
                   **{f"{PARAM_SYMBOLS[p]}_{k + 1}": fit[p][k] for p in ("weights", "means", "variances")
                      for k in range(setup.opts["k"])}} for name, fit in check.items()}
    table_col, formula_col = st.columns([2, 3])
    # Strings, so the iteration counts are not shown as floats in a column that also holds log-likelihoods.
    check_table = pd.DataFrame(rows, dtype=object).map(lambda v: str(v) if isinstance(v, int) else f"{v:.6g}")
    table_col.dataframe(check_table, key="sklearn_check", height="content" if len(check_table) <= 20 else "auto",
                        column_config={"_index": st.column_config.Column(width="medium")})
    formula_col.latex(r"\text{mean log-lik (train)}:\quad " + MEAN_LOG_LIK)
    formula_col.latex(r"p(x) = \sum_{k=1}^K \pi_k\,\mathcal N(x;\mu_k,\sigma_k^2),\qquad "
                      r"\text{components sorted by } \mu_k")


def vae_section(setup: Setup, gmm: GMMFit) -> VAEFit:
    """The VAE's density, its ELBO gap, a posterior, its decoder and its training curve."""
    s, grid, train, truth = setup, setup.grid, setup.train, setup.truth
    st.latex(r"p(x) = \int \mathcal N\big(x; f(z), \sigma^2(z)\big)\,\mathcal N(z; 0, I)\,dz"
             r"\;\approx\; \sum_j \pi_j\, \mathcal N\big(x; f(z_j), \sigma^2(z_j)\big)")
    st.latex(r"\mathrm{ELBO}(x) = \mathbb E_{q(z|x)}[\log p(x|z)] - \mathrm{KL}\big(q(z|x)\,\|\,p(z)\big),\qquad "
             r"\log p(x) = \mathrm{ELBO}(x) + \mathrm{KL}\big(q(z|x)\,\|\,p(z|x)\big)")
    try:
        vae, summary, curves = shared_vae(train, s.test, s.spec, s.config, grid)
    except VAECoreError as exc:
        show_errors_and_stop(exc)
    for warning in vae.warnings:
        st.warning(warning)
    density = curves["density"]
    # Every figure below is drawn from the cached fits alone: built once for all visitors (shared_figure),
    # keyed by the fits' own numbers, so a fit recomputed after its cache entry went can never meet an old figure.
    fits = content_key(train, grid, truth, density, curves["elbo"], np.asarray(vae.elbo_history),
                       gmm.model.weights_, gmm.model.means_, gmm.model.variances_, s.config, s.opts["k"])
    drawn = train.size + grid.size  # a big data set's figures are not kept (shared_figure's memory bound)
    c1, c2 = st.columns(2)
    c1.plotly_chart(shared_figure("vae", fits, lambda: charts.vae_figure(
        train, grid, truth, density, vae.component_densities(grid), "Infinite mixture: a few decoded components"),
        values=drawn))
    c2.plotly_chart(shared_figure("gap", fits, lambda: charts.gap_figure(
        grid, curves["log_density"], curves["elbo"], curves["gap"], train), values=drawn))
    c3, c4 = st.columns(2)
    x0 = c3.slider("x for the posterior", float(grid[0]), float(grid[-1]), float(np.median(train)), key="x0")
    c3.plotly_chart(shared_figure("posterior", content_key(fits, x0),
                                  lambda: charts.posterior_figure(vae.posteriors(x0), x0)))
    if s.config.latent_dim == 1:
        z = np.linspace(-3, 3, 201)
        c4.plotly_chart(shared_figure("decoder", fits, lambda: charts.decoder_figure(z, *vae.decoder_curve(z))))
    c4.plotly_chart(shared_figure("training", fits, lambda: charts.training_figure(vae.elbo_history)))
    c4.caption("Training ELBO: the one-sample reparameterised estimate, averaged over the minibatches since the "
               "previous point; the quadrature ELBO(x) above has no sampling noise.")
    return VAEFit(vae, summary, density, fits)


def side_by_side_section(setup: Setup, gmm: GMMFit, vae: VAEFit) -> None:
    """Both densities on one scale, then the numbers that compare them (and the truth, when known)."""
    s, grid, train, truth = setup, setup.grid, setup.train, setup.truth
    drawn = train.size + grid.size  # a big data set's figures are not kept (shared_figure's memory bound)
    left, right = st.columns(2)
    left.plotly_chart(shared_figure("side_gmm", vae.fits, lambda: charts.gmm_figure(
        train, grid, truth, gmm1d.weighted_component_densities(grid, gmm.model.params_), f"GMM, K = {s.opts['k']}"),
        values=drawn), key="side_gmm")
    right.plotly_chart(shared_figure("side_vae", vae.fits, lambda: charts.vae_figure(
        train, grid, truth, vae.density, None, "VAE"), values=drawn), key="side_vae")
    st.latex(r"\text{mean log-lik} = \frac{1}{|S|}\sum_{x\in S}\log p_{\text{fit}}(x),\quad "
             r"S = \text{train or test set}")
    st.latex(r"\mathrm{KL}(p_{\text{true}}\,\|\,p_{\text{fit}}) = \int p_{\text{true}}(x)\,"
             r"\log\frac{p_{\text{true}}(x)}{p_{\text{fit}}(x)}\,dx \quad\text{(quadrature on a fine x grid)}")
    st.latex(r"\text{GMM parameters} = \underbrace{K}_{\mu_k} + \underbrace{K}_{\sigma_k^2} + "
             r"\underbrace{K-1}_{\pi_k} = 3K-1")
    st.caption("VAE parameters: the decoder's weights and biases (the generative model), the encoder's in "
               "brackets (it only serves inference). Fit time: wall-clock seconds of EM, all restarts, or of "
               "VAE training.")
    comparison_table(setup, gmm.summary, vae.summary)


def comparison_table(setup: Setup, gmm_summary: dict, vae_summary: dict) -> None:
    vae_params = vae_summary["n_parameters"]
    table = pd.DataFrame({
        "GMM (EM)": [gmm_summary["train_log_likelihood"], gmm_summary["test_log_likelihood"],
                     gmm_summary["kl_truth_to_fit"], str(gmm_summary["n_parameters"]), gmm_summary["fit_seconds"]],
        "VAE": [vae_summary["train_log_likelihood"], vae_summary["test_log_likelihood"],
                vae_summary["kl_truth_to_fit"], f"{vae_params['decoder']} (+{vae_params['encoder']} encoder)",
                vae_summary["fit_seconds"]],
    }, index=["train mean log-lik", "test mean log-lik", "KL(truth || fit)", "parameters", "fit time (s)"])
    if setup.spec is not None:
        truth_summary = truth_summary_of(setup.spec, setup.train, setup.test)
        table["truth"] = [truth_summary["train_log_likelihood"], truth_summary["test_log_likelihood"],
                          truth_summary["kl_truth_to_fit"], str(truth_summary["n_parameters"]), None]
    st.dataframe(table.map(lambda v: "—" if v is None else v if isinstance(v, str) else f"{v:.4f}"),
                 key="comparison_table")
