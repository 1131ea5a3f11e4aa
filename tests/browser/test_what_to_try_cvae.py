"""The conditional VAE page's What to try #3 followed to its end in Chromium, and nothing cut off at 1280 px."""

import pytest

from testkit.browser import NO_BUSY, chromium_page
from testkit.overflow import assert_no_overflow

pytestmark = pytest.mark.browser


def _bars(page, title_start: str) -> dict:
    """The bar chart whose title starts so: its categories, heights and whiskers, as Plotly drew them (Streamlit
    draws a chart once it is scrolled into view, and wraps its title in <b>)."""
    page.get_by_text("Guess:").scroll_into_view_if_needed()
    find = """(t) => [...document.querySelectorAll('.js-plotly-plot')].find(g => g.layout && g.layout.title &&
        String(g.layout.title.text || '').replace(/<[^>]+>/g, '').startsWith(t))"""
    page.wait_for_function(f"(t) => !!({find})(t)", arg=title_start, timeout=60_000)
    return page.evaluate("""(t) => { const g = [...document.querySelectorAll('.js-plotly-plot')].find(g => g.layout &&
        g.layout.title && String(g.layout.title.text || '').replace(/<[^>]+>/g, '').startsWith(t));
      if (!g) return null; const d = g._fullData[0];
      return { x: Array.from(d.x), y: Array.from(d.y), base: d.base == null ? null : Array.from([].concat(d.base)),
               se: d.error_y && d.error_y.array ? Array.from(d.error_y.array) : null }; }""", title_start)


def _settle(page):
    page.wait_for_timeout(500)
    page.wait_for_function(NO_BUSY, timeout=180_000)


def test_box_3_a_4_that_is_almost_a_9_splits_p_y_given_x_and_k_shrinks_the_errors(server):
    with chromium_page(viewport=(1280, 1400)) as page:
        page.goto(f"{server}/cvae")
        index = page.get_by_label("Index in mnist-5k (0 to 4999)")
        index.wait_for(timeout=180_000)
        _settle(page)
        index.fill("2384")
        index.press("Enter")
        page.get_by_text("mnist-5k #2384").or_(page.get_by_text("true label 4")).first.wait_for(timeout=120_000)
        _settle(page)
        post = _bars(page, "p(y|x)")
        p = dict(zip(post["x"], post["y"]))
        assert 0.55 < p["4"] < 0.85 and 0.15 < p["9"] < 0.45, f"p(y|x) does not split between 4 and 9: {p}"
        assert p["4"] + p["9"] > 0.99
        before = _bars(page, "log p(x|y)")
        slider = page.locator('[data-testid="stSlider"]', has_text="K, importance samples").get_by_role("slider")
        slider.focus()
        page.keyboard.press("End")  # K = 1000
        page.get_by_text("K = 1000 per label").first.wait_for(timeout=180_000)
        _settle(page)
        after = _bars(page, "log p(x|y)")
        se = {k: (dict(zip(before["x"], before["se"]))[k], dict(zip(after["x"], after["se"]))[k]) for k in "49"}
        assert all(b / a > 1.5 for b, a in se.values()), f"the standard errors did not shrink with K: {se}"
        p = dict(zip(*(lambda d: (d["x"], d["y"]))(_bars(page, "p(y|x)"))))
        assert 0.55 < p["4"] < 0.85 and 0.15 < p["9"] < 0.45, f"the split did not stay at K = 1000: {p}"


def test_nothing_is_cut_off_at_1280(server):
    with chromium_page(viewport=(1280, 3400)) as page:
        page.goto(f"{server}/cvae")
        page.get_by_text("Guess:").wait_for(timeout=180_000)
        _settle(page)
        assert_no_overflow(page)
