"""The 1-D page's sections, top to bottom: the data and settings, the GMM fitted by EM (a stepper, then the
full fit checked against scikit-learn's), the VAE's density, and the two side by side."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from app.common.glossary import explain
from app.common.identity import current_visitor
from app.common.layout import folded
from app.common.presenter import presenting
from app.common.shared_figure import content_key, shared_figure
from app.one_d import charts as charts
from app.one_d.cache import fitted_gmm, truth_curve, truth_summary_of
from app.one_d.controls import data_controls, gmm_controls, vae_controls
from app.one_d.stepper_section import MEAN_LOG_LIK, PARAM_SYMBOLS, em_stepper
from app.one_d.vae_job import VAEJob, vae_job
from vae_core.errors import VAECoreError
from vae_core.oned import data1d, em_budget, gmm1d, vae1d


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
    chart_height: int  # px: taller in the presenter view


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
    return Setup(train, test, spec, opts, config, grid, truth, data_warnings, 480 if presenting() else 340)


def gmm_section(setup: Setup) -> GMMFit:
    """EM a step at a time, then the full fit with every restart, checked against scikit-learn's."""
    s = setup
    try:
        em_stepper(s.train, s.grid, s.truth, s.opts, s.chart_height)
        model, summary, check = fitted_gmm(s.train, s.test, s.spec, **s.opts, seed=st.session_state.get("seed", 0))
    except VAECoreError as exc:
        show_errors_and_stop(exc)
    for warning in model.warnings_:
        if warning not in s.warnings:
            st.warning(warning)
    with folded("Cross-check: the same fit by scikit-learn's GaussianMixture"):
        cross_check(s, model, check)
    return GMMFit(model, summary)


def cross_check(setup: Setup, model: gmm1d.GaussianMixture1D, check: dict | None) -> None:
    """Our fit beside scikit-learn's (check None: too large to run here, so ours alone)."""
    st.caption("Same K, tol, max_iter and n_init; sklearn starts from its own k-means and adds its reg_covar "
               "to the variances where we floor them, so expect agreement to about tol, not to the last digit.",
               help=explain("reg_covar"))
    if check is None:
        st.info(f"scikit-learn's fit is skipped on this server for settings this large (points x K x restarts "
                f"above {em_budget.MAX_CROSS_CHECK_SIZE:,}): its k-means start alone would take minutes. "
                "With fewer points, components or restarts it runs here.")
        order = np.argsort(model.means_, kind="stable")
        check = {"ours": {"log_likelihood": model.score(setup.train), "n_iter": model.n_iter_,
                          "weights": model.weights_[order], "means": model.means_[order],
                          "variances": model.variances_[order]}}
    rows = {name: {"mean log-lik (train)": fit["log_likelihood"], "EM iterations": fit["n_iter"],
                   **{f"{PARAM_SYMBOLS[p]}_{k + 1}": fit[p][k] for p in ("weights", "means", "variances")
                      for k in range(setup.opts["k"])}} for name, fit in check.items()}
    table_col, formula_col = st.columns([2, 3])
    # Strings, so the iteration counts are not shown as floats in a column that also holds log-likelihoods.
    # st.table, not st.dataframe: an HTML table sizes its columns to the numbers (the data grid cut the second
    # column off at 1280 px), and a browser test can check that nothing in it is cut.
    check_table = pd.DataFrame(rows, dtype=object).map(lambda v: str(v) if isinstance(v, int) else f"{v:.6g}")
    table_col.table(check_table)
    formula_col.latex(r"\text{mean log-lik (train)}:\quad " + MEAN_LOG_LIK)
    formula_col.latex(r"p(x) = \sum_{k=1}^K \pi_k\,\mathcal N(x;\mu_k,\sigma_k^2),\qquad "
                      r"\text{components sorted by } \mu_k")


# How long a run waits for the VAE before it shows the training's progress instead (a trained one is instant).
VAE_WAIT_S = 0.3


@st.fragment(run_every=1.0)
def training_progress(job: VAEJob) -> None:
    """Polls the training; once it is done the whole page reruns and draws the VAE's figures."""
    if job.done():
        st.rerun()
    ahead = job.ahead()
    if ahead:
        st.progress(0.0, text=f"The VAE waits for the server's training thread: {ahead} training(s) of this "
                    "class before it. EM above works meanwhile.")
        return
    step, elbo = job.progress or (0, float("nan"))
    st.progress(step / job.steps, text=f"Training the VAE, step {step:,}/{job.steps:,}: ELBO {elbo:.4f} per point. "
                "EM above works meanwhile; the VAE's figures appear here when it is trained.")


