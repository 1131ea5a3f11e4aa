"""Benchmark for the 1-D page: fit quality against the truth, and EM speed
against scikit-learn's GaussianMixture.

    python -m bench.bench_1d [--repeats 5] [--vae-steps 3000]
"""

from __future__ import annotations

import argparse
import os
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import torch
from sklearn.mixture import GaussianMixture

from bench.harness import alternate, print_header, timed
from vae_core.oned import data1d, gmm1d, vae1d

torch.set_num_threads(1)


def quality(vae_steps: int) -> None:
    spec = data1d.DEFAULT_MIXTURE
    train = data1d.sample(spec, 5000, seed=0)
    test = data1d.sample(spec, 5000, seed=1)
    truth_test = float(np.mean(data1d.log_density(spec, test)))
    print("== Quality: default mixture, 5,000 train / 5,000 test ==")
    print(f"truth: -entropy {-data1d.entropy(spec):.4f}   test mean log-lik {truth_test:.4f} (the reference)")
    gmm_s, gmm = timed(gmm1d.GaussianMixture1D(3, tol=1e-6, max_iter=5000, random_state=0).fit, train)
    vae = vae1d.train_vae1d(train, vae1d.VAE1DConfig(steps=vae_steps, seed=0))
    rows = [("GMM K=3 (EM)", gmm.score(train), gmm.score(test), data1d.kl_from_truth(spec, gmm.score_samples),
             gmm_s, 0.01),
            ("VAE z in R, sigma(z)", vae.score(train), vae.score(test), data1d.kl_from_truth(spec, vae.log_density),
             vae.fit_seconds, 0.05)]
    print(f"{'model':22s} {'train':>8s} {'test':>8s} {'|test-truth|':>12s} {'KL(truth||fit)':>14s} "
          f"{'fit s':>6s}  target")
    for name, tr, te, kl, secs, target in rows:
        gap = abs(te - truth_test)
        print(f"{name:22s} {tr:8.4f} {te:8.4f} {gap:12.4f} {kl:14.4f} {secs:6.2f}  <= {target}: "
              f"{'PASS' if gap <= target else 'FAIL'}")
    print(f"VAE test ELBO {np.mean(vae.elbo(test)):.4f} (<= its log-lik {vae.score(test):.4f})")


def speed(repeats: int, seeds: int) -> None:
    print("\n== Speed: EM vs sklearn GaussianMixture, 100,000 points, K=3, tol=1e-3 ==")
    x = data1d.sample(data1d.DEFAULT_MIXTURE, 100_000, seed=1)
    column = x[:, None]
    print(f"best of {repeats} repeats each, ours and sklearn in turns in one process; seeds 0..{seeds - 1}")
    print(f"{'seed':>4s} {'ours s':>8s} {'sklearn s':>9s} {'ratio':>6s} {'ours ll':>10s} {'sklearn ll':>10s} "
          f"{'diff':>9s} {'iters':>7s}")
    ratios, diffs, sk_lls = [], [], []
    for seed in range(seeds):
        ours_runs, sk_runs = alternate(lambda seed=seed: gmm1d.GaussianMixture1D(3, tol=1e-3, random_state=seed).fit(x),
                                       lambda seed=seed: GaussianMixture(3, tol=1e-3, random_state=seed).fit(column),
                                       repeats)
        (ours_t, ours), (sk_t, sk) = (ours_runs.min, ours_runs.last), (sk_runs.min, sk_runs.last)
        ours_ll, sk_ll = ours.score(x), sk.score(column)
        ratios.append(ours_t / sk_t)
        diffs.append(ours_ll - sk_ll)
        sk_lls.append(sk_ll)
        print(f"{seed:4d} {ours_t:8.4f} {sk_t:9.4f} {ours_t / sk_t:6.3f} {ours_ll:10.6f} {sk_ll:10.6f} "
              f"{ours_ll - sk_ll:+9.2e} {ours.n_iter_:3d}/{sk.n_iter_:<3d}")
    print(f"max time ratio {max(ratios):.3f} (target <= 1.0: {'PASS' if max(ratios) <= 1.0 else 'FAIL'})")
    ok = sum(d >= -1e-4 for d in diffs)
    print(f"final ll >= sklearn's - 1e-4 on {ok}/{seeds} seeds; mean diff {np.mean(diffs):+.2e}, "
          f"min {min(diffs):+.2e}")
    # At tol=1e-3 where EM stops depends on the start, so sklearn does not meet this bar against itself either.
    spread = max(sk_lls) - min(sk_lls)
    print(f"sklearn against itself across these seeds: final ll spread {spread:.2e} "
          f"({'within' if spread <= 1e-4 else 'beyond'} 1e-4)")

    print("\nSame initialisation for both (sklearn given our k-means++ start), so only the EM loop differs:")
    start = gmm1d.initial_params(x, 3, "kmeans++", np.random.default_rng(0), 1e-6)
    ours_runs, sk_runs = alternate(
        lambda: gmm1d.GaussianMixture1D(3, tol=1e-3, init_params=start).fit(x),
        lambda: GaussianMixture(3, tol=1e-3, weights_init=start.weights, means_init=start.means[:, None],
                                precisions_init=(1 / start.variances)[:, None, None]).fit(column), repeats)
    (ours_t, ours), (sk_t, sk) = (ours_runs.min, ours_runs.last), (sk_runs.min, sk_runs.last)
    print(f"ours {ours_t:.4f} s, sklearn {sk_t:.4f} s, ratio {ours_t / sk_t:.3f}; "
          f"iterations {ours.n_iter_}/{sk.n_iter_}; "
          f"final ll {ours.score(x):.6f} vs {sk.score(column):.6f} (diff {ours.score(x) - sk.score(column):+.1e}; "
          f"sklearn adds reg_covar=1e-6 to variances, we floor them)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--vae-steps", type=int, default=3000)
    args = parser.parse_args()
    print_header()
    warnings.simplefilter("ignore")
    quality(args.vae_steps)
    speed(args.repeats, args.seeds)


if __name__ == "__main__":
    main()
