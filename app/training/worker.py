"""Trainings run by the server for its visitors: a bounded pool with a FIFO queue.

No streamlit here, so it is unit-tested directly. One TrainingManager serves
the whole server (the page keeps it in st.cache_resource): at most
`max_running` trainings at once (VAE_EXPLORER_MAX_TRAININGS, default 1),
the rest wait in order and can see their place. Each run belongs to the
visitor (session id) that started it; only that owner can list or control it.
A run trains in its own thread, so every page stays responsive; the page
reads the run's history and views, which the thread replaces whole (never
mutated in place) so a reader always sees a consistent epoch.
"""

from __future__ import annotations

import itertools
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from vae_core.data.datasets import Dataset
from vae_core.errors import TrainingDivergedError, VAECoreError
from vae_core.vae.train import TrainConfig, TrainResult, save_trained, train
from vae_core.vae.train_control import TrainControl
from vae_core.vae.user_models import check_quota, reserve_name

from .views import epoch_views

MAX_QUEUED = 20  # waiting runs, server-wide: a class of 20-30 fits; beyond that "try again later"
KEEP_FINISHED = 5  # finished runs remembered per visitor
ACTIVE = ("queued", "running", "paused")


@dataclass
class Run:
    id: int
    owner: str
    cfg: TrainConfig
    data: Dataset
    label: str
    control: TrainControl = field(default_factory=TrainControl)
    status: str = "queued"  # queued, running, paused, done, stopped, failed
    message: str = ""
    history: list = field(default_factory=list)
    views: dict = field(default_factory=dict)
    batch: tuple = (0, 0, 0)  # (epoch, batches done, batches per epoch)
    submitted_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    model_name: str | None = None  # "user:<name>" once saved

    @property
    def state(self) -> str:
        """The status as a visitor sees it: a running run whose control is paused is paused."""
        if self.status in ("running", "paused"):
            return "paused" if self.control.paused else "running"
        return self.status

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def progress(self) -> tuple[float, float | None]:
        """(fraction of the planned epochs done, seconds left estimated from the pace so far)."""
        epoch, done, per = self.batch
        total = self.cfg.epochs
        frac = min(1.0, ((epoch - 1) + (done / per if per else 0)) / total) if epoch else 0.0
        if self.status != "running" or not self.started_at or frac <= 0:
            return (1.0 if self.status == "done" else frac), None
        elapsed = (self.history[-1]["time_s"] if self.history else time.time() - self.started_at)
        done_frac = len(self.history) / total if self.history else frac
        return frac, max(0.0, elapsed / max(done_frac, 1e-9) * (1 - done_frac))


