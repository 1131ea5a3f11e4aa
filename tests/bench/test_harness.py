"""bench.harness: the header's commit and machine, the summaries' figures, the timing helpers' call order, and
the fresh-process runner; and the benches: one way to run (no sys.path edits), the header printed by each."""

from __future__ import annotations

import os
import re
import subprocess
import time

import numpy as np
import pytest

from bench import harness
from bench.harness import REPO, Summary, alternate, percentile, repeat, summarize, time_each, timed


def _git(repo, *args):
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                          capture_output=True, text=True).stdout.strip()


def test_p95_of_a_known_list():
    values = list(range(20, 0, -1))  # 1..20, given unsorted
    assert percentile(values, 95) == pytest.approx(19.05)
    assert percentile(values, 50) == pytest.approx(10.5)
    assert (percentile(values, 0), percentile(values, 100)) == (1, 20)
    assert summarize(values).p95 == pytest.approx(19.05)


def test_percentile_agrees_with_numpy():
    values = np.random.default_rng(0).exponential(size=37)
    for q in (5, 50, 90, 95, 99):
        assert percentile(values, q) == pytest.approx(np.percentile(values, q))


def test_percentile_refuses_nothing_and_out_of_range():
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)
    with pytest.raises(ValueError):
        summarize([])


def test_summary_figures_and_description():
    s = summarize([0.010, 0.030, 0.020, 0.040])
    assert (s.n, s.min, s.max) == (4, 0.010, 0.040)
    assert s.median == pytest.approx(0.025) and s.mean == pytest.approx(0.025)
    assert s.describe() == "median 25 ms, p95 38 ms, range 10-40 ms over 4"
    assert Summary((2.0,)).describe(unit="s", scale=1, digits=1) == "median 2.0 s, p95 2.0 s, range 2.0-2.0 s over 1"


def test_git_commit_names_head_and_flags_changes(tmp_path):
    _git(tmp_path, "init", "-q")
    (tmp_path / "f.txt").write_text("one\n")
    _git(tmp_path, "add", "f.txt")
    _git(tmp_path, "commit", "-q", "-m", "first")
    head = _git(tmp_path, "rev-parse", "--short", "HEAD")
    assert harness.git_commit(tmp_path) == head
    (tmp_path / "f.txt").write_text("two\n")
    assert harness.git_commit(tmp_path) == f"{head} with uncommitted changes"
    assert harness.git_commit(tmp_path / "nowhere").startswith("unknown")


def test_header_has_the_command_commit_cores_and_load():
    header = harness.machine_header([str(REPO / "bench" / "bench_tsne.py"), "--points", "300"])
    command, machine = header.splitlines()
    assert command == "# python -m bench.bench_tsne --points 300"
    if (REPO / ".git").exists():
        assert _git(REPO, "rev-parse", "--short", "HEAD") in machine
    assert f"commit {harness.git_commit()}," in machine
    assert f"{os.cpu_count()} CPU cores" in machine
    assert re.search(r", load average \d+\.\d\d \d+\.\d\d \d+\.\d\d$", machine)


def test_repeat_times_n_calls_after_the_untimed_warmup():
    calls = []
    t = repeat(lambda: calls.append(len(calls)) or len(calls), 3, warmup=2)
    assert len(calls) == 5 and t.n == 3
    assert t.results == (3, 4, 5) and t.last == 5


def test_time_each_passes_the_items_in_order():
    t = time_each(lambda i: i * i, [3, 1, 2], warmup=1)
    assert t.results == (9, 1, 4) and all(s >= 0 for s in t.values)


def test_timed_measures_the_call():
    seconds, result = timed(lambda x: time.sleep(x) or "done", 0.02)
    assert result == "done" and 0.02 <= seconds < 2


def test_alternate_takes_turns():
    order = []
    ours, ref = alternate(lambda: order.append("o") or "ours", lambda: order.append("r") or "ref", 3, warmup=1)
    assert order == ["o", "r"] * 4
    assert (ours.n, ref.n, ours.last, ref.last) == (3, 3, "ours", "ref")


def test_run_python_imports_the_project_from_the_repository_root():
    out = harness.run_python("import os, bench.harness as h; print(h.REPO, os.environ['BENCH_PROBE'])",
                             env={"BENCH_PROBE": "42"})
    assert out.split() == [str(REPO), "42"]
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        harness.run_python("1 / 0")



def bench_scripts():
    return sorted(p for p in (REPO / "bench").glob("*.py") if p.stem.startswith("bench_") or p.stem == "exact_cards")


PATH_EDIT = re.compile(r"sys\.path\.(insert|append|extend)|sys\.path\s*(\[.*\]\s*)?\+?=")


def test_no_bench_edits_sys_path():
    assert PATH_EDIT.search("sys.path.insert(0, str(ROOT))") and PATH_EDIT.search("sys.path[:0] = [root]")
    assert not [p.name for p in (REPO / "bench").glob("*.py") if PATH_EDIT.search(p.read_text())]
    wrong = [p.name for p in bench_scripts() if f"python -m bench.{p.stem}" not in p.read_text()]
    assert not wrong, f"these benches' docstrings do not say `python -m bench.NAME`: {wrong}"


def test_every_bench_prints_the_header():
    scripts = bench_scripts()
    assert len(scripts) >= 17
    missing = [p.name for p in scripts if "print_header()" not in p.read_text()]
    assert not missing, f"these benches do not print the machine header: {missing}"
