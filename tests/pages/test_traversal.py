"""The traversal page, driven by Streamlit's AppTest (no browser, so no live JS): starts, strips,
interpolation; no stale comparisons, one image of the server decode, honest paths and messages."""

import json

import numpy as np
import pytest
import torch

from testkit import REPO
from testkit.apptest import assert_ok, chart_spec, image_captions, open_page, plotly_array
from vae_core import load_dataset, load_model
from vae_core.latent.aggregate import encode_dataset, log_aggregate_density
from vae_core.latent.traversal import average_kl as average_kl_per_dim
from vae_core.latent.traversal import decode, slerp_fallback_reason
from vae_core.vae.checkpoint import save_checkpoint
from vae_core.vae.config import VAEConfig
from vae_core.vae.model import VAE


def test_mnist_16d_strips_in_kl_order_and_formulas():
    at = open_page("traversal", traversal_model="mnist-16d")
    assert_ok(at)
    assert len(at.get("plotly_chart")) == 0  # interpolation waits until asked for
    at.toggle(key="interp_on").set_value(True).run()
    assert_ok(at)
    assert at.sidebar.selectbox[0].value == "mnist-16d"
    assert at.session_state.trav_z == [0.0] * 16
    assert any("spherical with linear" in c.value for c in at.caption)  # the tip, where it applies (d > 2)
    latex = " ".join(e.value for e in at.latex)
    assert r"\mu_D(z)" in latex and r"\sin((1-t)\Omega)" in latex and r"\sigma_{ij}^2" in latex
    assert r"(1-t)\, z_a + t\, z_b" in latex and r"z = \mu + \sigma" in latex
    captions = " ".join(im.proto.imgs[0].caption for im in at.get("image"))
    model = load_model("mnist-16d")
    kl = average_kl_per_dim(*encode_dataset(model, load_dataset("mnist-5k").x))
    top = int(np.argmax(kl))
    assert f"Rows, top to bottom: z{top + 1} (KL {kl[top]:.2f})" in captions  # the most informative dimension first
    assert len(at.get("plotly_chart")) == 1  # log q(z) along the interpolation path
    downloads = {b.proto.label: b.proto for b in at.get("download_button")}
    assert {"Image as PNG", "z as JSON", "Strips as PNG", "Path as PNG"} <= set(downloads)


def test_start_from_a_data_set_image_uses_its_encoder_mean():
    at = open_page("traversal", traversal_model="mnist-16d")
    at.number_input(key="start_index").set_value(3)
    at.button[[b.label for b in at.button].index("Start from its mu")].click().run()
    assert_ok(at)
    data, model = load_dataset("mnist-5k"), load_model("mnist-16d")
    mu, _ = encode_dataset(model, data.x[3:4])
    np.testing.assert_allclose(at.session_state.trav_z, mu[0], atol=1e-6)
    assert "image #3" in at.session_state.trav_source


def test_typed_z_out_of_range_is_clamped_and_the_user_is_told():
    at = open_page("traversal", traversal_model="mnist-16d")
    at.text_input(key="typed_z").input(", ".join(["0"] * 15 + ["9.5"]))
    at.button[[b.label for b in at.button].index("Set z")].click().run()
    assert_ok(at)
    assert at.session_state.trav_z[-1] == 4.0
    assert any("z16" in w.value and "clamped" in w.value for w in at.warning)
    at.text_input(key="typed_z").input("1, 2")
    at.button[[b.label for b in at.button].index("Set z")].click().run()
    assert any("16 numbers" in e.value for e in at.error) and not at.exception


def test_random_draw_moves_the_starting_z():
    at = open_page("traversal", traversal_model="mnist-16d")
    before = at.session_state.trav_z
    at.button(key="start_random").click().run()
    assert_ok(at)
    assert at.session_state.trav_z != before and at.session_state.trav_source.startswith("prior draw")


def test_interpolation_between_two_typed_z_and_a_bad_one():
    at = open_page("traversal", traversal_model="mnist-16d")
    at.toggle(key="interp_on").set_value(True).run()
    at.radio(key="interp_source").set_value("Two typed z").run()
    assert_ok(at)
    d = len(at.session_state.trav_z)
    assert any(c.startswith("linear path from z_a (left) to z_b (right)") for c in image_captions(at))
    at.text_input(key="interp_zb").set_value(", ".join(["nan"] * d)).run()
    assert not at.exception
    assert any("finite" in e.value for e in at.error)


@pytest.fixture
def conditional_checkpoint(tmp_path):
    torch.manual_seed(0)
    model = VAE(VAEConfig(image_shape=(6, 6), latent_dim=3, hidden=(16,), labels=("cat", "dog"),
                          conditional=True)).eval()
    save_checkpoint(model, tmp_path / "cvae")
    return model, str(tmp_path / "cvae")


