"""Chromium follows every "What to try" experiment of the latent map to its end and checks the outcome it
promises with the figure it names; and nothing on the page is cut off at 1280 px."""

import numpy as np
import pytest

from app.common.what_to_try import EXPERIMENTS
from testkit.browser import NO_BUSY, chromium_page
from testkit.latent_map import DECODED_TEXT, TO_PIXELS, wait_click_ready
from testkit.overflow import find_overflow
from vae_core import load_dataset, load_model
from vae_core.latent.aggregate import encode_dataset, log_aggregate_density, log_prior

pytestmark = pytest.mark.browser

MAP = "[...document.querySelectorAll('.js-plotly-plot')].find(g => g.layout && g.layout.meta === 'vae-latent-map')"
BAND = (-0.85, 0.2)  # the gap between the 5s and the 8s that the second experiment names


def _metric(page, label: str) -> str:
    return page.locator('[data-testid="stMetric"]', has_text=label).locator(
        '[data-testid="stMetricValue"]').inner_text(timeout=120_000)


def test_the_named_band_is_a_gap_between_fives_and_eights():
    model, data = load_model("mnist-2d"), load_dataset("mnist-5k")
    mu, logvar = encode_dataset(model, data.x)
    z = np.array([BAND])
    assert log_aggregate_density(z, mu, logvar)[0] - log_prior(z)[0] < -4  # well past τ = 2
    distance = np.hypot(*(mu - z[0]).T)
    near = np.bincount(data.y[np.argsort(distance)[:20]], minlength=10)
    assert near[5] + near[8] >= 14 and near[5] >= 5 and near[8] >= 5, near
    assert distance.min() < 0.25  # codes a fifth of a unit away


def test_every_latent_map_experiment_delivers_what_its_box_promises(server):
    assert "from 2 to 5" in EXPERIMENTS["latent_map"][0] and "Hide the points" in EXPERIMENTS["latent_map"][1]
    with chromium_page(viewport=(1280, 3000)) as page:
        page.goto(f"{server}/latent_map", wait_until="domcontentloaded")
        page.wait_for_selector(".js-plotly-plot .nsewdrag", timeout=120_000)
        wait_click_ready(page)
        page.wait_for_function(NO_BUSY, timeout=120_000)
        cut = [c for c in find_overflow(page) if not c.startswith("stSkipToContent")]  # hidden until focused
        assert not cut, "text cut off at 1280 px:\n" + "\n".join(cut)
        # 1. τ from 2 to 5: the prior-hole mass falls
        before = float(_metric(page, "Prior-hole mass").rstrip("%"))
        slider = page.locator('[data-testid="stSlider"]', has_text="Gap threshold").locator("input[type=range]")
        slider.focus()
        for _ in range(4):  # 2 -> 2.5 -> 3 -> 4 -> 5
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(100)
        page.keyboard.press("Tab")
        page.wait_for_function("(b) => [...document.querySelectorAll('[data-testid=stMetric]')].some(e => "
                               "e.innerText.includes('Prior-hole mass') && !e.innerText.includes(b))",
                               arg=f"{before:.2f}%", timeout=120_000)
        page.wait_for_function(NO_BUSY, timeout=120_000)
        assert page.locator('[data-testid="stSidebar"]').get_by_text("5", exact=True).count() >= 1
        assert float(_metric(page, "Prior-hole mass").rstrip("%")) < before
        # a fresh visit, at τ = 2, for the band (pressing back along the slider raced a rerun under load)
        page.goto(f"{server}/latent_map", wait_until="domcontentloaded")
        page.wait_for_selector(".js-plotly-plot .nsewdrag", timeout=120_000)
        wait_click_ready(page)
        page.wait_for_function(NO_BUSY, timeout=120_000)
        # 2. hide the points: the outlined gap band; a click inside it says "in a gap"
        page.locator('[data-testid="stCheckbox"]', has_text="Hide the points").click()
        page.wait_for_function(f"() => {{ const g = {MAP}; return g && !g.data.some(t => /^\\d$/.test(t.name))"
                               " && g.data.some(t => t.name.startsWith('gap (grey')); }", timeout=120_000)
        wait_click_ready(page)
        page.wait_for_function(NO_BUSY, timeout=120_000)
        page.mouse.click(*page.evaluate(TO_PIXELS, list(BAND)))
        page.wait_for_function(f"() => ({DECODED_TEXT})().length > 0", timeout=60_000)
        page.get_by_text("x = μ_D(z) by PyTorch: in a gap").first.wait_for(timeout=60_000)
        # 3. the 1σ ellipses: every encoder posterior is far narrower than the prior's unit circle
        page.locator('[data-testid="stCheckbox"]', has_text="1σ ellipses").click()
        page.wait_for_function(f"() => {{ const g = {MAP}; return g && g.data.some(t => t.name === '1σ of q(z|x)'); }}",
                               timeout=120_000)
        widest = page.evaluate(f"""() => {{ const t = {MAP}._fullData.find(t => t.name === '1σ of q(z|x)');
            const x = Array.from(t.x), y = Array.from(t.y); let best = 0, start = 0;
            for (let i = 0; i <= x.length; i++) {{
              if (i === x.length || Number.isNaN(x[i]) || x[i] === null) {{
                const xs = x.slice(start, i), ys = y.slice(start, i);
                if (xs.length) best = Math.max(best, (Math.max(...xs) - Math.min(...xs)) / 2,
                                               (Math.max(...ys) - Math.min(...ys)) / 2);
                start = i + 1; }} }}
            return best; }}""")
        assert 0 < widest < 0.5, widest  # the prior's 1σ circle has radius 1
        assert page.locator('[data-testid="stException"]').count() == 0
