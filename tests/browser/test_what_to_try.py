"""Chromium follows the first "What to try" experiment of every page and checks that the promised thing
appears; on the "Inside a VAE" page that is the graph for a drawn digit, then "Resample ε" (z and the decoded
image change, μ does not). One server and one browser for the whole module."""

import re

import pytest

from app.common.what_to_try import EXPERIMENTS
from testkit.browser import NO_BUSY, chromium_page, draw_a_one, require_chromium, screenshot, shared_server

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def browser_page():
    require_chromium()
    with shared_server() as url, chromium_page(viewport=(1400, 3000)) as page:
        yield url, page


def open_box(page, url: str, path: str, key: str) -> None:
    """Open the page, open its box and check the first experiment is the one written in what_to_try.py."""
    page.goto(f"{url}/{path}", wait_until="domcontentloaded")
    page.get_by_text("What to try").first.click(timeout=90_000)
    first = re.sub(r"\*\*", "", EXPERIMENTS[key][0]).split(":")[0]
    page.get_by_text(first[:40]).first.wait_for(timeout=10_000)


def no_failures(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


def caption(page, prefix: str) -> str:
    return page.locator('[data-testid="stCaptionContainer"]', has_text=prefix).first.inner_text(timeout=60_000)


def test_inside_graph_for_a_drawn_digit_and_resample_epsilon(browser_page):
    url, page = browser_page
    open_box(page, url, "inside", "inside")
    page.get_by_text("Draw", exact=True).click()
    draw_a_one(page)
    page.get_by_text("your drawing, preprocessed like MNIST").wait_for(timeout=60_000)
    for node in ("1. input x", "5. noise ε", "8. log p(x|z)", "10. ELBO"):
        # The graph is drawn after the preprocessed image's caption: on a busy machine, seconds after it.
        page.get_by_text(node, exact=True).wait_for(timeout=60_000)
        assert page.get_by_text(node, exact=True).count() == 1
    mu, z = caption(page, "μ = ("), caption(page, "z = (")
    decoded = page.locator('[data-testid="stImage"]', has_text="μ_D(z), the decoded image").locator("img")
    before = decoded.get_attribute("src")
    page.get_by_role("button", name="Resample ε").click()
    page.wait_for_function("(z) => ![...document.querySelectorAll('[data-testid=stCaptionContainer]')]"
                           ".some(e => e.innerText === z)", arg=z, timeout=30_000)
    page.wait_for_function(NO_BUSY, timeout=30_000)
    assert caption(page, "μ = (") == mu
    assert caption(page, "z = (") != z
    page.wait_for_function("(src) => [...document.querySelectorAll('[data-testid=stImage]')].some(e => "
                           "e.innerText.includes('the decoded image') && e.querySelector('img').src !== src)",
                           arg=page.evaluate("(s) => new URL(s, location.href).href", before), timeout=30_000)
    no_failures(page)
    screenshot(page, "inside_drawn")


def test_home_new_samples_draws_new_images(browser_page):
    url, page = browser_page
    open_box(page, url, "", "home")
    first = page.locator('[data-testid="stImage"] img').first
    first.wait_for(timeout=60_000)
    before = first.get_attribute("src")
    page.get_by_role("button", name="New samples").click()
    page.wait_for_function("(b) => { const i = document.querySelector('[data-testid=\"stImage\"] img');"
                           " return i && i.getAttribute('src') !== b; }", arg=before, timeout=30_000)
    no_failures(page)


def metric_value(page, label: str) -> float:
    text = page.locator('[data-testid="stMetric"]', has_text=label).locator(
        '[data-testid="stMetricValue"]').inner_text(timeout=120_000)
    return float(text.rstrip("%").split()[0])


def test_latent_map_larger_tau_lowers_the_prior_hole_mass(browser_page):
    url, page = browser_page
    open_box(page, url, "latent_map", "latent_map")
    before = metric_value(page, "Prior-hole mass")
    slider = page.locator('[data-testid="stSlider"]', has_text="Gap threshold").locator("input[type=range]")
    slider.focus()
    for _ in range(6):  # 2 -> 5 in steps of 0.5
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(100)
    page.keyboard.press("Tab")  # leave the slider: the value is sent
    page.wait_for_function("(b) => [...document.querySelectorAll('[data-testid=stMetric]')].some(e => "
                           "e.innerText.includes('Prior-hole mass') && !e.innerText.includes(b))",
                           arg=f"{before:.2f}%", timeout=60_000)  # the 2-D figure is exact, to 0.01 %
    assert metric_value(page, "Prior-hole mass") < before
    no_failures(page)


def test_traversal_interpolation_shows_log_q_along_the_path(browser_page):
    url, page = browser_page
    open_box(page, url, "traversal", "traversal")
    page.locator("label", has_text="Interpolate between two points").click(timeout=90_000)  # the toggle, not the box
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')].some(g => "
                           "g.querySelectorAll('.scatterlayer .trace').length >= 2)", timeout=60_000)
    no_failures(page)


def test_upload_a_drawing_lands_on_the_map_with_a_guess(browser_page):
    url, page = browser_page
    open_box(page, url, "upload", "upload")
    draw_a_one(page)
    page.get_by_text(re.compile(r"drawing\.png — guess")).first.wait_for(timeout=90_000)
    page.locator(".js-plotly-plot .annotation", has_text="drawing.png").wait_for(timeout=30_000)
    no_failures(page)


def test_one_d_m_step_then_e_step_shows_the_chain_with_numbers(browser_page):
    url, page = browser_page
    open_box(page, url, "one_d", "one_d")
    page.get_by_role("heading", name="Side by side", exact=True).wait_for(timeout=240_000)  # the VAE has trained
    page.wait_for_function(NO_BUSY, timeout=240_000)
    page.get_by_role("button", name="M-step").click()
    page.get_by_text("The last E-step then M-step (M-step 1)").wait_for(timeout=30_000)
    page.get_by_role("button", name="E-step").click()
    page.get_by_text("E-step: responsibilities recomputed").wait_for(timeout=30_000)
    bound = page.locator(".js-plotly-plot", has_text="F(q, θ)")  # its legend; the title is above the chart
    assert bound.locator(".scatterlayer .trace").count() == 2
    assert page.locator(".katex", has_text="F(q").count() >= 1  # the chain with numbers (F's formula is folded)
    no_failures(page)
