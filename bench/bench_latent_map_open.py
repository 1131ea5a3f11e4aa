"""Where the latent map's first open of mnist-16d spends its server time, step by step (cProfile-free:
each step is timed alone, best of --repeats), with the 16-D density grid before and after issue 13,
and the mixture log-sum-exp before (torch.logsumexp over every component) and after (only the
components within PRUNE_NATS of the largest) on the page's two big evaluations.

    python -m bench.bench_latent_map_open [--repeats 3]

Before: the PCA plane's projected 2-D mixture on a 200 x 200 grid. After: the full-space
log q(z) - log p(z) on the plane (plane_log_ratio) on the 140 x 140 grid the page now uses.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import torch

from bench.harness import alternate, print_header, repeat
from vae_core import load_dataset, load_model
from vae_core.latent import aggregate
from vae_core.latent.aggregate import auto_box, encode_dataset, grid_axes, plane_log_ratio
from vae_core.latent.gaps import coverage_samples
from vae_core.latent.views import make_view


def full_logsumexp(z, w, const, diagonal, n, chunk):
    """The kernel before issue 13 item 14: exponentiate every component."""
    out = torch.empty(len(z), dtype=torch.float64)
    with torch.no_grad():
        for start in range(0, len(z), chunk):
            logits = torch.addmm(const, aggregate._features(z[start:start + chunk], diagonal), w)
            out[start:start + chunk] = torch.logsumexp(logits, dim=1) - math.log(n)
    return out.numpy()


def with_kernel(kernel, fn):
    pruned = aggregate._mixture_log_density
    aggregate._mixture_log_density = kernel
    try:
        return fn()
    finally:
        aggregate._mixture_log_density = pruned


def best(fn, repeats):
    """(fastest seconds, last result) of repeats calls."""
    runs = repeat(fn, repeats)
    return runs.min, runs.last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    repeats = parser.parse_args().repeats
    print_header()
    model, data = load_model("mnist-16d"), load_dataset("mnist-5k")
    t_enc, (mu, logvar) = best(lambda: encode_dataset(model, data.x), repeats)
    t_pca, view = best(lambda: make_view(mu, logvar, "pca"), repeats)
    t_cov, _ = best(lambda: coverage_samples(mu, logvar, 10_000, 0), repeats)
    lo, hi = auto_box(view.coords)

    def before():
        xs, ys = grid_axes(lo, hi, 200)
        return view.log_density_grid(xs, ys)

    def after():
        xs, ys = grid_axes(lo, hi, 140)
        gx, gy = np.meshgrid(xs, ys)
        return plane_log_ratio(np.column_stack([gx.ravel(), gy.ravel()]), view.basis, mu, logvar)

    t_before, _ = best(before, repeats)
    t_after, _ = best(after, repeats)
    print(f"mnist-16d on mnist-5k, best of {repeats}")
    print(f"  encode 5,000 images          {t_enc:7.3f} s")
    print(f"  PCA view                     {t_pca:7.3f} s")
    print(f"  coverage samples (2 x 10k)   {t_cov:7.3f} s")
    print(f"  density grid, before (200^2, projected 2-D q)       {t_before:7.3f} s")
    print(f"  density grid, after  (140^2, full-space log q/p)    {t_after:7.3f} s")
    print(f"  ratio before / after          {t_before / t_after:7.2f}x")
    pruned = aggregate._mixture_log_density
    for label, fn in (("coverage samples (2 x 10k)", lambda: coverage_samples(mu, logvar, 10_000, 0)),
                      ("density grid (140^2)", after)):
        # In turns, so a busy spell on the machine hits both kernels.
        full_runs, pruned_runs = alternate(lambda fn=fn: with_kernel(full_logsumexp, fn),
                                           lambda fn=fn: with_kernel(pruned, fn), repeats)
        t_full, t_pruned = full_runs.min, pruned_runs.min
        a, b = (getattr(out, "prior_log_ratio", out) for out in (full_runs.last, pruned_runs.last))
        print(f"  {label:28s} full logsumexp {t_full:6.3f} s, pruned {t_pruned:6.3f} s: "
              f"{t_full / t_pruned:4.2f}x, max |difference| {np.max(np.abs(a - b)):.1e} nats")


if __name__ == "__main__":
    main()
