"""The 1-D page's VAE, trained off the page's script run: a full run that waited for the training (seconds,
a minute on a busy server) held back every EM click, since a fragment's rerun waits for the full run under
way. The page now draws the GMM at once, shows the VAE's progress in a polling fragment and reruns when it is
trained.

One training thread for the whole server, shared by every session: a job is keyed by the data (by content)
and the settings, so a class opening the page trains once and switching a setting back is instant. The thread
never touches Streamlit (its progress goes into the job, which the page reads). Bounded: MAX_JOBS kept, at
most MAX_WAITING queued."""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from app.common.shared_figure import content_key
from vae_core.errors import ConfigError
from vae_core.oned import fit1d, vae1d

MAX_JOBS = 16  # fitted VAEs kept (as the cache they replace kept)
MAX_WAITING = 4  # trainings queued or running at once, over all sessions

_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vae1d-training")
_JOBS: OrderedDict[str, VAEJob] = OrderedDict()
_LOCK = threading.Lock()


@dataclass
class VAEJob:
    steps: int
    progress: tuple[int, float] | None = None  # (step, ELBO per point) of the last report
    future: Future = field(default_factory=Future)

    def done(self) -> bool:
        return self.future.done()

    def wait(self, seconds: float) -> bool:
        try:
            self.future.exception(timeout=seconds)
        except TimeoutError:
            return False
        return True

    def result(self):
        """(model, summary, density curves on the grid); raises what the training raised."""
        return self.future.result()


def _train(job: VAEJob, train, test, spec, config, grid):
    def progress(step, total, elbo):
        job.progress = (step, elbo)

    model = vae1d.train_vae1d(train, config, progress=progress)
    return model, fit1d.summarise_vae(model, train, test, spec), model.density_curves(grid)


def vae_job(train: np.ndarray, test: np.ndarray, spec, config: vae1d.VAE1DConfig, grid: np.ndarray) -> VAEJob:
    """The job for these data and settings: started if new, else the one already running or done."""
    key = content_key(train, test, repr(spec), config, grid)
    with _LOCK:
        job = _JOBS.get(key)
        if job is not None and not (job.done() and job.future.cancelled()):
            _JOBS.move_to_end(key)
            return job
        if sum(not j.done() for j in _JOBS.values()) >= MAX_WAITING:
            raise ConfigError(f"the server is already training {MAX_WAITING} 1-D VAEs for this class; "
                              "try again in a minute, or go back to settings another student has used")
        job = VAEJob(config.steps)
        job.future = _EXECUTOR.submit(_train, job, train, test, spec, config, grid)
        _JOBS[key] = job
        for old in [k for k, j in _JOBS.items() if j.done()][: max(0, len(_JOBS) - MAX_JOBS)]:
            del _JOBS[old]
    return job
