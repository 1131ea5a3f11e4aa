"""The 1-D page's VAE training thread (app/one_d/vae_job.py): one job per data and settings, shared by every
session, and at most MAX_WAITING trainings queued at once over the whole server."""

import threading

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

    monkeypatch.setattr(vae_job, "_JOBS", type(vae_job._JOBS)())
    monkeypatch.setattr(vae_job, "_train", train)
    yield release
    release.set()


X = np.linspace(-1, 1, 40)


def job_for(steps: int):
    return vae_job.vae_job(X, X, data1d.DEFAULT_MIXTURE, vae1d.VAE1DConfig(steps=steps), X)


def test_the_same_data_and_settings_share_one_job(blocked):
    assert job_for(100) is job_for(100)
    assert job_for(100) is not job_for(200)


def test_at_most_max_waiting_trainings_queue_and_the_next_is_refused(blocked):
    jobs = [job_for(100 + i) for i in range(vae_job.MAX_WAITING)]
    with pytest.raises(ConfigError, match="already training"):
        job_for(999)
    assert job_for(100) is jobs[0]  # a job already asked for is still served
    blocked.set()
    assert all(j.wait(30) for j in jobs) and jobs[-1].result() == "trained"
    assert job_for(999).wait(30)  # room again once they are done
