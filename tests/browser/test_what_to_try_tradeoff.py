"""The β² trade-off page's What to try #1 and #2 followed to their end in Chromium (#3 is a run on the Train
page: tests/browser/test_what_to_try_training.py drives that page), and nothing cut off at 1280 px."""

import pytest

from testkit.browser import NO_BUSY, chromium_page
from testkit.overflow import assert_no_overflow

pytestmark = pytest.mark.browser


def _metric(page, label_start: str) -> list[float]:
    """The values of the metrics whose label starts so, left to right."""
    values = page.locator('[data-testid="stMetric"]').filter(has_text=label_start).locator(
        '[data-testid="stMetricValue"]').all_inner_texts()
    return [float(v.split()[0].rstrip("%")) for v in values]


def _open(page, server):
    page.goto(f"{server}/tradeoff")
    page.get_by_text("prior samples μ_D(z)").nth(2).wait_for(timeout=240_000)
    page.wait_for_function(NO_BUSY, timeout=120_000)


def test_box_2_kl_falls_and_the_error_rises_with_beta2(server):
    with chromium_page(viewport=(1280, 3400)) as page:
        _open(page, server)
        kl, error = _metric(page, "Average KL"), _metric(page, "Reconstruction error")
        assert len(kl) == len(error) == 3
        assert kl[0] > kl[1] > kl[2], f"the average KL does not fall as β² grows: {kl}"
        assert error[0] < error[1] < error[2], f"the reconstruction error does not rise with β²: {error}"
        assert_no_overflow(page)


def test_box_1_at_tau_6_the_smallest_beta2_keeps_its_gaps_and_the_most_hole_mass(server):
    with chromium_page(viewport=(1280, 3400)) as page:
        _open(page, server)
        slider = page.locator('[data-testid="stSlider"]', has_text="Gap threshold").get_by_role("slider")
        slider.focus()
        for _ in range(5):  # the select slider's choices from 2: 2.5, 3, 4, 5, 6
            page.keyboard.press("ArrowRight")
        page.get_by_text("Prior-hole mass, τ = 6").first.wait_for(timeout=120_000)
        page.wait_for_function(NO_BUSY, timeout=120_000)
        holes = _metric(page, "Prior-hole mass")
        assert holes[0] > holes[1] and holes[0] > holes[2], f"the smallest β² has not the most hole mass: {holes}"
        gap_share = page.evaluate("""() => { const g = [...document.querySelectorAll('.js-plotly-plot')].find(
              g => g.layout && g.layout.meta === 'tradeoff-tradeoff-beta2-0.05');
            const z = g._fullData.find(t => t.name === 'gap').z; let n = 0, all = 0;
            for (const row of z) for (const v of row) { all++; if (v === 1) n++; }
            return n / all; }""")
        assert gap_share > 0.35, f"the smallest β²'s map is {gap_share:.0%} gap at τ = 6, not nearly half"
