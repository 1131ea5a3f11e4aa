"""The server's training worker: start, pause / one epoch / resume, stop, the FIFO queue, NaN stop.

The server trains in spawned processes (the default); the queue's bookkeeping is the same either way, so
those tests train in threads (processes=False) and save the seconds a spawn costs."""

import os
import signal
import time

import pytest

import vae_core
from app.training.worker import TrainingManager
from testkit.training import toy_config, toy_data
from vae_core.errors import ConfigError
from vae_core.vae import train as train_module


@pytest.fixture(autouse=True)
def models_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_EXPLORER_MODELS", str(tmp_path / "mine"))


_data, _cfg = toy_data, toy_config



def wait_for(condition, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        if condition():
            return
        time.sleep(0.01)
    pytest.fail("condition not reached in time")


def test_a_run_trains_saves_to_the_user_folder_and_shows_its_views():
    saved = []
    mgr = TrainingManager(on_saved=saved.append)
    run = mgr.submit("alice", _cfg(), _data(), label="toy run")
    mgr.join()
    assert run.state == "done" and len(run.history) == 2 and saved == [run]
    assert run.model_name in vae_core.list_models() and run.model_name.startswith("user:toy-d2-bern-kl1-")
    model = vae_core.load_model(run.model_name)
    assert model.card["history"] == run.history
    assert run.views["map_mu"].shape == (20, 2) and run.views["reconstructions"].shape == (8, 4, 4)
    assert run.progress()[0] == 1.0


def test_pause_one_epoch_resume_and_stop():
    mgr = TrainingManager()
    run = mgr.submit("alice", _cfg(epochs=500), _data())
    wait_for(lambda: len(run.history) >= 1)
    mgr.pause("alice", run.id)
    wait_for(lambda: run.state == "paused")
    time.sleep(0.2)
    n = len(run.history)
    time.sleep(0.3)
    assert len(run.history) == n  # paused: no progress
    mgr.step_epoch("alice", run.id)
    wait_for(lambda: len(run.history) == n + 1)
    time.sleep(0.3)
    assert len(run.history) == n + 1 and run.state == "paused"  # exactly one epoch, then paused again
    mgr.resume("alice", run.id)
    wait_for(lambda: len(run.history) >= n + 3)
    mgr.stop("alice", run.id)
    mgr.join()
    assert run.state == "stopped" and run.model_name in vae_core.list_models()
    card = vae_core.model_card(run.model_name)
    assert card["metrics"]["stopped_by_user"] and len(card["history"]) == len(run.history) < 500


def test_one_training_at_a_time_others_queue_in_order_and_see_only_their_runs():
    mgr = TrainingManager(max_running=1, processes=False)
    first = mgr.submit("alice", _cfg(epochs=500), _data())
    wait_for(lambda: len(first.history) >= 1)
    second = mgr.submit("bob", _cfg(), _data())
    third = mgr.submit("carol", _cfg(), _data())
    assert (second.state, third.state) == ("queued", "queued")
    assert (mgr.position(first), mgr.position(second), mgr.position(third)) == (0, 1, 2)
    assert mgr.runs_of("bob") == [second] and mgr.get("bob", first.id) is None
    mgr.stop("bob", first.id)  # not bob's run: nothing happens
    time.sleep(0.2)
    assert first.state == "running"
    fourth = mgr.submit("alice", _cfg(), _data())  # one running and one waiting per visitor
    assert fourth.state == "queued" and mgr.position(fourth) == 3
    with pytest.raises(vae_core.VAECoreError, match="1 run.s. training and 1 waiting"):
        mgr.submit("alice", _cfg(), _data())
    mgr.stop("alice", first.id)
    mgr.join()
    assert [r.state for r in (first, second, third, fourth)] == ["stopped", "done", "done", "done"]
    assert second.started_at >= first.finished_at - 0.05 and third.started_at >= second.finished_at - 0.05
    assert fourth.started_at >= third.finished_at - 0.05
    assert [r.number for r in (first, second, third, fourth)] == [1, 1, 1, 2]  # each visitor counts their own


def test_a_queued_run_can_leave_the_queue_and_invalid_settings_never_queue():
    mgr = TrainingManager(max_running=1, processes=False)
    first = mgr.submit("alice", _cfg(epochs=500), _data())
    second = mgr.submit("bob", _cfg(), _data())
    mgr.stop("bob", second.id)
    assert second.state == "stopped" and mgr.position(second) == 0
    with pytest.raises(ConfigError, match="batch_size"):
        mgr.submit("carol", _cfg(batch_size=1000), _data())
    assert mgr.runs_of("carol") == []
    mgr.stop("alice", first.id)
    mgr.join()


def test_nan_stops_the_run_with_a_message_and_keeps_the_last_good_epoch(monkeypatch):
    real, calls = train_module.elbo_terms, {"n": 0}

    def poisoned(model, x, y=None, samples=1):
        t = real(model, x, y, samples)
        calls["n"] += model.training
        if model.training and calls["n"] > 16:  # 8 batches an epoch: NaN in epoch 3
            t.reconstruction = t.reconstruction * float("nan")
        return t

    monkeypatch.setattr(train_module, "elbo_terms", poisoned)
    mgr = TrainingManager(processes=False)  # the patch reaches a thread, not a spawned process
    run = mgr.submit("alice", _cfg(epochs=10), _data())
    mgr.join()
    assert run.state == "failed" and "diverged" in run.message and "epoch 3, batch 1" in run.message
    assert "last good epoch was saved" in run.message
    card = vae_core.model_card(run.model_name)
    assert len(card["history"]) == 2


def test_a_run_trains_in_a_separate_lower_priority_process():
    mgr = TrainingManager(niceness=7)
    run = mgr.submit("alice", _cfg(epochs=500), _data())
    wait_for(lambda: len(run.history) >= 1 and run.pid is not None, timeout=60)
    assert run.pid != os.getpid()
    assert os.getpriority(os.PRIO_PROCESS, run.pid) == os.getpriority(os.PRIO_PROCESS, 0) + 7
    if hasattr(os, "SCHED_IDLE"):  # Linux: it runs only on CPU time the visitors leave (the default policy)
        assert os.sched_getscheduler(run.pid) == os.SCHED_IDLE
    mgr.stop("alice", run.id)
    mgr.join()
    assert run.state == "stopped" and run.model_name in vae_core.list_models()


def test_a_diverging_run_in_a_process_fails_with_the_message():
    mgr = TrainingManager()
    run = mgr.submit("alice", _cfg(epochs=5, lr=10.0), _data())
    mgr.join()
    assert run.state == "failed" and "diverged" in run.message and "epoch 1" in run.message
    assert run.model_name is None  # no good epoch: nothing saved


def test_a_killed_training_process_fails_the_run_and_frees_the_slot():
    mgr = TrainingManager(max_running=1)
    run = mgr.submit("alice", _cfg(epochs=500), _data())
    wait_for(lambda: len(run.history) >= 1 and run.pid is not None, timeout=60)
    os.kill(run.pid, signal.SIGKILL)  # what the kernel's OOM killer would do
    wait_for(lambda: not run.active, timeout=30)
    assert run.state == "failed" and "ended unexpectedly" in run.message
    nxt = mgr.submit("alice", _cfg(), _data())  # the slot is free again
    mgr.join()
    assert nxt.state == "done"


def test_a_training_process_uses_one_torch_thread_unless_told(monkeypatch):
    from app.training.job import training_threads

    assert training_threads(_cfg()) == 1
    assert training_threads(_cfg(threads=2)) == 2
    monkeypatch.setenv("VAE_EXPLORER_TRAINING_THREADS", "3")
    assert training_threads(_cfg()) == 3


def test_the_normal_policy_keeps_only_the_niceness(monkeypatch):
    monkeypatch.setenv("VAE_EXPLORER_TRAINING_SCHED", "normal")
    mgr = TrainingManager(niceness=3)
    run = mgr.submit("alice", _cfg(epochs=500), _data())
    wait_for(lambda: len(run.history) >= 1 and run.pid is not None, timeout=60)
    assert os.getpriority(os.PRIO_PROCESS, run.pid) == os.getpriority(os.PRIO_PROCESS, 0) + 3
    if hasattr(os, "SCHED_OTHER"):
        assert os.sched_getscheduler(run.pid) == os.SCHED_OTHER
    mgr.stop("alice", run.id)
    mgr.join()


def test_a_training_process_does_not_run_the_servers_main_script(tmp_path, monkeypatch):
    """Under Streamlit, __main__ is a page script: a training process that imported it ran the page (and the
    training page's manager, which marked the process's own run interrupted)."""
    import sys
    import types

    marker = tmp_path / "ran"
    script = tmp_path / "page.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    mgr = TrainingManager()
    run = mgr.submit("alice", _cfg(), _data())
    mgr.join()
    assert run.state == "done" and not marker.exists()
