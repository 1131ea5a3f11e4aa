"""Trainings run by the server for its visitors: a bounded pool with a FIFO queue, remembered in the store.

No streamlit here, so it is unit-tested directly. One TrainingManager serves the whole server (the page keeps
it in st.cache_resource): at most `max_running` trainings at once (VAE_EXPLORER_MAX_TRAININGS, default 1),
the rest wait in order and can see their place; each visitor, and each client address, gets a bounded share
(admission.py). Each run belongs to the visitor who started it; only that owner can list or control it.
A run trains in a process of its own (process.py, behind the visitors: SCHED_IDLE on Linux and
VAE_EXPLORER_TRAINING_NICE, default 10; see job.lower_priority); a thread of the server copies the process's
reports onto the Run and into the store. The page reads the run's history and views, which are replaced whole
(never mutated in place), so a reader always sees one consistent epoch. `processes=False` trains in that
thread instead (tests that patch the training code in this process).

Every run's record (owner, settings, state, epochs, its model and its last resumable state) is in the store,
so a restarted server finds every run again: finished runs as they were, queued runs in their place, and runs
that were training "interrupted", resumable from their last saved state (`resume_run`).
"""

from __future__ import annotations

import atexit
import dataclasses
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from app.common.class_settings import ClassSettings, env_name, load_settings
from app.store import Store, open_store, replica_id, run_states_dir
from vae_core.data.datasets import Dataset, load_dataset
from vae_core.errors import VAECoreError
from vae_core.vae.checkpoint import drop_previous_weights
from vae_core.vae.train import TrainConfig
from vae_core.vae.train_control import TrainControl
from vae_core.vae.train_state import state_epoch
from vae_core.vae.user_models import delete_user_model, reserve_name, user_model_path

from .admission import check_budget, check_queue, check_storage, checkpoint_bytes
from .job import JobPlan, train_job
from .process import pump_process, training_context
from .run import ACTIVE, ENDED, Run, model_base_name, run_label

KEEP_FINISHED = 5  # finished (or interrupted) runs remembered per visitor
KEEP_RUNS = 2000  # and server-wide, oldest forgotten first
PRUNE_AFTER_S = 2.0  # a page that read the previous sidecar has long loaded its weights by then

__all__ = ["ACTIVE", "KEEP_FINISHED", "Run", "TrainingManager"]


