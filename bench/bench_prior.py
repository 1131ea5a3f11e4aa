"""A prior fitted by EM to the aggregate posterior, against N(0, I) and the quick baseline, in one run.

    python bench/bench_prior.py [--models mnist-2d mnist-16d] [--limit 2000] [--k-iw 100]

For each model: ours = vae_core.fit_latent_prior (K chosen by held-out log-likelihood, 8 samples of q(z|x) per
training image); baseline = GaussianMixture(30, full covariances) on 4 samples of q(z|x) per training image.
Figures on the first --limit MNIST test images (../shared/data/mnist): average ELBO (16 draws) and IW log p(x)
(K = --k-iw) with p(z) replaced by each prior; for 2-D the fraction of 10,000 samples of each prior that land
in its gaps (log q(z) - log prior(z) < -2, q(z) the training set's aggregate posterior); and the mean confidence and
class balance of a logistic-regression classifier (trained on mnist-5k pixels, independent of the VAE) on 2,000
decoded samples of each prior.
Goals: mnist-16d ELBO gain > baseline's; mnist-2d gap fraction <= 1%; confidence above N(0, I)'s, no class missing.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import GaussianMixture

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vae_core import load_dataset, load_model  # noqa: E402
from vae_core.latent.aggregate import encode_dataset, log_aggregate_density  # noqa: E402
from vae_core.latent.prior import LatentPrior, code_samples, elbo_with_prior, fit_latent_prior  # noqa: E402
from vae_core.vae.model import log_normal, log_standard_normal  # noqa: E402

TEST_SET = ROOT.parent / "shared" / "data" / "mnist" / "t10k"


def baseline(model, x) -> LatentPrior:
    codes = code_samples(model, x, 4, seed=1).reshape(-1, model.config.latent_dim)
    g = GaussianMixture(30, covariance_type="full", random_state=0).fit(codes)
    return LatentPrior(g.weights_, g.means_, g.covariances_, None, {}, g)


class Standard:
    def sample(self, n, seed=0):
        return np.random.default_rng(seed).standard_normal((n, self.d))

    def log_prob(self, z):
        return log_standard_normal(torch.as_tensor(z)).numpy()

    def __init__(self, d):
        self.d = d


@torch.no_grad()
def iw_with_prior(model, x, prior, k):
    mu, logvar = model.encode(x)
    torch.manual_seed(0)
    z = model.reparameterize(mu, logvar, k)
    log_g = log_standard_normal(z).double() if prior is None else prior.log_prob_torch(z)
    log_w = log_g + model.log_px_given_z(x, model.decoder_output(z)).double() - log_normal(z, mu, logvar).double()
    return float((torch.logsumexp(log_w, 0) - math.log(k)).mean())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="+", default=["mnist-2d", "mnist-16d"])
    ap.add_argument("--limit", type=int, default=2000)
    ap.add_argument("--k-iw", type=int, default=100)
    args = ap.parse_args()
    train = load_dataset("mnist-5k")
    x_train = torch.from_numpy(train.x).float()
    x_test = torch.from_numpy(load_dataset(f"idx:{TEST_SET}").x[: args.limit]).float()
    clf = LogisticRegression(max_iter=300).fit(train.x.reshape(len(train.x), -1), train.y)
    print(f"classifier: logistic regression on mnist-5k pixels; test accuracy "
          f"{clf.score(x_test.numpy().reshape(len(x_test), -1), load_dataset(f'idx:{TEST_SET}').y[:args.limit]):.3f}")
    for name in args.models:
        model = load_model(name).eval()
        d = model.config.latent_dim
        t = time.perf_counter()
        ours = fit_latent_prior(model, x_train)
        t_ours = time.perf_counter() - t
        base = baseline(model, x_train)
        mu, logvar = encode_dataset(model, train.x)
        priors = {"N(0, I)": None, f"ours (K = {ours.k})": ours, "baseline (K = 30)": base}
        print(f"{name} ({d}-D), first {len(x_test)} test images; our fit {t_ours:.0f} s, "
              f"held-out log g by K: {', '.join(f'{k}: {v:.2f}' for k, v in ours.held_out_log_lik.items())}")
        ref = None
        for label, prior in priors.items():
            elbo = float(np.mean(np.concatenate([elbo_with_prior(model, c, prior, samples=16)["elbo"]
                                                 for c in x_test.split(500)])))
            iw = np.mean([iw_with_prior(model, c, prior, args.k_iw) for c in x_test.split(250)])
            ref = elbo if ref is None else ref
            sampler = Standard(d) if prior is None else prior
            z = sampler.sample(10_000, seed=1)
            gaps = ""
            if d == 2:
                frac = np.mean(log_aggregate_density(z, mu, logvar) - sampler.log_prob(z) < -2.0)
                gaps = f"  in gaps (tau=2) {frac:6.2%}"
            with torch.no_grad():
                images = model.decode(torch.as_tensor(z[:2000], dtype=torch.float32)).numpy()
            proba = clf.predict_proba(images)
            counts = np.bincount(proba.argmax(1), minlength=10) / len(proba)
            print(f"  {label:<18} test ELBO {elbo:8.2f} (gain {elbo - ref:+.2f})  IW(K={args.k_iw}) {iw:8.2f}"
                  f"{gaps}  classifier confidence {proba.max(1).mean():.3f}, class shares "
                  f"{min(counts):.1%}..{max(counts):.1%}{'' if counts.min() > 0 else ' (a class missing)'}",
                  flush=True)


if __name__ == "__main__":
    main()
