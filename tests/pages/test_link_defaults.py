"""A widget that a link (or the session) gives a value is drawn with that value as its own default, so a browser
that has no state for it shows the server's value, not the widget's first option or minimum: the 1-D page's K
read 1 for ?k=2 in 2 of 4 fresh Chromium contexts while the server held 2 (app/common/link_state.held)."""

import pytest

from testkit.apptest import assert_ok, new_page


def drawn_and_held(w) -> tuple:
    """(the default the browser is sent, what it must be for the widget's current value)."""
    kind, p = type(w).__name__, w.proto
    if kind in ("NumberInput", "TextInput", "Toggle", "Checkbox"):
        return p.default, w.value
    if kind == "Slider":
        return list(p.default), [w.value]
    if kind in ("Selectbox", "Radio"):
        return p.default, w.index
    if kind == "SelectSlider":
        return list(p.default), [list(p.options).index(w.format_func(w.value))]
    if kind == "Multiselect":
        return list(p.default), list(w.indices)
    raise AssertionError(f"no check for a {kind}")


LINKS = {
    "one_d": ({"k": "2", "seed": "5", "test": "0.3", "latent_dim": "2", "n": "3000"},
              ["k", "seed", "test_fraction", "latent_dim", "n"]),
    "latent_map": ({"model": "mnist-16d", "view": "dims", "dx": "3", "dy": "5", "tau": "4"},
                   ["map_model", "map_view", "map_dim_x", "map_dim_y", "map_tau"]),
    "training": ({"latent": "16", "likelihood": "gaussian", "beta": "0.1", "conditional": "1", "hidden": "32",
                  "data": "mnist-5k", "epochs": "12"},
                 ["tr_latent", "tr_likelihood", "tr_beta", "tr_conditional", "tr_hidden", "tr_data", "tr_epochs"]),
    "inside": ({"image": "12", "m": "10"}, ["inside_index", "inside_mc_m"]),
    "compare": ({"models": "mnist-16d,tradeoff-beta2-0.5"}, ["compare_models"]),
}


@pytest.mark.parametrize("page", list(LINKS))
def test_every_linked_widget_is_drawn_with_the_links_value_as_its_default(page):
    params, keys = LINKS[page]
    at = new_page(page)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert_ok(at)
    for key in keys:
        w = next(w for kind in ("number_input", "text_input", "toggle", "slider", "selectbox", "radio",
                                "select_slider", "multiselect") for w in at.get(kind) if w.key == key)
        drawn, held = drawn_and_held(w)
        assert drawn == held, f"{page}: {key} holds {w.value!r} but is drawn with default {drawn!r}"
