"""Figures and pictures shared by every visitor: keyed by their contents, built once, and the same as
building them afresh."""

import io

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from app.common.shared_figure import content_key, shared_figure
from app.common.ui import grid_png
from vae_core.images.gallery import tile_images


def test_content_key_follows_contents_not_identity():
    a = np.arange(6, dtype=np.float64)
    assert content_key(a, {"k": 3}) == content_key(a.copy(), {"k": 3})
    assert content_key(a, {"k": 3}) != content_key(a, {"k": 4})
    b = a.copy()
    b[5] += 1e-12
    assert content_key(a) != content_key(b)
    assert content_key(a) != content_key(a.astype(np.float32))  # same values, other dtype
    assert content_key(a) != content_key(a.reshape(2, 3))
    assert content_key(None) != content_key(np.zeros(0))


def test_a_shared_figure_is_built_once_per_key():
    calls = []

    def build(n):
        calls.append(n)
        return go.Figure(go.Scatter(x=[0, n], y=[0, n]))

    first = shared_figure("test-shared", content_key("one", np.random.default_rng().random(3)), lambda: build(1))
    key = content_key("two", np.random.default_rng().random(3))
    second = shared_figure("test-shared", key, lambda: build(2))
    again = shared_figure("test-shared", key, lambda: build(3))
    assert calls == [1, 2]
    assert again is second and first is not second


def test_grid_png_is_the_tiled_grid_losslessly():
    rng = np.random.default_rng(0)
    images = rng.random((6, 8, 8)).astype(np.float32)
    picture = np.asarray(Image.open(io.BytesIO(grid_png(images, cols=3, scale=2))))
    assert np.array_equal(picture, tile_images(images, cols=3, scale=2))


def test_the_cached_manifold_picture_is_the_decoded_grid():
    from app.common.cache import get_model
    from app.latent_map import cache as lmc
    from vae_core.latent.manifold import decode_latents, grid_coordinates, plane_latents

    xs = grid_coordinates(-2.0, 2.0, 5, "linear")
    basis = ((1.0, 0.0), (0.0, 1.0))
    png = lmc.manifold_picture("digits-2d", basis, tuple(xs.tolist()), None, scale=3)
    model = get_model("digits-2d")
    expected = grid_png(decode_latents(model, plane_latents(xs, xs, np.asarray(basis))), cols=5, scale=3)
    assert png == expected


def test_a_figure_of_a_big_data_set_is_not_kept():
    from app.common.shared_figure import MAX_SHARED_VALUES

    calls = []

    def build():
        calls.append(1)
        return go.Figure()

    key = content_key("big", np.random.default_rng().random(3))
    first = shared_figure("test-big", key, build, values=MAX_SHARED_VALUES + 1)
    second = shared_figure("test-big", key, build, values=MAX_SHARED_VALUES + 1)
    assert len(calls) == 2 and first is not second  # built for each page, held by no cache
    shared_figure("test-big", key, build, values=MAX_SHARED_VALUES)
    shared_figure("test-big", key, build, values=MAX_SHARED_VALUES)
    assert len(calls) == 3


def test_a_prepared_figure_sends_the_same_json_as_plotly_once_made(monkeypatch):
    import json

    import orjson
    import plotly.graph_objects as go
    import plotly.io
    import plotly.tools

    from app.common.shared_figure import PreparedFigure

    spec = {"data": [{"type": "scattergl", "x": np.linspace(0, 1, 500), "y": np.arange(500.0), "name": "</b>a/b"}],
            "layout": {"title": {"text": "<i>x</i> / y \u2028"}, "height": 300}}
    plain, prepared = go.Figure(spec), PreparedFigure(spec)

    def sent(fig) -> str:  # what st.plotly_chart does with a figure
        return plotly.io.to_json(plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True),
                                 validate=False)

    expected = sent(plain)
    assert sent(prepared) == expected
    assert isinstance(prepared.to_dict().to_plotly_json(), orjson.Fragment)  # the JSON kept, not made again
    calls = []
    real = plotly.io.to_json
    monkeypatch.setattr(plotly.io, "to_json", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert sent(prepared) == expected == sent(prepared)  # the JSON is made once: no further to_json inside
    assert len(calls) == 2
    assert json.loads(expected)["data"][0]["name"] == "</b>a/b" and "</b>" not in expected  # escaped as plotly does
