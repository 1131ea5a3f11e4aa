"""The beta^2 trade-off page, driven by Streamlit's AppTest, on the three shipped models."""

import pytest

from testkit.apptest import new_page
from vae_core import load_dataset, load_model
from vae_core.latent.decoder_variance import tradeoff_summary


@pytest.fixture(scope="module")
def opened():
    return new_page("tradeoff", timeout=240).run()


def values(at, label_start: str) -> list[str]:
    return [m.value for m in at.metric if m.label.startswith(label_start)]


def test_three_models_side_by_side_in_increasing_beta2(opened):
    at = opened
    assert not at.exception and not at.error
    assert [s.value for s in at.subheader] == ["β² = 0.02", "β² = 0.2", "β² = 2"]
    assert len(at.get("plotly_chart")) == 3
    captions = [i.caption for im in at.get("image") for i in im.proto.imgs]
    assert captions.count("top: data x, the first of each class; bottom: reconstructions μ_D(μ(x))") == 3
    assert sum("prior samples" in c for c in captions) == 3
    tex = " ".join(e.value for e in at.latex)
    assert r"\frac{\lVert x - \mu_D(z)\rVert^2}{2\beta^2}" in tex and r"\lambda" in tex


def test_figures_match_the_library_and_show_the_trade_off(opened):
    kls = [float(v) for v in values(opened, "Average KL")]
    holes = [float(v.rstrip("%")) for v in values(opened, "Prior-hole mass")]
    assert kls == sorted(kls, reverse=True) and holes == sorted(holes, reverse=True)
    s = tradeoff_summary(load_model("tradeoff-beta2-2"), load_dataset("mnist-5k").x[:2000], tau=2.0)
    assert values(opened, "Average KL")[2] == f"{s.average_kl:.2f}"
    assert values(opened, "Reconstruction error")[2] == f"{s.squared_error:.1f}"
    assert values(opened, "Active units")[2] == f"{s.active_units} of 2"


def test_tau_moves_every_hole_mass(opened):
    before = values(opened, "Prior-hole mass")
    opened.slider(key="tradeoff_tau").set_value(5.0).run()
    assert not opened.exception
    assert all(m.label.endswith("τ = 5") for m in opened.metric if m.label.startswith("Prior-hole"))
    assert values(opened, "Prior-hole mass") != before
