"""The latent map's visual language: the shared class palette, the gap shading and its outline above the points,
a toggle that hides the points, one fixed colour range stated in the colour bar, τ on a widened scale."""

import numpy as np
import pytest

from app.common.palette import CLASS_COLOURS, GAP_FILL, GAP_NAME, GAP_OUTLINE, LOG_RATIO_RANGE
from app.latent_map.chart import TAU_CHOICES
from testkit.apptest import assert_ok, chart_spec, open_page, plotly_array


def _traces(spec) -> dict:
    return {t.get("name"): t for t in spec["data"]}


@pytest.mark.parametrize("model", ["mnist-2d", "mnist-16d"])
def test_the_colour_range_is_fixed_and_said_in_the_colour_bar(model):
    at = open_page("latent_map", map_model=model, map_key=(model, "mnist-5k"))
    assert_ok(at)
    heat = _traces(chart_spec(at))["log q(z) − log p(z)"]
    assert (heat["zmin"], heat["zmax"]) == LOG_RATIO_RANGE
    assert "fixed scale -30 to 10" in heat["colorbar"]["title"]["text"]
    assert heat["colorbar"]["orientation"] == "h"  # under the map: the map keeps the column's width


def test_classes_take_the_shared_palette_and_gaps_are_outlined_above_the_points():
    at = open_page("latent_map")
    spec = chart_spec(at)
    names = [t.get("name") for t in spec["data"]]
    for d in range(10):
        assert spec["data"][names.index(str(d))]["marker"]["color"] == CLASS_COLOURS[d]
    traces = _traces(spec)
    # One byte a cell: 1 (a gap) in the gap colour, 0 transparent.
    scale = traces["gap"]["colorscale"]
    assert scale[-1] == [1, GAP_FILL] and scale[0][1] == "rgba(0, 0, 0, 0)"
    assert (traces["gap"]["zmin"], traces["gap"]["zmax"]) == (0, 1)
    outline = traces[GAP_NAME]
    assert outline["type"] == "scattergl" and outline["line"]["color"] == GAP_OUTLINE  # the points' layer
    assert names.index(GAP_NAME) > max(names.index(str(d)) for d in range(10))  # drawn after, so above, them
    x = plotly_array(outline["x"])
    assert np.isfinite(x).sum() > 100  # mnist-2d at τ = 2 has gaps between its classes
    layout = spec["layout"]
    assert layout["xaxis"]["constrain"] == layout["yaxis"]["constrain"] == "domain"  # the heat map fills the axes
    heat = traces["log q(z) − log p(z)"]
    hx, hy = plotly_array(heat["x"]), plotly_array(heat["y"])
    assert layout["xaxis"]["range"] == pytest.approx([hx[0], hx[-1]], abs=1e-3)
    assert layout["yaxis"]["range"] == pytest.approx([hy[0], hy[-1]], abs=1e-3)


def test_hide_the_points_keeps_the_heat_map_and_the_gaps():
    at = open_page("latent_map")
    at.checkbox(key="map_hide_points").check().run()
    assert_ok(at)
    names = {t.get("name") for t in chart_spec(at)["data"]}
    assert not any(n and n.isdigit() for n in names)
    assert {"log q(z) − log p(z)", "gap", GAP_NAME} <= names


def test_tau_is_chosen_on_a_scale_where_two_to_five_is_wide():
    at = open_page("latent_map")
    tau = at.sidebar.select_slider(key="map_tau")
    assert tuple(float(o) for o in tau.options) == TAU_CHOICES and tau.value == 2.0
    span = (TAU_CHOICES.index(5.0) - TAU_CHOICES.index(2.0)) / (len(TAU_CHOICES) - 1)
    assert span > 0.15 and TAU_CHOICES[-1] == 40.0  # 2 -> 5 was 3/40 of the old slider's track
    assert "a larger τ calls fewer points gaps" in tau.help  # the glossary's line


def test_formulas_are_folded_below_the_picture():
    at = open_page("latent_map")
    folded = [e for e in at.expander if e.label.startswith("The mathematics: the aggregate posterior")]
    assert len(folded) == 1 and not folded[0].proto.expanded
    at.session_state["map_math_open"] = True  # the visitor opens it
    at.run()
    folded = [e for e in at.expander if e.label.startswith("The mathematics: the aggregate posterior")]
    assert any(r"\operatorname{diag}\sigma^2" in x.value for x in folded[0].latex)


def test_the_traversal_live_map_paints_the_shared_class_colours():
    from app.common.model_cache import map_points

    points = map_points("mnist-2d")
    assert points["colors"] == list(CLASS_COLOURS) and "#7f7f7f" not in points["colors"]  # grey is the gaps'
