"""The Compare page's server time on opening it with two shipped models, against the latent map's for one,
in the same run (issue 28: at most 2x). Each open is a fresh Python process with an empty disk cache, so it
pays what a server's first visitor pays; then the same page opened again in that process (warm).

    python -m bench.bench_compare [--repeats 2]

The reference is the latent map with mnist-16d (the more expensive of the pair); "ours" is /compare with
mnist-2d and mnist-16d, the page's default.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile

from bench.harness import print_header, run_python

CHILD = """
import time
from testkit.apptest import new_page
def once(page, **state):
    at = new_page(page, timeout=600, **state)
    t = time.process_time(); w = time.perf_counter()
    at.run()
    assert not at.exception, at.exception
    return time.process_time() - t, time.perf_counter() - w
cold = once({page!r}, **{state!r})
warm = once({page!r}, **{state!r})
print(cold[0], cold[1], warm[0], warm[1])
"""

PAGES = {"latent map, mnist-16d": ("latent_map", {"model": "mnist-16d"}),
         "compare, mnist-2d + mnist-16d": ("compare", {})}


def measure(page: str, state: dict) -> tuple[float, float, float, float]:
    with tempfile.TemporaryDirectory() as cache:
        out = run_python(CHILD.format(page=page, state=state), env={"VAE_CORE_CACHE": cache})
    return tuple(float(v) for v in out.split()[-4:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    repeats = parser.parse_args().repeats
    print_header()
    results = {name: [] for name in PAGES}
    for _ in range(repeats):  # in turns, so a change in the machine's load falls on both
        for name, (page, state) in PAGES.items():
            results[name].append(measure(page, state))
    med = {name: [statistics.median(r[i] for r in runs) for i in range(4)] for name, runs in results.items()}
    print(f"median of {repeats} fresh processes (server CPU s, wall s)")
    for name, (cpu, wall, warm_cpu, warm_wall) in med.items():
        print(f"  {name:32s} first open {cpu:6.2f} CPU s {wall:6.2f} s; again {warm_cpu:5.2f} CPU s {warm_wall:5.2f} s")
    ours, ref = med["compare, mnist-2d + mnist-16d"], med["latent map, mnist-16d"]
    print(f"ratio compare / latent map: first open {ours[0] / ref[0]:.2f}x CPU, again {ours[2] / ref[2]:.2f}x CPU "
          "(goal: at most 2x)")


if __name__ == "__main__":
    main()