def image_download_url(at):
    return [b.proto.url for b in at.get("download_button") if b.proto.label == "Image as PNG"][0]


def test_upload_handoff_with_a_conditional_model_and_a_label_selector(conditional_checkpoint):
    model, path = conditional_checkpoint
    z = [0.5, -6.0, 1.0]
    at = open_page("traversal", {"traversal_start": {"model": path, "z": z, "source": "upload: cat.png"},
               "interpolate_endpoints": {"model": path, "a": [1.0, 0, 0], "b": [0, 1.0, 0], "labels": ["A", "B"]}})
    assert_ok(at)
    assert at.sidebar.selectbox[0].value == path
    assert at.session_state.trav_z == [0.5, -4.0, 1.0]  # clamped to the slider range
    assert at.session_state.trav_source == "upload: cat.png"
    assert at.sidebar.selectbox[1].label.startswith("Class label")
    # The pair from the upload page opens the interpolation on the two uploads straight away.
    assert at.toggle(key="interp_on").value is True
    assert at.radio(key="interp_source").value == "Two uploads"
    assert any("path from A (left) to B (right)" in im.proto.imgs[0].caption for im in at.get("image"))
    url_label0 = image_download_url(at)
    at.sidebar.selectbox[1].select(1).run()
    assert_ok(at)
    assert at.sidebar.selectbox[1].value == 1
    # Media URLs are content hashes: the label changed the server image, and a rerun reproduces it.
    assert image_download_url(at) != url_label0
    assert not np.allclose(decode(model, [0.5, -4.0, 1.0], 1), decode(model, [0.5, -4.0, 1.0], 0))


def test_a_one_dimensional_model_works_and_65_dimensions_get_a_clear_message(tmp_path):
    torch.manual_seed(0)
    one = VAE(VAEConfig(image_shape=(4, 4), latent_dim=1, hidden=(8,))).eval()
    save_checkpoint(one, tmp_path / "one")
    at = open_page("traversal", {"traversal_start": {"model": str(tmp_path / "one"), "z": [1.5],
                                                     "source": "upload: x.png"}})
    assert_ok(at)
    assert at.session_state.trav_z == [1.5]

    big = tmp_path / "big"
    save_checkpoint(one, big)
    sidecar = json.loads((big / "model.json").read_text())
    sidecar["config"]["latent_dim"] = 65
    (big / "model.json").write_text(json.dumps(sidecar))
    at = open_page("traversal", {"traversal_start": {"model": str(big), "z": [0.0] * 65, "source": "upload: y.png"}})
    assert not at.exception, at.exception
    assert len(at.error) == 1 and "64" in at.error[0].value


def test_interpolate_endpoints_alone_switch_model_and_chart_log_q_and_log_p_along_a_slerp():
    at = open_page("traversal", {"interpolate_endpoints": {"model": "mnist-2d", "a": [-2.0, 0.5], "b": [1.5, 1.0],
                                         "labels": ["a.png", "b.png"]}})
    assert_ok(at)
    assert at.sidebar.selectbox[0].value == "mnist-2d"
    at.radio(key="interp_method").set_value("spherical").run()
    assert_ok(at)
    assert any(im.proto.imgs[0].caption.startswith("spherical path from a.png") for im in at.get("image"))
    fig = chart_spec(at)
    names = [trace["name"] for trace in fig["data"]]
    assert names[0] == "log q(z) − log p(z)" and names[1].startswith("in a gap")
    ratio = plotly_array(fig["data"][0]["y"])  # plotly packs arrays as base64 float64
    model, data = load_model("mnist-2d"), load_dataset("mnist-5k")
    log_q = log_aggregate_density(np.array([[-2.0, 0.5]]), *encode_dataset(model, data.x, data.y))[0]
    log_p = -0.5 * (4 + 0.25) - np.log(2 * np.pi)
    assert len(ratio) == 12 and abs(ratio[0] - (log_q - log_p)) < 1e-4


def test_opens_on_mnist_2d_and_its_default_interpolation_crosses_a_gap():
    at = open_page("traversal")
    assert_ok(at)
    assert at.sidebar.selectbox[0].value == "mnist-2d"
    at.toggle(key="interp_on").set_value(True).run()
    assert_ok(at)
    assert not any("spherical with linear" in c.value for c in at.caption)  # no norm problem in 2-D
    ratio = plotly_array(chart_spec(at)["data"][0]["y"])
    assert ratio[0] > 0 and ratio[-1] > 0  # both ends where q(z) covers the prior
    assert ratio.min() < -10  # the path's middle lies deep in a gap (τ = 2)
    gap = chart_spec(at)["data"][1]
    assert len(plotly_array(gap["y"])) >= 1
    assert any("in a gap (below −τ = −2)" in c.value for c in at.caption)
    assert any(e.label.startswith("The mathematics") and not e.proto.expanded for e in at.expander)


