"""The first visit's server time, in fresh processes (issue 13 item 14): the latent map's first
switch to mnist-16d (AppTest, after the page has opened on mnist-2d) and the upload page's log p(x)
reference for mnist-16d. Each is measured with an empty disk cache (the first visit ever) and again
in a new process over the cache the first one left (a restarted server), alternating, best of --repeats.

    nice -n 10 python -m bench.bench_first_visit [--repeats 2]

The reference is also built in a background thread as soon as the upload page opens, so a visitor
who takes a few seconds to pick a file does not wait for it even on the first visit.
"""

from __future__ import annotations

import argparse
import tempfile

from bench.harness import REPO, load_average, print_header, run_python

CHILD = """
import logging, time
logging.disable(logging.WARNING)
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({page!r}, default_timeout=600).run()
assert not at.exception, at.exception
at.sidebar.selectbox(key="map_model").set_value("mnist-16d")
t = time.perf_counter(); at.run(); t_map = time.perf_counter() - t
assert not at.exception, at.exception
from app.upload import cache
t = time.perf_counter(); cache.reference("mnist-16d"); t_ref = time.perf_counter() - t
print(t_map, t_ref)
"""


def visit(cache_dir: str) -> tuple[float, float]:
    out = run_python(CHILD.format(page=str(REPO / "app/pages/latent_map.py")), env={"VAE_CORE_CACHE": cache_dir})
    t_map, t_ref = (float(v) for v in out.split()[-2:])
    return t_map, t_ref


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    repeats = parser.parse_args().repeats
    print_header()
    first, restart = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="vae_first_visit_") as cache_dir:
            first.append(visit(cache_dir))
            restart.append(visit(cache_dir))
    (m1, r1), (m2, r2) = (min(t[0] for t in first), min(t[1] for t in first)), \
        (min(t[0] for t in restart), min(t[1] for t in restart))
    print(f"server time, best of {repeats}; load average at the end {load_average()}")
    print(f"  latent map, first switch to mnist-16d: first visit {m1:5.2f} s, after a restart {m2:5.2f} s "
          f"({m1 / m2:.1f}x)")
    print(f"  upload, mnist-16d log p(x) reference:  first visit {r1:5.2f} s, after a restart {r2:5.2f} s "
          f"({r1 / r2:.1f}x)")


if __name__ == "__main__":
    main()
