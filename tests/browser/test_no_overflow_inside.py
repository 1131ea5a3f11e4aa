"""At 1280 px nothing on the Inside a VAE page is cut off (testkit.overflow), every expander open and the
gradient figures measured."""

import pytest

from testkit.browser import chromium_page
from testkit.overflow import find_overflow
from testkit.settle import open_everything

pytestmark = pytest.mark.browser


def test_nothing_is_cut_off_at_1280_px(server):
    with chromium_page(viewport=(1280, 1000)) as page:
        page.goto(f"{server}/inside", wait_until="domcontentloaded")
        page.get_by_text("10. ELBO", exact=True).wait_for(timeout=180_000)
        open_everything(page)
        assert find_overflow(page) == []
        page.get_by_text("Measure both on this image (").click()
        page.get_by_text("The ratio of the variances").wait_for(timeout=180_000)
        open_everything(page)
        assert find_overflow(page) == []
