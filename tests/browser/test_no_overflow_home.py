"""At 1280 px nothing on the home page is cut off (testkit.overflow), for a Bernoulli model (mnist-2d, the
default: "Bernoulli (binarised pixels)", "-151.48 nats ± 0.00" were cut) and a Gaussian one ("Gaussian,
beta^2=..." was cut), every expander open."""

import pytest

from testkit.browser import chromium_page
from testkit.overflow import find_overflow
from testkit.settle import open_everything

pytestmark = pytest.mark.browser


def test_nothing_is_cut_off_at_1280_px(server):
    with chromium_page(viewport=(1280, 1000)) as page:
        page.goto(server, wait_until="domcontentloaded")
        page.get_by_text("Latent size", exact=True).wait_for(timeout=180_000)
        open_everything(page)
        assert find_overflow(page) == []
        page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").first.click()
        page.get_by_role("option", name="tradeoff-beta2-0.05").click()
        page.get_by_text("β² = 0.05").wait_for(timeout=120_000)
        open_everything(page)
        assert find_overflow(page) == []
