"""In Chromium: moving tau keeps the classes hidden in the legend and the pan/zoom, and the address follows τ."""

import re

import pytest

from testkit.browser import chromium_page, require_chromium, screenshot, shared_server

pytestmark = pytest.mark.browser

GD = "[...document.querySelectorAll('.js-plotly-plot')].find(g => g.layout && g.layout.meta === 'vae-latent-map')"
STATE = f"""() => {{ const gd = {GD}; if (!gd) return null;
  const three = gd._fullData.find(t => t.name === '3');
  const gap = gd._fullData.find(t => t.name === 'gap');
  return {{ hidden: three && three.visible, x: gd._fullLayout.xaxis.range.slice(),
           gapCells: gap ? Array.from(gap.z, row => Array.from(row).filter(v => v === 1).length)
                                .reduce((a, b) => a + b, 0) : -1 }}; }}"""


def test_moving_tau_keeps_hidden_classes_and_the_zoom():
    require_chromium()
    with shared_server() as url, chromium_page(viewport=(1280, 900)) as page:
        page.goto(f"{url}/latent_map")
        page.wait_for_selector(".js-plotly-plot .nsewdrag", timeout=120_000)
        # The view keeper listens to a graph from its first poll on: a legend click before that is not kept.
        page.wait_for_function(f"() => {{ const gd = {GD}; return gd && gd.dataset.viewKept === '1'; }}",
                               timeout=60_000)
        page.wait_for_timeout(500)
        page.locator(".legend .traces").filter(has_text=re.compile(r"^3$")).locator(".legendtoggle").first.click()
        page.wait_for_function(f"() => ({STATE})().hidden === 'legendonly'", timeout=10_000)
        # Zoom the way a user does: scroll over the plot (scrollZoom is on).
        box = page.locator(".js-plotly-plot .nsewdrag").first.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.wheel(0, -400)
        page.wait_for_timeout(800)
        before = page.evaluate(STATE)
        # The tau slider in the sidebar, by keyboard, in one move: 2 -> 40 (End).
        page.locator('[data-testid="stSidebar"] [data-testid="stSlider"]', has_text="Gap threshold").get_by_role(
            "slider").focus()
        page.keyboard.press("End")
        page.wait_for_function(f"() => {{ const s = ({STATE})(); return s && s.gapCells !== {before['gapCells']}; }}",
                               timeout=60_000)
        page.wait_for_timeout(800)
        after = page.evaluate(STATE)
        assert after["hidden"] == "legendonly", "a class hidden in the legend came back when tau moved"
        assert after["x"] == pytest.approx(before["x"], abs=1e-6), "the zoom snapped back when tau moved"
        page.wait_for_function("() => location.search.includes('tau=40')", timeout=10_000)  # the address follows
        page.wait_for_timeout(1500)  # and writing it brings back neither the class nor the frame
        again = page.evaluate(STATE)
        assert again["hidden"] == "legendonly" and again["x"] == pytest.approx(before["x"], abs=1e-6)
        screenshot(page, "latent_map_1280")
