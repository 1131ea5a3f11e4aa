"""At 1280 px nothing on the 1-D page is cut off (testkit.overflow): every expander open, the VAE trained,
after EM has run (the chain and the lower-bound chart with numbers), and with an uploaded CSV."""

import pytest

from testkit.browser import chromium_page
from testkit.overflow import find_overflow
from testkit.settle import open_everything

pytestmark = pytest.mark.browser

VAE_DRAWN = ("() => [...document.querySelectorAll('.js-plotly-plot')].some(gd => "
             "(gd._fullLayout?.title?.text || '').replace(/<[^>]*>/g, '') === 'VAE')")


def test_nothing_is_cut_off_at_1280_px(server, tmp_path):
    with chromium_page(viewport=(1280, 1000)) as page:
        page.goto(f"{server}/one_d", wait_until="domcontentloaded")
        page.wait_for_function(VAE_DRAWN, timeout=400_000)
        page.get_by_role("button", name="M-step", exact=True).click()
        page.get_by_text("The last E-step then M-step (M-step 1)").wait_for(timeout=60_000)
        open_everything(page)
        assert find_overflow(page) == []
        csv = tmp_path / "values.csv"
        csv.write_text("x\n" + "\n".join(str(v) for v in [-2.1, -1.9, -2.3, 0.9, 1.2, 1.1, 4.0, 4.2, 3.8, 3.9] * 6))
        page.get_by_text("Upload CSV", exact=True).click()
        page.locator("[data-testid=stSidebar] input[type=file]").set_input_files(str(csv))
        page.wait_for_function(VAE_DRAWN, timeout=400_000)
        open_everything(page)
        assert find_overflow(page) == []
