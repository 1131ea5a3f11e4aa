"""What the training tests share: a toy data set and config that train in a fraction of a second, and the epoch
the Train page's progress bar shows."""

from __future__ import annotations

import re

import numpy as np

from vae_core.data.datasets import Dataset
from vae_core.vae.train import TrainConfig


def toy_data(n: int = 80) -> Dataset:
    rng = np.random.default_rng(0)
    x = (rng.random((n, 16)) > 0.5).astype(np.float32)
    return Dataset("toy", x, rng.integers(0, 3, n).astype(np.int64), (4, 4), ("a", "b", "c"))


def toy_config(**kw) -> TrainConfig:
    return TrainConfig(**{**dict(data="toy", latent_dim=2, hidden=(8,), epochs=2, batch_size=8, seed=0,
                                 val_fraction=0.25, patience=1000), **kw})


def epoch_shown(page) -> int:
    """The epoch in the Train page's progress bar ("epoch k of n"), -1 before one is shown."""
    text = page.locator('[data-testid="stProgress"]').inner_text()
    match = re.search(r"epoch (\d+) of", text)
    return int(match.group(1)) if match else -1


def start_run(page, url: str, data_set: str, epochs: int) -> None:
    """On the Train page in Chromium: pick the data set and the epochs, then press Start training."""
    from testkit.browser import NO_BUSY

    page.goto(f"{url}/training", wait_until="domcontentloaded")
    field = page.get_by_label("Epochs", exact=True)
    field.wait_for(timeout=90_000)
    page.locator('[data-testid="stSelectbox"]', has_text="Data set").click()
    page.get_by_role("option", name=data_set, exact=True).click()
    page.wait_for_function(NO_BUSY, timeout=60_000)
    field.fill(str(epochs))
    field.press("Enter")
    page.wait_for_function(NO_BUSY, timeout=60_000)
    page.get_by_role("button", name="Start training").click()
