"""The 1-D page's VAE, trained off the page's script run: a full run that waited for the training (seconds,
a minute on a busy server) held back every EM click, since a fragment's rerun waits for the full run under
way. The page now draws the GMM at once, shows the VAE's progress in a polling fragment and reruns when it is
trained.

One training thread for the whole server, shared by every session: a job is keyed by the data (by content)
and the settings, so a class opening the page trains once and switching a setting back is instant. The thread
never touches Streamlit (its progress goes into the job, which the page reads).

Fair shares: each visitor has at most MAX_PER_VISITOR trainings of their own started and unfinished (one
running, one waiting), so one student turning a knob cannot fill the queue ahead of the class; a waiting
training that only its visitor asked for is dropped when that visitor asks for another (they have moved on).
Asking for a job another visitor started costs nothing. Bounded: MAX_JOBS kept, at most MAX_WAITING queued
over the whole server."""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from app.common.shared_figure import content_key
from vae_core.errors import ConfigError
from vae_core.oned import fit1d, vae1d

MAX_JOBS = 16  # fitted VAEs kept (as the cache they replace kept)
MAX_WAITING = 8  # trainings queued or running at once, over all sessions
MAX_PER_VISITOR = 2  # of those, started by one visitor

_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vae1d-training")
_JOBS: OrderedDict[str, VAEJob] = OrderedDict()
_LOCK = threading.Lock()
_NUMBERS = itertools.count(1)


@dataclass
class VAEJob:
    steps: int
    owner: str = ""  # the visitor who started it
    askers: set[str] = field(default_factory=set)  # every visitor whose page waits on it
    number: int = 0  # its place in the training thread's first-come order
    progress: tuple[int, float] | None = None  # (step, ELBO per point) of the last report
    future: Future = field(default_factory=Future)

    def done(self) -> bool:
        return self.future.done()

    def wait(self, seconds: float) -> bool:
        try:
            self.future.exception(timeout=seconds)
        except TimeoutError:
            return False
        except CancelledError:  # dropped for newer settings (_drop_superseded): done, with no result
            pass
        return True

    def ahead(self) -> int:
        """Trainings the thread will run before this one starts (0 once it runs)."""
        if self.future.running() or self.done():
            return 0
        with _LOCK:
            return sum(1 for j in _JOBS.values() if j.number < self.number and not j.done())

    def dropped(self) -> bool:
        return self.future.cancelled()

    def result(self):
        """(model, summary, density curves on the grid); raises what the training raised."""
        return self.future.result()


def _train(job: VAEJob, train, test, spec, config, grid):
    def progress(step, total, elbo):
        job.progress = (step, elbo)

    model = vae1d.train_vae1d(train, config, progress=progress)
    return model, fit1d.summarise_vae(model, train, test, spec), model.density_curves(grid)


def vae_job(train: np.ndarray, test: np.ndarray, spec, config: vae1d.VAE1DConfig, grid: np.ndarray,
            visitor: str = "") -> VAEJob:
    """The job for these data and settings: started for `visitor` if new, else the one already running or
    done (whoever started it)."""
    key = content_key(train, test, repr(spec), config, grid)
    with _LOCK:
        job = _JOBS.get(key)
        if job is not None and not (job.done() and job.future.cancelled()):
            job.askers.add(visitor)
            _JOBS.move_to_end(key)
            return job
        _drop_superseded(visitor)
        own = [j for j in _JOBS.values() if j.owner == visitor and not j.done()]
        if len(own) >= MAX_PER_VISITOR:
            step = max((j.progress or (0,))[0] for j in own)
            raise ConfigError(f"your {len(own)} earlier 1-D VAEs are still training (step {step:,} of "
                              f"{own[0].steps:,}); these settings can start when one of them ends")
        if sum(not j.done() for j in _JOBS.values()) >= MAX_WAITING:
            raise ConfigError(f"the server is already training {MAX_WAITING} 1-D VAEs for this class; "
                              "try again in a minute, or go back to settings another student has used")
        job = VAEJob(config.steps, owner=visitor, askers={visitor}, number=next(_NUMBERS))
        job.future = _EXECUTOR.submit(_train, job, train, test, spec, config, grid)
        _JOBS[key] = job
        for old in [k for k, j in _JOBS.items() if j.done()][: max(0, len(_JOBS) - MAX_JOBS)]:
            del _JOBS[old]
    return job


def _drop_superseded(visitor: str) -> None:
    """A visitor asking for new settings has moved on from their waiting trainings that nobody else wants
    (a running one goes on: its result is kept for whoever returns to those settings)."""
    for key, job in list(_JOBS.items()):
        if job.owner == visitor and job.askers == {visitor} and job.future.cancel():
            del _JOBS[key]
