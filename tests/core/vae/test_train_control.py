"""The training control: a paced loop waits for each epoch to be acknowledged, so it never runs ahead of
what the reader shows, and a stop still gets through while it waits."""

import threading
import time

import numpy as np

from vae_core.data.datasets import Dataset
from vae_core.vae.train import TrainConfig, train
from vae_core.vae.train_control import TrainControl


def _data(n=80):
    rng = np.random.default_rng(0)
    return Dataset("toy", (rng.random((n, 16)) > 0.5).astype(np.float32), rng.integers(0, 3, n).astype(np.int64),
                   (4, 4), ("a", "b", "c"))


def _cfg(**kw):
    return TrainConfig(**{**dict(data="toy", latent_dim=2, hidden=(8,), epochs=500, batch_size=8, val_fraction=0.25,
                                 patience=1000), **kw})


def test_a_paced_training_waits_for_each_epoch_to_be_acknowledged():
    control, shown = TrainControl(paced=True), []
    worker = threading.Thread(target=train, args=(_cfg(), _data()),
                              kwargs=dict(progress=False, control=control, on_epoch=shown.append), daemon=True)
    worker.start()
    deadline = time.time() + 20
    while not shown and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    assert len(shown) == 1  # nobody acknowledged epoch 1: epoch 2 has not started
    control.acknowledge(1)
    while len(shown) < 2 and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    assert len(shown) == 2
    control.stop()  # a stop gets through while it waits
    worker.join(timeout=20)
    assert not worker.is_alive() and len(shown) == 2


def test_an_unpaced_control_does_not_wait():
    control, shown = TrainControl(), []
    result = train(_cfg(epochs=4), _data(), progress=False, control=control, on_epoch=shown.append)
    assert len(result.history) == 4 == len(shown)
