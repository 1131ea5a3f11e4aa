"""Training processes: where they come from (a fork server that has imported the training code once), and
the thread of the server that starts one and copies its reports onto the Run until it ends."""

from __future__ import annotations

import importlib
import multiprocessing
from collections.abc import Callable
from multiprocessing import spawn

from . import job as job_module
from .job import JobPlan, explorer_settings, process_main
from .run import Run


class _SpawnWithoutMain:
    """multiprocessing's `spawn` helpers, except that a new process is not told to import the parent's
    __main__. Under Streamlit, __main__ is whichever page script ran last: a training process would run it
    at start, in bare mode, and with it the training page's own manager, which took the process's own run
    for one a restart had interrupted. A training process needs only app.training.job."""

    def __getattr__(self, name):
        return getattr(spawn, name)

    @staticmethod
    def get_preparation_data(name):
        data = spawn.get_preparation_data(name)
        for key in ("init_main_from_path", "init_main_from_name", "main_path"):
            data.pop(key, None)
        return data


for _popen in ("popen_forkserver", "popen_spawn_posix", "popen_spawn_win32"):
    try:
        importlib.import_module(f"multiprocessing.{_popen}").spawn = _SpawnWithoutMain()
    except ImportError:  # not on this platform
        pass


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


def pump_process(run: Run, plan: JobPlan, niceness: int,
                 apply: Callable[[Run, tuple], None]) -> tuple[str | None, int | None]:
    """Train `run` in a process of its own, handing each report to `apply`. Returns (None, exit code) once the
    process reported its end, else (why it did not, its exit code)."""
    ctx = training_context()
    mine, theirs = ctx.Pipe(duplex=False)
    process = ctx.Process(target=process_main, name=f"training-{run.id}", daemon=True,
                          args=(run.cfg, run.data, plan, run.control, theirs, niceness, explorer_settings()))
    try:
        process.start()
    except Exception as exc:  # e.g. out of processes or memory: the run fails, the server goes on
        return f"could not start a training process ({type(exc).__name__})", None
    finally:
        theirs.close()  # the child holds the only writer: its exit shows here as EOF
    run.pid = process.pid
    ended = False
    try:
        while not ended:
            if mine.poll(0.25):
                message = mine.recv()
                apply(run, message)
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
    if ended:
        return None, process.exitcode
    return (f"the training process ended unexpectedly (exit code {process.exitcode}); "
            "the server may be short of memory"), process.exitcode
