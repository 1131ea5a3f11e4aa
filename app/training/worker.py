"""Trainings run by the server for its visitors: a bounded pool with a FIFO queue.

No streamlit here, so it is unit-tested directly. One TrainingManager serves
the whole server (the page keeps it in st.cache_resource): at most
`max_running` trainings at once (VAE_EXPLORER_MAX_TRAININGS, default 1),
the rest wait in order and can see their place. Each run belongs to the
visitor (session id) that started it; only that owner can list or control it.
A run trains in a process of its own (from a fork server, behind the visitors:
SCHED_IDLE on Linux and VAE_EXPLORER_TRAINING_NICE, default 10; see
job.lower_priority), so neither Python's GIL nor the CPU it needs slows the
pages other visitors are using; a thread of the server
copies the process's reports (job.py) onto the Run. The page reads the run's
history and views, which are replaced whole (never mutated in place), so a
reader always sees one consistent epoch. `processes=False` trains in that
thread instead (tests that patch the training code in this process).
"""

from __future__ import annotations

import dataclasses
import itertools
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from vae_core.data.datasets import Dataset
from vae_core.errors import VAECoreError
from vae_core.vae.train import TrainConfig
from vae_core.vae.train_control import TrainControl

from . import job as job_module
from .job import explorer_settings, process_main, train_job

MAX_QUEUED = 20  # waiting runs, server-wide: a class of 20-30 fits; beyond that "try again later"
KEEP_FINISHED = 5  # finished runs remembered per visitor
ACTIVE = ("queued", "running", "paused")


@dataclass(eq=False)  # runs are compared by identity (their id), never field by field
class Run:
    id: int
    owner: str
    cfg: TrainConfig
    data: Dataset
    label: str
    control: TrainControl = field(default_factory=TrainControl)
    status: str = "queued"  # queued, running, paused, done, stopped, failed
    message: str = ""
    # (history, views) as one value, replaced whole after each epoch: a reader takes both from one epoch.
    latest: tuple = field(default_factory=lambda: ([], {}))
    batch: tuple = (0, 0, 0)  # (epoch, batches done, batches per epoch)
    submitted_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    model_name: str | None = None  # "user:<name>" once saved
    pid: int | None = None  # the training process, while it runs in one

    @property
    def history(self) -> list:
        return self.latest[0]

    @property
    def views(self) -> dict:
        return self.latest[1]

    def snapshot(self) -> Run:
        """A copy frozen at this moment, so one page update shows one epoch everywhere."""
        return dataclasses.replace(self)

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


def training_context():
    """Where training processes come from. Never a plain fork of the server (it runs threads). A fork server
    that has imported the training code once starts each run in well under a second; a spawned process
    would import torch and the library again for every run (seconds on a busy server)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([job_module.__name__])
    return ctx


def warm_up() -> None:
    """Start the fork server now (it imports the training code), so the first run does not wait for it."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        from multiprocessing import forkserver

        training_context()
        forkserver.ensure_running()


class TrainingManager:
    def __init__(self, max_running: int | None = None, on_saved: Callable[[Run], None] | None = None,
                 processes: bool = True, niceness: int | None = None) -> None:
        env = os.environ.get("VAE_EXPLORER_MAX_TRAININGS", "1")
        self.max_running = max(1, int(max_running if max_running is not None else env))
        self.on_saved = on_saved
        self.processes = processes
        self.niceness = int(niceness if niceness is not None else os.environ.get("VAE_EXPLORER_TRAINING_NICE", "10"))
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
            control = TrainControl(training_context() if self.processes else None)
            run = Run(next(self._ids), owner, cfg, data, label or f"{cfg.data}-{cfg.latent_dim}d", control)
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
        ids = [r.id for r in queued]
        return ids.index(run.id) + 1 if run.id in ids else 0

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
        command = f"Training page run {run.id}"
        try:
            if self.processes:
                self._pump_process(run, command)
            else:
                train_job(run.cfg, run.data, run.label, run.control, command, lambda *m: self._apply(run, m))
        finally:
            run.finished_at = time.time()
            with self._lock:
                self._threads.pop(run.id, None)
            self._dispatch()

    def _pump_process(self, run: Run, command: str) -> None:
        """Start the run's training process and copy its reports onto the Run until it ends."""
        ctx = training_context()
        mine, theirs = ctx.Pipe(duplex=False)
        process = ctx.Process(target=process_main, name=f"training-{run.id}", daemon=True,
                              args=(run.cfg, run.data, run.label, run.control, command, theirs, self.niceness,
                                    explorer_settings()))
        try:
            process.start()
        except Exception as exc:  # e.g. out of processes or memory: the run fails, the server goes on
            run.status, run.message = "failed", f"could not start a training process ({type(exc).__name__}: {exc})"
            return
        finally:
            theirs.close()  # the child holds the only writer: its exit shows here as EOF
        run.pid = process.pid
        ended = False
        try:
            while not ended:
                if mine.poll(0.25):
                    message = mine.recv()
                    self._apply(run, message)
                    ended = message[0] == "ended"
                elif not process.is_alive() and not mine.poll(0):
                    break
        except (EOFError, OSError):
            pass
        finally:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
            mine.close()
        if not ended:
            run.status = "failed"
            run.message = (f"the training process ended unexpectedly (exit code {process.exitcode}); "
                           "the server may be short of memory")

    def _apply(self, run: Run, message: tuple) -> None:
        """One report from a training. Fields are replaced whole, so a page reading them sees one epoch."""
        kind, *payload = message
        if kind == "batch":
            run.batch = tuple(payload)
        elif kind == "epoch":
            record, views = payload
            run.latest = ([*run.history, record], views)
        elif kind == "saved":
            run.model_name = payload[0]
            if self.on_saved is not None:
                self.on_saved(run)
        elif kind == "ended":
            run.status, run.message = payload
