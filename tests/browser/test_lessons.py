"""End to end: follow the shipped lesson's checked steps in headless Chromium. Open the step's link from the
Lessons page, do what the step asks on that page, come back and see the step's check met: EM run to
convergence on the 1-D page (step 1) and a click in a gap of the latent map opened at the link's τ (step 5)."""

import re

import numpy as np
import pytest

from testkit.browser import NO_BUSY, chromium_page, require_chromium, screenshot, shared_server
from testkit.latent_map import DECODED_TEXT, TO_PIXELS, wait_click_ready

pytestmark = pytest.mark.browser

GAP = [1.25, 2.5]  # on mnist-2d's map of mnist-5k, log q(z) - log p(z) is about -5 here, below -3


def back_to_lessons(page, url: str) -> None:
    page.goto(f"{url}/lessons")
    page.get_by_text("From EM to the VAE").first.wait_for(timeout=60_000)
    page.wait_for_function(NO_BUSY, timeout=60_000)


def test_follow_the_lessons_checked_steps_and_see_each_check_met():
    require_chromium()
    from vae_core import load_model
    from vae_core.data.datasets import load_dataset
    from vae_core.latent.aggregate import encode_dataset, log_aggregate_density, log_prior

    mu, logvar = encode_dataset(load_model("mnist-2d"), load_dataset("mnist-5k").x)
    point = np.array([GAP])
    assert log_aggregate_density(point, mu, logvar)[0] - log_prior(point)[0] < -3, "not a gap at τ = 3"

    with shared_server() as url, chromium_page(viewport=(1400, 1200)) as page:
        back_to_lessons(page, url)
        page.get_by_text("0 of 4 checks met").wait_for(timeout=30_000)
        screenshot(page, "lessons")

        # Step 1: the link opens the 1-D page; run EM to convergence there.
        page.locator(".st-key-lesson_step_1").get_by_role("link", name="Open 1-D: GMM vs VAE").click()
        page.get_by_role("button", name="Run to convergence").wait_for(timeout=240_000)
        page.wait_for_function(NO_BUSY, timeout=240_000)
        assert re.search(r"/one_d$", page.url), page.url
        page.get_by_role("button", name="Run to convergence").click()
        page.get_by_text(re.compile(r"ran \d+ EM iterations: converged")).wait_for(timeout=60_000)
        back_to_lessons(page, url)
        step1 = page.locator(".st-key-lesson_step_1")
        step1.get_by_text(re.compile("Check met: run EM to convergence on the 1-D page: done")).wait_for(timeout=30_000)
        page.get_by_text("1 of 4 checks met").wait_for(timeout=30_000)

        # Step 5: the link opens the latent map at τ = 3; click inside a gap.
        page.locator(".st-key-lesson_step_5").get_by_role("link", name="Open Latent map").click()
        page.wait_for_selector(".js-plotly-plot .nsewdrag", timeout=180_000)
        assert page.url.endswith("/latent_map?tau=3"), page.url
        # τ is a select slider over TAU_CHOICES: its thumb shows the chosen value.
        thumb = page.locator('[data-testid="stSlider"]', has_text="Gap threshold").get_by_test_id("stSliderThumbValue")
        assert thumb.inner_text() == "3", "the page reads the link's τ"
        wait_click_ready(page)
        page.wait_for_function(NO_BUSY, timeout=120_000)
        page.mouse.click(*page.evaluate(TO_PIXELS, GAP))
        page.wait_for_function(f"() => ({DECODED_TEXT})().length > 0", timeout=60_000)
        page.get_by_text("by PyTorch: in a gap").first.wait_for(timeout=30_000)
        screenshot(page, "lessons_step5_latent_map")
        back_to_lessons(page, url)
        step5 = page.locator(".st-key-lesson_step_5")
        step5.get_by_text(re.compile(r"Check met: click a point .* < −3: done")).wait_for(timeout=30_000)
        page.get_by_text("2 of 4 checks met").wait_for(timeout=30_000)
        assert page.locator("[data-testid=stException]").count() == 0
        screenshot(page, "lessons_two_met")
