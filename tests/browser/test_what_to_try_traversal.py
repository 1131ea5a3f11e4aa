"""Chromium follows every "What to try" experiment of the traversal page to its end and checks the outcome it
promises with the figure it names; and nothing on the page is cut off at 1280 px."""

import io

import numpy as np
import pytest
from PIL import Image

from app.common.what_to_try import EXPERIMENTS
from testkit.browser import NO_BUSY, chromium_page
from testkit.overflow import find_overflow

pytestmark = pytest.mark.browser

PATH_CHART = ("[...document.querySelectorAll('.js-plotly-plot')].find(g => g.data && g.data.length "
              "&& g.data[0].name === 'log q(z) − log p(z)')")


def _strip_rows(page, rows: int, cols: int, size: int = 28, scale: int = 2) -> list[float]:
    """The largest change of each strip row across its columns, in grey levels (tile_images' geometry)."""
    img = page.locator('[data-testid="stImage"]', has_text="Rows, top to bottom").locator("img").first
    src = img.get_attribute("src")
    body = page.request.get(page.evaluate("(s) => new URL(s, location.href).href", src)).body()
    grid = np.asarray(Image.open(io.BytesIO(body)).convert("L"), dtype=int)
    step = (size + 1) * scale
    assert grid.shape == (rows * step + scale, cols * step + scale), grid.shape
    tile = lambda r, c: grid[scale + r * step: scale + r * step + size * scale,  # noqa: E731
                             scale + c * step: scale + c * step + size * scale]
    return [max(np.abs(tile(r, c) - tile(r, 0)).max() for c in range(1, cols)) for r in range(rows)]


def test_every_traversal_experiment_delivers_what_its_box_promises(server):
    assert "Interpolate between two points" in EXPERIMENTS["traversal"][0]
    assert "Top k dimensions by KL" in EXPERIMENTS["traversal"][1]
    with chromium_page(viewport=(1280, 3000)) as page:
        page.goto(f"{server}/traversal", wait_until="domcontentloaded")
        page.locator('[data-testid="live-image"]').wait_for(timeout=120_000)
        page.wait_for_function(NO_BUSY, timeout=120_000)
        # 1. the default interpolation on mnist-2d dips deep into a gap between its two ends
        page.locator("label", has_text="Interpolate between two points").click(timeout=90_000)
        page.wait_for_function(f"() => !!({PATH_CHART})", timeout=120_000)
        page.wait_for_function(NO_BUSY, timeout=120_000)
        y = page.evaluate(f"() => Array.from(({PATH_CHART})._fullData[0].y)")  # decoded from base64
        assert y[0] > 0 and y[-1] > 0 and min(y) < -10, y
        page.get_by_text("in a gap (below −τ = −2)").first.wait_for(timeout=30_000)
        page.get_by_text("(a 0) and #1312 (a 2)").first.wait_for(timeout=30_000)
        assert not any("spherical with linear" in t for t in page.locator('[data-testid="stCaptionContainer"]')
                       .all_inner_texts())  # the tip is for d > 2 only
        cut = [c for c in find_overflow(page) if not c.startswith("stSkipToContent")]  # hidden until focused
        assert not cut, "text cut off at 1280 px:\n" + "\n".join(cut)
        # 2. strips: on mnist-2d both rows change the digit ...
        changes = _strip_rows(page, rows=2, cols=9)
        assert min(changes) > 100, changes
        # ... and on mnist-16d, with all 16 rows, the last four (KL near 0) barely change it
        page.get_by_role("combobox").first.click()
        page.get_by_role("option", name="mnist-16d", exact=True).click()
        page.wait_for_function("() => window.__liveDecoder && window.__liveDecoder.z.length === 16",
                               timeout=120_000)
        page.wait_for_function(NO_BUSY, timeout=120_000)
        box = page.locator('[data-testid="stNumberInput"]', has_text="Top k dimensions by KL").locator("input")
        box.fill("16")
        box.press("Enter")
        page.get_by_text("Rows, top to bottom").first.wait_for(timeout=60_000)
        page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stImage]')].some(e => "
                               "e.innerText.startsWith('Rows, top to bottom') && (e.innerText.match(/KL/g) || [])"
                               ".length === 16)", timeout=120_000)
        page.wait_for_function(NO_BUSY, timeout=120_000)
        changes = _strip_rows(page, rows=16, cols=9)
        assert max(changes[-4:]) < 50 and min(changes[:12]) > 150, changes  # 14-25 against 227-254 measured
        assert page.locator('[data-testid="stException"]').count() == 0
