"""Every view is a link: a link copied from a page opens the same view in a fresh browser, and hostile values
in an address fall back to the defaults with a notice, never a traceback."""

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect

from testkit.browser import CHROMIUM, CHROMIUM_ARGS, NO_BUSY, chromium_page

Z_LINE = re.compile(r"z \((\w+)\): \[([^\]]*)\]")


def z_line(page) -> tuple[str, list[float]]:
    text = page.get_by_text(Z_LINE).first.inner_text(timeout=60_000)
    source, numbers = Z_LINE.search(text).groups()
    return source, [float(v) for v in numbers.split()]


def test_a_copied_traversal_link_opens_the_same_model_and_z_in_a_fresh_browser(server):
    with chromium_page() as page:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        page.goto(f"{server}/traversal?model=mnist-16d", wait_until="domcontentloaded")
        page.get_by_label("Exact z (16 comma-separated numbers)").fill(",".join(["0.5"] + ["-1"] * 15),
                                                                         timeout=90_000)
        page.get_by_role("button", name="Set z").click()
        page.wait_for_function("() => location.search.includes('z=0.5')", timeout=30_000)
        page.get_by_role("button", name="Copy link to this view").click()
        page.get_by_text("Link copied.").wait_for(timeout=10_000)
        link = page.locator(".copy-link").get_attribute("data-copied")
        assert "model=mnist-16d" in link and "visitor=" not in link
    with chromium_page() as fresh:
        fresh.goto(link, wait_until="domcontentloaded")
        source, z = z_line(fresh)
        assert source == "link" and z == [0.5] + [-1.0] * 15
        assert fresh.get_by_role("combobox", name="Model").input_value() == "mnist-16d"


def test_hostile_values_in_an_address_fall_back_with_a_notice(server):
    long = "9" * 10_000
    with chromium_page() as page:
        page.goto(f"{server}/traversal?model=..%2F..%2Fetc%2Fpasswd&z=nan,inf", wait_until="domcontentloaded")
        page.get_by_text("The link's model=").wait_for(timeout=90_000)
        page.get_by_text("The link's z=nan,inf").wait_for(timeout=10_000)
        assert z_line(page) == ("zero", [0.0, 0.0])
        page.goto(f"{server}/latent_map?tau=1e308&model={long}", wait_until="domcontentloaded")
        page.get_by_text("is longer than 200 characters").wait_for(timeout=90_000)
        page.wait_for_function(NO_BUSY, timeout=90_000)
        body = page.locator("body").inner_text()
        assert "Traceback" not in body and "/work" not in body and "1e308" in body


# For each page: a link a teacher might hand out, and what a fresh browser must show for it.
ROUND_TRIPS = {
    "latent_map": ("model=mnist-16d&view=dims&dx=3&dy=5&at=0.5,-1",
                   lambda p: expect(p.get_by_text("decoded z = [0.0, 0.0, 0.5, 0.0, -1.0,")).to_be_visible(
                       timeout=120_000)),
    "one_d": ("k=2&seed=5", lambda p: expect(p.get_by_label("K", exact=True)).to_have_value("2", timeout=120_000)),
    "inside": ("image=12&m=10", lambda p: expect(p.get_by_label(re.compile("Index in"))).to_have_value(
        "12", timeout=120_000)),
    "cvae": ("image=12&label=guess", lambda p: expect(p.get_by_label(re.compile("Index in"))).to_have_value(
        "12", timeout=120_000)),
    "training": ("latent=16&epochs=12", lambda p: expect(p.get_by_label("Latent size d")).to_have_value(
        "16", timeout=120_000)),
    "tradeoff": ("tau=6", lambda p: expect(p.get_by_text("Prior-hole mass, τ = 6").first).to_be_visible(
        timeout=240_000)),
    "upload": ("model=mnist-16d&ink=dark", lambda p: expect(p.get_by_role("combobox", name="Model")).to_have_value(
        "mnist-16d", timeout=120_000)),
}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.mark.parametrize("page_name", list(ROUND_TRIPS))
def test_a_link_copied_from_each_page_opens_the_same_view_in_a_fresh_browser(server, browser, page_name):
    params, shows = ROUND_TRIPS[page_name]
    first = browser.new_context(viewport={"width": 1280, "height": 1000})
    first.grant_permissions(["clipboard-read", "clipboard-write"])
    try:
        page = first.new_page()
        page.goto(f"{server}/{page_name}?{params}", wait_until="domcontentloaded")
        shows(page)
        page.wait_for_function(NO_BUSY, timeout=120_000)
        page.get_by_role("button", name="Copy link to this view").click()
        page.get_by_text("Link copied.").wait_for(timeout=10_000)
        link = page.locator(".copy-link").get_attribute("data-copied")
        assert page.evaluate("() => navigator.clipboard.readText()") == link
    finally:
        first.close()
    kept = dict(parse_qsl(urlsplit(link).query))
    for name, value in parse_qsl(params):
        assert kept.get(name) == value, f"{name}={value} is not in the copied link {link}"
    fresh = browser.new_context(viewport={"width": 1280, "height": 1000})
    try:
        page = fresh.new_page()
        page.goto(link, wait_until="domcontentloaded")
        shows(page)
        assert "The link's" not in page.locator("body").inner_text()
    finally:
        fresh.close()
