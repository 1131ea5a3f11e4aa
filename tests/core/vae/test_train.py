import numpy as np
import torch

from vae_core.data.datasets import Dataset
from vae_core.vae import train as train_module
from vae_core.vae.train import TrainConfig, split_indices, train


def _blank_train_white_val(cfg: TrainConfig, n: int = 200) -> Dataset:
    """Black training images and white validation images: learning the training set
    can only make the validation ELBO worse, so early stopping must fire."""
    _, val_idx = split_indices(n, cfg.val_fraction, cfg.seed)
    x = np.zeros((n, 16), dtype=np.float32)
    x[val_idx] = 1.0
    return Dataset("blank", x, np.zeros(n, dtype=np.int64), (4, 4), ("a", "b"))


def test_early_stopping_keeps_the_best_epochs_weights_and_metrics(monkeypatch):
    cfg = TrainConfig(latent_dim=2, hidden=(8,), epochs=60, patience=3, batch_size=32, lr=1e-2,
                      val_fraction=0.25, seed=0)
    # Record the model train() builds, so each epoch's weights can be snapshotted.
    built = []

    class RecordingVAE(train_module.VAE):
        def __init__(self, config):
            super().__init__(config)
            built.append(self)

    monkeypatch.setattr(train_module, "VAE", RecordingVAE)
    snapshots = {}

    def snapshot(record):
        snapshots[record["epoch"]] = {k: v.clone() for k, v in built[0].state_dict().items()}

    result = train(cfg, _blank_train_white_val(cfg), progress=False, on_epoch=snapshot)

    epochs_run = len(result.history)
    val = [r["val_elbo"] for r in result.history]
    assert result.stopped_early and epochs_run < cfg.epochs
    # stops after `patience` epochs in a row without a better validation ELBO
    assert epochs_run == result.best_epoch + cfg.patience
    assert max(val) == val[result.best_epoch - 1] and all(v < max(val) for v in val[result.best_epoch:])
    assert result.best is result.history[result.best_epoch - 1]
    # the returned model holds the best epoch's weights, not the last epoch's
    final = result.model.state_dict()
    assert all(torch.equal(final[k], v) for k, v in snapshots[result.best_epoch].items())
    assert not all(torch.equal(final[k], v) for k, v in snapshots[epochs_run].items())
    assert not result.model.training
