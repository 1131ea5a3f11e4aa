"""The latent map page, driven by Streamlit's AppTest: the map, its density and gaps, clicks, views; the
shading, colour bar, click verdict and hole mass measure one thing; log N is shown; the prior-sample section
follows tau; bad view choices get messages."""


import numpy as np
import pytest

import vae_core
from app.latent_map.click import MAP_META
from testkit.apptest import chart_spec, image_captions, open_page, plotly_array
from vae_core.latent.aggregate import encode_dataset
from vae_core.latent.exact_coverage import exact_coverage
from vae_core.latent.gaps import gap_stats


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


@pytest.fixture(scope="module")
def mnist_2d_codes():
    model, data = vae_core.load_model("mnist-2d"), vae_core.load_dataset("mnist-5k")
    return encode_dataset(model, data.x)


def test_default_page_shows_the_map_density_gaps_and_figures(mnist_2d_codes):
    at = open_page("latent_map")
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.sidebar.selectbox(key="map_model").value == "mnist-2d"
    assert at.sidebar.selectbox(key="map_data").value == "mnist-5k"
    spec = chart_spec(at)
    names = [t.get("name") for t in spec["data"]]
    assert {"log q(z) − log p(z)", "gap"} <= set(names)
    # Clicks are read by the click-decode component, which finds the chart by this tag; the chart
    # carries no selectable lattice and does not rerun on a click.
    assert spec["layout"]["meta"] == MAP_META
    assert spec["layout"]["clickmode"] == "event" and "click target" not in names
    assert [str(d) for d in range(10)] == [n for n in names if n and n.isdigit()]
    s = gap_stats(*mnist_2d_codes, tau=2.0)
    e = exact_coverage(*mnist_2d_codes, tau=2.0)
    shown = metrics(at)
    # a 2-D latent: the exact figures, by quadrature, with the Monte Carlo ones beside them
    assert shown["Prior-hole mass, exact"] == f"{100 * e.prior_hole_mass:.2f}%"
    assert shown["KL(q(z) ‖ p(z)), exact"] == f"{e.kl_aggregate_prior:.3f} nats"  # four decimals were cut
    captions = [c.value for c in at.caption]
    assert f"by quadrature; Monte Carlo: {100 * s.prior_hole_mass:.1f}% ± {100 * s.prior_hole_se:.2f}%" in captions
    assert abs(e.prior_hole_mass - s.prior_hole_mass) < 3 * s.prior_hole_se
    assert shown["Average KL term"] == f"{s.average_kl:.3f} nats"
    assert shown["I(x; z)"] == f"{e.mutual_information:.3f} nats"
    # The folded formulas and the export buttons are drawn once their expander is opened, not before.
    assert not at.latex and not at.get("download_button")
    at.session_state["map_stats_math_open"] = at.session_state["map_export_open"] = True
    at.run()
    latex = " ".join(e.value for e in at.latex)
    assert r"\log q(z) - \log p(z) < -\tau" in latex and "I(x; z)" in latex
    downloads = {b.proto.label: b.proto for b in at.get("download_button")}
    assert {"Figure as HTML", "Latent codes as CSV"} <= set(downloads)


def test_tau_slider_moves_the_hole_mass(mnist_2d_codes):
    at = open_page("latent_map")
    at.select_slider(key="map_tau").set_value(6.0).run()
    assert not at.exception
    e = exact_coverage(*mnist_2d_codes, tau=6.0)
    assert metrics(at)["Prior-hole mass, exact"] == f"{100 * e.prior_hole_mass:.2f}%"


def test_a_click_decodes_exactly_that_z():
    at = open_page("latent_map", map_clicked=(-3.0, 3.0), map_key=("mnist-2d", "mnist-5k"))
    assert not at.exception, at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "decoded z = `[-3.0, 3.0]`" in text
    assert "x = μ_D(z) by PyTorch: in a gap" in image_captions(at)  # (-3, 3) is a gap of mnist-2d at τ = 2
    assert any(r"\log q(z) - \log p(z) = -" in t.value for t in at.latex)
    assert len(at.get("imgs")) + len(at.get("image")) >= 3  # decoded image, two prior-sample grids (the open tab)


