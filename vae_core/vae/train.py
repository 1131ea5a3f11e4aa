"""Training: maximise the ELBO with Adam, early-stopped on a held-out split.

The whole data set lives in one tensor and batches are index slices of a
random permutation: on MNIST-sized data this is much faster than a
DataLoader, whose per-item collation dominates a small MLP's step time.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel

from ..data.binarize import bernoulli_draw, binarize
from ..data.datasets import Dataset, fingerprint, load_dataset
from ..errors import TrainingDivergedError, VAECoreError
from ..fileio import atomic_write_bytes
from .checkpoint import check_writable, checkpoint_paths, checkpoint_writer, save_checkpoint
from .config import VAEConfig
from .distributed import Placement, all_sum, broadcast_flag, setup, teardown
from .model import VAE
from .objectives import elbo_terms
from .replay import TrainingReplay, replay_bytes, replay_entry, replay_path
from .train_config import TrainConfig
from .train_control import TrainControl
from .train_state import TrainState, capture, check_resumable, restore

ACTIVE_UNIT_NATS = 0.01  # a latent dimension is "active" when its average KL exceeds this


def model_config(cfg: TrainConfig, data: Dataset) -> VAEConfig:
    return VAEConfig(image_shape=data.image_shape, latent_dim=cfg.latent_dim, hidden=cfg.hidden,
                     likelihood=cfg.likelihood, beta=cfg.beta, labels=data.class_names,
                     conditional=cfg.conditional, binarized=cfg.binarize == "dynamic")


@dataclass
class TrainResult:
    model: VAE
    history: list[dict] = field(default_factory=list)
    best_epoch: int = 0
    train_time_s: float = 0.0
    images_per_s: float = 0.0
    stopped_early: bool = False
    stopped_by_user: bool = False

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


def epoch_metrics(prefix: str, n: int, rec: float, kl: float, kl_dims: torch.Tensor) -> dict:
    """Data-set averages in nats per image; active units = dims with average KL > 0.01 nats."""
    per_dim = (kl_dims / n).tolist()
    return {f"{prefix}_elbo": (rec - kl) / n, f"{prefix}_reconstruction": rec / n, f"{prefix}_kl": kl / n,
            f"{prefix}_kl_per_dim": per_dim, f"{prefix}_active_units": sum(v > ACTIVE_UNIT_NATS for v in per_dim)}


@torch.no_grad()
def validation_metrics(model: VAE, x: torch.Tensor, y: torch.Tensor | None, batch: int = 1000) -> dict:
    model.eval()
    rec, kl, dims = 0.0, 0.0, torch.zeros(model.config.latent_dim, dtype=torch.float64)
    for s in range(0, len(x), batch):
        t = elbo_terms(model, x[s:s + batch], None if y is None else y[s:s + batch])
        rec += t.reconstruction.double().sum().item()
        kl += t.kl.double().sum().item()
        dims += t.kl_per_dim.double().sum(0)
    return epoch_metrics("val", len(x), rec, kl, dims)


def mean_elbo(model: VAE, x: torch.Tensor, y: torch.Tensor | None, batch: int = 1000) -> float:
    return validation_metrics(model, x, y, batch)["val_elbo"]


def train(cfg: TrainConfig, data: Dataset | None = None, progress: bool = True,
          on_epoch: Callable[[dict], None] | None = None, control: TrainControl | None = None,
          observer: Callable[[dict, VAE], None] | None = None,
          on_batch: Callable[[int, int, int], None] | None = None,
          placement: Placement | None = None, resume: TrainState | None = None,
          on_state: Callable[[TrainState], None] | None = None, state_every: int = 0) -> TrainResult:
    """Train a VAE, maximising the ELBO with the KL term weighted by kl_weight (a beta-VAE).

    `on_epoch(record)` and `observer(record, model)` see each finished epoch
    (for a UI); `on_batch(epoch, batches_done, batches_total)` each batch;
    `control` pauses or stops between batches. A NaN or infinite loss raises
    TrainingDivergedError at once, carrying the best result so far.
    `placement` (from distributed.setup) picks the device and, under torchrun,
    this process's rank: see distributed.py.
    `on_state(state)` receives the full training state (train_state.py) every
    `state_every` epochs; `resume` (such a state, of the same settings and data)
    continues from it: the epoch count, the history, Adam's moments and the
    random generators carry on. Both are single-process only.
    """
    where = placement or Placement(torch.device("cpu"))
    if where.distributed and (resume is not None or on_state is not None):
        raise VAECoreError("resuming and saving training states are single-process only (not under torchrun)")
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    data = data if data is not None else load_dataset(cfg.data)
    cfg.check_against_data(len(data), data.class_names)
    torch.manual_seed(cfg.seed)
    model = VAE(model_config(cfg, data)).to(where.device)
    objective = _Objective(model)
    if where.distributed:
        device_ids = [where.device] if where.device.type == "cuda" else None
        objective = DistributedDataParallel(objective, device_ids=device_ids)
    train_idx, val_idx = split_indices(len(data), cfg.val_fraction, cfg.seed)
    x_all, y_all = torch.from_numpy(data.x).to(where.device), torch.from_numpy(data.y).to(where.device)
    x_tr, x_va = x_all[train_idx], x_all[val_idx]
    dynamic = cfg.binarize == "dynamic"
    if dynamic:  # one fixed binarisation of the validation images, so epochs compare on the same 0/1 data
        x_va = binarize(x_va.cpu(), cfg.seed).to(where.device)
    y_tr = y_all[train_idx] if cfg.conditional else None
    y_va = y_all[val_idx] if cfg.conditional else None
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    result = TrainResult(model=model)
    best_val, best_state, stale = -math.inf, None, 0
    start = time.perf_counter()
    seen = 0
    n_batches = math.ceil(len(x_tr) / cfg.batch_size)
    # Its own generator, so every rank draws the same permutation whatever else used the global RNG.
    perm_rng = torch.Generator().manual_seed(cfg.seed)
    first = 1
    if resume is not None or on_state is not None:
        data_id = fingerprint(data)
    if resume is not None:
        check_resumable(resume, cfg.to_dict(), data_id)
        restore(resume, model, opt, perm_rng)
        result.history, result.best_epoch, first = list(resume.history), resume.best_epoch, resume.epoch + 1
        best_val, best_state, stale, seen = resume.best_val, resume.best, resume.stale, resume.seen
        start -= resume.train_time_s
    bar = _progress_bar(cfg.epochs, progress)
    bar.update(first - 1)
    for epoch in range(first, cfg.epochs + 1):
        model.train()
        # Dynamic binarisation draws from a generator seeded by (seed, epoch, rank), not carried across epochs,
        # so a run resumed at any epoch draws the same images as one that never stopped.
        # (torch's CPU generator keeps only 32 bits of a seed: SeedSequence mixes the three into them.)
        draw_seed = int(np.random.SeedSequence([cfg.seed, epoch, where.rank]).generate_state(1)[0])
        draw_rng = torch.Generator(device=where.device).manual_seed(draw_seed)
        warm = min(1.0, epoch / cfg.kl_warmup_epochs) if cfg.kl_warmup_epochs else 1.0
        kl_weight = cfg.kl_weight * warm
        perm = torch.randperm(len(x_tr), generator=perm_rng).to(where.device)
        rec_sum = torch.zeros((), dtype=torch.float64, device=where.device)
        kl_sum = torch.zeros((), dtype=torch.float64, device=where.device)
        kl_dims = torch.zeros(cfg.latent_dim, dtype=torch.float64, device=where.device)
        for b, s in enumerate(range(0, len(perm), cfg.batch_size)):
            if control is not None and control.wait_or_stop():
                result.stopped_by_user = True
                break
            idx = perm[s:s + cfg.batch_size]
            if where.distributed:
                idx = idx[where.rank::where.world]  # this rank's share of the global batch
            xb = x_tr[idx]
            if cfg.augment_shift:
                xb = random_shift(xb, data.image_shape, cfg.augment_shift)
            if dynamic:
                xb = bernoulli_draw(xb, draw_rng)
            loss, t = objective(xb, None if y_tr is None else y_tr[idx], cfg.samples, kl_weight)
            bad = not math.isfinite(loss.item())
            if where.distributed:
                bad = all_sum(where, torch.tensor(float(bad)))[0].item() > 0
            if bad:
                _diverged(result, best_state, epoch, b + 1)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            with torch.no_grad():
                rec_sum += t.reconstruction.detach().double().sum()
                kl_sum += t.kl.detach().double().sum()
                kl_dims += t.kl_per_dim.detach().double().sum(0)
            if on_batch is not None:
                on_batch(epoch, b + 1, n_batches)
        if result.stopped_by_user:
            break  # the unfinished epoch is dropped: the result is the last complete epoch's
        seen += len(perm)
        rec_sum, kl_sum, kl_dims = all_sum(where, rec_sum, kl_sum, kl_dims)
        if not where.is_main:  # only rank 0 evaluates; the others follow its stop decision
            if broadcast_flag(where, False):
                break
            continue
        record = {"epoch": epoch, **epoch_metrics("train", len(perm), rec_sum.item(), kl_sum.item(), kl_dims),
                  **validation_metrics(model, x_va, y_va), "kl_weight": kl_weight, "warmup": warm,
                  "time_s": time.perf_counter() - start, "ended_at": time.time()}
        if not (math.isfinite(record["val_elbo"]) and math.isfinite(record["train_elbo"])):
            _diverged(result, best_state, epoch, None)
        result.history.append(record)
        if on_epoch:
            on_epoch(record)
        if observer:
            observer(record, model)
        if control is not None:
            control.epoch_done(epoch)
        bar.update(1)
        bar.set_postfix(train=f"{record['train_elbo']:.1f}", val=f"{record['val_elbo']:.1f}")
        # Only a full-KL epoch is comparable, so warm-up epochs never count as best.
        if warm == 1.0 and record["val_elbo"] > best_val:
            best_val, stale, result.best_epoch = record["val_elbo"], 0, epoch
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        elif warm == 1.0:
            stale += 1
            result.stopped_early = stale >= cfg.patience
        if on_state is not None and state_every and epoch % state_every == 0:
            counters = {"best_epoch": result.best_epoch, "best_val": best_val, "stale": stale, "seen": seen,
                        "train_time_s": time.perf_counter() - start}
            on_state(capture(epoch, cfg.to_dict(), data_id, model, best_state, opt, perm_rng, counters,
                             result.history))
        if broadcast_flag(where, result.stopped_early):
            break
    bar.close()
    result.train_time_s = time.perf_counter() - start
    result.images_per_s = seen / result.train_time_s if result.train_time_s > 0 else 0.0
    if best_state is not None:
        model.load_state_dict(best_state)
    else:
        result.best_epoch = len(result.history)
    model.eval()
    return result


class _Objective(torch.nn.Module):
    """The training loss as a forward(), so DistributedDataParallel can wrap it."""

    def __init__(self, model: VAE) -> None:
        super().__init__()
        self.model = model

    def forward(self, x, y, samples: int, kl_weight: float):
        t = elbo_terms(self.model, x, y, samples)
        return -(t.reconstruction - kl_weight * t.kl).mean(), t


def _diverged(result: TrainResult, best_state, epoch: int, batch: int | None) -> None:
    where = f"epoch {epoch}, batch {batch}" if batch else f"epoch {epoch} (validation)"
    error = TrainingDivergedError(f"training diverged: the loss became NaN or infinite at {where}; "
                                  "try a smaller learning rate (--lr) or a larger beta; no checkpoint was written")
    if best_state is not None or result.history:
        if best_state is not None:
            result.model.load_state_dict(best_state)
        else:
            result.best_epoch = len(result.history)
        result.model.eval()
        error.result = result
    raise error


def train_and_save(cfg: TrainConfig, out: str | Path, command: str = "", progress: bool = True,
                   data: Dataset | None = None, device: str = "auto") -> TrainResult:
    """Train and write the checkpoint; under torchrun only rank 0 checks, locks and writes `out`."""
    where = setup(device)
    finished = False
    try:
        if not where.is_main:
            data = data if data is not None else load_dataset(cfg.data)
            result = train(cfg, data, progress=False, placement=where)
        else:
            check_writable(out)
            with checkpoint_writer(out):
                data = data if data is not None else load_dataset(cfg.data)
                result = train(cfg, data, progress=progress, placement=where)
                result.model.cpu()
                save_trained(result, cfg, data, out, command=command, locked=True)
        finished = True
        return result
    finally:
        teardown(where, finished)


def save_trained(result: TrainResult, cfg: TrainConfig, data: Dataset, out: str | Path, command: str = "",
                 locked: bool = False, replay: TrainingReplay | None = None) -> Path:
    """Write a finished (or stopped) run's best weights with its card and history, and its replay (the
    file first: the sidecar, renamed into place last, names it with its hash)."""
    if not result.history:
        raise VAECoreError("the run stopped before its first epoch finished: there is nothing to save")
    best = result.best
    metadata = {
        "data": {"name": data.name, "n": len(data), "fingerprint": fingerprint(data)},
        "train_config": cfg.to_dict(),
        "command": command,
        "seed": cfg.seed,
        "train_time_s": round(result.train_time_s, 3),
        "metrics": {"best_epoch": result.best_epoch, "epochs_run": len(result.history),
                    "stopped_early": result.stopped_early, "stopped_by_user": result.stopped_by_user,
                    "train_elbo": best["train_elbo"],
                    "val_elbo": best["val_elbo"], "images_per_s": round(result.images_per_s, 1)},
        "history": result.history,
        "versions": {"torch": torch.__version__},
    }
    if replay is not None:
        blob, sidecar_path = replay_bytes(replay), checkpoint_paths(out)[1]
        atomic_write_bytes(replay_path(sidecar_path), blob)
        metadata["replay"] = replay_entry(sidecar_path, blob)
    return save_checkpoint(result.model, out, metadata, locked=locked)


def _progress_bar(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="epochs", unit="ep", disable=not enabled, leave=False)
