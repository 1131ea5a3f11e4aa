"""The home page, driven by Streamlit's AppTest (no browser): samples, reconstructions and the card's
figures, named by their split and laid out so nothing is cut off."""

import pytest
import torch

from testkit.apptest import new_page
from vae_core import load_model
from vae_core.images.gallery import prior_samples
from vae_core.vae.model_card import card_figures, evaluation_split


def home():
    return new_page("home", timeout=120).run()


def test_home_page_shows_samples_reconstructions_and_card_figures():
    at = home()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "VAE latent explorer"
    assert at.sidebar.selectbox[0].value == "mnist-2d"
    labels = [m.label for m in at.metric]
    assert {"Latent size", "Decoder", "Parameters"} <= set(labels)
    images = at.get("image")
    assert len(images) == 2  # the prior-sample grid and the reconstruction grid
    latex = " ".join(e.value for e in at.latex)
    assert r"\mathcal{N}(0, I)" in latex and r"\mathrm{ELBO}(x)" in latex


def test_card_figures_match_the_checkpoint():
    at = home()
    model = load_model("mnist-2d")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Latent size"] == "2-D"
    assert metrics["Parameters"] == f"{model.num_parameters:,}"
    ev = model.card["evaluation"]
    # the exact NLL is the headline of a 2-D model; the IW figure beside it, with its ESS
    assert list(metrics).index("Test NLL, exact") < list(metrics).index("Test NLL, IW K=1000")
    assert metrics["Test NLL, exact"] == f"{ev['exact']['exact_nll']:.2f} nats"
    assert metrics["Gap log p(x) − ELBO, exact"] == f"{ev['exact']['exact_gap']:.2f} nats"
    assert metrics["Test NLL, IW K=1000"] == f"{ev['nll']:.2f} nats"  # no ± SE beside a bound
    assert metrics["Median ESS (IW)"] == f"{ev['median_ess']:.0f} of 1,000"
    helps = {m.label: m.proto.help for m in at.metric}
    assert "upper bound" in helps["Test NLL, IW K=1000"] and "not how far" in helps["Test NLL, IW K=1000"]
    assert "binarised with seed 0" in helps["Test NLL, exact"]


def test_a_16d_model_has_no_exact_figure_and_its_iw_nll_is_called_a_bound():
    at = new_page("home", {"model": "mnist-16d"}, timeout=120).run()
    metrics = {m.label: m.value for m in at.metric}
    assert "Test NLL, exact" not in metrics and "Test NLL, IW K=1000" in metrics
    assert "Median ESS (IW)" in metrics


def test_new_samples_button_changes_the_seed_and_the_grid():
    at = home()
    before = at.get("image")[0].proto.SerializeToString()
    at.button(key="resample").click().run()
    assert not at.exception
    assert at.session_state.sample_seed == 1
    assert at.get("image")[0].proto.SerializeToString() != before


def test_switching_models_reloads_the_page_for_that_model():
    at = home()
    at.sidebar.selectbox[0].select("digits-2d").run()
    assert not at.exception and not at.error
    assert {m.label: m.value for m in at.metric}["Latent size"] == "2-D"
    at.sidebar.selectbox[0].select("mnist-16d").run()
    assert {m.label: m.value for m in at.metric}["Latent size"] == "16-D"


def test_prior_samples_are_what_the_model_decodes():
    model = load_model("mnist-2d")
    z, images = prior_samples(model, 4, seed=3)
    g = torch.Generator().manual_seed(3)
    expected_z = torch.randn(4, 2, generator=g)
    assert torch.equal(torch.from_numpy(z), expected_z)
    assert torch.allclose(torch.from_numpy(images).reshape(4, -1), model.decode(expected_z))


def test_the_router_lists_the_home_page():
    at = new_page("streamlit_app", timeout=120).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "VAE latent explorer"


@pytest.fixture(autouse=True)
def _needs_models():
    from vae_core import list_models

    missing = {"mnist-2d", "mnist-16d", "digits-2d"} - set(list_models())
    if missing:
        pytest.fail(f"pretrained models missing: {sorted(missing)}")


def test_a_held_out_early_stopping_split_is_validation_not_test():
    ev = {"n": 180, "k": 1000, "nll": 24.0, "elbo": -24.6, "reconstruction": -21.8, "kl": 2.8,
          "data": "the 180 held-out digits images (used only for early stopping)"}
    assert evaluation_split(ev) == "Validation"
    assert evaluation_split({**ev, "data": "the 10,000 MNIST test images"}) == "Test"
    assert evaluation_split({**ev, "split": "test"}) == "Test"
    labels = [f.label for f in card_figures({"config": {"latent_dim": 2, "likelihood": "bernoulli", "binarized": True},
                                             "evaluation": {**ev, "binarize_seed": 0}})]
    assert "Validation NLL, IW K=1000" in labels and "Validation ELBO" in labels
    assert not any(label.startswith("Test") for label in labels)
    # a grey-value Bernoulli card's figure is a score, and says so
    grey = card_figures({"config": {"latent_dim": 2, "likelihood": "bernoulli"}, "evaluation": ev})
    assert "Validation cross-entropy score, IW K=1000" in [f.label for f in grey]
    assert all("NLL" not in f.label for f in grey)


def test_digits_2d_home_says_validation_and_puts_at_most_three_metrics_in_a_row():
    at = new_page("home", timeout=120)
    at.session_state["model"] = "digits-2d"
    at.run()
    assert not at.exception, at.exception
    labels = [m.label for m in at.metric]
    assert "Validation NLL, exact" in labels and not any(label.startswith("Test") for label in labels)
    holding = [c for c in at.columns if any(getattr(e, "type", "") == "metric" for e in c.children.values())]
    assert len(holding) == len(labels) >= 5
    assert all(c.weight >= 1 / 3 - 1e-9 for c in holding)  # one third of the width each, at least



def test_the_presenter_view_draws_the_home_grids_larger_and_filling_their_columns():
    import io
    from unittest import mock

    import streamlit as st
    from PIL import Image

    def grids(presenter: bool) -> list[tuple[int, str]]:
        with mock.patch("streamlit.image", wraps=st.image) as image:
            at = new_page("home", {"presenter": presenter}, timeout=120).run()
        assert not at.exception, at.exception
        return [(Image.open(io.BytesIO(call.args[0])).size[0], call.kwargs.get("width"))
                for call in image.call_args_list]

    plain, big = grids(False), grids(True)
    assert [w for _, w in plain] == ["content", "content"] and [w for _, w in big] == ["stretch", "stretch"]
    assert all(b == 2 * p for (p, _), (b, _) in zip(plain, big))  # twice the pixels, so stretched stays sharp
