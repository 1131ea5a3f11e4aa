"""What every bench shares: where the repository and the MNIST test set are, the header each run prints first
(command, date, commit, cores, load average), and timing: one call, N calls, two callables in turns, a fresh
Python process, each summarised by the same median, p95, min, max and mean.

A bench runs from the repository root as `python -m bench.NAME [args]`, so nothing here edits sys.path.
"""

from __future__ import annotations

import datetime
import os
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testkit import REPO

# The real MNIST test set beside the checkout: evaluation only, never copied into the repository.
MNIST_TEST = REPO.parent / "shared" / "data" / "mnist" / "t10k"

__all__ = ["MNIST_TEST", "REPO", "Summary", "Timings", "alternate", "git_commit", "load_average", "machine_header",
           "percentile", "print_header", "repeat", "run_python", "summarize", "time_each", "timed"]


# ---- The header -------------------------------------------------------------------------------------------

def git_commit(repo: Path = REPO) -> str:
    """The checked-out commit, short, flagged when tracked files differ from it (the figures are then of code
    no commit holds)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True,
                              timeout=30).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return f"{commit} with uncommitted changes" if changed else commit


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages: how busy the machine was, which every timing depends on."""
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def machine_header(argv: list[str] | None = None) -> str:
    """Two lines: the command that ran, then date, commit, cores and load average."""
    argv = sys.argv if argv is None else argv
    command = shlex.join(["python", "-m", f"bench.{Path(argv[0]).stem}", *argv[1:]])
    cores, usable = os.cpu_count(), len(os.sched_getaffinity(0))
    cores_text = f"{cores} CPU cores" + (f" ({usable} usable)" if usable != cores else "")
    date = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return f"# {command}\n# {date}, commit {git_commit()}, {cores_text}, load average {load_average()}"


def print_header(argv: list[str] | None = None) -> None:
    print(machine_header(argv), flush=True)


# ---- Summaries --------------------------------------------------------------------------------------------

def percentile(values: Iterable[float], q: float) -> float:
    """The q-th percentile (0..100), interpolated linearly between the two nearest ranks (numpy's default)."""
    data = sorted(values)
    if not data:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0..100")
    position = (len(data) - 1) * q / 100
    below = int(position)
    above = min(below + 1, len(data) - 1)
    return data[below] + (data[above] - data[below]) * (position - below)


@dataclass(frozen=True)
class Summary:
    """Figures of a list of measurements (seconds, rates, costs): median, p95, min, max, mean."""

    values: tuple[float, ...]

    def __post_init__(self):
        if not self.values:
            raise ValueError("a summary needs at least one value")

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def min(self) -> float:
        return min(self.values)

    @property
    def max(self) -> float:
        return max(self.values)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def p95(self) -> float:
        return percentile(self.values, 95)

    def percentile(self, q: float) -> float:
        return percentile(self.values, q)

    def describe(self, unit: str = "ms", scale: float = 1000.0, digits: int = 0) -> str:
        """'median 12 ms, p95 15 ms, range 10-16 ms over 20': seconds shown in ms unless told otherwise."""
        def f(v: float) -> str:
            return f"{v * scale:.{digits}f}"

        return (f"median {f(self.median)} {unit}, p95 {f(self.p95)} {unit}, range {f(self.min)}-{f(self.max)} "
                f"{unit} over {self.n}")


def summarize(values: Iterable[float]) -> Summary:
    return Summary(tuple(float(v) for v in values))


@dataclass(frozen=True)
class Timings(Summary):
    """Seconds of each call, with what each call returned (in order; `last` is the final one)."""

    results: tuple = field(default=(), compare=False, repr=False)

    @property
    def last(self) -> Any:
        return self.results[-1]


# ---- Timing -----------------------------------------------------------------------------------------------

def timed(fn: Callable, *args, **kwargs) -> tuple[float, Any]:
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def _timings(runs: list[tuple[float, Any]]) -> Timings:
    return Timings(tuple(s for s, _ in runs), tuple(r for _, r in runs))


def time_each(fn: Callable[[Any], Any], items: Iterable, warmup: int = 0) -> Timings:
    """fn(item) timed for each item (a new image each call, so no cache answers); first `warmup` untimed calls
    on the first item, for the imports, kernels and caches a running server already has."""
    items = list(items)
    for _ in range(warmup):
        fn(items[0])
    return _timings([timed(fn, item) for item in items])


def repeat(fn: Callable[[], Any], n: int, warmup: int = 0) -> Timings:
    """fn() timed n times, after `warmup` untimed calls."""
    return time_each(lambda _: fn(), range(n), warmup)


def alternate(ours: Callable[[], Any], reference: Callable[[], Any], n: int,
              warmup: int = 0) -> tuple[Timings, Timings]:
    """ours() and reference() n times each, in turns (ours, reference, ours, ...): the machine's speed drifts
    over minutes and other jobs come and go, and taking turns lets both meet the same conditions."""
    for _ in range(warmup):
        ours()
        reference()
    runs: tuple[list, list] = ([], [])
    for _ in range(n):
        runs[0].append(timed(ours))
        runs[1].append(timed(reference))
    return _timings(runs[0]), _timings(runs[1])


def run_python(code: str, env: dict[str, str] | None = None, timeout: float = 900) -> str:
    """Run code in a fresh interpreter in the repository root and return its stdout. `-c` puts the working
    directory first on sys.path, so the child imports the project without path edits. env: variables added to
    this process's environment."""
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        raise RuntimeError(f"the child process exited with {done.returncode}:\n{done.stderr[-3000:]}")
    return done.stdout
