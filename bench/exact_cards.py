"""Write the exact test log-likelihood of the 2-D models into their model cards, beside the IW figure.

    python -m bench.exact_cards [--models mnist-2d] [--limit N] [--write-cards]

mnist-2d: the MNIST test set (../shared/data/mnist), all 10,000 images unless --limit (about an hour on a
2-core CPU at ~0.3 s an image); digits-2d: the 180 held-out images its card already uses. A model trained on
binarised pixels is evaluated on the seeded binarisation of those images (vae_core.data.binarize), the same
one bench.bench_quality uses. The IW estimate (K = 1000) is recomputed on exactly the same images so the two
figures compare. The block records the weights' hash: bench.bench_quality keeps it beside a new IW evaluation
only while the weights are the same.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import torch

from bench.harness import MNIST_TEST, print_header
from vae_core import load_dataset, load_model
from vae_core.cli.models import exact_summary
from vae_core.data.binarize import TEST_BINARIZE_SEED, binarize
from vae_core.latent.exact import exact_posterior
from vae_core.vae.model_card import write_card_section
from vae_core.vae.objectives import evaluate
from vae_core.vae.train import split_indices

CHECKPOINT_EVERY = 200


def images(name, model, limit):
    if model.card["data"]["name"] == "mnist-5k":
        x = torch.from_numpy(load_dataset(f"idx:{MNIST_TEST}").x[:limit])
        return x, ("the MNIST test set" if len(x) == 10_000 else f"the first {len(x):,} images of the MNIST test set")
    data = load_dataset(model.card["data"]["name"])
    cfg = model.card["train_config"]
    _, va = split_indices(len(data), cfg["val_fraction"], cfg["seed"])
    return torch.from_numpy(data.x[va]), f"the {len(va)} held-out {data.name} images (used only for early stopping)"


def exact_averages(model, x, ev, resume: str | None) -> dict:
    """exact_summary's figures, image by image; with --resume FILE the per-image values are saved every
    CHECKPOINT_EVERY images and a rerun continues where a stopped one left off (an hour of work is not lost)."""
    if resume is None:
        return exact_summary(model, x, None, ev)
    path = Path(resume)
    done = dict(np.load(path)) if path.exists() else {"log_px": np.zeros(0), "elbo": np.zeros(0)}
    if len(done["log_px"]) > len(x):
        raise SystemExit(f"{path} holds more images than asked for: remove it")
    log_px, elbo = list(done["log_px"]), list(done["elbo"])
    for i in range(len(log_px), len(x)):
        post = exact_posterior(model, x[i:i + 1])
        log_px.append(post.log_px), elbo.append(post.elbo)
        if (i + 1) % CHECKPOINT_EVERY == 0 or i + 1 == len(x):
            np.savez(path.with_suffix(".tmp.npz"), log_px=np.array(log_px), elbo=np.array(elbo))
            os.replace(path.with_suffix(".tmp.npz"), path)
            print(f"  {i + 1:,} of {len(x):,} images integrated", flush=True)
    lp, el = np.mean(log_px), np.mean(elbo)
    return {"exact_log_px": float(lp), "exact_nll": float(-lp), "exact_elbo": float(el), "exact_gap": float(lp - el),
            "iw_shortfall": float(lp - ev.iw_log_px)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["digits-2d", "mnist-2d"])
    ap.add_argument("--limit", type=int, help="the first N test images only (default: all)")
    ap.add_argument("--k", type=int, default=1000)
    ap.add_argument("--resume", help="a .npz file (outside the repository) to keep per-image exact values in")
    ap.add_argument("--write-cards", action="store_true")
    args = ap.parse_args()
    print_header()
    for name in args.models:
        model = load_model(name).eval()
        x, where = images(name, model, args.limit)
        seed = TEST_BINARIZE_SEED if model.config.binarized else None
        if seed is not None:
            where += f", binarised with seed {seed}"
        torch.manual_seed(0)
        start = time.perf_counter()
        ev = evaluate(model, x, k=args.k, binarize_seed=seed)
        exact = exact_averages(model, x if seed is None else binarize(x, seed), ev, args.resume)
        block = {"data": where, "n": len(x), "k": args.k, "iw_log_px": ev.iw_log_px, "iw_se": ev.iw_se,
                 "median_ess": ev.median_ess, "low_ess_fraction": ev.low_ess_fraction, "elbo": ev.elbo,
                 "binarize_seed": seed, "weights_sha256": model.card.get("weights_sha256"), **exact}
        print(f"{name} on {where}: exact log p(x) {exact['exact_log_px']:.3f}, IW K={args.k} {ev.iw_log_px:.3f} "
              f"± {ev.iw_se:.3f} (IW below exact by {exact['iw_shortfall']:.3f}); exact gap {exact['exact_gap']:.3f}, "
              f"IW - ELBO {ev.gap:.3f} (a bound on it); median ESS {ev.median_ess:.0f}; "
              f"{time.perf_counter() - start:.0f} s", flush=True)
        if args.write_cards:
            # Merged: the IW evaluation bench.bench_quality wrote stays beside the exact figures.
            sidecar_path = write_card_section(name, "evaluation", {"exact": block}, merge=True)
            print(f"  wrote {sidecar_path} and README.md")


if __name__ == "__main__":
    main()
