"""The conditional VAE page, driven by Streamlit's AppTest, on the shipped mnist-cvae-2d."""



import numpy as np
import pytest

from app.cvae.cache import REPEATS
from testkit.apptest import assert_ok, chart_specs, image_captions, open_page, plotly_array
from vae_core import classify, load_dataset, load_model
from vae_core.vae.pixels import model_pixels
from vae_core.vae.train import split_indices


@pytest.fixture(scope="module")
def opened():
    return open_page("cvae")


def test_page_opens_with_grid_maps_classification_and_validation_accuracy(opened):
    at = opened
    assert_ok(at)
    assert [h.value for h in at.header] == ["Generation by label", "The latent space holds style, not class",
                                            "Style transfer and generative classification", "Accuracy"]
    caps = image_captions(at)
    assert any("the same z down each column" in c for c in caps)  # the generation grid
    assert any(c.startswith("The same z decoded with y' = 0, 1, 2") for c in caps)  # the style-transfer row
    # Two latent maps, two bar charts, the confusion matrix.
    assert len(at.get("plotly_chart")) == 5
    assert any(r"p(y\mid x) = \frac" in e.value for e in at.latex)
    assert any("What to try" in e.label for e in at.expander)


def test_validation_accuracy_is_what_classify_gives_on_the_held_out_split(opened):
    model, data = load_model("mnist-cvae-2d"), load_dataset("mnist-5k")
    _, val = split_indices(len(data), 0.1, 0)
    x = model_pixels(model, data.x[val[:500]])  # the model was trained on binarised pixels: it classifies x_b
    expected = np.mean(classify(model, x, k=20, seed=0).predicted == data.y[val[:500]])
    metric = next(m for m in opened.metric if m.label.startswith("Validation accuracy"))
    assert metric.value == f"{expected:.1%}"


def test_data_set_image_guess_matches_the_library(opened):
    at = opened
    at.number_input(key="cvae_index").set_value(7).run()
    assert_ok(at)
    data, model = load_dataset("mnist-5k"), load_model("mnist-cvae-2d")
    r = classify(model, model_pixels(model, data.x[7:8]), k=100, seed=0, repeats=REPEATS)
    verdict = next(m.value for m in at.markdown if m.value.startswith("**Guess:"))
    assert verdict.startswith(f"**Guess: {r.predicted[0]}** with p(y|x) = {r.posterior[0].max():.1%}")
    assert f"true label {data.y[7]}" in verdict
    specs = {(s["layout"].get("title") or {}).get("text", ""): s for s in chart_specs(at)}
    bars = specs[f"log p(x|y), K = 100 per label, {REPEATS} repeats"]["data"][0]
    np.testing.assert_allclose(plotly_array(bars["customdata"])[:, 0], r.log_px_y[0], rtol=1e-6)
    np.testing.assert_allclose(plotly_array(bars["customdata"])[:, 2], r.ess[0], rtol=1e-6)  # the ESS, in the hover
    np.testing.assert_allclose(plotly_array(bars["error_y"]["array"]), r.se[0], rtol=1e-6)
    np.testing.assert_allclose(plotly_array(specs["p(y|x) ∝ p(x|y) p(y)"]["data"][0]["y"]), r.posterior[0], atol=1e-9)


def test_the_chosen_label_is_the_one_encoded_with():
    at = open_page("cvae", {"cvae_encode_label": "y = 3", "cvae_index": 0})
    assert_ok(at)
    assert any(c.startswith("input, y = 3 (y = 3)") for c in image_captions(at))


def test_a_non_conditional_model_is_explained_not_crashed_on():
    at = open_page("cvae", {"cvae_model": "mnist-2d"})
    assert not at.exception
    assert len(at.warning) == 1 and "not conditional" in at.warning[0].value
    # a link to the page that trains one, never a command line (issue 26)
    assert "[Train a VAE](training)" in at.warning[0].value and "python -m" not in at.warning[0].value
    assert len(at.header) == 0


def test_an_unreadable_upload_gets_one_line_naming_it_and_the_rest_of_the_page_goes_on():
    at = open_page("cvae", {"cvae_source": "Upload"})
    at.file_uploader(key="cvae_upload").set_value(("broken.png", b"not an image at all", "image/png")).run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("broken.png: ") and "not an image" in errors[0], errors
    assert "\n" not in errors[0]
    assert not any(m.value.startswith("**Guess:") for m in at.markdown)  # nothing classified without an image
    assert [h.value for h in at.header][-1] == "Accuracy"
    assert any(m.label.startswith("Validation accuracy") for m in at.metric)


def test_the_page_opens_on_the_picture_with_its_formulas_folded_and_no_command_line():
    at = open_page("cvae")
    assert not at.exception
    assert len(at.latex) > 0 and len(at.latex) == sum(len(e.latex) for e in at.expander), "a formula not folded"
    labels = [e.label for e in at.expander]
    assert "The mathematics: p(x|y), the conditional ELBO, generation and style transfer" in labels
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "python -m" not in text and "command line" not in text

