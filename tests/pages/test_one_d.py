


import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app.one_d import state as one_d_state
from testkit.apptest import chart_specs, new_page
from vae_core.errors import DataError
from vae_core.oned import data1d


def small_app() -> AppTest:
    at = new_page("one_d", timeout=120)
    # Small data and a short VAE run keep the test fast; the widgets read these keys.
    at.session_state["n"] = 600
    at.session_state["vae_steps"] = 100
    at.session_state["hidden"] = 16
    return at


def ll_shown(at) -> float:
    return float(at.metric[0].value)


@pytest.fixture(scope="module")
def app():
    return small_app().run()


def test_page_renders_both_models_and_the_table(app):
    assert not app.exception
    assert not app.error
    assert app.get("plotly_chart")
    latex = " ".join(e.value for e in app.latex)
    assert "r_{ik}" in latex and "ELBO" in latex and r"\mathcal N(z; 0, I)" in latex
    table = app.dataframe[-1].value
    assert list(table.columns[:2]) == ["GMM (EM)", "VAE"]
    assert "truth" in table.columns
    gmm_test = float(table.loc["test mean log-lik", "GMM (EM)"])
    truth_test = float(table.loc["test mean log-lik", "truth"])
    assert abs(gmm_test - truth_test) < 0.2


def test_em_buttons_step_and_never_lower_the_log_likelihood(app):
    values = [ll_shown(app)]
    for key in ["em_m", "em_e", "em_m", "em_m", "em_run"]:
        app.button(key=key).click().run()
        assert not app.exception
        values.append(ll_shown(app))
    assert values[1] > values[0]
    assert values[2] == values[1]
    assert all(b >= a - 1e-9 for a, b in zip(values, values[1:]))
    assert "ran" in app.caption[0].value or any("ran" in c.value for c in app.caption)
    app.button(key="em_restart").click().run()
    assert ll_shown(app) == pytest.approx(values[0])


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"city\nParis\nRome\n", "not numeric"),
    (b"x,y\n1.0,2.0\n3.0,4.0\n5.0,6.0\n", "exactly one column"),
    (b"value,label\n1.5,a\n2.5,b\n3.5,c\n4.5,d\n", "exactly one column"),
    (b"x\nnan\ninf\n", "no usable numbers"),
    (b"1\n2\n3\n4\n", "fewer than K = 3"),
])
def test_bad_uploads_show_an_error_not_a_traceback(content, message):
    at = small_app()
    at.session_state["source"] = "Upload CSV"
    at.run()
    assert at.info  # asks for a file
    at.file_uploader(key="upload").set_value(("bad.csv", content, "text/csv")).run()
    assert not at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]


def test_upload_with_bad_rows_warns_and_fits():
    at = small_app()
    at.session_state["source"] = "Upload CSV"
    at.run()
    rows = "\n".join(str(v) for v in [-2.1, -1.9, -2.3, 0.9, 1.2, 1.1, 4.0, 4.2, 3.8, 3.9] * 6)
    at.file_uploader(key="upload").set_value(("ok.csv", f"x\n{rows}\nnan\nbad\n".encode(), "text/csv")).run()
    assert not at.exception and not at.error
    assert any("dropped 2 of 62 rows" in w.value for w in at.warning)
    assert "truth" not in at.dataframe[-1].value.columns


def upload(content: bytes, name: str = "data.csv") -> AppTest:
    at = small_app()
    at.session_state["source"] = "Upload CSV"
    at.run()
    return at.file_uploader(key="upload").set_value((name, content, "text/csv")).run()


def test_identical_values_fit_at_the_variance_floor_and_say_so():
    at = upload(b"x\n" + b"2.5\n" * 40)
    assert not at.exception and not at.error
    warnings = [w.value for w in at.warning]
    assert any("identical" in w and "variance floor" in w for w in warnings), warnings
    assert any("decoder's sigma sits at its floor" in w for w in warnings), warnings
    params = at.dataframe[0].value
    floor = at.number_input(key="floor").value
    np.testing.assert_allclose(params["σ²_k (variance)"], floor)
    np.testing.assert_allclose(params["μ_k (mean)"], 2.5)
    assert np.isfinite(ll_shown(at))
    at.button(key="em_run").click().run()
    assert not at.exception and np.isfinite(ll_shown(at))


