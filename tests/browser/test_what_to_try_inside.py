"""Chromium follows every "What to try" box of the Inside a VAE page to its end and checks what it promises
with the figure it names: (1) Resample ε changes z, the decoded image, log p(x|z) and the one-sample ELBO, not
μ, σ or the KL; (2) at M = 1000 the running estimate sits on the exact line and its ±2 SE band is about
√(1000/10) = 10 times narrower than at M = 10; (3) the measured variance ratio is in the thousands. One server
and one page, in order."""

import re

import pytest

from app.common.what_to_try import EXPERIMENTS
from testkit.browser import NO_BUSY, chromium_page, require_chromium, shared_server

pytestmark = pytest.mark.browser

MC_TRACES = """() => { const gd = [...document.querySelectorAll('.js-plotly-plot')].find(g =>
  (g._fullData || []).some(t => (t.name || '').startsWith('running estimate'))); if (!gd) return null;
  return gd._fullData.map(t => ({ name: t.name, x: Array.from(t.x || []), y: Array.from(t.y || []) })); }"""


@pytest.fixture(scope="module")
def page_at():
    require_chromium()
    with shared_server() as url, chromium_page(viewport=(1280, 2400)) as page:
        page.goto(f"{url}/inside", wait_until="domcontentloaded")
        page.get_by_text("What to try").first.click(timeout=180_000)
        for experiment in EXPERIMENTS["inside"]:
            page.get_by_text(re.sub(r"\*\*", "", experiment).split(":")[0][:40]).first.wait_for(timeout=10_000)
        page.get_by_text("10. ELBO", exact=True).wait_for(timeout=180_000)
        page.wait_for_function(NO_BUSY, timeout=180_000)
        yield page


def captions(page) -> dict:
    """The graph's captions by what they start with ("μ = (", "σ = (", "z = (", "KL(q(z|x)", "log p(x|z) =")."""
    texts = page.locator('[data-testid="stCaptionContainer"]').all_inner_texts()
    return {prefix: next((t for t in texts if t.startswith(prefix)), None)
            for prefix in ("μ = (", "σ = (", "z = (", "KL(q(z|x)", "log p(x|z) =")}


def elbo_line(page) -> str:
    line = page.locator("[data-testid=stMarkdownContainer]", has_text="One-sample estimate with this ε")
    return line.first.inner_text()


def test_1_resample_epsilon_moves_z_and_what_follows_not_mu_sigma_or_kl(page_at):
    page = page_at
    before, elbo = captions(page), elbo_line(page)
    image = page.locator('[data-testid="stImage"]', has_text="μ_D(z), the decoded image").locator("img")
    src = image.get_attribute("src")
    page.get_by_role("button", name="Resample ε").click()
    page.wait_for_function("(z) => ![...document.querySelectorAll('[data-testid=stCaptionContainer]')]"
                           ".some(e => e.innerText === z)", arg=before["z = ("], timeout=60_000)
    page.wait_for_function(NO_BUSY, timeout=60_000)
    after = captions(page)
    assert after["z = ("] != before["z = ("] and after["log p(x|z) ="] != before["log p(x|z) ="]
    assert elbo_line(page) != elbo
    assert image.get_attribute("src") != src
    for fixed in ("μ = (", "σ = (", "KL(q(z|x)"):
        assert after[fixed] == before[fixed], fixed


def test_2_at_m_1000_the_estimate_settles_on_the_exact_line_and_the_band_narrows(page_at):
    page = page_at
    slider = page.get_by_role("slider", name="M, the number of draws")
    slider.focus()
    slider.press("End")
    page.get_by_text("estimate at M = 1000").wait_for(timeout=60_000)
    page.wait_for_function(f"() => ((({MC_TRACES})() || [])[1] || {{x: []}}).x.length === 1000", timeout=60_000)
    traces = {t["name"]: t for t in page.evaluate(MC_TRACES)}
    band = traces["± 2 standard errors"]["y"]  # up the upper edge, back down the lower one
    n = len(band) // 2
    width = {m: band[m - 2] - band[len(band) - 1 - (m - 2)] for m in (10, 1000)}  # the band starts at M = 2
    assert n == 999
    exact = next(t for name, t in traces.items() if name.startswith("exact"))["y"][0]
    estimate = traces["running estimate (1/M) Σ log p(x|z_m)"]["y"][-1]
    assert abs(estimate - exact) < width[1000] / 2 * 1.5  # on the exact line, within its band
    assert 5 < width[10] / width[1000] < 20  # like 1/√M: √100 = 10


def test_3_the_score_function_is_thousands_of_times_noisier(page_at):
    page = page_at
    page.get_by_text("Measure both on this image (").click()
    ratio = page.locator('[data-testid="stMetric"]', has_text="median variance ratio").locator(
        '[data-testid="stMetricValue"]')
    ratio.wait_for(timeout=240_000)
    value = float(ratio.inner_text().rstrip("×").replace(",", ""))
    print(f"median variance ratio {value}")
    assert value >= 1000  # "thousands of times noisier"