def test_a_click_in_a_cluster_is_covered():
    at = open_page("latent_map", map_clicked=(0.0, 0.0), map_key=("mnist-2d", "mnist-5k"))
    assert "x = μ_D(z) by PyTorch: covered by q(z)" in image_captions(at)


def test_ellipses_are_drawn_on_request():
    at = open_page("latent_map")
    assert "1σ of q(z|x)" not in [t.get("name") for t in chart_spec(at)["data"]]
    at.checkbox(key="map_ellipses").check().run()
    assert not at.exception, at.exception
    ellipses = [t for t in chart_spec(at)["data"] if t.get("name") == "1σ of q(z|x)"]
    assert len(ellipses) == 1 and ellipses[0]["x"]  # one trace, 200 closed paths separated by gaps


def test_thumbnails_draw_data_set_images_at_their_codes_without_overlapping(mnist_2d_codes):
    import base64
    import io

    from PIL import Image

    at = open_page("latent_map")
    assert "images" not in chart_spec(at)["layout"]
    at.checkbox(key="map_thumbnails").check().run()
    assert not at.exception, at.exception
    images = chart_spec(at)["layout"]["images"]
    assert 50 < len(images) <= 300
    mu, _ = mnist_2d_codes
    data = vae_core.load_dataset("mnist-5k")
    side = images[0]["sizex"]
    centres = np.array([[im["x"], im["y"]] for im in images])
    d = np.abs(centres[:, None] - centres[None])
    assert not ((d[..., 0] < side) & (d[..., 1] < side) & ~np.eye(len(images), dtype=bool)).any()
    for im in images[:: len(images) // 5]:  # each is its point's image, at its point's code
        index = int(im["name"].removeprefix("index "))
        assert (im["x"], im["y"]) == pytest.approx(tuple(mu[index]), abs=1e-5)
        png = Image.open(io.BytesIO(base64.b64decode(im["source"].split(",", 1)[1])))
        np.testing.assert_allclose(np.asarray(png) / 255, data.x[index].reshape(28, 28), atol=1 / 255 + 1e-6)


def test_tsne_view_decodes_the_nearest_data_point_and_says_so():
    at = open_page("latent_map", map_model="mnist-16d", map_view="tsne", map_clicked=(0.0, 0.0),
                   map_key=("mnist-16d", "mnist-5k"))
    assert not at.exception, at.exception
    assert chart_spec(at)["layout"]["xaxis"]["title"]["text"] == "t-SNE 1"
    assert any("nearest data point (index" in c.value for c in at.caption)
    assert any("full 16-D latent space" in m.value for m in at.markdown)


def test_a_data_set_of_another_image_size_is_refused_naming_both_shapes(tmp_path, monkeypatch):
    from PIL import Image

    monkeypatch.setenv("VAE_EXPLORER_DATA_ROOTS", str(tmp_path))  # visitors' paths must lie in a data root
    for cls in ("a", "b"):
        (tmp_path / "small" / cls).mkdir(parents=True)
        for i in range(3):
            Image.fromarray(np.full((8, 8), 40 * i, dtype=np.uint8)).save(tmp_path / "small" / cls / f"{i}.png")
    at = open_page("latent_map")
    at.sidebar.selectbox(key="map_data").set_value("other (idx:PATH or folder:PATH)…").run()
    at.sidebar.text_input(key="map_spec").set_value(f"folder:{tmp_path / 'small'}").run()
    assert not at.exception, at.exception
    assert at.error and "8x8" in at.error[0].value and "28x28" in at.error[0].value


def test_16d_model_uses_pca_and_measures_gaps_in_full_space():
    at = open_page("latent_map")
    at.sidebar.selectbox(key="map_model").set_value("mnist-16d").run()
    assert not at.exception, at.exception
    assert at.sidebar.radio(key="map_view").value == "pca"
    assert any("full 16-D latent space" in m.value for m in at.markdown)
    at.sidebar.radio(key="map_view").set_value("dims").run()
    assert not at.exception
    spec = chart_spec(at)
    assert spec["layout"]["xaxis"]["title"]["text"] == "z1"


def test_digits_model_switches_to_its_data_set():
    at = open_page("latent_map")
    at.sidebar.selectbox(key="map_model").set_value("digits-2d").run()
    assert not at.exception, at.exception
    assert at.sidebar.selectbox(key="map_data").value == "digits"
    assert not at.error


def test_a_bad_data_set_path_is_an_error_not_a_traceback(monkeypatch):
    monkeypatch.setenv("VAE_EXPLORER_DATA_ROOTS", "/nowhere")
    at = open_page("latent_map")
    at.sidebar.selectbox(key="map_data").set_value("other (idx:PATH or folder:PATH)…").run()
    at.sidebar.text_input(key="map_spec").set_value("idx:/nowhere/t10k").run()
    assert not at.exception
    assert at.error and "nowhere" in at.error[0].value


def test_single_class_data_is_drawn_in_one_colour(tmp_path, monkeypatch):
    from PIL import Image

    monkeypatch.setenv("VAE_EXPLORER_DATA_ROOTS", str(tmp_path))
    folder = tmp_path / "one" / "only"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(12):
        Image.fromarray((rng.random((28, 28)) * 255).astype(np.uint8)).save(folder / f"{i}.png")
    at = open_page("latent_map")
    at.sidebar.selectbox(key="map_data").set_value("other (idx:PATH or folder:PATH)…").run()
    at.sidebar.text_input(key="map_spec").set_value(f"folder:{tmp_path / 'one'}").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    data_traces = [t for t in chart_spec(at)["data"]
                   if t.get("type") == "scattergl" and "markers" in t.get("mode", "markers")]
    assert [t["name"] for t in data_traces] == ["data"]


def test_a_1d_latent_gets_a_density_strip(tmp_path, monkeypatch):
    import streamlit as st
    import torch

    import vae_core.vae.registry as registry
    from vae_core.vae.checkpoint import save_checkpoint
    from vae_core.vae.config import VAEConfig
    from vae_core.vae.model import VAE

    torch.manual_seed(0)
    model = VAE(VAEConfig(latent_dim=1, hidden=(16,), labels=tuple("0123456789")))
    save_checkpoint(model, tmp_path / "tiny-1d", {"data": {"name": "mnist-5k"}})
    monkeypatch.setattr(registry, "PRETRAINED_DIR", tmp_path)
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        at = open_page("latent_map", map_model="tiny-1d", map_clicked=(0.5, 0.0), map_key=("tiny-1d", "mnist-5k"))
        assert not at.exception, at.exception
        assert any("1-D latent" in i.value for i in at.info)
        names = [t.get("name") for t in chart_spec(at)["data"]]
        assert {"q(z)", "p(z) = N(0, 1)", "gap", "click target"} <= set(names)
        assert any("decoded z = `[0.5]`" in m.value for m in at.markdown)
        assert "Prior-hole mass" in metrics(at)
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()


def heat(at):
    spec = chart_spec(at)
    traces = {t.get("name"): t for t in spec["data"]}
    h, gap = traces["log q(z) − log p(z)"], traces["gap"]
    gap_cells = plotly_array(gap["z"]) == 1  # one byte a cell: 1 a gap, 0 not (drawn transparent)
    assert set(np.unique(plotly_array(gap["z"]))) <= {0, 1}
    return h, plotly_array(h["x"]), plotly_array(h["y"]), plotly_array(h["z"]), gap_cells


def verdict(at):
    return [i.caption for im in at.get("image") for i in im.proto.imgs if "by PyTorch" in i.caption][0]


def test_16d_shading_colour_bar_and_click_verdict_agree():
    at = open_page("latent_map", map_model="mnist-16d", map_key=("mnist-16d", "mnist-5k"))
    assert not at.exception, at.exception
    h, xs, ys, z, gaps = heat(at)
    assert "16-D" in h["colorbar"]["title"]["text"] and "log p(z)" in h["colorbar"]["title"]["text"]
    near = np.abs(z + 2.0) <= 0.01  # the heat map's values are rounded to 2 decimals
    np.testing.assert_array_equal(gaps[~near], (z < -2.0)[~near])
    # At tau = 2 the whole plane through the origin is a gap of the 16-D q(z); pick a tau that splits it.
    from app.latent_map.chart import TAU_CHOICES

    tau = min(TAU_CHOICES[1:], key=lambda t: abs(t + float(np.median(z))))  # the choice nearest the median
    at.sidebar.select_slider(key="map_tau").set_value(tau).run()
    h, xs, ys, z, gaps = heat(at)
    clear = np.abs(z + tau) > 0.01  # the heat map's values are rounded to 2 decimals
    np.testing.assert_array_equal(gaps[clear], (z < -tau)[clear])
    assert gaps.any() and (~gaps).any()
    for want in (True, False):
        cells = np.argwhere((gaps == want) & (np.abs(z + tau) > 0.5))
        r, c = cells[len(cells) // 2]
        at.session_state.map_clicked = (float(xs[c]), float(ys[r]))
        at.run()
        assert ("in a gap" in verdict(at)) == want, (want, verdict(at))
    at.session_state["map_math_open"] = True  # the folded mathematics says why the plane looks covered
    at.run()
    text = " ".join(m.value for m in at.markdown)
    assert "prior-hole mass" in text and "plane" in text
    assert any("log N = 8.52" in c.value for c in at.caption)  # 5,000 codes


def test_16d_figures_against_the_number_of_codes():
    at = open_page("latent_map", map_model="mnist-16d", map_key=("mnist-16d", "mnist-5k"))
    at.toggle(key="map_by_n").set_value(True).run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table["N codes"]) == [1000, 2000, 5000]
    # I(x; z) = average KL - KL(q(z) || p(z)), the KL by Monte Carlo over 4,000 samples (SE of a few hundredths)
    assert (table["I(x; z)"] <= table["log N"] + 0.1).all()


def test_prior_sample_section_follows_tau():
    at = open_page("latent_map")
    at.sidebar.select_slider(key="map_tau").set_value(20.0).run()
    assert not at.exception, at.exception
    heads = " ".join(h.value for h in at.subheader)
    assert "τ = 20" in heads and "τ = 2)" not in heads
    text = " ".join(m.value for m in at.markdown)
    assert "< -20" in text and "< -2$" not in text


def test_same_dimension_twice_and_an_empty_spec_get_messages():
    at = open_page("latent_map", map_model="mnist-16d", map_view="dims", map_dim_x=3, map_dim_y=3)
    assert not at.exception, at.exception
    assert any("two different dimensions" in e.value for e in at.error)
    at = open_page("latent_map")
    at.sidebar.selectbox(key="map_data").set_value("other (idx:PATH or folder:PATH)…").run()
    assert not at.exception
    assert any("data-set spec" in i.value for i in at.info)


def test_prior_circles_are_drawn_over_the_points_and_the_legend_clears_the_toolbar():
    at = open_page("latent_map")
    spec = chart_spec(at)
    names = [t.get("name") for t in spec["data"]]
    last_class = max(i for i, n in enumerate(names) if n and n.isdigit())
    circles = [i for i, t in enumerate(spec["data"]) if t.get("legendgroup") == "prior"]
    assert circles and min(circles) > last_class
    assert all(spec["data"][i]["type"] == "scattergl" for i in circles)  # same layer as the points
    assert spec["layout"]["legend"]["y"] > 1 and spec["layout"]["legend"]["yanchor"] == "bottom"  # above the plot
    assert spec["layout"]["modebar"]["orientation"] == "v"  # the toolbar upright at the side, clear of the legend
