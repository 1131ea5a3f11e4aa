"""`testkit.overflow.find_overflow` on hand-made pages: it must report text that is cut off (an ellipsis, a
metric value, a table cell, a Plotly title under its toolbar) and stay quiet about text that fits or is folded
away. No server: the page is set with `page.set_content`."""

import pytest

from testkit.browser import chromium_page, require_chromium
from testkit.overflow import find_overflow

pytestmark = pytest.mark.browser

CUT = "white-space: nowrap; overflow: hidden; text-overflow: ellipsis"
LONG = "Gaussian, beta^2=0.0123 decoder with a long name"


@pytest.fixture(scope="module")
def page():
    require_chromium()
    with chromium_page(viewport=(1280, 800)) as page:
        yield page


def test_an_ellipsis_that_cuts_text_is_reported(page):
    page.set_content(f'<div style="width: 80px; {CUT}">{LONG}</div>')
    found = find_overflow(page)
    assert len(found) == 1 and "Gaussian, beta^2" in found[0], found


def test_text_that_fits_or_is_hidden_is_not_reported(page):
    page.set_content(f'<div style="width: 800px; {CUT}">{LONG}</div>'
                     f'<div style="display: none"><div style="width: 40px; {CUT}">{LONG}</div></div>'
                     f'<div style="width: 40px; overflow: auto; white-space: nowrap">{LONG}</div>'
                     # a screen reader's link, clipped to a pixel on purpose, as Streamlit's "Skip to content"
                     f'<a style="position: absolute; width: 1px; height: 1px; overflow: hidden">{LONG}</a>')
    assert find_overflow(page) == []


def test_a_metric_value_cut_on_an_inner_element_is_reported(page):
    # Streamlit's metric: the test id on an outer div, the ellipsis on a nested one without text of its own.
    page.set_content('<div data-testid="stMetricValue" style="width: 60px; overflow: hidden">'
                     f'<div style="{CUT}"><span>12.616 nats and more</span></div></div>'
                     '<table style="table-layout: fixed; width: 100px"><tr><td style="width: 50px">a</td>'
                     f'<td style="width: 50px; {CUT}">exact log p(x) -123.456</td></tr></table>')
    found = find_overflow(page)
    assert any("12.616" in line for line in found), found
    assert any("exact log p(x)" in line for line in found), found


def plotly_like(title_x: int) -> str:
    return ('<div class="js-plotly-plot" style="position: relative; width: 400px; height: 200px">'
            '<svg width="400" height="200"><text class="gtitle" x="%d" y="20" font-size="16">'
            'Lower bound on log p(x) per step</text></svg>'
            '<div class="modebar" style="position: absolute; top: 2px; right: 2px; width: 150px; height: 24px">'
            '</div></div>' % title_x)


def test_a_plotly_title_under_the_modebar_is_reported(page):
    page.set_content(plotly_like(title_x=150))
    found = find_overflow(page)
    assert len(found) == 1 and "under its toolbar" in found[0], found
    page.set_content(plotly_like(title_x=5).replace("Lower bound on log p(x) per step", "Bound"))
    assert find_overflow(page) == []