class TrainingManager:
    def __init__(self, max_running: int | None = None,
                 on_saved: Callable[[Run], None] | None = None) -> None:
        env = os.environ.get("VAE_EXPLORER_MAX_TRAININGS", "1")
        self.max_running = max(1, int(max_running if max_running is not None else env))
        self.on_saved = on_saved
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._runs: list[Run] = []
        self._threads: dict[int, threading.Thread] = {}

    # --- visitor's verbs ---
    def submit(self, owner: str, cfg: TrainConfig, data: Dataset, label: str = "") -> Run:
        cfg.check_against_data(len(data), data.class_names)  # refused before it queues, field named
        with self._lock:
            if sum(r.status == "queued" for r in self._runs) >= MAX_QUEUED:
                raise VAECoreError(f"the training queue is full ({MAX_QUEUED} waiting); try again in a few minutes")
            if any(r.owner == owner and r.active for r in self._runs):
                raise VAECoreError("you already have a training queued or running: stop it first")
            run = Run(next(self._ids), owner, cfg, data, label or f"{cfg.data}-{cfg.latent_dim}d")
            self._runs.append(run)
            self._forget_old(owner)
        self._dispatch()
        return run

    def runs_of(self, owner: str) -> list[Run]:
        with self._lock:
            return [r for r in self._runs if r.owner == owner]

    def get(self, owner: str, run_id: int) -> Run | None:
        return next((r for r in self.runs_of(owner) if r.id == run_id), None)

    def position(self, run: Run) -> int:
        """1 for the next run to start; 0 when not waiting."""
        with self._lock:
            queued = [r for r in self._runs if r.status == "queued"]
        return queued.index(run) + 1 if run in queued else 0

    def pause(self, owner: str, run_id: int) -> None:
        self._control(owner, run_id, "pause")

    def resume(self, owner: str, run_id: int) -> None:
        self._control(owner, run_id, "resume")

    def step_epoch(self, owner: str, run_id: int) -> None:
        self._control(owner, run_id, "step_epoch")

    def stop(self, owner: str, run_id: int) -> None:
        run = self.get(owner, run_id)
        if run is None:
            return
        with self._lock:
            if run.status == "queued":  # never started: leaves the queue, nothing to save
                run.status, run.message, run.finished_at = "stopped", "removed from the queue", time.time()
                return
        run.control.stop()

    def join(self, timeout: float = 60.0) -> None:
        """Wait for every started thread (tests, shutdown)."""
        end = time.time() + timeout
        while time.time() < end:
            with self._lock:
                alive = [t for t in self._threads.values() if t.is_alive()]
                waiting = any(r.status == "queued" for r in self._runs)
            if not alive and not waiting:
                return
            time.sleep(0.02)

    # --- internals ---
    def _control(self, owner: str, run_id: int, verb: str) -> None:
        run = self.get(owner, run_id)
        if run is not None and run.status in ("running", "paused"):
            getattr(run.control, verb)()

    def _forget_old(self, owner: str) -> None:
        finished = [r for r in self._runs if r.owner == owner and not r.active]
        for r in finished[:-KEEP_FINISHED]:
            self._runs.remove(r)

    def _dispatch(self) -> None:
        with self._lock:
            running = sum(r.status == "running" for r in self._runs)
            for run in self._runs:
                if running >= self.max_running:
                    break
                if run.status == "queued":
                    run.status, run.started_at = "running", time.time()
                    thread = threading.Thread(target=self._work, args=(run,), daemon=True,
                                              name=f"training-{run.id}")
                    self._threads[run.id] = thread
                    running += 1
                    thread.start()

    def _work(self, run: Run) -> None:
        try:
            result = self._train(run)
            run.status = "stopped" if result.stopped_by_user else "done"
            if result.history:
                self._save(run, result)
            else:
                run.message = "stopped before the first epoch finished: nothing saved"
        except TrainingDivergedError as exc:
            run.status, run.message = "failed", str(exc).replace("; no checkpoint was written", "")
            if exc.result is not None:
                self._save(run, exc.result)
                run.message += f"; the last good epoch was saved as {run.model_name}"
        except VAECoreError as exc:
            run.status, run.message = "failed", str(exc)
        except Exception as exc:  # a bug: keep the server alive and say what happened
            run.status, run.message = "failed", f"training failed unexpectedly ({type(exc).__name__}: {exc})"
        finally:
            run.finished_at = time.time()
            with self._lock:
                self._threads.pop(run.id, None)
            self._dispatch()

    def _train(self, run: Run) -> TrainResult:
        def observer(record, model):
            run.views = epoch_views(model, run.data, run.cfg)
            run.history = [*run.history, record]

        def on_batch(epoch, done, per):
            run.batch = (epoch, done, per)

        return train(run.cfg, run.data, progress=False, control=run.control, observer=observer, on_batch=on_batch)

    def _save(self, run: Run, result: TrainResult) -> None:
        check_quota(4 * result.model.num_parameters + 64 * 1024)
        name, folder = reserve_name(run.label)
        try:
            save_trained(result, run.cfg, run.data, folder, command=f"Training page run {run.id}")
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)  # no half-made model left in the folder
            raise
        run.model_name = name
        if self.on_saved is not None:
            self.on_saved(run)
