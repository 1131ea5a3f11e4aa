"""Every page with a model picker works, or says why not, when a visitor picks a conditional model (a CVAE's
decoder needs a label y: home and the latent map raised an uncaught exception without one)."""

import pytest
from streamlit.testing.v1 import AppTest

from testkit.apptest import image_captions, new_page

CVAE = "mnist-cvae-2d"


def pick(page: str) -> AppTest:
    at = new_page(page, timeout=300)
    at.run()
    picker = next(s for s in at.sidebar.selectbox if CVAE in [str(o) for o in s.options])
    picker.set_value(CVAE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_home_decodes_prior_samples_with_labels_row_by_row():
    at = pick("home")
    assert any("rows 1 to 8 are decoded with labels y = 0, 1, 2, 3, 4, 5, 6, 7" in c for c in image_captions(at))


def test_the_latent_map_decodes_with_the_label_chosen_in_the_sidebar():
    at = pick("latent_map")
    label = at.sidebar.selectbox(key="map_decode_label")
    assert label.value == 0 and len(label.options) == 10
    label.set_value(7).run()
    assert not at.exception
    assert any("with the highest q(z)" in c for c in image_captions(at))  # the prior samples were decoded


@pytest.mark.parametrize("page", ["upload", "inside"])
def test_pages_that_cannot_use_a_conditional_model_say_so(page):
    at = pick(page)
    assert any("conditional" in e.value for e in at.error)


def test_traversal_works():
    pick("traversal")
