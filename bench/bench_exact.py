"""The exact log p(x) and true posterior of one image: server time, and accuracy against a fixed fine grid.

    python -m bench.bench_exact [--model mnist-2d] [--images 40] [--all N]

1. For --images real MNIST test images (../shared/data/mnist, evaluation only): time
   vae_core.exact_posterior (adaptive grid, log p(x), p(z|x), ELBO and gap) per image, with 2 and with 1 torch
   threads (--threads). Goal: median <= 300 ms.
   Reference in the same run: a fixed 401 x 401 grid over [-8, 8]^2 (what one would write first),
   its time and the largest |difference| in log p(x) (goal: <= 0.01 nats).
2. --all N: the first N test images exactly, against the IW estimate at K = 1000 (mean, and how far below).
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import torch

from bench.harness import MNIST_TEST, print_header, time_each, timed
from vae_core import exact_log_px, exact_posterior, iw_estimate, load_dataset, load_model
from vae_core.vae.model import log_standard_normal


@torch.no_grad()
def fixed_grid_log_px(model, x, half=8.0, n=401):
    axis = torch.linspace(-half, half, n, dtype=torch.float64)
    z = torch.cartesian_prod(axis, axis)
    vals = torch.cat([model.log_px_given_z(x, model.decoder_output(c.float())).double() + log_standard_normal(c)
                      for c in z.split(20_000)])
    return (torch.logsumexp(vals, 0) + 2 * math.log(axis[1] - axis[0])).item()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="mnist-2d")
    ap.add_argument("--images", type=int, default=40)
    ap.add_argument("--all", type=int, default=0, help="also evaluate the first N test images exactly vs IW")
    ap.add_argument("--threads", type=int, nargs="+", default=[2, 1],
                    help="torch intra-op threads to time the adaptive grid with (the first also for the reference)")
    args = ap.parse_args()
    print_header()
    model = load_model(args.model).eval()
    x = torch.from_numpy(load_dataset(f"idx:{MNIST_TEST}").x).float()
    # On a shared 2-core machine two intra-op threads wait on each other whenever another job takes a core;
    # one image's grids are small batches, so one thread is timed as well.
    def one_image(i):
        return exact_posterior(model, x[i:i + 1])

    by_threads = {}
    for threads in args.threads[1:]:
        torch.set_num_threads(threads)
        by_threads[threads] = time_each(one_image, range(args.images), warmup=1)
    torch.set_num_threads(args.threads[0])
    ours = time_each(one_image, range(args.images), warmup=1)
    # The reference on the first 10 images only: at about 2 s an image it would dominate the run.
    ref = time_each(lambda i: fixed_grid_log_px(model, x[i:i + 1]), range(min(10, args.images)))
    diffs = [abs(r - post.log_px) for r, post in zip(ref.results, ours.results)]
    by_threads = {args.threads[0]: ours, **by_threads}
    print(f"{args.model}: exact log p(x) + p(z|x) + gap, {args.images} test images")
    for threads, ts in by_threads.items():
        m = ts.median * 1000
        print(f"  adaptive grid, {threads} torch thread{'s' if threads > 1 else ''}: median {m:.0f} ms, p90 "
              f"{ts.percentile(90) * 1000:.0f} ms (goal <= 300 ms: {'met' if m <= 300 else 'NOT met'})")
    print(f"  mean exact gap {np.mean([post.gap for post in ours.results]):.2f} nats")
    print(f"  fixed 401x401 grid: median {ref.median * 1000:.0f} ms "
          f"(ratio {ref.median / ours.median:.1f}x); max |log p(x) difference| on {ref.n} images "
          f"{max(diffs):.4f} nats (goal <= 0.01)")
    if args.all:
        xs = x[:args.all]
        t_exact, exact = timed(exact_log_px, model, xs)
        torch.manual_seed(0)
        iw = torch.cat([iw_estimate(model, c, k=1000).log_px for c in xs.split(100)]).numpy()
        print(f"  first {args.all} test images: exact log p(x) {exact.mean():.3f}, IW K=1000 {iw.mean():.3f} "
              f"(IW below exact by {np.mean(exact - iw):.3f} on average, max {np.max(exact - iw):.2f}); "
              f"{t_exact:.0f} s for the exact pass")


if __name__ == "__main__":
    main()
