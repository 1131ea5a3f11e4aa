"""One training run from start to saved model, reporting as it goes: the same code whether it runs in a
thread of the server or in a training process of its own (see worker.py).

`send(kind, *payload)` reports: ("batch", epoch, done, per), ("epoch", record, views, cpu_s),
("checkpoint", epoch), ("saved", name) and, last, ("ended", status, message) with status done, stopped or
failed. Every `plan.state_every` epochs the full training state goes to `plan.state_dir` and the best
weights so far to the run's model folder (both atomically), so a restart loses at most those epochs, and
`plan.resume` continues from that state. No streamlit here.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from vae_core.data.datasets import Dataset
from vae_core.errors import TrainingDivergedError, VAECoreError
from vae_core.vae.checkpoint import read_sidecar
from vae_core.vae.model import VAE
from vae_core.vae.replay import ReplayRecorder, read_replay
from vae_core.vae.train import TrainConfig, TrainResult, model_config, save_trained, train
from vae_core.vae.train_control import TrainControl
from vae_core.vae.train_state import TrainState, load_train_state, save_train_state
from vae_core.vae.user_models import USER_PREFIX

from .views import epoch_views, map_images, replay_rows

BATCH_REPORT_S = 0.2  # progress-bar updates at most five times a second: the pipe stays quiet


@dataclass(frozen=True)
class JobPlan:
    command: str
    folder: str  # the run's model folder, reserved by the manager
    state_dir: str  # where its resumable state goes
    resume: bool = False
    state_every: int = 5
    cpu_budget_s: float = 0.0  # what this start may use (0: no limit)
    cpu_limit_note: str = ""  # the message when it does

    @property
    def model_name(self) -> str:
        return USER_PREFIX + Path(self.folder).name


def train_job(cfg: TrainConfig, data: Dataset, plan: JobPlan, control: TrainControl,
              send: Callable[..., None]) -> None:
    note = []
    recorder = _recorder(cfg, data, plan)
    try:
        resume = load_train_state(plan.state_dir) if plan.resume else None
        result = _train(cfg, data, control, send, plan, resume, note, recorder)
        if result.history:
            _save(result, cfg, data, plan, send, recorder)
            send("ended", "stopped" if result.stopped_by_user else "done", "".join(note))
        else:
            send("ended", "stopped", "stopped before the first epoch finished: nothing saved")
    except TrainingDivergedError as exc:
        message = str(exc).replace("; no checkpoint was written", "")
        if exc.result is not None:
            name = _save(exc.result, cfg, data, plan, send, recorder)
            message += f"; the last good epoch was saved as {name.removeprefix(USER_PREFIX)}"
        send("ended", "failed", message)
    except VAECoreError as exc:
        send("ended", "failed", str(exc))
    except Exception as exc:  # a bug: keep the server alive and say what happened (no path: the type only)
        send("ended", "failed", f"training failed unexpectedly ({type(exc).__name__})")


def explorer_settings() -> dict[str, str]:
    """The server's VAE_EXPLORER_* settings (models folder, quota, ...), handed to each training process."""
    return {k: v for k, v in os.environ.items() if k.startswith("VAE_EXPLORER_")}


def process_main(cfg: TrainConfig, data: Dataset, plan: JobPlan, control: TrainControl, conn, niceness: int,
                 settings: dict[str, str]) -> None:
    """Entry point of a training process. Lowered priority: on a shared server the visitors' clicks win
    the CPU over a training, which only slows down while they are busy. The settings are the parent's at
    submit time: a fork server started earlier holds an older environment."""
    for key in [k for k in os.environ if k.startswith("VAE_EXPLORER_")]:
        del os.environ[key]
    os.environ.update(settings)
    lower_priority(niceness, os.environ.get("VAE_EXPLORER_TRAINING_SCHED", "idle"))
    torch.set_num_threads(training_threads(cfg))
    try:
        train_job(cfg, data, plan, control, lambda *message: conn.send(message))
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


def _recorder(cfg: TrainConfig, data: Dataset, plan: JobPlan) -> ReplayRecorder:
    """The run's replay so far. A resumed run of a 2-D latent carries on the one its last checkpoint kept;
    a larger latent's earlier points were projected in a basis that is no longer final, so its replay
    starts again at the resumed epoch (the page says which epochs it holds)."""
    pick = map_images(data, cfg)
    row = replay_rows(len(pick))
    recorder = ReplayRecorder(data.class_names, data.y[pick], data.x[pick][row].reshape(-1, *data.image_shape))
    if plan.resume and cfg.latent_dim == 2:
        try:
            earlier = read_replay(Path(plan.folder) / "model.json", read_sidecar(plan.folder))
        except VAECoreError:
            earlier = None
        if earlier is not None and earlier.points.shape[1] == len(pick):
            for i, epoch in enumerate(earlier.epochs):
                recorder.add(int(epoch), earlier.points[i], earlier.reconstructions[i] / 255, earlier.samples[i] / 255)
    return recorder


def _train(cfg: TrainConfig, data: Dataset, control: TrainControl, send, plan: JobPlan,
           resume: TrainState | None, note: list, recorder: ReplayRecorder) -> TrainResult:
    last = [0.0]
    cpu_start = time.process_time()

    def observer(record, model):
        views = epoch_views(model, data, cfg)
        recorder.add(record["epoch"], views.pop("means"), views["reconstructions"], views["samples"])
        send("epoch", record, views, time.process_time() - cpu_start)

    def on_batch(epoch, done, per):
        now = time.monotonic()
        if done == per or now - last[0] >= BATCH_REPORT_S:
            last[0] = now
            send("batch", epoch, done, per)
            if plan.cpu_budget_s and time.process_time() - cpu_start > plan.cpu_budget_s and not control.stopped:
                note.append(plan.cpu_limit_note)
                control.stop()  # ends within this batch; the last complete epoch is saved

    def on_state(state: TrainState):
        save_train_state(state, plan.state_dir)
        model = VAE(model_config(cfg, data))
        model.load_state_dict(state.best if state.best is not None else state.model)
        best_epoch = state.best_epoch if state.best is not None else state.epoch
        partial = TrainResult(model=model.eval(), history=list(state.history), best_epoch=best_epoch,
                              train_time_s=state.train_time_s)
        _write(partial, cfg, data, plan, recorder)
        send("checkpoint", state.epoch)

    return train(cfg, data, progress=False, control=control, observer=observer, on_batch=on_batch,
                 resume=resume, on_state=on_state, state_every=plan.state_every)


def _write(result: TrainResult, cfg: TrainConfig, data: Dataset, plan: JobPlan, recorder: ReplayRecorder) -> None:
    """Into the folder reserved (and its storage counted against the quotas) when the run was admitted, with
    the replay so far, its points in the basis of the model written."""
    replay = recorder.finish(epoch_views(result.model, data, cfg)["means"], len(result.history))
    try:
        save_trained(result, cfg, data, plan.folder, command=plan.command, replay=replay)
    except OSError as exc:  # a full disk, most likely: one line, no server path
        raise VAECoreError(f"the model could not be written on the server ({exc.strerror or 'error'})") from None


def _save(result: TrainResult, cfg: TrainConfig, data: Dataset, plan: JobPlan, send, recorder) -> str:
    _write(result, cfg, data, plan, recorder)
    send("saved", plan.model_name)
    return plan.model_name
