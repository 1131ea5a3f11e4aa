"""The Compare page in Chromium: two models open with both maps and the tables; a third, picked in the
multiselect, adds its column, and the address names all three; nothing is cut off at 1280 or 1440 px."""

import pytest

from testkit.browser import NO_BUSY, chromium_page, open_option, screenshot
from testkit.overflow import assert_no_overflow

pytestmark = pytest.mark.browser

MAPS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(g => g.layout && g.layout.meta)
  .filter(m => m && m.startsWith('compare-'))"""


def test_pick_a_third_model_and_see_its_map_and_figures_beside_the_others(server):
    with chromium_page(viewport=(1280, 3600)) as page:
        page.goto(f"{server}/compare")
        page.wait_for_function(f"() => ({MAPS})().length === 2", timeout=240_000)
        page.get_by_text("The figures side by side").wait_for(timeout=240_000)
        page.wait_for_function(NO_BUSY, timeout=240_000)
        assert page.evaluate(MAPS) == ["compare-mnist-2d", "compare-mnist-16d"]
        tables = page.locator('[data-testid="stTable"]')
        tables.nth(2).wait_for(timeout=60_000)
        assert tables.count() == 3
        assert "vs first" in tables.first.inner_text()
        assert "vs first -48." in tables.nth(1).inner_text()  # What to try #1: the 16-D model's NLL is 48 lower
        assert_no_overflow(page)
        screenshot(page, "compare_1280")

        # Hovering a point on the 16-D model's map shows its image and that model's reconstruction.
        graph = "[...document.querySelectorAll('.js-plotly-plot')].find(g => g.layout.meta === 'compare-mnist-16d')"
        page.wait_for_function(f"() => {graph}.dataset.hoverReady === 'true' && "
                               "Object.keys(window.__vaeHoverMeans || {}).length === 2", timeout=60_000)
        page.evaluate(f"() => {graph}.scrollIntoView({{block: 'center'}})")
        x, y = page.evaluate(f"""() => {{ const g = {graph}, fl = g._fullLayout;
          const t = g._fullData.find(t => t.customdata && t.customdata.length);
          const r = g.querySelector('.nsewdrag').getBoundingClientRect();
          return [r.left + fl.xaxis.l2p(t.x[3]), r.top + fl.yaxis.l2p(t.y[3])]; }}""")
        page.mouse.move(x, y)
        page.wait_for_function("() => window.__mapHover && window.__mapHover.recon", timeout=10_000)
        assert page.locator('[data-testid="map-hover-card"]').is_visible()
        page.mouse.move(5, 5)

        picker = page.locator('[data-testid="stMultiSelect"]').first
        open_option(page, picker, "tradeoff-beta2-0.05").click()
        page.keyboard.press("Escape")
        page.wait_for_function(f"() => ({MAPS})().length === 3", timeout=240_000)
        page.wait_for_function(NO_BUSY, timeout=240_000)
        assert page.evaluate(MAPS)[-1] == "compare-tradeoff-beta2-0.05"
        measured = tables.first.inner_text()
        assert "not comparable" in measured  # a Gaussian ELBO beside Bernoulli ones
        # ... while the squared error and the KL still compare across all three (What to try #2).
        for row in ("Squared error", "Average KL"):
            line = tables.first.locator("tr", has_text=row).first.inner_text()
            assert "not comparable" not in line and line.count("vs first") == 2, line
        page.wait_for_function("() => new URLSearchParams(location.search).get('models') === "
                               "'mnist-2d,mnist-16d,tradeoff-beta2-0.05'", timeout=30_000)
        page.set_viewport_size({"width": 1440, "height": 3600})
        page.wait_for_timeout(800)
        assert_no_overflow(page)
        screenshot(page, "compare_1440_three")
        assert page.locator('[data-testid="stException"]').count() == 0

        # What to try #3: a link naming one model twice is refused with a notice; the two β² models' KL and
        # squared error are told apart by many paired SEs.
        page.goto(f"{server}/compare?models=mnist-2d,mnist-2d")
        page.get_by_text("The link's models=mnist-2d,mnist-2d is not 2 to 3 different models").wait_for(
            timeout=120_000)
        page.goto(f"{server}/compare?models=tradeoff-beta2-0.5,tradeoff-beta2-2")
        tables.nth(2).wait_for(timeout=240_000)
        measured = tables.first.inner_text()
        assert "vs first +8." in measured and "vs first -2.6" in measured, measured
