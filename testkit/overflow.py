"""Find text that a page cuts off: `find_overflow(page)` on a Playwright page returns one line per element whose
text does not fit its box, and per Plotly chart whose title lies under its toolbar. An empty list means nothing
is cut off at the page's current width.

What counts as cut off:
- an element with text of its own whose computed `overflow-x` is hidden or clip, or whose `text-overflow` is
  ellipsis, and whose `scrollWidth` exceeds `clientWidth` by more than a pixel (a rounding pixel is not a cut);
- the same test on Streamlit's metric values and labels, table and data-frame cells, tab labels and the
  selected value of a select box, and on every element inside them (Streamlit puts the ellipsis on an inner
  div, the outer one only hides);
- a Plotly chart whose title (`.gtitle`) intersects its modebar, or Streamlit's element toolbar drawn over it:
  the toolbar appears on hover, exactly when a student reads the title.

Elements that are not displayed (a box of 2 px or less, `display: none`, `visibility: hidden`) are skipped: a closed
expander's content is not cut off, it is folded. Call it after the page has settled (`testkit.browser.NO_BUSY`).
"""

from __future__ import annotations

# Selectors whose elements are checked with all their descendants, whatever their own overflow style says.
WATCHED = ('[data-testid="stMetricValue"]', '[data-testid="stMetricLabel"]', '[data-testid="stMetricDelta"]',
           "td", "th", '[data-testid="stTab"]', 'button[role="tab"]', '[data-baseweb="select"]',
           '[data-testid="stTableStyledTable"] *', '[data-testid="stExpander"] summary')

_SCRIPT = r"""
(watched) => {
  const found = [];
  const seen = new Set();
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    // Zero size is not drawn; a box of a pixel or two is a screen reader's text (Streamlit's "Skip to main
    // content" link is clipped to 1 px on purpose), not text a reader sees cut.
    if (r.width <= 2 || r.height <= 2) return false;
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === 'none' || s.visibility === 'hidden') return false;
    }
    return true;
  };
  const ownText = (el) => [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim() !== '');
  const describe = (el) => {
    const id = el.closest('[data-testid]');
    const where = id ? id.getAttribute('data-testid') : el.tagName.toLowerCase();
    const text = (el.innerText || el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 80);
    return `${where} <${el.tagName.toLowerCase()}> "${text}" (scrollWidth ${el.scrollWidth} > ` +
           `clientWidth ${el.clientWidth})`;
  };
  const cut = (el) => el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1;
  const check = (el) => {
    if (seen.has(el) || !shown(el)) return;
    seen.add(el);
    if ((el.innerText || '').trim() === '') return;
    if (cut(el)) found.push(describe(el));
  };
  // 1. Any element with text of its own that hides what does not fit.
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg') || !ownText(el)) continue;
    const s = getComputedStyle(el);
    const hides = ['hidden', 'clip'].includes(s.overflowX) || s.textOverflow === 'ellipsis';
    if (hides) check(el);
  }
  // 2. The widgets whose truncation Streamlit hides on an inner element.
  for (const sel of watched) {
    for (const el of document.querySelectorAll(sel)) {
      check(el);
      for (const inner of el.querySelectorAll('*')) {
        if (inner.closest('svg')) continue;
        const s = getComputedStyle(inner);
        if (['hidden', 'clip'].includes(s.overflowX) || s.textOverflow === 'ellipsis') check(inner);
      }
    }
  }
  // 3. Plotly: the title under the modebar or under Streamlit's element toolbar.
  const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    const title = plot.querySelector('.gtitle');
    if (!title || (title.textContent || '').trim() === '') continue;
    const t = title.getBoundingClientRect();
    if (t.width === 0) continue;
    const bars = [...plot.querySelectorAll('.modebar')];
    const block = plot.closest('[data-testid="stElementContainer"]') || plot.parentElement;
    const toolbar = block && block.querySelector('[data-testid="stElementToolbar"]');
    if (toolbar) bars.push(toolbar);
    for (const bar of bars) {
      const b = bar.getBoundingClientRect();
      if (b.width > 0 && b.height > 0 && meets(t, b)) {
        found.push(`plotly title "${title.textContent.trim().slice(0, 80)}" under its toolbar ` +
                   `(title ${Math.round(t.left)}..${Math.round(t.right)} x ${Math.round(t.top)}..` +
                   `${Math.round(t.bottom)}, toolbar ${Math.round(b.left)}..${Math.round(b.right)} x ` +
                   `${Math.round(b.top)}..${Math.round(b.bottom)})`);
        break;
      }
    }
  }
  return found;
}
"""


def find_overflow(page) -> list[str]:
    """One description per element of the Playwright `page` whose text is cut off (see the module's docstring);
    an empty list when nothing is."""
    return page.evaluate(_SCRIPT, list(WATCHED))


def assert_no_overflow(page) -> None:
    """Fail with the list of what is cut off, if anything is."""
    cut = find_overflow(page)
    assert not cut, "text cut off at %d px:\n" % page.viewport_size["width"] + "\n".join(cut)
