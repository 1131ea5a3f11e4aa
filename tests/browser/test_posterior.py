"""In Chromium: an uploaded digit's true posterior p(z|x) is drawn as contours beside q(z|x)'s ellipse."""

import numpy as np
import pytest
from PIL import Image

from testkit.browser import chromium_page, require_chromium, screenshot, shared_server
from testkit.upload import open_upload_page, upload, wait_for_results

pytestmark = pytest.mark.browser


def test_upload_shows_true_posterior_contours_and_exact_figures(tmp_path):
    require_chromium()
    one = np.full((300, 240), 230, np.uint8)
    one[40:260, 110:135] = 25
    Image.fromarray(one).save(tmp_path / "one.png")
    with shared_server() as url, chromium_page(viewport=(1400, 3600)) as page:
        open_upload_page(page, url)
        # The page opens on mnist-2d: the exact posterior needs a 1-D or 2-D latent.
        upload(page, [tmp_path / "one.png"])
        wait_for_results(page, 1)
        page.get_by_text("log p(x), exact").first.wait_for(timeout=90_000)
        page.locator(".js-plotly-plot .contourlayer path").first.wait_for(state="attached", timeout=30_000)
        assert page.locator(".js-plotly-plot .contourlayer path").count() >= 3  # the 99%, 90%, 50% regions
        assert page.get_by_text("q(z|x), 1σ").count() >= 1  # the ellipse's legend entry
        # one IW figure per image (the panel's, K = 256, with its ESS), set against the exact value here
        assert page.get_by_text("below this exact value", exact=False).count() == 1
        assert page.get_by_text("K = 1000", exact=False).count() == 0
        assert page.locator('[data-testid="stException"]').count() == 0
        page.get_by_text("The true posterior p(z|x)").first.scroll_into_view_if_needed()
        assert screenshot(page, "upload_posterior").stat().st_size > 30_000
