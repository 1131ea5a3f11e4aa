"""End to end: the shipped lesson's steps without a check of their own (2, 3, 4 and 6) and step 7's check, in
headless Chromium. Each test opens the step's link from the Lessons page, does what the step's text asks and
finds on the page what its "look for" promises. Steps 1 and 5 are in test_lessons.py, step 8 in
test_lessons_cvae.py."""

import re

import pytest

from testkit.browser import NO_BUSY, chromium_page, require_chromium, shared_server, streamlit_server

pytestmark = pytest.mark.browser

GMM_TITLE = """() => { const t = [...document.querySelectorAll('.js-plotly-plot')].map(gd =>
  ((gd._fullLayout && gd._fullLayout.title && gd._fullLayout.title.text) || '').replace(/<[^>]*>/g, ''))
  .find(t => /^After \\d+ M-steps/.test(t)); return t || null; }"""
# The chain L(θ_k) = F(q_{k+1}, θ_k) ≤ F(q_{k+1}, θ_{k+1}) ≤ L(θ_{k+1}) as KaTeX keeps its source.
CHAIN_TEX = """() => [...document.querySelectorAll('annotation')].map(a => a.textContent)
  .find(t => t.includes('\\\\mathcal L(\\\\theta_') && t.includes('\\\\le')) || null"""


@pytest.fixture(scope="module")
def served():
    require_chromium()
    with shared_server() as url:
        yield url


def open_step(page, url: str, step: int, page_title: str) -> None:
    page.goto(f"{url}/lessons", wait_until="domcontentloaded")
    page.get_by_text("From EM to the VAE").first.wait_for(timeout=120_000)
    page.locator(f".st-key-lesson_step_{step}").get_by_role("link", name=f"Open {page_title}").click()


def metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]', has_text=label).locator('[data-testid="stMetricValue"]')
    return box.first.inner_text(timeout=240_000)


def test_step_2_after_the_e_step_f_touches_l_and_the_m_step_raises_both(served):
    with chromium_page(viewport=(1280, 2400)) as page:
        open_step(page, served, 2, "1-D: GMM vs VAE")
        restart = page.get_by_role("button", name="Restart", exact=True)
        restart.wait_for(timeout=240_000)
        page.wait_for_function(NO_BUSY, timeout=240_000)
        restart.click()
        page.wait_for_function(f"() => ({GMM_TITLE})() === 'After 0 M-steps'", timeout=120_000)
        for name in ("M-step", "E-step", "M-step"):
            page.get_by_role("button", name=name, exact=True).click()
        page.wait_for_function(f"() => ({GMM_TITLE})() === 'After 2 M-steps'", timeout=120_000)
        page.wait_for_function(NO_BUSY, timeout=120_000)
        page.wait_for_function(f"() => ({CHAIN_TEX})() !== null", timeout=60_000)
        values = [float(v) for v in re.findall(r"&= (-?\d+\.\d+)", page.evaluate(CHAIN_TEX))]
        assert len(values) == 4, values
        l_before, f_after_e, f_after_m, l_after = values
        assert f_after_e == l_before, "after the E-step F(q, θ) does not touch L(θ)"
        assert f_after_e <= f_after_m <= l_after, values
        caption = page.get_by_text(re.compile(r"^The last E-step then M-step")).first.inner_text()
        f_rise, l_rise, gap = (float(v) for v in re.search(
            r"F rose by (\S+), L by (\S+) nats .* L − F = (\S+) is", caption).groups())
        assert 0 <= f_rise <= l_rise and gap >= 0, caption
        assert page.locator("[data-testid=stException]").count() == 0


def test_step_3_the_gap_to_log_px_is_a_few_nats_and_differs_between_images(served):
    with chromium_page(viewport=(1280, 2400)) as page:
        open_step(page, served, 3, "Latent map")
        index = page.get_by_label("image index (0 to 4999)")
        index.wait_for(timeout=240_000)
        page.wait_for_function(NO_BUSY, timeout=240_000)
        gaps = []
        for value in ("0", "7"):
            before = metric(page, "gap KL(q(z|x) ‖ p(z|x)), exact") if gaps else None
            index.fill(value)
            index.press("Enter")
            if before is not None:
                page.wait_for_function(NO_BUSY, timeout=120_000)
            page.get_by_text(f"image {value}, class").first.wait_for(timeout=120_000)
            page.wait_for_function(NO_BUSY, timeout=120_000)
            gaps.append(float(metric(page, "gap KL(q(z|x) ‖ p(z|x)), exact").split()[0]))
        assert all(0 < g < 20 for g in gaps), f"the gaps {gaps} are not a few nats"
        assert gaps[0] != gaps[1], "two images, one gap"
        assert page.locator("[data-testid=stException]").count() == 0


