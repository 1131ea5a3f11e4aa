"""Chromium follows every "What to try" box of the home page to its end and checks what it promises with the
figure it names: (1) New samples draws new images; (2) from mnist-2d to mnist-16d the metric "Test NLL, IW
K=1000" drops and the reconstructions sharpen (their mean pixel error against the originals in the same grid
falls). One server and one page, in order."""

import re

import pytest

from app.common.what_to_try import EXPERIMENTS
from testkit.browser import NO_BUSY, chromium_page, require_chromium, shared_server

pytestmark = pytest.mark.browser

# The reconstruction grid (rows 1 and 3 originals, 2 and 4 their reconstructions; vae_core.images.gallery
# tile_images: 28 px cells, 1 px padding, scaled 3x): the mean absolute pixel difference, 0..255.
RECONSTRUCTION_ERROR = """async () => {
  const fig = [...document.querySelectorAll('[data-testid=stImage]')]
    .find(e => e.innerText.includes('reconstructions'));
  const img = fig.querySelector('img'); await img.decode();
  const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
  const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
  const px = ctx.getImageData(0, 0, c.width, c.height).data, at = (x, y) => px[4 * (y * c.width + x)];
  const cell = 28 * 3, step = 29 * 3, pad = 3; let sum = 0, n = 0;
  for (const r of [0, 2]) for (let col = 0; col < 8; col++)
    for (let y = 0; y < cell; y += 3) for (let x = 0; x < cell; x += 3) {
    const x0 = pad + col * step + x, y0 = pad + r * step + y;
    sum += Math.abs(at(x0, y0) - at(x0, y0 + step)); n++; }
  return sum / n; }"""


@pytest.fixture(scope="module")
def page_at():
    require_chromium()
    with shared_server() as url, chromium_page(viewport=(1280, 2000)) as page:
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_text("What to try").first.click(timeout=180_000)
        for experiment in EXPERIMENTS["home"]:
            page.get_by_text(re.sub(r"\*\*", "", experiment).split(":")[0][:40]).first.wait_for(timeout=10_000)
        page.get_by_text("Latent size", exact=True).wait_for(timeout=180_000)
        page.wait_for_function(NO_BUSY, timeout=180_000)
        yield page


def iw_nll(page) -> float:
    value = page.locator('[data-testid="stMetric"]', has_text="Test NLL, IW K=1000").locator(
        '[data-testid="stMetricValue"]').inner_text(timeout=60_000)
    return float(value.split()[0])


def test_1_new_samples_draws_new_images(page_at):
    page = page_at
    first = page.locator('[data-testid="stImage"] img').first
    before = first.get_attribute("src")
    page.get_by_role("button", name="New samples").click()
    page.wait_for_function("(b) => { const i = document.querySelector('[data-testid=stImage] img');"
                           " return i && i.getAttribute('src') !== b; }", arg=before, timeout=60_000)


def test_2_sixteen_dimensions_lower_the_nll_and_sharpen_the_reconstructions(page_at):
    page = page_at
    two_d = (iw_nll(page), page.evaluate(RECONSTRUCTION_ERROR))
    page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").first.click()
    page.get_by_role("option", name="mnist-16d").click()
    page.get_by_text("16-D", exact=True).wait_for(timeout=120_000)
    page.wait_for_function(NO_BUSY, timeout=120_000)
    page.wait_for_timeout(1000)
    sixteen_d = (iw_nll(page), page.evaluate(RECONSTRUCTION_ERROR))
    print(f"IW NLL and reconstruction error (0-255): mnist-2d {two_d}, mnist-16d {sixteen_d}")
    assert sixteen_d[0] < two_d[0] - 20  # 145.55 -> 97.35 nats
    assert sixteen_d[1] < 0.8 * two_d[1]
