"""The 1-D page's heavy work is bounded and shared."""

import numpy as np
import pytest

from app.one_d import sections as one_d_sections
from testkit.apptest import new_page
from vae_core.oned import data1d, vae1d


@pytest.fixture(scope="module", autouse=True)
def vae_trained_in_the_run():
    """AppTest sees one run and no polling fragment: each run waits for the VAE's training (in the browser the
    page shows its progress and reruns instead)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(one_d_sections, "VAE_WAIT_S", 600.0)
        yield


FAR = data1d.MixtureSpec((0.5, 0.5), (-1e4, 1e4), (1e-4, 1e-4))


def test_kl_resolves_narrow_far_peaks_and_is_never_negative():
    # A fit that puts its peaks 0.02 (two standard deviations) away from the truth's: KL must be large and positive.
    shifted = data1d.MixtureSpec((0.5, 0.5), (-1e4 + 0.02, 1e4 - 0.02), (1e-4, 1e-4))
    kl = data1d.kl_from_truth(FAR, lambda x: data1d.log_density(shifted, x))
    assert kl == pytest.approx(2.0, rel=1e-3)  # KL between N(m, s^2) and N(m + 2s, s^2) is 2 nats
    assert data1d.kl_from_truth(FAR, lambda x: data1d.log_density(FAR, x)) == 0.0
    # The truth's differential entropy: log 2 + 0.5 log(2 pi e 1e-4) for two separated equal peaks.
    assert -data1d.entropy(FAR) == pytest.approx(-(np.log(2) + 0.5 * np.log(2 * np.pi * np.e * 1e-4)), abs=1e-6)


@pytest.fixture(scope="module")
def small_vae():
    x = data1d.sample(data1d.DEFAULT_MIXTURE, 5000, 0)
    return vae1d.train_vae1d(x, vae1d.VAE1DConfig(steps=200, hidden=16, seed=0))


def test_scores_of_many_points_are_interpolated_within_tolerance(small_vae):
    x = data1d.sample(data1d.DEFAULT_MIXTURE, 50_000, 1)
    assert x.size > vae1d.INTERP_ABOVE
    exact = small_vae.log_density(x)
    interpolated = vae1d.VAE1D.interpolated(small_vae.log_density, x)
    assert np.max(np.abs(interpolated - exact)) < vae1d.INTERP_TOL
    assert small_vae.score(x) == pytest.approx(float(np.mean(exact)), abs=1e-6)
    assert small_vae.mean_elbo(x) == pytest.approx(float(np.mean(small_vae.elbo(x))), abs=1e-5)


def test_interpolation_falls_back_to_exact_values_when_it_would_be_off():
    x = np.linspace(0.0, 1.0, vae1d.INTERP_ABOVE + 10)

    def spiky(v):
        return np.sin(1e5 * np.asarray(v))

    assert np.array_equal(vae1d.VAE1D.interpolated(spiky, x), spiky(x))


def test_a_second_session_reuses_the_fitted_vae_and_a_setting_switched_back_is_remembered(monkeypatch):
    calls = []
    real = vae1d.train_vae1d

    def counting(x, config, progress=None):
        calls.append(config)
        return real(x, config, progress=progress)

    monkeypatch.setattr(vae1d, "train_vae1d", counting)

    def session(hidden):
        at = new_page("one_d", timeout=90)
        at.session_state["n"] = 300
        at.session_state["vae_steps"] = 50
        at.session_state["hidden"] = hidden
        at.run()
        assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
        return at

    first = session(8)
    assert len(calls) == 1
    session(8)  # a new visitor with the same data and settings: no training
    assert len(calls) == 1
    first.session_state["hidden"] = 12
    first.run()
    assert len(calls) == 2
    first.session_state["hidden"] = 8  # back to the first setting: remembered
    first.run()
    assert len(calls) == 2


def test_the_largest_vae_settings_are_bounded():


    at = new_page("one_d", timeout=90)
    at.session_state["n"] = 300
    at.session_state["vae_steps"] = 50
    at.run()
    steps = at.sidebar.number_input(key="vae_steps")
    hidden = at.sidebar.number_input(key="hidden")
    assert steps.max <= 5_000 and hidden.max <= 128


def test_em_work_is_capped_on_the_page_with_a_message_and_not_in_the_library(monkeypatch):


    from vae_core.oned import em_budget, gmm1d

    assert em_budget.capped_max_iter(100, 3, 10_000) == 10_000  # small fits are untouched
    assert em_budget.capped_max_iter(100_000, 50, 100_000, 20) == 2  # 10^13 updates asked for
    assert em_budget.capped_max_iter(10**9, 50, 100, 20) == 1  # never below one iteration
    assert em_budget.cross_check_allowed(2_000, 3, 1) and not em_budget.cross_check_allowed(100_000, 50, 20)
    # The library (CLI, API: a local user's own machine) runs what it is asked.
    x = np.random.default_rng(0).normal(size=50)
    assert gmm1d.GaussianMixture1D(2, tol=0.0, max_iter=300).fit(x).n_iter_ == 300

    # The page's budget, shrunk so that a small fit meets it quickly: 1,000 points x K = 3 + overhead
    # = 4,000 updates an iteration, so 400,000 allow 100 iterations; the cross-check limit is met too.
    monkeypatch.setattr(em_budget, "MAX_EM_UPDATES", 400_000)
    monkeypatch.setattr(em_budget, "MAX_CROSS_CHECK_SIZE", 100)
    at = new_page("one_d", timeout=120)
    at.session_state["n"] = 2_000
    at.session_state["tol"] = 0.0
    at.session_state["max_iter"] = 100_000
    at.session_state["vae_steps"] = 10
    at.session_state["hidden"] = 4
    at.run()
    assert not at.exception
    capped = [w.value for w in at.warning if "point-component updates" in w.value]
    assert len(capped) == 1 and "max_iter is 100 here instead of 100,000" in capped[0]
    assert any("skipped on this server" in i.value for i in at.info)
    table = next(t.value for t in at.table if "EM iterations" in t.value.index)
    assert list(table.columns) == ["ours"] and table.loc["EM iterations", "ours"] == "100"
