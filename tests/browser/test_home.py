"""End to end: a real server, a real browser, the home page as a person sees it."""

import pytest

from testkit.browser import chromium_page, screenshot

pytestmark = pytest.mark.browser


def test_home_page_renders_the_sample_grid_without_exceptions(server):
    with chromium_page() as page:
        page.goto(server, wait_until="domcontentloaded")
        page.get_by_text("Samples from the prior").wait_for(timeout=60_000)
        images = page.locator('[data-testid="stImage"] img')
        images.nth(1).wait_for(timeout=60_000)
        page.wait_for_function(
            """() => [...document.querySelectorAll('[data-testid="stImage"] img')]
                     .filter(img => img.complete && img.naturalWidth > 0).length >= 2""",
            timeout=60_000)
        assert images.count() >= 2
        box = images.first.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 200  # an 8x8 grid of 28-px digits, enlarged
        page.wait_for_timeout(500)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stAlertContentError"]').count() == 0
        assert page.get_by_text("Latent size").count() >= 1
        path = screenshot(page, "home")
        assert path.stat().st_size > 10_000


def test_new_samples_redraws_the_grid_in_the_browser(server):
    with chromium_page() as page:
        page.goto(server, wait_until="domcontentloaded")
        first = page.locator('[data-testid="stImage"] img').first
        first.wait_for(timeout=60_000)
        before = first.get_attribute("src")
        page.get_by_role("button", name="New samples").click()
        page.wait_for_function(
            """(before) => {
                const img = document.querySelector('[data-testid="stImage"] img');
                return img && img.getAttribute('src') !== before;
            }""", arg=before, timeout=30_000)
        assert page.locator('[data-testid="stException"]').count() == 0
