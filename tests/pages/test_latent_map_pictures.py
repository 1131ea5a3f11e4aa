"""The latent map's cached pictures reach every visitor as they were cached (issue 24, section 3): st.image
re-encodes, per visitor, a picture whose format is not its output_format (by default a grey PNG became a
JPEG) or one wider than Streamlit's content width, which was a fifth of the page's server time per visitor."""

import pytest
from streamlit.elements.lib import image_utils

from app.latent_map.panels import MAX_SENT_WIDTH, grid_scale
from app.latent_map.sections import SECTIONS
from testkit.apptest import open_page


@pytest.fixture
def reencoded(monkeypatch):
    """The pictures st.image changed on the way out (resized or re-encoded)."""
    changed = []
    real = image_utils._ensure_image_size_and_format

    def recording(data, layout_config, image_format):
        out = real(data, layout_config, image_format)
        if out is not data:
            changed.append(image_format)
        return out

    monkeypatch.setattr(image_utils, "_ensure_image_size_and_format", recording)
    return changed


@pytest.mark.parametrize("g", [15, 30])
def test_the_map_pages_pictures_are_sent_as_cached_pngs(reencoded, g):
    at = open_page("latent_map", manifold_g=g)  # the prior samples' tab is open first
    assert not at.exception, at.exception
    urls = [i.url for im in at.get("image") for i in im.proto.imgs]
    for section in ("manifold", "posterior"):  # each tab's pictures, drawn when it is opened
        at.session_state["map_section"] = SECTIONS[section]
        at.run()
        assert not at.exception, at.exception
        urls += [i.url for im in at.get("image") for i in im.proto.imgs]
    assert len(urls) >= 4 and all(u.endswith(".png") for u in urls), urls
    assert reencoded == []


def test_a_manifold_grid_is_never_wider_than_what_streamlit_sends_as_is():
    assert image_utils.MAXIMUM_CONTENT_WIDTH == MAX_SENT_WIDTH
    for g in range(4, 31):
        for side in (28, 8):
            scale = grid_scale(g, side)
            assert (g * (side + 1) + 1) * scale <= MAX_SENT_WIDTH
            assert scale == (3 if g <= 15 else 2) or side == 28 and g > 25  # only the widest grids shrink
