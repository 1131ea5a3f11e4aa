"""The 1-D page's EM buttons in Chromium: clicks made while the page is still running are applied, every one,
in order (issue 26: three clicks shortly after load left it at "After 0 M-steps")."""

import re
import time

import pytest

from testkit.browser import NO_BUSY, chromium_page, require_chromium, screenshot, shared_server

pytestmark = pytest.mark.browser

GMM_TITLE = """() => { const t = [...document.querySelectorAll('.js-plotly-plot')].map(gd =>
  ((gd._fullLayout && gd._fullLayout.title && gd._fullLayout.title.text) || '').replace(/<[^>]*>/g, ''))
  .find(t => /^After \\d+ M-steps/.test(t)); return t || null; }"""
SCRIPT_STATE = "() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState"


@pytest.fixture(scope="module")
def served():
    require_chromium()
    with shared_server() as url:
        yield url


def test_three_clicks_during_a_rerun_leave_it_after_two_m_steps(served):
    with chromium_page(viewport=(1280, 2400)) as page:
        opened = time.monotonic()
        page.goto(f"{served}/one_d", wait_until="domcontentloaded")
        m_step = page.get_by_role("button", name="M-step", exact=True)
        e_step = page.get_by_role("button", name="E-step", exact=True)
        m_step.wait_for(timeout=180_000)
        page.wait_for_function(f"() => ({GMM_TITLE})() === 'After 0 M-steps'", timeout=120_000)
        print(f"EM picture shown {time.monotonic() - opened:.1f} s after opening")
        page.wait_for_function(NO_BUSY, timeout=240_000)
        # A full rerun of some seconds: 20 restarts of EM and of scikit-learn's fit. Clicks made during it
        # were merged into one E and one M before.
        restarts = page.get_by_label("Restarts (n_init)")
        restarts.fill("20")
        restarts.press("Enter")
        page.wait_for_function(f"() => ({SCRIPT_STATE})() === 'running'", timeout=30_000)
        states = []
        for button in (m_step, e_step, m_step):
            states.append(page.evaluate(SCRIPT_STATE))
            button.click()
        clicked = time.monotonic()
        page.wait_for_function(f"() => ({GMM_TITLE})() === 'After 2 M-steps'", timeout=240_000)
        print(f"three clicks applied {time.monotonic() - clicked:.1f} s after the last; "
              f"script state at each click: {states}")
        # The clicks really were made while a run was under way, or the test proves nothing.
        assert "running" in states, states
        page.wait_for_function(NO_BUSY, timeout=240_000)
        page.wait_for_timeout(1500)
        assert page.evaluate(GMM_TITLE) == "After 2 M-steps"
        # The last action was an M-step: its caption, and no click left waiting.
        assert page.get_by_text(re.compile(r"^M-step: weights, means and variances updated")).count() == 1
        assert page.get_by_text("waiting for the server").count() == 0
        # The VAE, trained meanwhile, appears by itself (its progress fragment reruns the page when done).
        page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')].some(gd => "
                               "(gd._fullLayout?.title?.text || '').replace(/<[^>]*>/g, '') === 'VAE')",
                               timeout=300_000)
        print(f"VAE drawn {time.monotonic() - opened:.1f} s after opening")
        assert page.evaluate(GMM_TITLE) == "After 2 M-steps"
        assert page.locator("[data-testid=stException]").count() == 0
        screenshot(page, "one_d_three_clicks")
