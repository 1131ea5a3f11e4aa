"""Cooperative control of a running training: pause, resume, stop, one epoch.

The training loop polls `wait_or_stop()` between batches, so a request takes
effect within one batch and never in the middle of a file write: a stop ends
the epoch early and the run saves (or not) from its last complete epoch.

Built from threading primitives by default. Pass a multiprocessing context
(`TrainControl(multiprocessing.get_context("spawn"))`) and it is built from
that context's shared primitives instead, so it can be handed to a training
process at start and the verbs called in the parent still reach it.

Paced (`paced=True`), the loop does not start an epoch until the one before it
has been acknowledged (`acknowledge(epoch)`) by whoever shows it. A training in
another process reports through a pipe; unpaced, a busy server reading that
pipe slowly let the trainer run many epochs ahead of what the page showed, so a
Stop pressed at epoch 15 saved epoch 33. Paced, a stop lands within one batch
of the epoch the visitor sees.
"""

from __future__ import annotations

import threading
import time

_FREE = -1  # _epochs_left when running freely
ACK_TIMEOUT_S = 30.0  # a reader that stopped reading must not hold a training forever


class TrainControl:
    def __init__(self, context=None, paced: bool = False) -> None:
        if context is None:
            self._lock, self._running = threading.Lock(), threading.Event()
            self._stop, self._epochs_left, self._acked = _Cell(False), _Cell(_FREE), _Cell(0)
        else:
            self._lock, self._running = context.Lock(), context.Event()
            self._stop, self._epochs_left = context.Value("b", 0, lock=False), context.Value("i", _FREE, lock=False)
            self._acked = context.Value("i", 0, lock=False)
        self.paced = paced
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

    def acknowledge(self, epoch: int) -> None:
        """The reader has shown `epoch`: a paced loop may go on to the next one."""
        self._acked.value = max(int(self._acked.value), int(epoch))

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

    def epoch_done(self, epoch: int | None = None) -> None:
        """Called after each epoch's report. Paced, waits until that epoch is acknowledged (or a stop)."""
        if self.paced and epoch is not None:
            deadline = time.monotonic() + ACK_TIMEOUT_S
            while self._acked.value < epoch and not self.stopped and time.monotonic() < deadline:
                time.sleep(0.002)
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
