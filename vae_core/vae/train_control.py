"""Cooperative control of a running training: pause, resume, stop, one epoch.

The training loop polls `wait_or_stop()` between batches, so a request takes
effect within one batch and never in the middle of a file write: a stop ends
the epoch early and the run saves (or not) from its last complete epoch.

Built from threading primitives by default. Pass a multiprocessing context
(`TrainControl(multiprocessing.get_context("spawn"))`) and it is built from
that context's shared primitives instead, so it can be handed to a training
process at start and the verbs called in the parent still reach it.
"""

from __future__ import annotations

import threading

_FREE = -1  # _epochs_left when running freely


class TrainControl:
    def __init__(self, context=None) -> None:
        if context is None:
            self._lock, self._running = threading.Lock(), threading.Event()
            self._stop, self._epochs_left = _Cell(False), _Cell(_FREE)
        else:
            self._lock, self._running = context.Lock(), context.Event()
            self._stop, self._epochs_left = context.Value("b", 0, lock=False), context.Value("i", _FREE, lock=False)
        self._running.set()

    # --- verbs for the UI ---
    def pause(self) -> None:
        with self._lock:
            self._epochs_left.value = _FREE
            self._running.clear()

    def resume(self) -> None:
        with self._lock:
            self._epochs_left.value = _FREE
            self._running.set()

    def step_epoch(self) -> None:
        """Run one more epoch, then pause again."""
        with self._lock:
            self._epochs_left.value = 1
            self._running.set()

    def stop(self) -> None:
        with self._lock:
            self._stop.value = True
            self._running.set()

    # --- state ---
    @property
    def stopped(self) -> bool:
        return bool(self._stop.value)

    @property
    def paused(self) -> bool:
        return not self._running.is_set() and not self.stopped

    # --- hooks for the training loop ---
    def wait_or_stop(self) -> bool:
        """Block while paused; True when the run should stop now."""
        while not self._running.wait(timeout=0.25):
            pass
        return self.stopped

    def epoch_done(self) -> None:
        with self._lock:
            if self._epochs_left.value != _FREE:
                self._epochs_left.value -= 1
                if self._epochs_left.value <= 0:
                    self._epochs_left.value = _FREE
                    self._running.clear()


class _Cell:
    """A plain holder with the `.value` of a multiprocessing Value, for the threading build."""

    __slots__ = ("value",)

    def __init__(self, value) -> None:
        self.value = value
