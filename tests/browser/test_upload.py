"""End to end in Chromium: upload a PNG and a JPEG, and draw on the pad."""

import re

import numpy as np
import pytest
from PIL import Image

from testkit.browser import chromium_page, draw_a_one, screenshot
from testkit.upload import open_upload_page, upload, wait_for_results

pytestmark = pytest.mark.browser

UPLOAD_MAP = ("[...document.querySelectorAll('.js-plotly-plot')]"
              ".find(g => g.layout && g.layout.meta === 'vae-upload-map')")
THREE_VISIBLE = (f"() => {{ const g = {UPLOAD_MAP}; const t = g && g.data.find(t => t.name === '3'); "
                 "return t && t.visible; }")


def _files(tmp_path):
    one = np.full((300, 240), 230, np.uint8)
    one[40:260, 110:135] = 25
    Image.fromarray(one).save(tmp_path / "one.png")
    yy, xx = np.mgrid[:300, :300]
    r = np.hypot((yy - 150) / 1.3, xx - 150)
    zero = np.where((r > 70) & (r < 95), 30, 220).astype(np.uint8)
    Image.fromarray(np.stack([zero] * 3, -1)).save(tmp_path / "zero.jpg", quality=75)
    return [tmp_path / "one.png", tmp_path / "zero.jpg"]


def _no_failures(page):
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


def test_uploading_a_png_and_a_jpeg_shows_markers_reconstructions_and_neighbours(server, tmp_path):
    with chromium_page(viewport=(1400, 3400)) as page:
        open_upload_page(page, server)
        upload(page, _files(tmp_path))
        wait_for_results(page, 2)
        # the map's upload markers are labelled with the file names
        for name in ("one.png", "zero.jpg"):
            page.locator(".js-plotly-plot .annotation", has_text=name).wait_for(timeout=30_000)
        for what in ("reconstruction μ_D(μ(x))", "model input x"):
            # each result's images arrive in their own deltas, after the map's markers: wait for the second
            page.get_by_text(what, exact=True).nth(1).wait_for(timeout=30_000)
            assert page.get_by_text(what, exact=True).count() == 2
        neighbours = page.get_by_text("8 nearest training images")
        assert neighbours.count() == 2
        assert page.get_by_text("one.png — guess 1").count() == 1
        assert page.get_by_text("zero.jpg — guess 0").count() == 1
        _no_failures(page)
        path = screenshot(page, "upload")
        assert path.stat().st_size > 50_000
        # As on the latent map: a redraw of the map (here the ink choice changes the codes)
        # keeps a class hidden in the legend.
        page.locator(".legend .traces").filter(has_text=re.compile(r"^3$")).locator(".legendtoggle").first.click()
        page.wait_for_function(f"() => ({THREE_VISIBLE})() === 'legendonly'", timeout=10_000)
        page.evaluate(f"() => {{ {UPLOAD_MAP}.dataset.before = '1'; }}")
        page.get_by_text("light ink on dark", exact=True).click()
        page.wait_for_function(f"() => {{ const g = {UPLOAD_MAP}; return g && !g.dataset.before && g._fullLayout; }}",
                               timeout=60_000)
        page.wait_for_timeout(1000)
        assert page.evaluate(THREE_VISIBLE) == "legendonly", "a class hidden in the legend came back after a redraw"


def test_a_stroke_on_the_drawing_pad_is_encoded(server):
    with chromium_page(viewport=(1400, 2400)) as page:
        open_upload_page(page, server)
        draw_a_one(page)
        wait_for_results(page, 1)
        page.get_by_text("drawing.png — guess").wait_for(timeout=30_000)
        page.locator(".js-plotly-plot .annotation", has_text="drawing.png").wait_for(timeout=30_000)
        assert page.get_by_text("q(z|x)").count() >= 1
        _no_failures(page)
        screenshot(page, "upload_drawing")