class TrainingManager:
    def __init__(self, max_running: int | None = None, on_saved: Callable[[Run], None] | None = None,
                 processes: bool = True, niceness: int | None = None, store: Store | None = None,
                 load_data: Callable[[str], Dataset] | None = None, settings: ClassSettings | None = None) -> None:
        env = os.environ.get("VAE_EXPLORER_MAX_TRAININGS", "1")
        self.max_running = max(1, int(max_running if max_running is not None else env))
        self.on_saved = on_saved
        self.processes = processes
        self.niceness = int(niceness if niceness is not None else os.environ.get("VAE_EXPLORER_TRAINING_NICE", "10"))
        self.store = store if store is not None else open_store()
        self.replica = replica_id()
        self.states_dir = run_states_dir()
        self.load_data = load_data or (lambda spec: load_dataset(spec))
        self.settings = settings or load_settings()
        self._lock = threading.Lock()
        self._threads: dict[int, threading.Thread] = {}
        self._runs: list[Run] = self._recover()
        # Set when the server exits (before multiprocessing's own exit handler ends the training processes): a
        # training ended by a shutdown is interrupted, resumable after the restart, not failed.
        self._closing = False
        atexit.register(self._close)
        self._dispatch()

    # --- visitor's verbs ---
    def submit(self, owner: str, cfg: TrainConfig, data: Dataset, label: str = "", address: str | None = None,
               settings: ClassSettings | None = None, owner_usage: int = 0) -> Run:
        """Queue a run, or refuse it (one line, the limit named) before anything is written."""
        settings = self._use(settings)
        cfg.check_against_data(len(data), data.class_names)  # refused before it queues, field named
        check_budget(cfg, data, settings)
        need = checkpoint_bytes(cfg, data)
        with self._lock:
            check_queue(self._runs, owner, address, settings)
            check_storage(need, owner, owner_usage, self._runs, settings)
            rec = self.store.create_run(owner, address, label or run_label(cfg), cfg.to_dict(), need, time.time())
            self.store.update_run(rec.id, replica=self.replica)
            run = Run.from_record(rec, [])
            run.data, run.control = data, self._new_control()
            self._runs.append(run)
            self._forget_old(owner)
        self._dispatch()
        return run

    def resume_run(self, owner: str, run_id: int, data: Dataset, settings: ClassSettings | None = None) -> Run:
        """Put an interrupted run back in the queue, in its first place, to go on from its last saved state
        (or, with none, from the start): same settings, the epochs continuing."""
        settings = self._use(settings)
        run = self.get(owner, run_id)
        if run is not None and run.elsewhere:
            raise VAECoreError("this run belongs to another server of this class: resume it there")
        if run is None or run.status != "interrupted":
            raise VAECoreError("this run is not waiting to be resumed")
        check_budget(run.cfg, data, settings)
        with self._lock:
            check_queue([r for r in self._runs if r is not run], owner, run.address, settings)
            k = state_epoch(run.state_dir) if run.state_dir else 0
            run.resume, run.checkpoint_epoch = k > 0, k
            self.store.truncate_history(run.id, k)
            run.latest, run.batch = (list(run.history[:k]), {}), (0, 0, 0)
            run.data, run.control, run.status, run.message = data, self._new_control(), "queued", ""
            run.finished_at = None
            self.store.update_run(run.id, state="queued", message="", checkpoint_epoch=k, finished_at=None)
        self._dispatch()
        return run

    def runs_of(self, owner: str) -> list[Run]:
        """The owner's runs: this replica's, then, with a database other replicas share, theirs (read-only:
        `elsewhere` names the replica that controls each, whose controls are there, not here)."""
        with self._lock:
            mine = [r for r in self._runs if r.owner == owner]
        known = {r.id for r in mine}
        for rec in self.store.runs(owner):
            if rec.id in known or rec.replica in (None, self.replica):
                continue
            mine.append(dataclasses.replace(Run.from_record(rec, self.store.history(rec.id)), elsewhere=rec.replica))
        return mine

    def get(self, owner: str, run_id: int) -> Run | None:
        with self._lock:
            found = next((r for r in self._runs if r.owner == owner and r.id == run_id), None)
        return found or next((r for r in self.runs_of(owner) if r.id == run_id), None)

    def by_number(self, owner: str, number: int) -> Run | None:
        return next((r for r in self.runs_of(owner) if r.number == number), None)

    def queue(self) -> list[Run]:
        """Every active run, training first, then in queue order (for the teacher)."""
        with self._lock:
            active = [r for r in self._runs if r.active]
        return sorted(active, key=lambda r: (r.status == "queued", r.queue_order))

    def busy_models(self) -> set[str]:
        with self._lock:
            return {r.model_name for r in self._runs if r.active and r.model_name}

    def position(self, run: Run) -> int:
        """1 for the next run to start; 0 when not waiting."""
        with self._lock:
            ids = [r.id for r in sorted((r for r in self._runs if r.status == "queued"), key=lambda r: r.queue_order)]
        return ids.index(run.id) + 1 if run.id in ids else 0

    def pause(self, owner: str, run_id: int) -> None:
        self._control(owner, run_id, "pause")

    def resume(self, owner: str, run_id: int) -> None:
        self._control(owner, run_id, "resume")

    def step_epoch(self, owner: str, run_id: int) -> None:
        self._control(owner, run_id, "step_epoch")

    def stop(self, owner: str, run_id: int) -> None:
        run = self.get(owner, run_id)
        if run is None or run.elsewhere:  # another replica's run is its to stop
            return
        with self._lock:
            if run.status == "queued":  # never started: leaves the queue, nothing new to save
                run.status, run.message, run.finished_at = "stopped", "removed from the queue", time.time()
                run.saved = run.has_model  # a resumed run keeps the checkpoint it had
                self.store.update_run(run.id, state="stopped", message=run.message, finished_at=run.finished_at)
                self._drop_state(run)
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
    def _close(self) -> None:
        self._closing = True

    def _interrupted(self, run: Run, why: str) -> None:
        """Its training stopped by a shutdown: keep its saved state and let it be resumed."""
        run.checkpoint_epoch = state_epoch(run.state_dir) if run.state_dir else 0
        run.status, run.message = "interrupted", f"interrupted at epoch {len(run.history)}: {why}"
        run.finished_at = time.time()
        self.store.update_run(run.id, state="interrupted", message=run.message, cpu_s=run.cpu_s,
                              checkpoint_epoch=run.checkpoint_epoch, finished_at=run.finished_at)

    def _use(self, settings: ClassSettings | None) -> ClassSettings:
        if settings is not None:
            self.settings = settings  # the dispatcher applies the latest per-visitor limits too
        return self.settings

    def _new_control(self) -> TrainControl:
        return TrainControl(training_context() if self.processes else None, paced=True)

    def _control(self, owner: str, run_id: int, verb: str) -> None:
        run = self.get(owner, run_id)
        if run is not None and run.elsewhere is None and run.status in ("running", "paused"):
            getattr(run.control, verb)()

    def _recover(self) -> list[Run]:
        """This replica's runs in the store, as a restart finds them: training ones become interrupted. Runs
        another replica queued or trains (a shared database) are its to recover, not ours."""
        runs = []
        for rec in self.store.runs():
            if rec.replica not in (None, self.replica):
                continue
            run = Run.from_record(rec, self.store.history(rec.id))
            if rec.state in ("running", "paused"):
                run.checkpoint_epoch = state_epoch(rec.state_dir) if rec.state_dir else 0
                run.status, run.message = "interrupted", f"interrupted at epoch {rec.epoch}: the server stopped"
                self.store.update_run(rec.id, state="interrupted", message=run.message,
                                      checkpoint_epoch=run.checkpoint_epoch)
            run.control = self._new_control()
            runs.append(run)
        return runs

    def _forget_old(self, owner: str) -> None:
        finished = [r for r in self._runs if r.owner == owner and not r.active]
        stale = finished[:-KEEP_FINISHED]
        others = [r for r in self._runs if not r.active and r not in stale]
        stale += others[:max(0, len(self._runs) - len(stale) - KEEP_RUNS)]
        for r in stale:
            self._runs.remove(r)
            self._drop_state(r)
        if stale:
            self.store.delete_runs([r.id for r in stale])

    def _dispatch(self) -> None:
        if self._closing:
            return  # no new training while the server goes down: queued runs wait for the restart
        with self._lock:
            running = [r for r in self._runs if r.status in ("running", "paused")]
            busy = {r.owner: 0 for r in running}
            for r in running:
                busy[r.owner] += 1
            for run in sorted((r for r in self._runs if r.status == "queued"), key=lambda r: r.queue_order):
                if len(running) >= self.max_running:
                    break
                if busy.get(run.owner, 0) >= self.settings.running_per_visitor:
                    continue  # the visitor's other run is training: the next visitor goes first
                run.status, run.started_at = "running", time.time()
                self.store.update_run(run.id, state="running", started_at=run.started_at)
                thread = threading.Thread(target=self._work, args=(run,), daemon=True, name=f"training-{run.id}")
                self._threads[run.id] = thread
                running.append(run)
                busy[run.owner] = busy.get(run.owner, 0) + 1
                thread.start()

    def _work(self, run: Run) -> None:
        try:
            plan = self._plan(run)
            if self.processes:
                failure, code = pump_process(run, plan, self.niceness, self._apply)
                if failure and (self._closing or code == -signal.SIGTERM):
                    self._interrupted(run, "the training process was stopped")
                elif failure:
                    self._apply(run, ("ended", "failed", failure))
            else:
                train_job(run.cfg, run.data, plan, run.control, lambda *m: self._apply(run, m))
        except VAECoreError as exc:  # the data set cannot be loaded again, the folder cannot be made, ...
            self._apply(run, ("ended", "failed", str(exc)))
        finally:
            with self._lock:
                self._threads.pop(run.id, None)
            self._dispatch()

    def _plan(self, run: Run) -> JobPlan:
        if run.data is None:  # queued before a restart
            run.data = self.load_data(run.cfg.data)
        if run.model_name is None:
            run.model_name, _ = reserve_name(model_base_name(run.cfg))
            self.store.add_model(run.model_name, run.owner, "trained", run.id)
        run.state_dir, run.cpu_base = str(self.states_dir / str(run.id)), run.cpu_s
        self.store.update_run(run.id, model_name=run.model_name, state_dir=run.state_dir)
        minutes = self.settings.run_cpu_minutes
        return JobPlan(command=f"Training page, run {run.number}", folder=str(user_model_path(run.model_name)),
                       state_dir=run.state_dir, resume=run.resume, state_every=self.settings.checkpoint_epochs,
                       cpu_budget_s=max(1.0, minutes * 60 - run.cpu_s) if minutes else 0.0,
                       cpu_limit_note=f"stopped at the limit of {minutes:g} CPU-minutes per run on this server "
                                      f"({env_name('run_cpu_minutes')}); the last complete epoch is saved")

    def _apply(self, run: Run, message: tuple) -> None:
        """One report from a training. Fields are replaced whole, so a page reading them sees one epoch."""
        kind, *payload = message
        if kind == "batch":
            run.batch = tuple(payload)
        elif kind == "epoch":
            record, views, cpu_s = payload
            run.latest = ([*run.history, record], views)
            run.cpu_s = run.cpu_base + cpu_s  # this start's, after what the run used before it
            self.store.add_epoch(run.id, record["epoch"], record)
            run.control.acknowledge(record["epoch"])  # the trainer may go on: the page can show this epoch
        elif kind == "checkpoint":
            run.checkpoint_epoch = payload[0]
            self.store.update_run(run.id, checkpoint_epoch=run.checkpoint_epoch, cpu_s=run.cpu_s)
            if self.on_saved is not None:
                self.on_saved(run)  # its model so far is pickable
        elif kind == "saved":
            run.saved = True
            if self.on_saved is not None:
                self.on_saved(run)
        elif kind == "ended":
            self._ended(run, *payload)

    def _ended(self, run: Run, status: str, message: str) -> None:
        if self._closing and status == "failed":  # the server is going down under it: resumable after the restart
            self._interrupted(run, "the server stopped")
            return
        run.finished_at = time.time()
        if not run.has_model and run.model_name:  # nothing was written: no empty folder left behind
            self._drop_model(run)
        run.status, run.message = status, message
        self.store.update_run(run.id, state=status, message=message, finished_at=run.finished_at,
                              model_name=run.model_name, cpu_s=run.cpu_s)
        if status in ENDED:
            self._drop_state(run)
            if run.model_name:
                folder = user_model_path(run.model_name)
                threading.Timer(PRUNE_AFTER_S, drop_previous_weights, args=(folder,)).start()

    def _drop_model(self, run: Run) -> None:
        try:
            delete_user_model(run.model_name)
        except VAECoreError:
            pass
        self.store.delete_model(run.model_name)
        run.model_name = None

    def _drop_state(self, run: Run) -> None:
        if run.state_dir:
            shutil.rmtree(Path(run.state_dir), ignore_errors=True)
