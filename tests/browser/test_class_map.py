"""The class map in Chromium: two students add drawings from their own browsers and a third browser, the
projector's, sees both without reloading; the What to try box's two experiments, followed to their end."""

import re
import time

import pytest
from playwright.sync_api import expect

from app.class_map.board import board_points
from app.common.ownership import get_store
from testkit.browser import CHROMIUM, CHROMIUM_ARGS, NO_BUSY, draw_a_one, open_option

pytestmark = pytest.mark.browser
COUNT = re.compile(r"(\d+) points on the class map")


@pytest.fixture
def browser(server):
    from playwright.sync_api import sync_playwright

    get_store().clear_class_points("server")  # the shared server uses the tests' database
    board_points.clear()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    get_store().clear_class_points("server")


def open_map(browser, server):
    page = browser.new_context(viewport={"width": 1440, "height": 1100}).new_page()
    page.goto(f"{server}/class_map", wait_until="domcontentloaded")
    page.get_by_text(COUNT).wait_for(timeout=120_000)
    return page


def count(page) -> int:
    return int(COUNT.search(page.get_by_text(COUNT).inner_text()).group(1))


def add_a_digit(page, label: str) -> None:
    page.wait_for_function(NO_BUSY, timeout=120_000)
    open_option(page, page.get_by_role("combobox", name="Which digit is it?"), label).click()
    draw_a_one(page)
    add = page.get_by_role("button", name="Add to the class map")
    expect(add).to_be_enabled(timeout=30_000)
    add.click()
    page.get_by_text("Added: your star is on the map, selected.").wait_for(timeout=60_000)


def test_two_students_add_drawings_and_the_projector_sees_both_without_reloading(browser, server):
    projector = open_map(browser, server)
    assert count(projector) == 0
    first, second = open_map(browser, server), open_map(browser, server)
    add_a_digit(first, "1")
    add_a_digit(second, "7")
    added = time.monotonic()
    expect(projector.get_by_text("2 points on the class map")).to_be_visible(timeout=15_000)
    print(f"the projector saw the second point {time.monotonic() - added:.1f} s after it was added")
    assert projector.url.endswith("/class_map"), "the projector's page was reloaded"
    # the selected star's drawing, reconstruction and guess, in the student's own browser
    expect(second.get_by_text("the drawing, labelled 7")).to_be_visible(timeout=30_000)
    expect(second.get_by_text(re.compile(r"kNN guess: \d"))).to_be_visible()
    labels = sorted(p.label for p in get_store().class_points("server"))
    assert labels == [1, 7]
    stars = projector.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')]
        .find(g => g.layout && g.layout.meta === 'vae-class-map')._fullData
        .filter(t => t.name.startsWith('class ')).map(t => [t.name, t.x.length])""")
    assert sorted(stars) == [["class 1", 1], ["class 7", 1]]


def test_what_to_try_the_gap_filter_keeps_only_points_in_a_gap(browser, server):
    page = open_map(browser, server)
    add_a_digit(page, "1")
    in_gap = int(re.search(r"(\d+) of them in a gap", page.get_by_text(COUNT).inner_text()).group(1))
    page.locator("label", has_text="Only the points that landed in a gap").click(timeout=60_000)  # not the box
    # only those in a gap are left: the line's "N shown" falls to the gap count
    expect(page.get_by_text(re.compile(rf"of them in a gap at τ = 2; {in_gap} shown"))).to_be_visible(timeout=60_000)
    page.wait_for_function("""(n) => { const g = [...document.querySelectorAll('.js-plotly-plot')]
        .find(g => g.layout && g.layout.meta === 'vae-class-map');
        return g && g._fullData.filter(t => t.name.startsWith('class ')).reduce((k, t) => k + t.x.length, 0) === n;
        }""", arg=in_gap, timeout=30_000)
