"""End to end in Chromium: the conditional VAE page's grid and style-transfer row, a drawn digit
classified, and the trade-off page's three columns."""

import pytest

from testkit.browser import chromium_page, screenshot

pytestmark = pytest.mark.browser


def _no_failures(page):
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


def _image_loaded(page, caption_start: str):
    """The st.image whose caption starts with this text has a decoded, non-empty bitmap."""
    fig = page.locator('[data-testid="stImage"]', has_text=caption_start).first
    fig.wait_for(timeout=120_000)
    img = fig.locator("img").first
    page.wait_for_function("(img) => img.complete && img.naturalWidth >= 28", arg=img.element_handle(),
                           timeout=30_000)


def test_generation_grid_and_style_transfer_row_render(server):
    with chromium_page(viewport=(1440, 3200)) as page:
        page.goto(f"{server}/cvae", wait_until="domcontentloaded")
        _image_loaded(page, "Rows: y = 0")
        _image_loaded(page, "The same z decoded with y'")
        page.get_by_text("Guess:").wait_for(timeout=60_000)
        _no_failures(page)
        screenshot(page, "cvae")


def test_a_drawn_digit_is_classified(server):
    with chromium_page(viewport=(1440, 3200)) as page:
        page.goto(f"{server}/cvae", wait_until="domcontentloaded")
        draw = page.locator('[data-testid="stRadio"]').get_by_text("Draw", exact=True)
        draw.wait_for(timeout=120_000)
        draw.click()
        canvas = page.locator('canvas[aria-label="drawing pad"]')
        canvas.wait_for(timeout=60_000)
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + 0.15 * box["height"]
        page.mouse.move(x, y)
        page.mouse.down()
        for step in range(1, 21):  # a vertical stroke: a "1"
            page.mouse.move(x + step * 0.5, y + step * 0.035 * box["height"])
        page.mouse.up()
        page.get_by_text("Guess: 1").wait_for(timeout=120_000)
        _image_loaded(page, "input, y = 1 (classifier's guess)")
        _no_failures(page)
        screenshot(page, "cvae_drawing")


def test_trade_off_page_shows_three_models(server):
    with chromium_page(viewport=(1440, 2400)) as page:
        page.goto(f"{server}/tradeoff", wait_until="domcontentloaded")
        for b in ("β² = 0.05", "β² = 0.5", "β² = 2"):
            page.get_by_text(b, exact=True).wait_for(timeout=180_000)
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .heatmaplayer').length >= 3",
                               timeout=120_000)
        page.get_by_text("the first of each class").nth(2).wait_for(timeout=120_000)
        page.get_by_text("prior samples μ_D(z)").nth(2).wait_for(timeout=60_000)
        _no_failures(page)
        screenshot(page, "tradeoff")


def test_moving_tau_keeps_a_class_hidden_on_the_cvae_map(server):
    """The view keeper works from the sidebar, where it sits so that it adds no empty row to the page."""
    import re

    gd = "[...document.querySelectorAll('.js-plotly-plot')].find(g => g.layout && g.layout.meta === 'vae-latent-map')"
    state = (f"() => {{ const gd = {gd}; const t = gd && gd._fullData.find(t => t.name === '3'); "
             "return t ? t.visible : null; }")
    with chromium_page(viewport=(1280, 1000)) as page:
        page.goto(f"{server}/cvae")
        page.wait_for_function(f"() => ({state})() !== null", timeout=180_000)
        # mounted in the sidebar, not in the page's column
        page.locator('[data-testid="stSidebar"] .st-key-cvae_view_kept').wait_for(state="attached", timeout=60_000)
        assert page.locator('[data-testid="stMain"] .st-key-cvae_view_kept').count() == 0
        page.locator(".js-plotly-plot").filter(has=page.locator(".legend")).first.locator(".legend .traces").filter(
            has_text=re.compile(r"^3$")).locator(".legendtoggle").first.click()
        page.wait_for_function(f"() => ({state})() === 'legendonly'", timeout=10_000)
        slider = page.locator('[data-testid="stSlider"]', has_text="Gap threshold").locator("input[type=range]")
        page.evaluate(f"() => {{ {gd}.dataset.old = '1'; }}")  # marks the graph that tau will replace
        slider.focus()
        for _ in range(4):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Tab")  # leave the slider: the value is sent
        page.wait_for_function(f"() => {{ const g = {gd}; return g && !g.dataset.old; }}", timeout=60_000)
        page.wait_for_timeout(1500)
        assert page.evaluate(state) == "legendonly", "a class hidden in the CVAE map's legend came back when tau moved"
        _no_failures(page)
