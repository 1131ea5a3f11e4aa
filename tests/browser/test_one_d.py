"""End to end: the 1-D page in headless Chromium, EM run to convergence, both models plotted."""

import re

import pytest

from testkit.browser import chromium_page, require_chromium, screenshot, shared_server

pytestmark = pytest.mark.browser

# Per Plotly chart: its title (Streamlit's theme wraps it in <b> tags), how many traces drew a
# non-trivial path (lines, stacked areas) and how many histogram bars, so an empty frame fails.
PLOTS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => ({
  title: ((gd._fullLayout && gd._fullLayout.title && gd._fullLayout.title.text) || '').replace(/<[^>]*>/g, ''),
  drawn: [...gd.querySelectorAll('.scatterlayer .trace')].filter(t =>
    [...t.querySelectorAll('path.js-line, path.js-fill')].some(p => (p.getAttribute('d') || '').length > 50)).length,
  bars: gd.querySelectorAll('.barlayer .trace .point').length }))"""
CONVERGED_PLOT = f"() => ({PLOTS})().some(p => /^After [1-9][0-9]* M-steps/.test(p.title))"


def plots_titled(plots, prefix):
    return [p for p in plots if p["title"].startswith(prefix)]


def test_run_to_convergence_then_both_models_plot():
    require_chromium()
    # Tall enough that the whole page is laid out at once and the screenshot shows every section.
    with shared_server() as url, chromium_page(viewport=(1400, 4200)) as page:
        page.goto(f"{url}/one_d", wait_until="domcontentloaded")
        # The VAE trains on first load (the default 2,000 steps take seconds); the side-by-side
        # VAE chart is drawn only after it.
        page.wait_for_function(f"() => ({PLOTS})().some(p => p.title === 'VAE' && p.drawn > 0)", timeout=240_000)
        page.get_by_role("button", name="Run to convergence").click()
        page.get_by_text(re.compile(r"ran \d+ EM iterations")).wait_for(timeout=60_000)
        page.wait_for_function(CONVERGED_PLOT, timeout=30_000)
        page.wait_for_timeout(1000)

        plots = page.evaluate(PLOTS)
        gmm = plots_titled(plots, "After ") + plots_titled(plots, "GMM, K = 3")
        vae = plots_titled(plots, "Infinite mixture") + plots_titled(plots, "VAE")
        assert len(gmm) == 2 and len(vae) == 2, plots
        # Histogram, true density and the three stacked components; the VAE adds its p(x).
        assert all(p["bars"] > 10 and p["drawn"] >= 4 for p in gmm), gmm
        assert all(p["bars"] > 10 and p["drawn"] >= 2 for p in vae), vae
        assert plots_titled(plots, "Mean log-likelihood per EM iteration")[0]["drawn"] == 1
        assert page.locator("[data-testid=stException]").count() == 0
        assert page.locator("[data-testid=stAlertContentError]").count() == 0
        assert page.get_by_text("Mean log-likelihood", exact=True).count() >= 1
        path = screenshot(page, "one_d")
        assert path.stat().st_size > 50_000
