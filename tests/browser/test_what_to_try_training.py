"""The Train page's What to try #1 followed to its end in Chromium: with the KL weight at 0 the map of validation
means spreads far beyond the prior, whose 1, 2, 3 sigma circles the map keeps in view to give it a scale."""

import pytest

from testkit.browser import NO_BUSY, chromium_page, require_chromium, streamlit_server

pytestmark = pytest.mark.browser

PRESET = "KL weight 0 (a plain autoencoder: watch the gaps open)"


def test_box_1_kl_weight_0_spreads_the_map_beyond_the_prior_circles(tmp_path, monkeypatch):
    require_chromium()
    monkeypatch.setenv("VAE_EXPLORER_MODELS", str(tmp_path / "mine"))
    with streamlit_server() as url, chromium_page(viewport=(1280, 1400)) as page:
        page.goto(f"{url}/training", wait_until="domcontentloaded")
        preset = page.locator('[data-testid="stSelectbox"]', has_text="Preset")
        preset.wait_for(timeout=120_000)
        preset.click()
        page.get_by_role("option", name=PRESET, exact=True).click()
        page.wait_for_function(NO_BUSY, timeout=60_000)
        page.get_by_role("button", name="Start training").click()
        live_map = page.locator("[data-chart=map]")
        live_map.wait_for(timeout=120_000)
        live_map.evaluate("e => e.scrollIntoView({block: 'end'})")  # out of sight the charts wait
        page.wait_for_function("e => e.__uplot", arg=live_map.element_handle(), timeout=120_000)
        assert live_map.get_attribute("data-circles") == "1,2,3", "the map draws no prior circles"
        early = live_map.evaluate("e => [e.__uplot.scales.x.min, e.__uplot.scales.x.max]")
        assert early[0] <= -3 and early[1] >= 3, f"the prior's 3 sigma circle is not in view: x in {early}"
        page.get_by_text("finished, epoch 20 of 20").wait_for(timeout=600_000)
        live_map.evaluate("e => e.scrollIntoView({block: 'end'})")
        page.wait_for_timeout(1500)
        spread = live_map.evaluate("""e => { const d = e.__uplot.data; let m = 0;
            for (let s = 1; s < d.length; s++) for (const a of d[s]) for (const v of a) m = Math.max(m, Math.abs(v));
            return m; }""")
        assert spread > 6, f"the codes spread to {spread:.1f}, not far beyond the prior's 3 sigma"