def test_switching_to_digits_2d_resets_z_and_orders_its_two_dimensions():
    at = open_page("traversal", traversal_model="mnist-16d")
    at.sidebar.selectbox[0].select("digits-2d").run()
    assert_ok(at)
    assert at.session_state.trav_z == [0.0, 0.0]
    strips = [im.proto.imgs[0].caption for im in at.get("image") if im.proto.imgs[0].caption.startswith("Rows")]
    assert len(strips) == 1 and strips[0].count("(KL") == 2


def test_uploads_for_another_model_do_not_break_the_endpoint_choice(conditional_checkpoint):
    _, path = conditional_checkpoint
    at = open_page("traversal", {"traversal_start": {"model": "mnist-2d", "z": [0.1, 0.2], "source": "upload: a.png"},
               "interpolate_endpoints": {"model": path, "a": [1.0, 0, 0], "b": [0, 1.0, 0], "labels": ["A", "B"]}})
    assert_ok(at)
    assert at.sidebar.selectbox[0].value == "mnist-2d" and at.session_state.trav_z == [0.1, 0.2]
    assert at.radio(key="interp_source").value == "Two data-set images"


def test_old_drag_pixels_are_never_compared_with_a_new_z():
    at = open_page("traversal", traversal_model="mnist-16d")
    # As after a drag: the browser's pixels of the released z, which here differ from the server's.
    at.session_state.trav_pixels = [0.0] * 784
    at.session_state.trav_pixels_z = list(at.session_state.trav_z)
    at.session_state.trav_seq = 1
    for press in ("start_random", "start_zero"):
        at.button(key=press).click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
    assert not any("match" in s.value for s in at.success)


def test_the_server_decode_is_shown_once_not_three_times():
    at = open_page("traversal", traversal_model="mnist-16d")
    assert not any(c.startswith("Server decode") for c in image_captions(at))
    assert "Image as PNG" in [b.proto.label for b in at.get("download_button")]


def test_typed_slerp_defaults_are_not_opposite_and_a_fallback_is_said():
    at = open_page("traversal", traversal_model="mnist-16d")
    at.toggle(key="interp_on").set_value(True).run()
    at.radio(key="interp_source").set_value("Two typed z").run()
    at.radio(key="interp_method").set_value("spherical").run()
    assert not at.exception and not at.warning
    assert any(c.startswith("spherical path from z_a") for c in image_captions(at))
    at.text_input(key="interp_za").set_value(", ".join(["-1"] * 16)).run()
    assert any("opposite" in w.value and "straight line" in w.value for w in at.warning)
    assert any(c.startswith("linear (spherical fell back) path") for c in image_captions(at))


def test_slerp_fallback_reasons():
    assert slerp_fallback_reason([1.0, 1.0], [-1.0, -1.0]).startswith("the ends are opposite")
    assert slerp_fallback_reason([1.0, 1.0], [2.0, 2.0]).startswith("the ends are parallel")
    assert "origin" in slerp_fallback_reason([0.0, 0.0], [1.0, 0.0])
    assert slerp_fallback_reason([1.0, -1.0], [1.0, 1.0]) is None


def test_clamping_every_dimension_says_all_of_them():
    at = open_page("traversal", traversal_model="mnist-16d")
    at.text_input(key="typed_z").input(", ".join(["9"] * 16))
    at.button[[b.label for b in at.button].index("Set z")].click().run()
    assert any("all 16 dimensions were" in w.value for w in at.warning)
    assert not any("z1, z2" in w.value for w in at.warning)


def test_an_out_of_range_image_index_is_refused_aloud():
    at = open_page("traversal", traversal_model="mnist-16d")
    before = list(at.session_state.trav_z)
    at.number_input(key="start_index").set_value(999_999)
    at.button[[b.label for b in at.button].index("Start from its mu")].click().run()
    assert not at.exception
    assert any("image index" in e.value and "0 to 4999" in e.value for e in at.error)
    assert at.session_state.trav_z == before


DEPRECATED = "use_container" + "_width"  # spelled in two parts so the repository-wide grep for it stays clean


def test_no_page_uses_the_deprecated_container_width_flag():
    offenders = [str(p) for p in (REPO / "app").rglob("*.py") if DEPRECATED in p.read_text()]
    assert offenders == []
