"""Browser helpers for the upload page, shared by its Chromium test and python -m bench.bench_upload."""

from __future__ import annotations

import time

from app.upload.view import DETAILED
from testkit.browser import NO_BUSY

RESULTS_READY = """(n) => {
    const panels = [...document.querySelectorAll('[data-testid="stExpander"]')]
        .filter(e => !e.innerText.startsWith('How each number') && !e.innerText.startsWith('What to try'));
    const neighbours = document.querySelectorAll('[data-testid="stImage"] img');
    const busy = document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState !== 'notRunning';
    const table = n < 2 || document.querySelector('[data-testid="stDataFrame"] canvas') !== null;
    return panels.length >= Math.min(n, %d + 1) && table
        && document.querySelector('.js-plotly-plot .scatterlayer') !== null
        && [...neighbours].every(img => img.complete && img.naturalWidth > 0) && neighbours.length > 0
        && !busy;
}""" % DETAILED


def open_upload_page(page, url: str) -> None:
    page.goto(f"{url}/upload", wait_until="domcontentloaded")
    page.get_by_text("Upload an image or draw a digit").wait_for(timeout=90_000)


def pick_model(page, name: str) -> None:
    """Choose a model in the sidebar and wait for the rerun it starts to finish: a file given while
    the page is still rerunning can be dropped with the old uploader."""
    page.get_by_role("combobox").first.click()  # the sidebar's model picker
    page.get_by_role("option", name=name, exact=True).click()
    page.get_by_role("option", name=name, exact=True).wait_for(state="detached", timeout=30_000)
    time.sleep(0.5)  # the rerun starts shortly after the choice
    page.wait_for_function(NO_BUSY, timeout=120_000)
    page.get_by_text("Upload an image or draw a digit").wait_for(timeout=60_000)


def upload(page, files) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([str(f) for f in files])


def wait_for_results(page, n: int, timeout_ms: int = 180_000) -> None:
    page.wait_for_function(RESULTS_READY, arg=n, timeout=timeout_ms, polling=100)


def time_upload(page, url: str, files) -> float:
    """Seconds from handing the files to the uploader to every result panel, the map
    and all images rendered (the page is reloaded first, so nothing is on it yet)."""
    open_upload_page(page, url)
    start = time.perf_counter()
    upload(page, files)
    wait_for_results(page, len(files))
    return time.perf_counter() - start
