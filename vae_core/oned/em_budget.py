"""How much EM a web visitor may ask for in one fit.

EM's cost is n points x K components per iteration (plus a fixed overhead per
iteration, about a thousand updates' worth in numpy), for up to max_iter
iterations and n_init restarts. The 1-D page allows 100,000 training points,
K = 50, 20 restarts and max_iter = 100,000 with tol = 0: about 10^13 updates,
days of CPU. A served page caps max_iter so the fit stays within a budget
(about ten seconds on a 2-core server) and says so, and runs scikit-learn's
cross-check, whose k-means initialisation alone took 150 s at 100,000 points,
K = 50 and 20 restarts, only below a size limit. The CLI and the API (a local
user's own machine) are not capped.
"""

from __future__ import annotations

MAX_EM_UPDATES = 300_000_000  # point-component updates per fit on the served page (~34 ns each here)
ITERATION_OVERHEAD = 1_000  # one EM iteration's fixed cost, in updates (35 us measured on 1,000 points)
MAX_CROSS_CHECK_SIZE = 2_000_000  # points x K x restarts for sklearn's cross-check (a few seconds)


def capped_max_iter(n_points: int, k: int, max_iter: int, n_init: int = 1, budget: int | None = None) -> int:
    """The largest max_iter (at least 1, at most the one asked for) that keeps the fit within budget."""
    budget = MAX_EM_UPDATES if budget is None else budget  # read at call time, so a server can change it
    per_iteration = max(1, int(n_init) * (int(n_points) * int(k) + ITERATION_OVERHEAD))
    return max(1, min(int(max_iter), budget // per_iteration))


def cross_check_allowed(n_points: int, k: int, n_init: int = 1) -> bool:
    return int(n_points) * int(k) * int(n_init) <= MAX_CROSS_CHECK_SIZE


def cap_message(n_points: int, k: int, max_iter: int, n_init: int, capped: int) -> str:
    return (f"This server runs at most {MAX_EM_UPDATES / 1e6:,.0f} million point-component updates per EM fit "
            f"(points x K x iterations x restarts), so max_iter is {capped:,} here instead of {max_iter:,} for "
            f"{n_points:,} training points, K = {k} and {n_init} restart{'s' if n_init != 1 else ''}. "
            "EM usually converges long before; the cross-check table says when it stopped at max_iter.")