def vae_section(setup: Setup, gmm: GMMFit) -> VAEFit | None:
    """The VAE's density, its ELBO gap, a posterior, its decoder and its training curve; None (and its
    progress) while it is still training."""
    s, grid, train, truth = setup, setup.grid, setup.train, setup.truth
    try:
        job = vae_job(train, s.test, s.spec, s.config, grid, current_visitor().key)
        if job.dropped():  # this visitor's other tab asked for other settings meanwhile: ask again, once
            job = vae_job(train, s.test, s.spec, s.config, grid, current_visitor().key)
        if not job.wait(VAE_WAIT_S) or job.dropped():
            training_progress(job)
            return None
        vae, summary, curves = job.result()
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
               "previous point; the quadrature ELBO(x) above has no sampling noise.", help=explain("ELBO"))
    with folded("The mathematics: the VAE's density and its ELBO"):
        st.latex(r"p(x) = \int \mathcal N\big(x; f(z), \sigma^2(z)\big)\,\mathcal N(z; 0, I)\,dz"
                 r"\;\approx\; \sum_j \pi_j\, \mathcal N\big(x; f(z_j), \sigma^2(z_j)\big)")
        st.latex(r"\mathrm{ELBO}(x) = \mathbb E_{q(z|x)}[\log p(x|z)] - \mathrm{KL}\big(q(z|x)\,\|\,p(z)\big),"
                 r"\qquad \log p(x) = \mathrm{ELBO}(x) + \mathrm{KL}\big(q(z|x)\,\|\,p(z|x)\big)")
        st.caption("The VAE's p(x) and ELBO(x) on this page are sums over a fine grid of z (the π_j above are "
                   "the prior's weights on it), not Monte Carlo samples, so they carry no sampling noise.")
    return VAEFit(vae, summary, density, fits)


def side_by_side_section(setup: Setup, gmm: GMMFit, vae: VAEFit) -> None:
    """Both densities on one scale, then the numbers that compare them (and the truth, when known)."""
    s, grid, train, truth = setup, setup.grid, setup.train, setup.truth
    drawn = train.size + grid.size  # a big data set's figures are not kept (shared_figure's memory bound)
    left, right = st.columns(2)
    # Numbered (and coloured) by increasing μ_k, as in the stepper's chart above.
    order = np.argsort(gmm.model.means_, kind="stable")
    components = gmm1d.weighted_component_densities(grid, gmm.model.params_)[order]
    left.plotly_chart(shared_figure("side_gmm", vae.fits, lambda: charts.gmm_figure(
        train, grid, truth, components, f"GMM, K = {s.opts['k']}"), values=drawn), key="side_gmm")
    right.plotly_chart(shared_figure("side_vae", vae.fits, lambda: charts.vae_figure(
        train, grid, truth, vae.density, None, "VAE"), values=drawn), key="side_vae")
    comparison_table(setup, gmm.summary, vae.summary)
    st.caption("VAE parameters: the decoder's weights and biases (the generative model), the encoder's in "
               "brackets (it only serves inference). Fit time: wall-clock seconds of EM, all restarts, or of "
               "VAE training.")
    with folded("The mathematics: mean log-likelihood, KL from the truth, parameter counts"):
        st.latex(r"\text{mean log-lik} = \frac{1}{|S|}\sum_{x\in S}\log p_{\text{fit}}(x),\quad "
                 r"S = \text{train or test set}")
        st.latex(r"\mathrm{KL}(p_{\text{true}}\,\|\,p_{\text{fit}}) = \int p_{\text{true}}(x)\,"
                 r"\log\frac{p_{\text{true}}(x)}{p_{\text{fit}}(x)}\,dx \quad\text{(quadrature on a fine x grid)}")
        st.latex(r"\text{GMM parameters} = \underbrace{K}_{\mu_k} + \underbrace{K}_{\sigma_k^2} + "
                 r"\underbrace{K-1}_{\pi_k} = 3K-1")


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
        versus = [gmm_summary.get("test_minus_truth"), vae_summary.get("test_minus_truth")]
        if all(versus):
            table.loc["test mean log-lik − truth's (± SE)"] = [_pm(v) for v in versus] + ["0 (reference)"]
    st.table(table.map(lambda v: "—" if v is None else v if isinstance(v, str) else f"{v:.4f}"))
    if setup.spec is not None and all(versus):
        st.caption("The last row pairs each fit with the truth on the same test points: d_i = log p_fit(x_i) − "
                   "log p_true(x_i), mean ± its standard error sd(d)/√n. A fit whose test figure is within about "
                   "two SEs of the truth's is not measurably worse on new data; one further below has overfitted "
                   "(or underfitted) by more than the test set's own noise.")


def _pm(v: dict) -> str:
    return f"{v['mean']:+.4f} ± {v['se']:.4f}"