def test_step_4_resampling_moves_z_not_mu_and_the_score_function_is_hundreds_of_times_noisier(served):
    with chromium_page(viewport=(1280, 2400)) as page:
        open_step(page, served, 4, "Inside a VAE")
        resample = page.get_by_role("button", name="Resample ε")
        resample.wait_for(timeout=240_000)
        page.wait_for_function(NO_BUSY, timeout=240_000)

        def caption(prefix: str) -> str:
            return next(t for t in page.locator('[data-testid="stCaptionContainer"]').all_inner_texts()
                        if t.startswith(prefix))
        z, mu = caption("z = ("), caption("μ = (")
        resample.click()
        page.wait_for_function("(z) => ![...document.querySelectorAll('[data-testid=stCaptionContainer]')]"
                               ".some(e => e.innerText === z)", arg=z, timeout=60_000)
        page.wait_for_function(NO_BUSY, timeout=60_000)
        assert caption("z = (") != z and caption("μ = (") == mu
        page.get_by_text("Measure both on this image (").click()
        ratio = float(metric(page, "median variance ratio").rstrip("×").replace(",", ""))
        assert ratio >= 100, f"the score function is only {ratio}x noisier"
        assert page.locator("[data-testid=stException]").count() == 0


def test_step_6_an_interpolation_shows_where_its_path_leaves_the_aggregate_posterior(served):
    with chromium_page(viewport=(1280, 2400)) as page:
        open_step(page, served, 6, "Traversal")
        toggle = page.locator("label", has_text="Interpolate between two points")  # the toggle, not the box
        toggle.wait_for(timeout=240_000)
        page.wait_for_function(NO_BUSY, timeout=240_000)
        toggle.click()
        lows = {}
        for path in ("linear", "spherical"):
            if path != "linear":
                page.get_by_role("radiogroup", name="Path").get_by_text(path, exact=True).click()
            line = page.get_by_text(re.compile(rf"^{path} path from"))
            line.first.wait_for(timeout=120_000)
            page.wait_for_function(NO_BUSY, timeout=120_000)
            caption = page.get_by_text(re.compile(r"^log q\(z\) − log p\(z\) along the path")).first.inner_text()
            lows[path] = float(re.search(r"lowest (-?\d+\.\d) nats", caption).group(1))
        # The default ends are a 0 and a 2 whose straight path crosses a gap (traversal/sections.py).
        assert lows["linear"] < -2, f"the straight path never dips into a gap: {lows}"
        assert page.locator("[data-testid=stException]").count() == 0


def test_step_7_a_model_trained_with_kl_weight_0_meets_the_kl_check(tmp_path, monkeypatch):
    require_chromium()
    monkeypatch.setenv("VAE_EXPLORER_MODELS", str(tmp_path / "mine"))
    with streamlit_server() as url, chromium_page(viewport=(1280, 1400)) as page:
        open_step(page, url, 7, "Train a VAE")
        preset = page.locator('[data-testid="stSelectbox"]', has_text="Preset")
        preset.wait_for(timeout=120_000)
        page.wait_for_function(NO_BUSY, timeout=60_000)
        preset.click()
        page.get_by_role("option", name="KL weight 0 (a plain autoencoder: watch the gaps open)", exact=True).click()
        page.wait_for_function(NO_BUSY, timeout=60_000)
        page.get_by_role("button", name="Start training").click()
        page.get_by_text("finished, epoch 20 of 20").wait_for(timeout=600_000)
        page.goto(f"{url}/lessons", wait_until="domcontentloaded")
        step7 = page.locator(".st-key-lesson_step_7")
        met = step7.get_by_text(re.compile(r"Check met: train a model of your own with average KL above 20 nats: "
                                           r"done, .* has (\d+\.\d) nats"))
        met.wait_for(timeout=120_000)
        kl = float(re.search(r"has (\d+\.\d) nats", met.inner_text()).group(1))
        assert kl > 20
