"""The 1-D page's VAE training thread (app/one_d/vae_job.py): one job per data and settings, shared by every
session, at most MAX_PER_VISITOR started by one visitor, and at most MAX_WAITING queued over the server."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from app.one_d import vae_job
from vae_core.errors import ConfigError
from vae_core.oned import data1d, vae1d


@pytest.fixture
def blocked(monkeypatch):
    """Trainings that wait until released, in a fresh job table."""
    release = threading.Event()

    def train(job, *args):
        assert release.wait(30)
        return "trained"

    executor = ThreadPoolExecutor(max_workers=1)  # its own thread: no earlier test's training ahead of these
    monkeypatch.setattr(vae_job, "_JOBS", type(vae_job._JOBS)())
    monkeypatch.setattr(vae_job, "_EXECUTOR", executor)
    monkeypatch.setattr(vae_job, "_train", train)
    yield release
    release.set()
    executor.shutdown(wait=True)


def started(job):
    """The job, once the training thread runs it (a waiting job is one its visitor may still drop)."""
    deadline = time.monotonic() + 30
    while not job.future.running():
        assert time.monotonic() < deadline, "the training thread never started the job"
        time.sleep(0.01)
    return job


X = np.linspace(-1, 1, 40)


def job_for(steps: int):
    return vae_job.vae_job(X, X, data1d.DEFAULT_MIXTURE, vae1d.VAE1DConfig(steps=steps), X)


def test_the_same_data_and_settings_share_one_job(blocked):
    assert job_for(100) is job_for(100)
    assert job_for(100) is not job_for(200)


def test_at_most_max_waiting_trainings_queue_and_the_next_is_refused(blocked):
    jobs = [job_of(f"visitor {i}", 100 + i) for i in range(vae_job.MAX_WAITING)]
    with pytest.raises(ConfigError, match="already training"):
        job_for(999)
    assert job_for(100) is jobs[0]  # a job already asked for is still served
    blocked.set()
    assert all(j.wait(30) for j in jobs) and jobs[-1].result() == "trained"
    assert job_for(999).wait(30)  # room again once they are done


def job_of(visitor: str, steps: int):
    return vae_job.vae_job(X, X, data1d.DEFAULT_MIXTURE, vae1d.VAE1DConfig(steps=steps), X, visitor)


def test_one_visitor_holds_at_most_two_trainings_and_a_newer_request_replaces_their_waiting_one(blocked):
    running = started(job_of("ann", 100))
    assert running.wait(0) is False and running.ahead() == 0
    waiting = job_of("ann", 200)
    assert waiting.ahead() == 1
    newer = job_of("ann", 300)  # ann moved on: her waiting training nobody else asked for is dropped
    assert waiting.dropped() and waiting.wait(0) and not running.dropped() and newer.ahead() == 1
    assert job_of("ann", 300) is newer
    shared = job_of("bob", 300)  # bob asks for ann's settings: the same job, and it is now his too
    assert shared is newer
    with pytest.raises(ConfigError, match="your 2 earlier"):  # so ann cannot drop it, and she has two
        job_of("ann", 400)
    assert not newer.dropped()


def test_a_visitor_at_their_limit_is_refused_and_others_still_start(blocked):
    first = started(job_of("ann", 100))
    second = job_of("ann", 200)
    job_of("bob", 200)  # bob waits on ann's second: it is no longer hers alone to drop
    with pytest.raises(ConfigError, match="your 2 earlier 1-D VAEs are still training"):
        job_of("ann", 300)
    others = job_of("cat", 300)
    assert not others.dropped() and others.ahead() == 2
    blocked.set()
    assert first.wait(30) and second.wait(30) and others.wait(30) and others.result() == "trained"
    assert job_of("ann", 300) is others  # done: served to anyone at no cost