def test_em_state_glue_restarts_only_when_the_start_would_change():
    x = np.linspace(-3, 3, 50)
    opts = {"k": 2, "init": "quantiles", "var_floor": 1e-6, "tol": 1e-3, "max_iter": 100}
    state = {}
    first = one_d_state.em_stepper(state, x, opts, seed=0)
    first.m_step(x)
    assert one_d_state.em_stepper(state, x, {**opts, "tol": 1e-6}, seed=0) is first
    assert one_d_state.em_stepper(state, x, opts, seed=0, restart=True) is not first
    again = one_d_state.em_stepper(state, x, opts, seed=0)
    for changed in ({**opts, "k": 3}, {**opts, "init": "random"}, {**opts, "var_floor": 1e-3}):
        assert one_d_state.em_stepper(state, x, changed, seed=0) is not again
    assert one_d_state.em_stepper(state, x + 1, opts, seed=0).n_m_steps == 0


def test_em_lower_bound_chart_and_chain_show_the_last_steps_numbers():
    at = small_app().run()
    assert at.get("plotly_chart")
    at.button(key="em_m").click().run()
    at.button(key="em_e").click().run()
    at.button(key="em_m").click().run()
    assert not at.exception and not at.error
    stepper = at.session_state[one_d_state.STATE_KEY][1]
    e, m = stepper.last_chain()
    latex = " ".join(x.value for x in at.latex)
    assert r"\mathcal F(q,\theta)" in latex and "H(q_i)" in latex
    assert f"{e.log_likelihood:.6f}" in latex and f"{m.bound:.6f}" in latex and f"{m.log_likelihood:.6f}" in latex
    assert e.bound == pytest.approx(e.log_likelihood, abs=1e-10) and e.bound <= m.bound <= m.log_likelihood
    assert [s.kind for s in stepper.half_steps] == ["E", "M", "E", "M"]


@pytest.fixture(scope="module")
def converged():
    """The small page after "Run to convergence"."""
    at = small_app().run()
    at.button(key="em_run").click().run()
    return at


def test_components_are_numbered_by_increasing_mean_in_table_chart_and_legend(converged):
    assert not converged.exception
    table = [d.value for d in converged.dataframe if any("μ_k" in str(c) for c in d.value.columns)][0]
    means = table[[c for c in table.columns if "μ_k" in str(c)][0]].to_numpy(dtype=float)
    assert np.all(np.diff(means) > 0)
    gmm = [f for f in chart_specs(converged) if any(str(t.get("name", "")).startswith("π_1") for t in f["data"])][0]
    assert gmm["layout"]["legend"]["traceorder"] == "normal"
    check = [d.value for d in converged.dataframe if "EM iterations" in d.value.index][0]
    ours = check.iloc[:, 0]
    np.testing.assert_allclose([float(ours[f"μ_{k + 1}"]) for k in range(len(means))], means, rtol=1e-3, atol=1e-3)


def test_gap_chart_is_zoomed_to_the_data_with_a_gap_axis_from_zero(converged):
    gap = [f for f in chart_specs(converged) if any(t.get("name") == "gap = KL" for t in f["data"])][0]
    x0, x1 = gap["layout"]["xaxis"]["range"]
    assert -8 < x0 < -3 and 5 < x1 < 10  # the default mixture lives in about -4..7, the grid runs -13..15
    assert gap["layout"]["yaxis2"]["range"][0] == 0 and gap["layout"]["yaxis2"]["showgrid"] is False


def test_a_csv_left_with_one_number_says_what_was_dropped():
    with pytest.raises(DataError, match=r"only 1 is left after dropping 3 of 4 rows \(3 text\)"):
        data1d.parse_csv("x\n1.5\nabc\ndef\nghi\n")
