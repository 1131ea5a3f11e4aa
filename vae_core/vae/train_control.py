"""Cooperative control of a running training: pause, resume, stop, one epoch.

The training loop polls `wait_or_stop()` between batches, so a request takes
effect within one batch and never in the middle of a file write: a stop ends
the epoch early and the run saves (or not) from its last complete epoch.
Thread-safe: a UI thread calls the verbs while the worker thread trains.
"""

from __future__ import annotations

import threading


class TrainControl:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = threading.Event()
        self._running.set()
        self._stop = False
        self._epochs_left: int | None = None  # None: run freely; n: pause after n more epochs

    # --- verbs for the UI ---
    def pause(self) -> None:
        with self._lock:
            self._epochs_left = None
            self._running.clear()

    def resume(self) -> None:
        with self._lock:
            self._epochs_left = None
            self._running.set()

    def step_epoch(self) -> None:
        """Run one more epoch, then pause again."""
        with self._lock:
            self._epochs_left = 1
            self._running.set()

    def stop(self) -> None:
        with self._lock:
            self._stop = True
            self._running.set()

    # --- state ---
    @property
    def stopped(self) -> bool:
        return self._stop

    @property
    def paused(self) -> bool:
        return not self._running.is_set() and not self._stop

    # --- hooks for the training loop ---
    def wait_or_stop(self) -> bool:
        """Block while paused; True when the run should stop now."""
        while not self._running.wait(timeout=0.25):
            pass
        return self._stop

    def epoch_done(self) -> None:
        with self._lock:
            if self._epochs_left is not None:
                self._epochs_left -= 1
                if self._epochs_left <= 0:
                    self._epochs_left = None
                    self._running.clear()
