"""End to end: the shipped lesson's CVAE step in headless Chromium. From the Lessons page open step 8's link,
choose an ambiguous digit (data-set image #2384, a 4 that is almost a 9) and come back: the step's check, an
image classified with p(y|x) below 90%, is met."""

import re

import pytest

from testkit.browser import NO_BUSY, chromium_page, require_chromium, shared_server

pytestmark = pytest.mark.browser


def test_an_ambiguous_digit_on_the_cvae_page_meets_step_eight():
    require_chromium()
    with shared_server() as url, chromium_page(viewport=(1400, 1200)) as page:
        page.goto(f"{url}/lessons")
        page.get_by_text("From EM to the VAE").first.wait_for(timeout=60_000)
        page.locator(".st-key-lesson_step_8").get_by_role("link", name="Open Conditional VAE").click()
        page.get_by_text("Guess:").wait_for(timeout=240_000)  # the default data-set image, classified surely
        # Data-set image #2384, a 4 that is almost a 9 (the CVAE page's third experiment): p(y|x) about 0.7.
        # (A blended photo of a 7 and a 1 was read as a sure 1 by mnist-cvae-2d: 99.4 %.)
        index = page.get_by_label("Index in mnist-5k (0 to 4999)")
        index.fill("2384")
        index.press("Enter")
        page.get_by_text(re.compile(r"Guess: \d with p\(y\|x\) = [0-8]\d\.\d%")).wait_for(timeout=120_000)
        page.wait_for_function(NO_BUSY, timeout=60_000)
        page.goto(f"{url}/lessons")
        step8 = page.locator(".st-key-lesson_step_8")
        step8.get_by_text(re.compile(r"Check met: find an image the CVAE classifies .*: done")).wait_for(timeout=60_000)
        page.get_by_text("1 of 4 checks met").wait_for(timeout=30_000)
        assert page.locator("[data-testid=stException]").count() == 0
