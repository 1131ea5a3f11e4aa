"""The "Inside a VAE" page, driven by Streamlit's AppTest (no browser)."""


import pytest
from streamlit.testing.v1 import AppTest

from testkit.apptest import assert_ok, new_page
from vae_core import load_dataset, load_model
from vae_core.vae import forward_trace as ft
from vae_core.vae import monte_carlo as mc
from vae_core.vae.pixels import model_pixels


def caption_starting(at: AppTest, prefix: str) -> str:
    found = [c.value for c in at.caption if c.value.startswith(prefix)]
    assert len(found) == 1, (prefix, [c.value for c in at.caption])
    return found[0]


@pytest.fixture(scope="module")
def app():
    at = new_page("inside", timeout=120)
    at.session_state["inside_index"] = 3
    return at.run()


def test_the_graph_shows_the_library_values_formulas_and_source(app):
    assert_ok(app)
    assert app.sidebar.selectbox[0].value == "mnist-2d"
    x = binarised(load_dataset("mnist-5k").x[3])  # mnist-2d was trained on binarised pixels: the page traces x_b
    trace = ft.forward_trace(load_model("mnist-2d"), x, seed=0)
    assert caption_starting(app, "μ = ") == f"μ = {tuple_text(trace.mu)}"
    assert caption_starting(app, "z = ") == f"z = {tuple_text(trace.z)}"
    assert f"**{trace.kl:.3f}** nats" in caption_starting(app, "KL(q(z|x)")
    assert f"log p(x|z) = **{trace.log_px_z:.2f}**" in caption_starting(app, "log p(x|z) = ")
    latex = " ".join(e.value for e in app.latex)
    for formula in (r"z = \mu + \sigma\odot\varepsilon", r"\mathrm{KL}_j = \tfrac12", r"\mathrm{Enc}_\phi(x)",
                    r"\mathrm{ELBO}(x)", r"\ell_i = x_i\log\mu_{D,i}(z)", r"\mathrm{SE}_M"):
        assert formula in latex, formula
    code = " ".join(c.value for c in app.code)
    assert "self.encoder(h).chunk(2, dim=1)" in code and "0.5 * (mu.pow(2) + logvar.exp() - logvar - 1.0)" in code
    markdown = " ".join(m.value for m in app.markdown)
    assert "784 → 512 → 256 → 4" in markdown
    exact = mc.exact_reconstruction(load_model("mnist-2d"), x)
    assert f"ELBO = **{exact.value - trace.kl:.2f}** nats" in markdown


def binarised(x):
    return model_pixels(load_model("mnist-2d"), x.reshape(1, -1))[0]


def tuple_text(v) -> str:
    return "(" + ", ".join(f"{a:.3f}".replace("-", "−") for a in v) + ")"


def test_resample_epsilon_changes_z_but_not_mu(app):
    mu, z = caption_starting(app, "μ = "), caption_starting(app, "z = ")
    app.button(key="inside_resample").click().run()
    assert_ok(app)
    assert app.session_state["inside_eps_seed"] == 1
    assert caption_starting(app, "μ = ") == mu
    assert caption_starting(app, "z = ") != z


def test_monte_carlo_slider_shows_the_running_estimate_and_the_exact_value(app):
    app.slider(key="inside_mc_m").set_value(1000).run()
    assert_ok(app)
    x = binarised(load_dataset("mnist-5k").x[3])
    run = mc.reconstruction_draws(load_model("mnist-2d"), x, 1000, seed=0)
    metric = [m for m in app.metric if m.label == "estimate at M = 1000"][0]
    assert float(metric.value) == pytest.approx(run.running_mean[-1], abs=1e-3)
    quadrature = [c.value for c in app.caption if "Gauss-Hermite" in c.value]
    # the change from half as many nodes is named a convergence check, never passed off as an error bound
    assert quadrature and all("a convergence check and not an error bound" in c for c in quadrature)


def test_gradient_section_measures_both_estimators_on_request(app):
    assert not [m for m in app.metric if m.label.startswith("median variance ratio")]
    app.toggle(key="inside_grad_on").set_value(True).run()
    assert_ok(app)
    ratio = [m for m in app.metric if m.label.startswith("median variance ratio")][0]
    assert float(ratio.value.rstrip("×").replace(",", "")) > 10
    keys = {c.key for c in app.get("plotly_chart")}
    assert {"inside_mu_bars", "inside_z", "inside_lost", "inside_kl", "inside_mc_chart", "inside_grad_spread",
            "inside_grad_var", "inside_grad_ratio"} <= keys
    latex = " ".join(e.value for e in app.latex)
    assert r"\tfrac12(\varepsilon_m^2-1)" in latex and r"b = \log p(x\mid z=\mu)" in latex


def test_an_8x8_model_and_a_16d_model_open_too():
    for name, note in (("digits-2d", "Gauss-Hermite"), ("mnist-16d", "large-M reference")):
        at = new_page("inside", timeout=120)
        at.session_state["inside_model"] = name
        at.run()
        assert_ok(at)
        assert any(note in c.value for c in at.caption), name


def test_an_unreadable_upload_gets_one_line_naming_it_and_the_page_waits_for_an_image():
    at = new_page("inside", timeout=120)
    at.session_state["inside_source"] = "Upload"
    at.run()
    at.file_uploader(key="inside_upload").set_value(("broken.png", b"not an image at all", "image/png")).run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("broken.png: ") and "not an image" in errors[0], errors
    assert "\n" not in errors[0]
    assert "The graph" not in [h.value for h in at.header]  # nothing to trace without an image


def test_the_presenter_view_makes_the_measured_charts_taller():
    from testkit.apptest import chart_specs

    def mc_height(presenter: bool) -> int:
        at = new_page("inside", {"presenter": presenter}, timeout=120).run()
        assert_ok(at)
        return next(f["layout"]["height"] for f in chart_specs(at)
                    if any(str(t.get("name", "")).startswith("running estimate") for t in f["data"]))

    assert mc_height(True) > 1.3 * mc_height(False)
