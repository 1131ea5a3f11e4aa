"""Chromium follows every "What to try" box of the 1-D page to its end and checks the outcome it promises,
with the figure it names: (1) after M-step then E-step the dotted F meets the L line in the lower-bound chart
and the chain shows the last step's numbers; (2) with K = 6 the training log-likelihood beats the truth's and
the test one does not, and the table's last row gives the test difference with its SE; (3) with one constant
decoder σ the VAE's density falls short of the truth on the narrow component, and KL(truth || fit) is larger
than with σ(z). One server and one page, in order."""

import re

import pytest

from app.common.what_to_try import EXPERIMENTS
from testkit.browser import NO_BUSY, chromium_page, require_chromium, screenshot, shared_server

pytestmark = pytest.mark.browser

TRACES = """(name) => { const gd = [...document.querySelectorAll('.js-plotly-plot')].find(g =>
  (g.data || []).some(t => t.name === name)); if (!gd) return null;
  return gd._fullData.map(t => ({ name: t.name, x: Array.from(t.x || []), y: Array.from(t.y || []) })); }"""
VAE_TRACES = """() => { const gd = [...document.querySelectorAll('.js-plotly-plot')].find(g =>
  (g._fullLayout?.title?.text || '').replace(/<[^>]*>/g, '') === 'VAE'); if (!gd) return null;
  return gd._fullData.map(t => ({ name: t.name, x: Array.from(t.x || []), y: Array.from(t.y || []) })); }"""
# Plotly decodes the figure's typed arrays into _fullData (data keeps Streamlit's base64 form).
# The side-by-side table (st.table): {row label: [cells]} and its header.
TABLE = """() => { const t = [...document.querySelectorAll('[data-testid=stTable] table')].find(t =>
  t.innerText.includes('GMM (EM)')); if (!t) return null;
  const rows = {}; for (const tr of t.querySelectorAll('tbody tr')) {
    const cells = [...tr.children].map(c => c.innerText.trim()); rows[cells[0]] = cells.slice(1); }
  return { head: [...t.querySelectorAll('thead th')].map(c => c.innerText.trim()).slice(1), rows }; }"""


@pytest.fixture(scope="module")
def page_at():
    require_chromium()
    with shared_server() as url, chromium_page(viewport=(1280, 2400)) as page:
        page.goto(f"{url}/one_d", wait_until="domcontentloaded")
        page.get_by_text("What to try").first.click(timeout=180_000)
        for experiment in EXPERIMENTS["one_d"]:
            page.get_by_text(re.sub(r"\*\*", "", experiment).split(":")[0][:40]).first.wait_for(timeout=10_000)
        yield page


def no_failures(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


def table(page) -> dict:
    page.wait_for_function(f"() => ({TABLE})() !== null", timeout=300_000)
    found = page.evaluate(TABLE)
    return {row: dict(zip(found["head"], cells)) for row, cells in found["rows"].items()}


def test_1_the_e_step_lifts_f_to_l_and_the_chain_shows_numbers(page_at):
    page = page_at
    page.wait_for_function(NO_BUSY, timeout=240_000)
    page.get_by_role("button", name="M-step", exact=True).click()
    page.get_by_text("The last E-step then M-step (M-step 1)").wait_for(timeout=60_000)
    page.get_by_role("button", name="E-step", exact=True).click()
    page.get_by_text("E-step: responsibilities recomputed").wait_for(timeout=60_000)
    page.wait_for_function(f"() => (({TRACES})('F(q, θ)') || [{{x: []}}])[0].x.length === 3", timeout=60_000)
    traces = {t["name"]: t["y"] for t in page.evaluate(TRACES, "F(q, θ)")}
    f, ell = traces["F(q, θ)"], traces["L(θ)"]
    assert f[1] < ell[1]  # after the M-step the dotted F is below L ...
    assert f[2] == pytest.approx(ell[2], abs=1e-9)  # ... and the E-step lifts it onto the L line
    assert f[2] > f[1]
    tex = " ".join(page.evaluate("() => [...document.querySelectorAll('annotation')].map(a => a.textContent)"))
    assert f"{f[1]:.6f}" in tex and f"{ell[1]:.6f}" in tex  # the chain with the M-step's numbers
    no_failures(page)


def test_2_k_6_beats_the_truth_on_training_data_not_on_test_data(page_at):
    page = page_at
    k = page.get_by_label("K", exact=True)
    k.fill("6")
    k.press("Enter")
    page.wait_for_function(NO_BUSY, timeout=240_000)
    page.get_by_role("button", name="Run to convergence", exact=True).click()
    page.get_by_text(re.compile(r"^ran \d+ EM iterations")).wait_for(timeout=120_000)
    page.get_by_role("heading", name="Side by side", exact=True).wait_for(timeout=300_000)
    page.wait_for_function(NO_BUSY, timeout=240_000)
    rows = table(page)
    assert float(rows["train mean log-lik"]["GMM (EM)"]) > float(rows["train mean log-lik"]["truth"])
    assert float(rows["test mean log-lik"]["GMM (EM)"]) < float(rows["test mean log-lik"]["truth"])
    mean, se = (float(v) for v in rows["test mean log-lik − truth's (± SE)"]["GMM (EM)"].split("±"))
    assert -0.006 < mean < -0.002 and 0 < se < 0.003 and abs(mean) > 1.5 * se  # "about −0.004 ± 0.002"
    no_failures(page)
    screenshot(page, "what_to_try_one_d_k6")


def vae_peak_share(page) -> float:
    """The VAE's highest density on the narrow component (x in -3..-1) over the truth's there."""
    traces = {t["name"]: t for t in page.evaluate(VAE_TRACES)}
    vae, truth = traces["VAE p(x)"], traces["true density"]
    near = [i for i, x in enumerate(vae["x"]) if -3 < x < -1]
    return max(vae["y"][i] for i in near) / max(truth["y"][i] for i in near)


def kl_of_vae(page) -> float:
    return float(table(page)["KL(truth || fit)"]["VAE"])


def test_3_one_constant_sigma_cannot_fit_the_narrow_component(page_at):
    page = page_at
    page.wait_for_function(f"() => ({VAE_TRACES})() !== null", timeout=300_000)
    constant = (vae_peak_share(page), kl_of_vae(page))  # the default is one constant σ
    page.locator("[data-testid=stSidebar] label", has_text="σ(z)").click()
    page.wait_for_function(f"() => ({VAE_TRACES})() === null", timeout=60_000)  # the new VAE is training
    page.wait_for_function(f"() => ({VAE_TRACES})() !== null", timeout=400_000)
    page.wait_for_function(NO_BUSY, timeout=240_000)
    learned = (vae_peak_share(page), kl_of_vae(page))
    print(f"peak share / KL: constant σ {constant}, σ(z) {learned}")
    assert constant[0] < 0.9 < learned[0]  # the constant σ's peak falls short of the truth's
    assert constant[1] > 2 * learned[1]
    no_failures(page)
