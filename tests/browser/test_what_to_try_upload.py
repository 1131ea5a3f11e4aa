"""Chromium follows every "What to try" experiment of the upload page to its end and checks the outcome it
promises, with the figure it names; and the page's file box and text at 1280 px."""

import re

import numpy as np
import pytest
from PIL import Image

from app.common.what_to_try import EXPERIMENTS
from testkit.browser import NO_BUSY, chromium_page, draw_a_one, settled_box
from testkit.overflow import find_overflow
from testkit.upload import open_upload_page, upload

pytestmark = pytest.mark.browser

PANEL = '[data-testid="stExpander"] summary'


def _panel_titles(page) -> list[str]:
    return [t.strip().split("\n")[-1].strip() for t in page.locator(PANEL).all_inner_texts() if "—" in t]  # no icon


def _strokes(page, strokes) -> None:
    """Strokes on the drawing pad, each a list of (x, y) in fractions of the pad; waits for the page after each
    (every stroke's end sends the drawing)."""
    canvas = page.locator("canvas[data-ready]").first
    canvas.wait_for(timeout=60_000)
    for stroke in strokes:
        box = settled_box(page, canvas)
        at = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in stroke]
        page.mouse.move(*at[0])
        page.mouse.down()
        for (x0, y0), (x1, y1) in zip(at, at[1:]):
            for t in np.linspace(0, 1, 15)[1:]:
                page.mouse.move(x0 + t * (x1 - x0), y0 + t * (y1 - y0))
        page.mouse.up()
        page.wait_for_timeout(300)


HASH = [[(0.15, 0.35), (0.85, 0.35)], [(0.15, 0.65), (0.85, 0.65)],
        [(0.35, 0.15), (0.35, 0.85)], [(0.65, 0.15), (0.65, 0.85)]]


def _percentile(page) -> float:
    text = page.locator('[data-testid="stCaptionContainer"], [data-testid="stAlertContainer"]',
                        has_text="percentile of").first.inner_text(timeout=60_000)
    return float(re.search(r"at the ([\d.]+)th percentile", text).group(1))


def test_every_upload_experiment_delivers_what_its_box_promises(server, tmp_path):
    assert "drawing pad" in EXPERIMENTS["upload"][0] and "**#**" in EXPERIMENTS["upload"][1]
    with chromium_page(viewport=(1280, 3000)) as page:
        open_upload_page(page, server)
        # 1. a digit drawn on the pad: a star named after the drawing, a ring, and the guess in the panel's title
        draw_a_one(page)
        page.get_by_text(re.compile(r"drawing\.png — guess 1")).first.wait_for(timeout=120_000)
        page.locator(".js-plotly-plot .annotation", has_text="drawing.png").wait_for(state="attached", timeout=60_000)
        page.wait_for_function(NO_BUSY, timeout=120_000)
        [title] = _panel_titles(page)
        assert "out of distribution" not in title
        one = _percentile(page)
        assert one > 5, one
        cut = [c for c in find_overflow(page) if not c.startswith("stSkipToContent")]  # hidden until focused
        assert not cut, "text cut off at 1280 px:\n" + "\n".join(cut)
        # 2. Clear, then a #: far below the 1st percentile, the panel says out of distribution
        page.get_by_role("button", name="Clear").click()
        page.get_by_text("Upload an image or draw a digit").wait_for(timeout=60_000)
        _strokes(page, HASH)
        page.get_by_text(re.compile(r"drawing\.png — guess .* — out of distribution")).first.wait_for(
            timeout=120_000)
        page.wait_for_function(NO_BUSY, timeout=120_000)
        assert _percentile(page) < 1
        warning = page.locator('[data-testid="stAlertContainer"]', has_text="Out of distribution: log p(x) =")
        assert warning.count() == 1
        # ... while a photo read with the wrong ink is not flagged: a few specks of paper look typical
        page.get_by_role("button", name="Clear").click()
        page.get_by_text("Upload an image or draw a digit").wait_for(timeout=60_000)
        paper = np.full((300, 240), 230.0)
        paper[40:260, 110:135] = 25
        shade = 40 * np.mgrid[:300, :240][1] / 240 + np.random.default_rng(0).normal(0, 8, paper.shape)
        Image.fromarray(np.clip(paper - shade, 0, 255).astype(np.uint8)).save(tmp_path / "photo.png")
        upload(page, [tmp_path / "photo.png"])
        page.get_by_text(re.compile(r"photo\.png — guess")).first.wait_for(timeout=120_000)
        page.get_by_text("light ink on dark", exact=True).click()
        page.wait_for_timeout(1000)
        page.wait_for_function(NO_BUSY, timeout=120_000)
        [title] = _panel_titles(page)
        assert title.startswith("photo.png") and "out of distribution" not in title, title
        assert page.locator('[data-testid="stAlertContainer"]', has_text="Out of distribution").count() == 0


def test_the_file_box_shows_the_fifth_and_sixth_files(server, tmp_path):
    files = []
    for i in range(6):
        a = np.full((100, 80), 230, np.uint8)
        a[10:90, 35 + i:45 + i] = 20
        Image.fromarray(a).save(tmp_path / f"digit-{i + 1}.png")
        files.append(tmp_path / f"digit-{i + 1}.png")
    with chromium_page(viewport=(1280, 2000)) as page:
        open_upload_page(page, server)
        upload(page, files)
        page.get_by_text("6 files chosen").wait_for(timeout=120_000)
        page.wait_for_function(NO_BUSY, timeout=120_000)
        hidden = page.evaluate("""() => {
            const box = document.querySelector('[data-testid=stFileChips]').getBoundingClientRect();
            return [...document.querySelectorAll('[data-testid=stFileChip]')]
                .filter(c => { const r = c.getBoundingClientRect(); return r.bottom > box.bottom + 1; })
                .map(c => c.getAttribute('aria-label'));
        }""")
        assert page.locator('[data-testid="stFileChip"]').count() == 6
        assert hidden == [], f"file chips below the box's visible edge: {hidden}"
