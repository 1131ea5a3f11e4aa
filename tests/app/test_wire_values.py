"""Values a browser component sends back are untrusted: a hostile client can send any JSON, and Python's
json reads NaN, Infinity and 1e400 (inf). Each helper that reads one refuses what would crash a rerun
(Streamlit's generic error box) or decode an image of NaN."""

import numpy as np
import pytest

from app.common.live_decoder import MAX_WIRE_PIXELS, wire_pixels
from app.latent_map.click import MAX_CLICK, point_from_wire
from vae_core.errors import ConfigError
from vae_core.latent.traversal import clamp


@pytest.mark.parametrize("value", [None, 3, "x", [], {"x": 1}, {"x": "a", "y": 0}, {"x": float("nan"), "y": 0},
                                   {"x": float("inf"), "y": 0}, {"x": 1e308, "y": 0}, {"x": 0, "y": -2 * MAX_CLICK},
                                   {"x": [1], "y": 0}, {"x": True, "y": 0}, {"x": "1e400", "y": 0}])
def test_a_click_that_is_not_a_finite_point_on_the_map_is_ignored(value):
    assert point_from_wire(value) is None


def test_an_ordinary_click_is_read():
    assert point_from_wire({"x": 1.5, "y": -2, "seq": 4}) == (1.5, -2.0)


@pytest.mark.parametrize("z", [["a", "b"], [[1.0], [2.0, 3.0]], [{"a": 1}], "12", [None, 1.0], {"z": 1}])
def test_clamp_refuses_what_is_not_a_list_of_numbers(z):
    with pytest.raises(ConfigError):
        clamp(z)


@pytest.mark.parametrize("value", [None, 5, "abc", {"a": 1}, ["x"] * 16, [[0.1]] * 16, [float("nan")] * 16,
                                   [True] * 16, [0.5] * (MAX_WIRE_PIXELS + 1)])
def test_browser_pixels_that_are_not_numbers_are_dropped(value):
    assert wire_pixels(value) is None


def test_browser_pixels_are_read_as_floats():
    got = wire_pixels([0, 0.5, 1])
    assert isinstance(got, np.ndarray) and got.dtype == np.float64 and got.tolist() == [0.0, 0.5, 1.0]
