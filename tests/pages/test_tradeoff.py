"""The beta^2 trade-off page, driven by Streamlit's AppTest, on the three shipped models."""

import pytest

from testkit.apptest import chart_specs, new_page
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
    assert [s.value for s in at.subheader] == ["β² = 0.05", "β² = 0.5", "β² = 2"]
    assert len(at.get("plotly_chart")) == 3
    captions = [i.caption for im in at.get("image") for i in im.proto.imgs]
    assert captions.count("top: data x, the first of each class; bottom: reconstructions μ_D(μ(x))") == 3
    assert sum("prior samples" in c for c in captions) == 3
    tex = " ".join(e.value for e in at.latex)
    assert r"\frac{\lVert x - \mu_D(z)\rVert^2}{2\beta^2}" in tex and r"\lambda" in tex
    assert len(at.latex) == sum(len(e.latex) for e in at.expander), "a formula not folded"
    # the formulas are folded below the maps, and no text tells a student to use a command line
    assert [e.label for e in at.expander][-2:] == [
        "The mathematics: why β² weighs the KL term, and β² against the KL weight λ", "How each figure is computed"]
    text = " ".join(m.value for m in at.markdown)
    assert "command line" not in text and "--beta" not in text and "[Train a VAE](training)" in text


def test_the_maps_fit_their_own_codes_on_one_fixed_colour_range(opened):
    from app.common.palette import LOG_RATIO_RANGE

    specs = [s for s in chart_specs(opened) if str(s["layout"].get("meta", "")).startswith("tradeoff-")]
    assert len(specs) == 3
    widths = [s["layout"]["xaxis"]["range"][1] - s["layout"]["xaxis"]["range"][0] for s in specs]
    assert widths[2] < 0.75 * widths[0], "the large-beta^2 map was drawn on the small one's axes"
    assert max(widths) < 20, "a map mostly empty: its axes span far more than its codes"
    heat = [t for s in specs for t in s["data"] if t.get("type") == "heatmap" and t.get("name") != "gap"]
    assert {(t["zmin"], t["zmax"]) for t in heat} == {LOG_RATIO_RANGE}


def test_figures_match_the_library_and_show_the_trade_off(opened):
    kls = [float(v) for v in values(opened, "Average KL")]
    holes = [float(v.rstrip("%")) for v in values(opened, "Prior-hole mass")]
    assert kls == sorted(kls, reverse=True) and holes == sorted(holes, reverse=True)
    s = tradeoff_summary(load_model("tradeoff-beta2-2"), load_dataset("mnist-5k").x[:2000], tau=2.0)
    assert values(opened, "Average KL")[2] == f"{s.average_kl:.2f}"
    assert values(opened, "Reconstruction error")[2] == f"{s.squared_error:.2f}"
    errors = [float(v) for v in values(opened, "Reconstruction error")]
    assert errors == sorted(errors)  # the notes' lesson: a larger beta^2 reconstructs worse
    captions = [c.value for c in opened.caption]
    assert f"± {s.squared_error_se:.2f} (one standard error over the images)" in captions
    assert f"± {s.average_kl_se:.2f} (one standard error over the images)" in captions
    # the negative -E_q log p(x|z) of the smallest beta^2 is explained where it is shown
    assert any(c.startswith("−E_q log p(x|z) = -") and "a Gaussian density" in c for c in captions)
    assert values(opened, "Active units")[2] == f"{s.active_units} of 2"


def test_gaps_are_drawn_as_on_the_latent_map_veil_and_outline(opened):
    from app.common.palette import GAP_FILL, GAP_OUTLINE

    specs = [s for s in chart_specs(opened) if str(s["layout"].get("meta", "")).startswith("tradeoff-")]
    for spec in specs:
        veil = [t for t in spec["data"] if t.get("name") == "gap" and t.get("type") == "heatmap"]
        assert veil and veil[0]["colorscale"][-1][1] == GAP_FILL and "0, 0, 0, 0)" in veil[0]["colorscale"][0][1]
        lines = [t for t in spec["data"] if t.get("mode") == "lines"]
        outline = [t for t in lines if t.get("line", {}).get("color") == GAP_OUTLINE]
        assert len(outline) == 1, "the gaps' outline is missing"


def test_tau_is_the_latent_maps_control_and_moves_every_hole_mass(opened):
    from app.latent_map.chart import TAU_CHOICES

    control = opened.select_slider(key="tradeoff_tau")
    assert tuple(float(o) for o in control.options) == TAU_CHOICES and control.value == 2.0
    before = values(opened, "Prior-hole mass")
    control.set_value(5.0).run()
    assert not opened.exception
    assert all(m.label.endswith("τ = 5") for m in opened.metric if m.label.startswith("Prior-hole"))
    assert values(opened, "Prior-hole mass") != before


def test_a_links_tau_opens_the_page_at_that_tau_and_a_hostile_one_falls_back():
    at = new_page("tradeoff", timeout=240)
    at.query_params["tau"] = "4"
    at.run()
    assert at.select_slider(key="tradeoff_tau").value == 4.0 and not at.exception
    bad = new_page("tradeoff", timeout=240)
    bad.query_params["tau"] = "1e308"
    bad.run()
    assert bad.select_slider(key="tradeoff_tau").value == 2.0 and not bad.exception
    assert any("tau=1e308" in i.value for i in bad.info)
