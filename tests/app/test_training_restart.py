"""Work that survives a restart, and a Stop that stops. A server process is killed mid-run (SIGKILL, as a
crash would); a new manager on the same data directory finds the run interrupted with its checkpoint, the
queued run in its place, and resumes the first to the end with its epochs continuing."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import vae_core
from app.common.class_settings import ClassSettings
from app.store import open_store
from app.training.worker import TrainingManager
from testkit import REPO
from vae_core.data.datasets import Dataset
from vae_core.errors import VAECoreError
from vae_core.vae.train import TrainConfig

OPEN = ClassSettings(runs_per_address=0, run_image_epochs=0, run_cpu_minutes=0, checkpoint_epochs=5)


def _data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.random((n, 16)) > 0.5).astype(np.float32)
    return Dataset("toy", x, rng.integers(0, 3, n).astype(np.int64), (4, 4), ("a", "b", "c"))


def _cfg(**kw):
    return TrainConfig(**{**dict(data="toy", latent_dim=2, hidden=(8,), epochs=200, batch_size=32, seed=0,
                                 val_fraction=0.1, patience=1000, threads=1), **kw})


# A server: alice's run trains, bob's waits behind it; the test kills this process mid-run.
SERVER = """
import time
from tests.app.test_training_restart import OPEN, _cfg, _data
from app.training.worker import TrainingManager
mgr = TrainingManager(max_running=1, processes=False, settings=OPEN)
mgr.submit("alice", _cfg(), _data(), address="203.0.113.1", settings=OPEN)
mgr.submit("bob", _cfg(epochs=3), _data(), settings=OPEN)
time.sleep(600)
"""


def wait_for(condition, timeout=60.0):
    end = time.time() + timeout
    while time.time() < end:
        if condition():
            return
        time.sleep(0.02)
    pytest.fail("condition not reached in time")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_EXPLORER_MODELS", str(tmp_path / "models"))
    return tmp_path


def test_a_killed_server_leaves_its_run_interrupted_with_a_checkpoint_and_a_resume_finishes_it(data_dir):
    server = subprocess.Popen([sys.executable, "-c", SERVER], cwd=REPO, env={**os.environ})
    try:
        store = open_store()
        wait_for(lambda: any(r.checkpoint_epoch >= 10 for r in store.runs("alice")), timeout=180)
    finally:
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
    (before,) = store.runs("alice")
    assert before.state == "running"

    mgr = TrainingManager(max_running=1, processes=False, settings=OPEN, load_data=lambda spec: _data())
    (run,) = mgr.runs_of("alice")
    assert run.state == "interrupted" and run.message == f"interrupted at epoch {before.epoch}: the server stopped"
    assert run.checkpoint_epoch >= 10 and run.has_model and len(run.history) == before.epoch
    kept = vae_core.load_model(run.model_name)  # the last good checkpoint: selectable on every page
    k = run.checkpoint_epoch
    assert len(kept.card["history"]) == k
    # bob's run kept its place and, the slot being free, trains; alice's resume goes ahead of a later run
    (queued,) = mgr.runs_of("bob")
    wait_for(lambda: queued.state != "queued")
    later = mgr.submit("carol", _cfg(epochs=3), _data(), settings=OPEN)
    resumed = mgr.resume_run("alice", run.id, _data(), settings=OPEN)
    assert resumed is run and run.state in ("queued", "running")
    if run.state == "queued":
        assert mgr.position(run) == 1 and mgr.position(later) == 2
    mgr.join(timeout=300)
    assert (queued.state, run.state, later.state) == ("done", "done", "done")
    assert [r["epoch"] for r in run.history] == list(range(1, 201))  # the epoch count continued
    assert run.history[:k] == kept.card["history"]  # the epochs before the crash, then the resumed ones
    assert vae_core.model_card(run.model_name)["history"] == run.history
    assert not os.path.exists(run.state_dir)  # a finished run's resumable state is removed
    assert [r["epoch"] for r in open_store().history(run.id)] == list(range(1, 201))


def test_a_run_without_a_saved_state_starts_again_from_the_first_epoch(data_dir):
    store = open_store()
    rec = store.create_run("alice", None, "x", _cfg(epochs=3).to_dict(), 0, time.time())
    store.update_run(rec.id, state="running", epoch=2)
    mgr = TrainingManager(processes=False, settings=OPEN, load_data=lambda spec: _data())
    (run,) = mgr.runs_of("alice")
    assert run.state == "interrupted" and run.checkpoint_epoch == 0
    mgr.resume_run("alice", run.id, _data(), settings=OPEN)
    mgr.join()
    assert run.state == "done" and [r["epoch"] for r in run.history] == [1, 2, 3]


class SlowReader(TrainingManager):
    """A busy server: each report from the training process is read late."""

    def _apply(self, run, message):
        time.sleep(0.05)
        super()._apply(run, message)


def test_stop_ends_the_training_within_one_batch_of_what_the_page_shows(data_dir):
    """Failed before: the training process ran ahead of a slowly read pipe, and a run stopped while the page
    showed epoch 3 saved many more epochs than that."""
    mgr = SlowReader(processes=True, settings=OPEN)
    run = mgr.submit("alice", _cfg(epochs=500), _data(), settings=OPEN)
    wait_for(lambda: len(run.history) >= 3)
    shown = len(run.history)
    mgr.stop("alice", run.id)
    mgr.join(timeout=120)
    card = vae_core.model_card(run.model_name)
    assert run.state == "stopped" and len(card["history"]) <= shown + 1, (shown, len(card["history"]))
    assert len(run.history) == len(card["history"])


def test_a_training_process_ended_by_sigterm_is_interrupted_and_resumable_not_failed(data_dir):
    """What a shutdown does to a training (systemd or docker stopping the server's process group)."""
    mgr = TrainingManager(processes=True, settings=OPEN)
    run = mgr.submit("alice", _cfg(epochs=500), _data(), settings=OPEN)
    wait_for(lambda: run.checkpoint_epoch >= 5 and run.pid is not None, timeout=120)
    os.kill(run.pid, signal.SIGTERM)
    wait_for(lambda: not run.active, timeout=60)
    assert run.state == "interrupted" and "the training process was stopped" in run.message
    assert run.checkpoint_epoch >= 5 and os.path.isdir(run.state_dir) and run.has_model
    assert open_store().runs("alice")[0].state == "interrupted"
    mgr.resume_run("alice", run.id, _data(), settings=OPEN)
    wait_for(lambda: len(run.history) > run.checkpoint_epoch, timeout=120)
    assert [r["epoch"] for r in run.history] == list(range(1, len(run.history) + 1))
    mgr.stop("alice", run.id)
    mgr.join(timeout=120)
    assert run.state == "stopped" and vae_core.model_card(run.model_name)["history"] == run.history


def test_replicas_sharing_one_database_recover_only_their_own_runs(data_dir, monkeypatch):
    """Two replicas on one database: when replica B starts, replica A's training is A's, not interrupted."""
    monkeypatch.setenv("VAE_EXPLORER_REPLICA_ID", "replica-a")
    a = TrainingManager(max_running=1, processes=False, settings=OPEN)
    run = a.submit("alice", _cfg(epochs=400), _data(), settings=OPEN)
    store = open_store()
    wait_for(lambda: store.runs("alice")[0].state == "running")
    monkeypatch.setenv("VAE_EXPLORER_REPLICA_ID", "replica-b")
    b = TrainingManager(max_running=1, processes=False, settings=OPEN)
    (seen,) = b.runs_of("alice")  # B shows A's run, read-only, and does not claim to control it
    assert (seen.id, seen.elsewhere, seen.state) == (run.id, "replica-a", "running")
    b.stop("alice", run.id)
    b.pause("alice", run.id)
    time.sleep(0.5)
    assert store.runs("alice")[0].state == "running" and a.get("alice", run.id).state == "running"
    with pytest.raises(VAECoreError, match="another server"):
        b.resume_run("alice", run.id, _data(), settings=OPEN)
    a.stop("alice", run.id)
    wait_for(lambda: store.runs("alice")[0].state == "stopped")
    # A's replica, restarted under its own name, finds its run again.
    monkeypatch.setenv("VAE_EXPLORER_REPLICA_ID", "replica-a")
    assert [r.id for r in TrainingManager(max_running=1, processes=False, settings=OPEN).runs_of("alice")] == [run.id]
