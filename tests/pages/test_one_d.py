


import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app.one_d import sections as one_d_sections
from app.one_d import state as one_d_state
from testkit.apptest import chart_specs, new_page
from testkit.one_d import click_em
from vae_core.errors import DataError
from vae_core.oned import data1d


@pytest.fixture(scope="module", autouse=True)
def vae_trained_in_the_run():
    """AppTest sees one run and no polling fragment: each run waits for the VAE's training (in the browser the
    page shows its progress and reruns instead)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(one_d_sections, "VAE_WAIT_S", 600.0)
        yield


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
    table = app.table[-1].value
    assert list(table.columns[:2]) == ["GMM (EM)", "VAE"]
    assert "truth" in table.columns
    gmm_test = float(table.loc["test mean log-lik", "GMM (EM)"])
    truth_test = float(table.loc["test mean log-lik", "truth"])
    assert abs(gmm_test - truth_test) < 0.2


def test_each_fit_minus_the_truth_is_shown_with_its_standard_error(app):
    # The K = 6 overfitting lesson needs the SE of the paired test difference, or a learner cannot tell noise
    # from overfitting: the row's mean is the two test figures' difference (paired over the same points).
    table = app.table[-1].value  # st.table: its columns fit their numbers
    row = table.loc["test mean log-lik − truth's (± SE)"]
    for fit in ("GMM (EM)", "VAE"):
        mean, se = (float(v) for v in row[fit].split(" ± "))
        expected = float(table.loc["test mean log-lik", fit]) - float(table.loc["test mean log-lik", "truth"])
        assert mean == pytest.approx(expected, abs=2e-4) and 0 < se < 0.2
    assert row["truth"] == "0 (reference)"
    assert any("sd(d)/√n" in c.value for c in app.caption)


def test_em_buttons_step_and_never_lower_the_log_likelihood(app):
    values = [ll_shown(app)]
    for action in ["M", "E", "M", "M", "C"]:
        click_em(app, action)
        assert not app.exception
        values.append(ll_shown(app))
    assert values[1] > values[0]
    assert values[2] == values[1]
    assert all(b >= a - 1e-9 for a, b in zip(values, values[1:]))
    assert "ran" in app.caption[0].value or any("ran" in c.value for c in app.caption)
    click_em(app, "R")
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
    assert "truth" not in at.table[-1].value.columns


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
    click_em(at, "C")
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
    click_em(at, "M")
    click_em(at, "E")
    click_em(at, "M")
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
    return click_em(at, "C")


def test_components_are_numbered_by_increasing_mean_in_table_chart_and_legend(converged):
    assert not converged.exception
    table = [d.value for d in converged.dataframe if any("μ_k" in str(c) for c in d.value.columns)][0]
    means = table[[c for c in table.columns if "μ_k" in str(c)][0]].to_numpy(dtype=float)
    assert np.all(np.diff(means) > 0)
    gmm = [f for f in chart_specs(converged) if any(str(t.get("name", "")).startswith("π_1") for t in f["data"])][0]
    assert gmm["layout"]["legend"]["traceorder"] == "normal"
    check = [t.value for t in converged.table if "EM iterations" in t.value.index][0]
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


def bound_chart(at) -> dict:
    return next(f for f in chart_specs(at) if any(t.get("name") == "F(q, θ)" for t in f["data"]))


def test_an_uploaded_csvs_lower_bound_chart_frames_its_points_with_ticks():
    # Issue 26: Plotly's autorange on the first point drew a frame without y ticks, the dot clipped at its top.
    rows = "\n".join(str(v) for v in [-2.1, -1.9, -2.3, 0.9, 1.2, 1.1, 4.0, 4.2, 3.8, 3.9] * 6)
    at = upload(f"x\n{rows}\n".encode())
    for clicks in ((), ("M", "E", "M")):
        at = click_em(at, *clicks) if clicks else at
        spec = bound_chart(at)
        values = [v for t in spec["data"] for v in t["y"]]
        low, high = spec["layout"]["yaxis"]["range"]
        margin = 0.01 * (high - low)
        assert high > low and low + margin < min(values) and max(values) < high - margin, (low, high, values)
        assert spec["layout"]["yaxis"]["nticks"] >= 4
        x_low, x_high = spec["layout"]["xaxis"]["range"]
        assert x_low < min(spec["data"][0]["x"]) and max(spec["data"][0]["x"]) < x_high


def test_clicks_sent_together_are_all_applied_in_order():
    # Three clicks made during one run (the browser's log holds them all): M, E, M is two M-steps, not one.
    at = click_em(small_app().run(), "M", "E", "M")
    assert not at.exception
    stepper = at.session_state[one_d_state.STATE_KEY][1]
    assert stepper.n_m_steps == 2 and [s.kind for s in stepper.half_steps] == ["E", "M", "E", "M"]
    assert any(f["layout"]["title"]["text"] == "After 2 M-steps" for f in chart_specs(at))
    at.run()  # the same log again applies nothing twice
    assert at.session_state[one_d_state.STATE_KEY][1].n_m_steps == 2


def test_the_gmm_is_drawn_and_steps_while_the_vae_is_still_training(monkeypatch):
    # Issue 26: the first run waited for the VAE (grey placeholders for 11 s, EM clicks held back behind it).
    import threading

    from vae_core.oned import vae1d

    release, real = threading.Event(), vae1d.train_vae1d

    def slow(x, config, progress=None):
        assert release.wait(60)
        return real(x, config, progress=progress)

    monkeypatch.setattr(vae1d, "train_vae1d", slow)
    monkeypatch.setattr(one_d_sections, "VAE_WAIT_S", 0.0)
    at = small_app()
    at.session_state["vae_steps"] = 60  # settings no other test trained, so the job is new
    at.run()
    assert not at.exception and not at.error
    titles = [f["layout"].get("title", {}).get("text") for f in chart_specs(at)]
    assert "After 0 M-steps" in titles and "VAE" not in titles
    assert any("Training the VAE" in p.proto.text for p in at.get("progress"))
    at = click_em(at, "M")
    assert "After 1 M-steps" in [f["layout"].get("title", {}).get("text") for f in chart_specs(at)]
    release.set()
    monkeypatch.setattr(one_d_sections, "VAE_WAIT_S", 60.0)
    at.run()
    assert "VAE" in [f["layout"].get("title", {}).get("text") for f in chart_specs(at)]
    assert at.table and "GMM (EM)" in at.table[-1].value.columns


def test_the_side_by_side_gmm_numbers_and_colours_components_as_the_stepper_does(converged):
    from testkit.apptest import plotly_array

    side = next(f for f in chart_specs(converged) if f["layout"].get("title", {}).get("text") == "GMM, K = 3")
    parts = [t for t in side["data"] if str(t.get("name", "")).startswith("π_")]
    peaks = [plotly_array(t["x"])[np.argmax(plotly_array(t["y"]))] for t in parts]
    assert np.all(np.diff(peaks) > 0), peaks  # π_1 the leftmost: class colour 0, as in the stepper's chart


def test_the_presenter_view_makes_the_em_charts_taller():
    def gmm_height(presenter: bool) -> int:
        at = small_app()
        at.session_state["presenter"] = presenter
        at.run()
        return next(f["layout"]["height"] for f in chart_specs(at)
                    if f["layout"].get("title", {}).get("text") == "After 0 M-steps")

    assert gmm_height(True) > 1.3 * gmm_height(False)
