"""Issue 13 on the 1-D page: one component order everywhere, a gap chart zoomed to the data, clear CSV messages."""

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from testkit import REPO
from vae_core.errors import DataError
from vae_core.oned import data1d

PAGE = str(REPO / "app" / "pages" / "one_d.py")


@pytest.fixture(scope="module")
def app():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["n"] = 600
    at.session_state["vae_steps"] = 100
    at.session_state["hidden"] = 16
    at.run()
    at.button(key="em_run").click().run()
    return at


def figures(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_components_are_numbered_by_increasing_mean_in_table_chart_and_legend(app):
    assert not app.exception
    table = [d.value for d in app.dataframe if any("μ_k" in str(c) for c in d.value.columns)][0]
    means = table[[c for c in table.columns if "μ_k" in str(c)][0]].to_numpy(dtype=float)
    assert np.all(np.diff(means) > 0)
    gmm = [f for f in figures(app) if any(str(t.get("name", "")).startswith("π_1") for t in f["data"])][0]
    assert gmm["layout"]["legend"]["traceorder"] == "normal"
    check = [d.value for d in app.dataframe if "EM iterations" in d.value.index][0]
    ours = check.iloc[:, 0]
    np.testing.assert_allclose([float(ours[f"μ_{k + 1}"]) for k in range(len(means))], means, rtol=1e-3, atol=1e-3)


def test_gap_chart_is_zoomed_to_the_data_with_a_gap_axis_from_zero(app):
    gap = [f for f in figures(app) if any(t.get("name") == "gap = KL" for t in f["data"])][0]
    x0, x1 = gap["layout"]["xaxis"]["range"]
    assert -8 < x0 < -3 and 5 < x1 < 10  # the default mixture lives in about -4..7, the grid runs -13..15
    assert gap["layout"]["yaxis2"]["range"][0] == 0 and gap["layout"]["yaxis2"]["showgrid"] is False


def test_a_csv_left_with_one_number_says_what_was_dropped():
    with pytest.raises(DataError, match=r"only 1 is left after dropping 3 of 4 rows \(3 text\)"):
        data1d.parse_csv("x\n1.5\nabc\ndef\nghi\n")
