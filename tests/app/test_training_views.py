"""What the training page draws after each epoch (app/training/views.py)."""

import numpy as np
import torch

from app.training.views import ROW, epoch_views, map_images
from vae_core.data.datasets import Dataset
from vae_core.vae.config import VAEConfig
from vae_core.vae.model import VAE
from vae_core.vae.train import TrainConfig


def _sorted_data(n=400, classes=10):
    """Images stored in class order, as mnist-5k is: image i shows class i * classes // n."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(classes), n // classes).astype(np.int64)
    x = (rng.random((n, 64)) > 0.5).astype(np.float32)  # 2^64 patterns: no two alike
    return Dataset("sorted", x, y, (8, 8), tuple(str(c) for c in range(classes)))


def test_the_image_rows_show_many_classes_of_a_data_set_stored_in_class_order():
    data = _sorted_data()
    cfg = TrainConfig(data="sorted", latent_dim=2, hidden=(8,), epochs=1, batch_size=8, seed=0, val_fraction=0.25)
    torch.manual_seed(0)
    model = VAE(VAEConfig(image_shape=(8, 8), latent_dim=2, hidden=(8,), labels=data.class_names))
    views = epoch_views(model, data, cfg)
    pick = map_images(data, cfg)
    shown = [np.flatnonzero((data.x == o.reshape(-1)).all(axis=1))[0] for o in views["originals"]]
    assert len(shown) == ROW and set(shown) <= set(pick.tolist())
    assert len({int(data.y[i]) for i in shown}) >= 6  # the first 8 picked would all be class 0
    assert views["reconstructions"].shape == views["originals"].shape == (ROW, 8, 8)
    assert views["map_mu"].shape == (len(pick), 2)
