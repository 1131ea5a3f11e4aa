"""Training: maximise the ELBO with Adam, early-stopped on a held-out split.

The whole data set lives in one tensor and batches are index slices of a
random permutation: on MNIST-sized data this is much faster than a
DataLoader, whose per-item collation dominates a small MLP's step time.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from ..data.datasets import Dataset, fingerprint, load_dataset
from ..errors import ConfigError
from .checkpoint import save_checkpoint
from .config import VAEConfig
from .model import VAE
from .objectives import elbo_terms


@dataclass(frozen=True)
class TrainConfig:
    data: str = "mnist-5k"
    latent_dim: int = 2
    hidden: tuple[int, ...] = (512, 256)
    likelihood: str = "bernoulli"
    beta: float | None = None
    conditional: bool = False
    epochs: int = 300
    patience: int = 20
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 0.0
    samples: int = 1
    kl_warmup_epochs: int = 0
    augment_shift: int = 0
    val_fraction: float = 0.1
    seed: int = 0
    threads: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        checks = [
            (self.epochs >= 1, "epochs must be at least 1"),
            (self.patience >= 1, "patience must be at least 1"),
            (self.batch_size >= 1, "batch_size must be at least 1"),
            (self.lr > 0 and math.isfinite(self.lr), "lr must be a positive number"),
            (self.weight_decay >= 0, "weight_decay must be >= 0"),
            (self.samples >= 1, "samples (M) must be at least 1"),
            (self.kl_warmup_epochs >= 0, "kl_warmup_epochs must be >= 0"),
            (0 <= self.augment_shift <= 4, "augment_shift must be from 0 to 4 pixels"),
            (0 < self.val_fraction < 1, "val_fraction must be between 0 and 1"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)

    @classmethod
    def from_json(cls, path: str | Path, **overrides) -> "TrainConfig":
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path} is not valid JSON ({exc})") from None
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ConfigError(f"{path}: unknown training options: {', '.join(unknown)}")
        return cls(**{**raw, **overrides})

    def to_dict(self) -> dict:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    def model_config(self, data: Dataset) -> VAEConfig:
        return VAEConfig(image_shape=data.image_shape, latent_dim=self.latent_dim, hidden=self.hidden,
                         likelihood=self.likelihood, beta=self.beta, labels=data.class_names,
                         conditional=self.conditional)


@dataclass
class TrainResult:
    model: VAE
    history: list[dict] = field(default_factory=list)
    best_epoch: int = 0
    train_time_s: float = 0.0
    images_per_s: float = 0.0
    stopped_early: bool = False

    @property
    def best(self) -> dict:
        return self.history[self.best_epoch - 1]


def split_indices(n: int, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    perm = np.random.default_rng(seed).permutation(n)
    n_val = max(1, int(round(n * val_fraction)))
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


def random_shift(x: torch.Tensor, image_shape: tuple[int, int], max_shift: int) -> torch.Tensor:
    """Translate each image by up to max_shift pixels in each direction, filling with zeros.

    Five thousand digits are few for a 784-pixel decoder; small translations
    are a label-preserving way to stop it memorising exact stroke positions.
    """
    n, (h, w), s = x.shape[0], image_shape, max_shift
    padded = torch.nn.functional.pad(x.view(n, h, w), (s, s, s, s))
    dy, dx = torch.randint(0, 2 * s + 1, (2, n))
    rows = (dy[:, None] + torch.arange(h))[:, :, None]
    cols = (dx[:, None] + torch.arange(w))[:, None, :]
    return padded[torch.arange(n)[:, None, None], rows, cols].reshape(n, h * w)


@torch.no_grad()
def mean_elbo(model: VAE, x: torch.Tensor, y: torch.Tensor | None, batch: int = 1000) -> float:
    model.eval()
    total = 0.0
    for s in range(0, len(x), batch):
        t = elbo_terms(model, x[s:s + batch], None if y is None else y[s:s + batch])
        total += t.elbo.sum().item()
    return total / len(x)


def train(cfg: TrainConfig, data: Dataset | None = None, progress: bool = True,
          on_epoch: Callable[[dict], None] | None = None) -> TrainResult:
    """Train a VAE; `on_epoch` receives each epoch's record (for a UI)."""
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    data = data if data is not None else load_dataset(cfg.data)
    torch.manual_seed(cfg.seed)
    model = VAE(cfg.model_config(data))
    train_idx, val_idx = split_indices(len(data), cfg.val_fraction, cfg.seed)
    x_all, y_all = torch.from_numpy(data.x), torch.from_numpy(data.y)
    x_tr, x_va = x_all[train_idx], x_all[val_idx]
    y_tr = y_all[train_idx] if cfg.conditional else None
    y_va = y_all[val_idx] if cfg.conditional else None
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    result = TrainResult(model=model)
    best_val, best_state, stale = -math.inf, None, 0
    start = time.perf_counter()
    seen = 0
    bar = _progress_bar(cfg.epochs, progress)
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        kl_weight = min(1.0, epoch / cfg.kl_warmup_epochs) if cfg.kl_warmup_epochs else 1.0
        perm = torch.randperm(len(x_tr))
        total = 0.0
        for s in range(0, len(perm), cfg.batch_size):
            idx = perm[s:s + cfg.batch_size]
            xb = x_tr[idx]
            if cfg.augment_shift:
                xb = random_shift(xb, data.image_shape, cfg.augment_shift)
            t = elbo_terms(model, xb, None if y_tr is None else y_tr[idx], cfg.samples)
            loss = -(t.reconstruction - kl_weight * t.kl).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += t.elbo.detach().sum().item()
        seen += len(perm)
        record = {"epoch": epoch, "train_elbo": total / len(perm), "val_elbo": mean_elbo(model, x_va, y_va),
                  "kl_weight": kl_weight, "time_s": time.perf_counter() - start}
        result.history.append(record)
        if on_epoch:
            on_epoch(record)
        bar.update(1)
        bar.set_postfix(train=f"{record['train_elbo']:.1f}", val=f"{record['val_elbo']:.1f}")
        # Only a full-KL epoch is comparable, so warm-up epochs never count as best.
        if kl_weight == 1.0 and record["val_elbo"] > best_val:
            best_val, stale, result.best_epoch = record["val_elbo"], 0, epoch
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        elif kl_weight == 1.0:
            stale += 1
            if stale >= cfg.patience:
                result.stopped_early = True
                break
    bar.close()
    result.train_time_s = time.perf_counter() - start
    result.images_per_s = seen / result.train_time_s
    if best_state is not None:
        model.load_state_dict(best_state)
    else:
        result.best_epoch = len(result.history)
    model.eval()
    return result


def train_and_save(cfg: TrainConfig, out: str | Path, command: str = "", progress: bool = True,
                   data: Dataset | None = None) -> TrainResult:
    data = data if data is not None else load_dataset(cfg.data)
    result = train(cfg, data, progress=progress)
    best = result.best
    metadata = {
        "data": {"name": data.name, "n": len(data), "fingerprint": fingerprint(data)},
        "train_config": cfg.to_dict(),
        "command": command,
        "seed": cfg.seed,
        "train_time_s": round(result.train_time_s, 3),
        "metrics": {"best_epoch": result.best_epoch, "epochs_run": len(result.history),
                    "stopped_early": result.stopped_early, "train_elbo": best["train_elbo"],
                    "val_elbo": best["val_elbo"], "images_per_s": round(result.images_per_s, 1)},
        "history": result.history,
        "versions": {"torch": torch.__version__},
    }
    save_checkpoint(result.model, out, metadata)
    return result


def _progress_bar(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="epochs", unit="ep", disable=not enabled, leave=False)
