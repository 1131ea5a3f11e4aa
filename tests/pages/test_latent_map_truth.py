"""Issue 13 on the latent map: shading, colour bar, click verdict and hole mass measure one thing; log N is shown;
the prior-sample section follows tau; bad view choices get messages."""

import base64
import json

import numpy as np
from streamlit.testing.v1 import AppTest

from testkit import REPO

PAGE = str(REPO / "app/pages/latent_map.py")


def page(**state):
    at = AppTest.from_file(PAGE, default_timeout=240)
    for k, v in state.items():
        at.session_state[k] = v
    return at.run()


def array(value):
    if isinstance(value, dict):  # plotly packs numpy arrays as base64 typed arrays
        a = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return a.reshape([int(v) for v in str(value["shape"]).split(",")]) if "shape" in value else a
    return np.asarray(value, dtype=float)


def heat(at):
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    traces = {t.get("name"): t for t in spec["data"]}
    h, gap = traces["log q(z) − log p(z)"], traces["gap"]
    return h, array(h["x"]), array(h["y"]), array(h["z"]), np.isfinite(array(gap["z"]).astype(float))


def verdict(at):
    return [i.caption for im in at.get("image") for i in im.proto.imgs if "by PyTorch" in i.caption][0]


def test_16d_shading_colour_bar_and_click_verdict_agree():
    at = page(map_model="mnist-16d", map_key=("mnist-16d", "mnist-5k"))
    assert not at.exception, at.exception
    h, xs, ys, z, gaps = heat(at)
    assert "16-D" in h["colorbar"]["title"]["text"] and "log p(z)" in h["colorbar"]["title"]["text"]
    np.testing.assert_array_equal(gaps, z < -2.0)
    # At tau = 2 the whole plane through the origin is a gap of the 16-D q(z); pick a tau that splits it.
    tau = float(np.clip(np.round(-2 * np.median(z)) / 2, 0.5, 40.0))
    at.sidebar.slider(key="map_tau").set_value(tau).run()
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
    text = " ".join(m.value for m in at.markdown)
    assert "prior-hole mass" in text and "plane" in text
    assert any("log N = 8.52" in c.value for c in at.caption)  # 5,000 codes


def test_16d_figures_against_the_number_of_codes():
    at = page(map_model="mnist-16d", map_key=("mnist-16d", "mnist-5k"))
    at.toggle(key="map_by_n").set_value(True).run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table["N codes"]) == [1000, 2000, 5000]
    assert (table["I(x; z)"] <= table["log N"] + 0.01).all()


def test_prior_sample_section_follows_tau():
    at = page()
    at.sidebar.slider(key="map_tau").set_value(20.0).run()
    assert not at.exception, at.exception
    heads = " ".join(h.value for h in at.subheader)
    assert "τ = 20" in heads and "τ = 2)" not in heads
    text = " ".join(m.value for m in at.markdown)
    assert "< -20" in text and "< -2$" not in text


def test_same_dimension_twice_and_an_empty_spec_get_messages():
    at = page(map_model="mnist-16d", map_view="dims", map_dim_x=3, map_dim_y=3)
    assert not at.exception, at.exception
    assert any("two different dimensions" in e.value for e in at.error)
    at = page()
    at.sidebar.selectbox(key="map_data").set_value("other (idx:PATH or folder:PATH)…").run()
    assert not at.exception
    assert any("data-set spec" in i.value for i in at.info)


def test_prior_circles_are_drawn_over_the_points_and_the_legend_clears_the_toolbar():
    at = page()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [t.get("name") for t in spec["data"]]
    last_class = max(i for i, n in enumerate(names) if n and n.isdigit())
    circles = [i for i, t in enumerate(spec["data"]) if t.get("legendgroup") == "prior"]
    assert circles and min(circles) > last_class
    assert all(spec["data"][i]["type"] == "scattergl" for i in circles)  # same layer as the points
    assert spec["layout"]["legend"]["y"] < 0  # below the plot, away from the toolbar
