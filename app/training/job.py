"""One training run from start to saved model, reporting as it goes: the same code whether it runs in a
thread of the server or in a training process of its own (see worker.py).

`send(kind, *payload)` reports: ("batch", epoch, done, per), ("epoch", record, views), ("saved", name) and,
last, ("ended", status, message) with status done, stopped or failed. No streamlit here.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable

import torch

from vae_core.data.datasets import Dataset
from vae_core.errors import TrainingDivergedError, VAECoreError
from vae_core.vae.train import TrainConfig, TrainResult, save_trained, train
from vae_core.vae.train_control import TrainControl
from vae_core.vae.user_models import check_quota, reserve_name

from .views import epoch_views

BATCH_REPORT_S = 0.2  # progress-bar updates at most five times a second: the pipe stays quiet


def train_job(cfg: TrainConfig, data: Dataset, label: str, control: TrainControl, command: str,
              send: Callable[..., None]) -> None:
    try:
        result = _train(cfg, data, control, send)
        if result.history:
            _save(result, cfg, data, label, command, send)
            send("ended", "stopped" if result.stopped_by_user else "done", "")
        else:
            send("ended", "stopped", "stopped before the first epoch finished: nothing saved")
    except TrainingDivergedError as exc:
        message = str(exc).replace("; no checkpoint was written", "")
        if exc.result is not None:
            name = _save(exc.result, cfg, data, label, command, send)
            message += f"; the last good epoch was saved as {name}"
        send("ended", "failed", message)
    except VAECoreError as exc:
        send("ended", "failed", str(exc))
    except Exception as exc:  # a bug: keep the server alive and say what happened
        send("ended", "failed", f"training failed unexpectedly ({type(exc).__name__}: {exc})")


def explorer_settings() -> dict[str, str]:
    """The server's VAE_EXPLORER_* settings (models folder, quota, ...), handed to each training process."""
    return {k: v for k, v in os.environ.items() if k.startswith("VAE_EXPLORER_")}


def process_main(cfg: TrainConfig, data: Dataset, label: str, control: TrainControl, command: str,
                 conn, niceness: int, settings: dict[str, str]) -> None:
    """Entry point of a training process. Lowered priority: on a shared server the visitors' clicks win
    the CPU over a training, which only slows down while they are busy. The settings are the parent's at
    submit time: a fork server started earlier holds an older environment."""
    for key in [k for k in os.environ if k.startswith("VAE_EXPLORER_")]:
        del os.environ[key]
    os.environ.update(settings)
    lower_priority(niceness, os.environ.get("VAE_EXPLORER_TRAINING_SCHED", "idle"))
    torch.set_num_threads(training_threads(cfg))
    try:
        train_job(cfg, data, label, control, command, lambda *message: conn.send(message))
    finally:
        conn.close()


def lower_priority(niceness: int, policy: str) -> str:
    """Put this process behind the visitors. "idle" (Linux's SCHED_IDLE) runs it only on CPU time nothing
    else wants, and the kernel counts a core running it as free when a visitor's request wakes up: a latent
    map click measured 1.08-1.12x its idle time beside a training so scheduled, against 1.4x at niceness 10
    (which makes a training yield its share, not its core). Elsewhere, or with "normal", the niceness alone.
    Returns the policy applied."""
    if niceness and hasattr(os, "nice"):
        os.nice(niceness)
    if policy == "idle" and hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
            return "idle"
        except OSError:  # refused (a locked-down container): the niceness still holds
            pass
    return "normal"


def training_threads(cfg: TrainConfig) -> int:
    """The run's own setting, else VAE_EXPLORER_TRAINING_THREADS, else one: the visitors keep a core, and a
    small MLP trains no slower on one (two threads measured slower whenever anything else wanted the CPU,
    each waiting on the other at every barrier)."""
    if cfg.threads is not None:
        return cfg.threads
    return max(1, int(os.environ.get("VAE_EXPLORER_TRAINING_THREADS", "1")))


def _train(cfg: TrainConfig, data: Dataset, control: TrainControl, send) -> TrainResult:
    last = [0.0]

    def observer(record, model):
        send("epoch", record, epoch_views(model, data, cfg))

    def on_batch(epoch, done, per):
        now = time.monotonic()
        if done == per or now - last[0] >= BATCH_REPORT_S:
            last[0] = now
            send("batch", epoch, done, per)

    return train(cfg, data, progress=False, control=control, observer=observer, on_batch=on_batch)


def _save(result: TrainResult, cfg: TrainConfig, data: Dataset, label: str, command: str, send) -> str:
    check_quota(4 * result.model.num_parameters + 64 * 1024)
    name, folder = reserve_name(label)
    try:
        save_trained(result, cfg, data, folder, command=command)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # no half-made model left in the folder
        raise
    send("saved", name)
    return name
