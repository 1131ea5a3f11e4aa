"""Whether a run may join the queue: the server's queue, the visitor's and the address's share of it, the
run's own budget and the storage its model will need. Each refusal is one line that names the limit and
no server path. No streamlit here."""

from __future__ import annotations

from app.common.class_settings import ClassSettings, env_name
from app.store import SIGNED_IN_PREFIX
from vae_core.data.datasets import Dataset
from vae_core.errors import VAECoreError
from vae_core.vae.checkpoint_guard import MAX_SIDECAR_BYTES
from vae_core.vae.train import TrainConfig, model_config
from vae_core.vae.user_models import check_quota, folder_bytes

from .run import Run

MAX_QUEUED = 20  # waiting runs, server-wide: a class of 20-30 fits; beyond that "try again later"
SIDECAR_BYTES = 16 * 1024  # a checkpoint's JSON sidecar before its history
# One epoch of history in the sidecar (measured: 656 bytes at d = 2, 1,500 at d = 16), at most as much history as
# a sidecar may hold (vae_core.vae.checkpoint_guard.MAX_SIDECAR_BYTES): a longer one could not be loaded anyway.
EPOCH_RECORD_BYTES, EPOCH_BYTES_PER_DIM = 550, 60


class LimitError(VAECoreError):
    """A run or an upload was refused by one of the server's limits."""


def training_images(cfg: TrainConfig, n: int) -> int:
    return n - max(1, int(round(n * cfg.val_fraction)))


def checkpoint_bytes(cfg: TrainConfig, data: Dataset) -> int:
    """What the run's model will take on disk, known from its settings: 4 bytes a parameter, the sidecar and
    its history."""
    params = model_config(cfg, data).num_parameters
    history = min(MAX_SIDECAR_BYTES, cfg.epochs * (EPOCH_RECORD_BYTES + EPOCH_BYTES_PER_DIM * cfg.latent_dim))
    return 4 * params + SIDECAR_BYTES + history


def check_budget(cfg: TrainConfig, data: Dataset, settings: ClassSettings) -> None:
    """The per-run budget: epochs x training images."""
    limit = settings.run_image_epochs
    n = training_images(cfg, len(data))
    if limit and cfg.epochs * n > limit:
        most = max(1, limit // max(1, n))
        raise LimitError(f"this run asks for {cfg.epochs:,} epochs x {n:,} training images = {cfg.epochs * n:,} "
                         f"image passes; the limit per run on this server is {limit:,} "
                         f"({env_name('run_image_epochs')}): at most {most:,} epochs of {cfg.data}")


def max_epochs(data_len: int, cfg: TrainConfig, settings: ClassSettings) -> int | None:
    """The most epochs the budget allows on this data (None: no budget)."""
    if not settings.run_image_epochs:
        return None
    return max(1, settings.run_image_epochs // max(1, training_images(cfg, data_len)))


def check_queue(runs: list[Run], owner: str, address: str | None, settings: ClassSettings) -> None:
    """The server's queue, then this visitor's running + queued runs, then their address's (the backstop
    against one person with many private windows; a signed-in visitor is counted by e-mail alone). `runs` are
    the server's runs, the new one not among them."""
    queued = [r for r in runs if r.status == "queued"]
    if len(queued) >= MAX_QUEUED:
        raise LimitError(f"the training queue is full ({MAX_QUEUED} waiting); try again in a few minutes")
    mine = [r for r in runs if r.owner == owner and r.active]
    running = sum(r.status != "queued" for r in mine)
    waiting = len(mine) - running
    if running >= settings.running_per_visitor and waiting >= settings.queued_per_visitor:
        raise LimitError(f"you already have {running} run(s) training and {waiting} waiting, the most one visitor "
                         f"may have on this server: stop one first")
    if waiting and waiting >= settings.queued_per_visitor:  # behind other visitors' runs: the new one waits too
        raise LimitError(f"you already have {waiting} run(s) waiting in the queue, the most one visitor may have on "
                         f"this server ({env_name('queued_per_visitor')}): stop one or wait for it to start")
    if settings.runs_per_address and address is not None and not owner.startswith(SIGNED_IN_PREFIX):
        same = sum(r.address == address and r.active and not r.owner.startswith(SIGNED_IN_PREFIX) for r in runs)
        if same >= settings.runs_per_address:
            raise LimitError(f"{same} runs from your network address are already queued or training, the most "
                             f"this server allows per address ({env_name('runs_per_address')}); "
                             "stop one or wait for one to finish")


def reserved_bytes(runs: list[Run], owner: str | None = None) -> int:
    """Storage promised to active runs (of one owner, or all) and not yet written by their checkpoints."""
    return sum(max(0, r.need_bytes - (folder_bytes(r.model_name) if r.model_name else 0))
               for r in runs if r.active and (owner is None or r.owner == owner))


def check_storage(need: int, owner: str, owner_usage: int, runs: list[Run], settings: ClassSettings) -> None:
    """Before a run starts (or an upload is stored): the visitor's own quota, then the server's."""
    limit = settings.visitor_quota_bytes
    pending = reserved_bytes(runs, owner)
    if owner_usage + pending + need > limit:
        raise LimitError(f"your models take {(owner_usage + pending) / 2**20:.1f} MB of the {limit / 2**20:.0f} MB "
                         f"each visitor may keep on this server ({env_name('visitor_quota_mb')}), and this one "
                         f"needs {need / 2**20:.1f} MB more: delete one of your models (My models) first")
    check_quota(need + reserved_bytes(runs))
