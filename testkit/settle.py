"""Bring a page to the state a no-overflow check or a screenshot needs: idle, every expander open (folded text
is not cut, but it must fit once opened), the layout still."""

from __future__ import annotations

from testkit.browser import NO_BUSY

OPEN_ALL = """() => { let n = 0; for (const d of document.querySelectorAll('[data-testid=stExpander] details')) {
  if (!d.open) { d.querySelector('summary').click(); n++; } } return n; }"""


def open_everything(page, timeout_ms: int = 240_000) -> None:
    """Wait for the page to be idle, open every expander (twice: an expander can hold another), settle."""
    page.wait_for_function(NO_BUSY, timeout=timeout_ms)
    for _ in range(2):
        page.evaluate(OPEN_ALL)
        page.wait_for_timeout(800)
    page.wait_for_function(NO_BUSY, timeout=timeout_ms)
    page.wait_for_timeout(1000)


def full_height(page, limit: int = 12_000) -> int:
    """The height of the app's scrolling main area, for a viewport that shows it all (Streamlit scrolls inside
    stMain, so Playwright's full_page screenshot shows only the viewport)."""
    return min(limit, int(page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], [data-testid=stMainBlockContainer]')]"
        ".map(e => e.scrollHeight), document.body.scrollHeight)")))
